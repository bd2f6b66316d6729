using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// LRN (local response normalisation across channels):
/// y = x / (bias + alpha/size · Σ x²)^beta over channels c − ⌊(size−1)/2⌋ … c + ⌈(size−1)/2⌉.
/// </summary>
internal sealed class Lrn : Kernel
{
    readonly int _size;
    readonly float _alpha, _beta, _bias;

    Lrn(int size, float alpha, float beta, float bias)
    {
        _size = size;
        _alpha = alpha;
        _beta = beta;
        _bias = bias;
    }

    public static Kernel Create(NodeInfo node)
    {
        long size = node.GetInt("size");
        if (size < 1 || size > int.MaxValue) throw node.Invalid($"size {size} must be positive");
        if (node.InputTypes[0] is { } t && t is not (ElementType.Float or ElementType.Double))
            throw node.Unsupported($"LRN of {ElementTypeInfo.OnnxName(t)} is not implemented");
        return new Lrn((int)size, node.GetFloat("alpha", 1e-4f), node.GetFloat("beta", 0.75f), node.GetFloat("bias", 1f));
    }

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        if (x.Rank < 2) throw new InferenceException($"LRN needs rank 2 or more, got {x.ShapeString}");
        var y = context.Output(0, x.Type, x);
        if (x.Type == ElementType.Float) Run(x.Span<float>(), y.Span<float>(), x.Shape);
        else if (x.Type == ElementType.Double) Run(x.Span<double>(), y.Span<double>(), x.Shape);
        else throw new InferenceException($"LRN does not support {x.TypeName}");
    }

    void Run<T>(ReadOnlySpan<T> x, Span<T> y, ReadOnlySpan<int> shape) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int n = shape[0], c = shape[1];
        int plane = n * c == 0 ? 0 : x.Length / (n * c);
        int before = (_size - 1) / 2, after = _size - 1 - before;
        double scale = (double)_alpha / _size;
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
            {
                int lo = Math.Max(0, ch - before), hi = Math.Min(c - 1, ch + after);
                for (int i = 0; i < plane; i++)
                {
                    double sum = 0;
                    for (int k = lo; k <= hi; k++)
                    {
                        double v = double.CreateTruncating(x[(b * c + k) * plane + i]);
                        sum += v * v;
                    }
                    int at = (b * c + ch) * plane + i;
                    y[at] = T.CreateTruncating(double.CreateTruncating(x[at]) / Math.Pow(_bias + scale * sum, _beta));
                }
            }
    }
}
