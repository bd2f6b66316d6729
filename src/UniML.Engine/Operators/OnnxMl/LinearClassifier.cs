using System.Numerics.Tensors;
using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.OnnxMl;

/// <summary>
/// LinearClassifier (ai.onnx.ml 1): scores = X·Wᵀ + b, then post_transform; label = arg max. With one
/// coefficient row and two classes the scores are [−s, s] (binary logistic regression).
/// </summary>
internal sealed class LinearClassifier : Kernel
{
    readonly float[] _weights; // [rows, features]
    readonly float[] _intercepts;
    readonly int _rows;
    readonly int _features;
    readonly PostTransform _post;
    readonly long[]? _labelsInt;
    readonly string[]? _labelsString;
    readonly bool _binary;
    /// <summary>Wᵀ packed for the SGEMM: batches run as one rows × classes product.</summary>
    readonly PackedMatrix _packed;
    /// <summary>The weight rows for the few-class path (null when there are more than <see cref="Gemv.MaxRows"/>).</summary>
    readonly PaddedRows? _padded;

    /// <summary>Rows from which the batch goes through the SGEMM instead of a dot product per row and class.</summary>
    internal const int GemmRows = 8;

    LinearClassifier(float[] weights, float[] intercepts, int rows, PostTransform post, long[]? labelsInt, string[]? labelsString)
    {
        _weights = weights;
        _intercepts = intercepts;
        _rows = rows;
        _features = weights.Length / rows;
        _post = post;
        _labelsInt = labelsInt;
        _labelsString = labelsString;
        _binary = rows == 1 && (labelsInt?.Length ?? labelsString?.Length ?? 0) == 2;
        _packed = Gemm.PackB(weights, _features, transposed: true, _features, rows);
        _padded = rows <= Gemv.MaxRows && Gemv.IsAccelerated ? Gemv.Pad(weights, rows, _features) : null;
    }

    public static Kernel Create(NodeInfo node)
    {
        MlAttributes.RejectUnknown(node, "classlabels_ints", "classlabels_strings", "coefficients", "intercepts", "multi_class", "post_transform");
        MlInput.CheckNumeric(node);
        var weights = node.GetFloats("coefficients") ?? throw node.Invalid("attribute 'coefficients' is missing");
        var labelsInt = node.GetInts("classlabels_ints");
        var labelsString = node.GetStrings("classlabels_strings");
        if (labelsInt is { Length: 0 }) labelsInt = null;
        if (labelsString is { Length: 0 }) labelsString = null;
        if (labelsInt is not null && labelsString is not null)
            throw node.Invalid("classlabels_ints and classlabels_strings are both set");
        var intercepts = node.GetFloats("intercepts") ?? [];
        int rows = intercepts.Length > 0 ? intercepts.Length : labelsInt?.Length ?? labelsString?.Length ?? 1;
        if (rows == 2 && weights.Length % 2 != 0) rows = 1;
        if (weights.Length == 0 || weights.Length % rows != 0)
            throw node.Invalid($"{weights.Length} coefficients do not divide into {rows} class rows");
        if (intercepts.Length == 0) intercepts = new float[rows];
        if (intercepts.Length != rows) throw node.Invalid($"intercepts has {intercepts.Length} values for {rows} class rows");
        return new LinearClassifier(weights, intercepts, rows, MlAttributes.PostTransform(node), labelsInt, labelsString);
    }

    /// <summary>Scores of a batch: intercepts, then X·Wᵀ accumulated onto them by the SGEMM.</summary>
    void Scores(KernelContext context, ReadOnlySpan<float> x, int n, Span<float> y, int width)
    {
        var ws = context.Scratch<float>(Gemm.WorkspaceSize(n, _rows, _features, false, true), 0);
        if (_binary)
        {
            // s lands in column 1 (stride 2), then column 0 = −s.
            for (int r = 0; r < n; r++) y[2 * r + 1] = _intercepts[0];
            Gemm.Multiply(n, 1, _features, 1f, new GemmOperand(x, _features, false), new GemmOperand(_packed), 1f, y.Slice(1, 2 * n - 1), 2, ws);
            for (int r = 0; r < n; r++) y[2 * r] = -y[2 * r + 1];
            return;
        }
        for (int r = 0; r < n; r++) _intercepts.CopyTo(y.Slice(r * width, width));
        Gemm.Multiply(n, _rows, _features, 1f, new GemmOperand(x, _features, false), new GemmOperand(_packed), 1f, y, width, ws);
    }

    public override void Run(KernelContext context)
    {
        var xt = context.Input(0);
        MlInput.Matrix(xt, out int n, out int columns);
        if (columns != _features)
            throw new InferenceException($"input has {columns} features, the model has {_features}");
        var x = MlInput.Floats(context, xt);
        int width = _binary ? 2 : _rows;
        var y = context.Output(1, ElementType.Float, [n, width]).Span<float>();
        var labels = context.Output(0, _labelsString is null ? ElementType.Int64 : ElementType.String, [n]);
        if (_padded is not null)
        {
            if (_binary)
            {
                Gemv.Multiply(x, n, _padded, _intercepts, y.Slice(1, 2 * n - 1), 2);
                for (int r = 0; r < n; r++) y[2 * r] = -y[2 * r + 1];
            }
            else Gemv.Multiply(x, n, _padded, _intercepts, y, width);
        }
        else if (n >= GemmRows) Scores(context, x, n, y, width);
        else
        {
            var w = _weights.AsSpan();
            for (int r = 0; r < n; r++)
            {
                var row = x.Slice(r * columns, columns);
                var dst = y.Slice(r * width, width);
                if (_binary)
                {
                    float s = TensorPrimitives.Dot(row, w) + _intercepts[0];
                    dst[0] = -s;
                    dst[1] = s;
                }
                else
                    for (int c = 0; c < _rows; c++)
                        dst[c] = TensorPrimitives.Dot(row, w.Slice(c * columns, columns)) + _intercepts[c];
            }
        }
        PostTransforms.ApplyRows(_post, y, n, width);
        var strings = _labelsString is not null ? labels.Strings() : default;
        var ints = _labelsString is null ? labels.Span<long>() : default;
        for (int r = 0; r < n; r++)
        {
            var dst = y.Slice(r * width, width);
            int index;
            if (width > 1) index = TreeEnsembleClassifier.ArgMax(dst);
            else
            {
                // A single score: the spec's threshold form (0 for raw scores, 0.5 for probabilities).
                float threshold = _post == PostTransform.None ? 0f : 0.5f;
                index = dst[0] >= threshold ? 0 : -1;
            }
            if (_labelsString is not null) strings[r] = index >= 0 ? _labelsString[index] : "";
            else if (_labelsInt is not null) ints[r] = index >= 0 ? _labelsInt[index] : 0;
            else ints[r] = width > 1 ? index : index + 1;
        }
    }
}
