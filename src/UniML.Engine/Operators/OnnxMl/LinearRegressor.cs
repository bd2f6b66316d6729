using System.Numerics.Tensors;
using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.OnnxMl;

/// <summary>LinearRegressor (ai.onnx.ml 1): Y = X·Wᵀ + b for each target, then post_transform.</summary>
internal sealed class LinearRegressor : Kernel
{
    readonly float[] _weights;
    readonly float[] _intercepts;
    readonly int _targets;
    readonly PostTransform _post;
    /// <summary>Wᵀ packed for the SGEMM: batches run as one rows × targets product.</summary>
    readonly PackedMatrix _packed;
    readonly PaddedRows? _padded;

    LinearRegressor(float[] weights, float[] intercepts, int targets, PostTransform post)
    {
        _weights = weights;
        _intercepts = intercepts;
        _targets = targets;
        _post = post;
        int features = weights.Length / targets;
        _packed = Gemm.PackB(weights, features, transposed: true, features, targets);
        _padded = targets <= Gemv.MaxRows && Gemv.IsAccelerated ? Gemv.Pad(weights, targets, features) : null;
    }

    public static Kernel Create(NodeInfo node)
    {
        MlAttributes.RejectUnknown(node, "coefficients", "intercepts", "post_transform", "targets");
        MlInput.CheckNumeric(node);
        long targets = node.GetInt("targets", 1);
        var weights = node.GetFloats("coefficients") ?? throw node.Invalid("attribute 'coefficients' is missing");
        if (targets <= 0 || weights.Length == 0 || weights.Length % targets != 0)
            throw node.Invalid($"{weights.Length} coefficients do not divide into {targets} targets");
        var intercepts = node.GetFloats("intercepts") ?? [];
        if (intercepts.Length == 0) intercepts = new float[targets];
        if (intercepts.Length != targets) throw node.Invalid($"intercepts has {intercepts.Length} values for {targets} targets");
        return new LinearRegressor(weights, intercepts, (int)targets, MlAttributes.PostTransform(node));
    }

    public override void Run(KernelContext context)
    {
        var xt = context.Input(0);
        MlInput.Matrix(xt, out int n, out int columns);
        int features = _weights.Length / _targets;
        if (columns != features)
            throw new InferenceException($"input has {columns} features, the model has {features}");
        var x = MlInput.Floats(context, xt);
        var y = context.Output(0, ElementType.Float, [n, _targets]).Span<float>();
        if (_padded is not null) Gemv.Multiply(x, n, _padded, _intercepts, y, _targets);
        else if (n >= LinearClassifier.GemmRows)
        {
            for (int r = 0; r < n; r++) _intercepts.CopyTo(y.Slice(r * _targets, _targets));
            var ws = context.Scratch<float>(Gemm.WorkspaceSize(n, _targets, features, false, true), 0);
            Gemm.Multiply(n, _targets, features, 1f, new GemmOperand(x, features, false), new GemmOperand(_packed), 1f, y, _targets, ws);
        }
        else
        {
            var w = _weights.AsSpan();
            for (int r = 0; r < n; r++)
            {
                var row = x.Slice(r * columns, columns);
                var dst = y.Slice(r * _targets, _targets);
                for (int t = 0; t < _targets; t++)
                    dst[t] = TensorPrimitives.Dot(row, w.Slice(t * columns, columns)) + _intercepts[t];
            }
        }
        PostTransforms.ApplyRows(_post, y, n, _targets);
    }
}
