using System.Numerics.Tensors;
using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.OnnxMl;

/// <summary>
/// SVMRegressor (ai.onnx.ml 1): rho + Σ coef·K(x, sv) with support vectors, or rho + coef·x without;
/// one_class maps the score to +1/−1.
/// </summary>
internal sealed class SVMRegressor : Kernel
{
    readonly SvmKernel _kernel;
    readonly float[] _vectors;
    readonly float[] _coefficients;
    readonly float _rho;
    readonly int _supports;
    readonly int _features;
    readonly bool _oneClass;
    readonly PostTransform _post;

    SVMRegressor(NodeInfo node)
    {
        _kernel = new SvmKernel(node);
        _post = MlAttributes.PostTransform(node);
        _coefficients = node.GetFloats("coefficients") ?? throw node.Invalid("attribute 'coefficients' is missing");
        var rho = node.GetFloats("rho") ?? [];
        _rho = rho.Length > 0 ? rho[0] : 0;
        _vectors = node.GetFloats("support_vectors") ?? [];
        _supports = (int)node.GetInt("n_supports", 0);
        _oneClass = node.GetInt("one_class", 0) != 0;
        if (_supports > 0)
        {
            if (_vectors.Length % _supports != 0) throw node.Invalid("support_vectors does not divide into n_supports");
            if (_coefficients.Length < _supports) throw node.Invalid("coefficients has fewer values than n_supports");
            _features = _vectors.Length / _supports;
        }
        else _features = _coefficients.Length;
    }

    public static Kernel Create(NodeInfo node)
    {
        MlAttributes.RejectUnknown(node, "coefficients", "kernel_params", "kernel_type", "n_supports", "one_class", "post_transform", "rho", "support_vectors", "n_targets");
        MlInput.CheckNumeric(node);
        if (node.GetInt("n_targets", 1) != 1) throw node.Unsupported("n_targets other than 1 is not supported");
        return new SVMRegressor(node);
    }

    public override void Run(KernelContext context)
    {
        var xt = context.Input(0);
        MlInput.Matrix(xt, out int n, out int columns);
        if (columns != _features) throw new InferenceException($"input has {columns} features, the model has {_features}");
        var x = MlInput.Floats(context, xt);
        var y = context.Output(0, ElementType.Float, [n, 1]).Span<float>();
        var kernels = context.Scratch<float>(Math.Max(_supports, 1), 0);
        for (int r = 0; r < n; r++)
        {
            var row = x.Slice(r * columns, columns);
            double s = _rho;
            if (_supports > 0)
            {
                _kernel.Evaluate(row, _vectors, kernels.Slice(0, _supports));
                for (int j = 0; j < _supports; j++) s += (double)_coefficients[j] * kernels[j];
            }
            else s += TensorPrimitives.Dot(row, _coefficients);
            if (_oneClass) s = s > 0 ? 1 : -1;
            y[r] = (float)s;
            if (_post != PostTransform.None) PostTransforms.Apply(_post, y.Slice(r, 1));
        }
    }
}
