using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// MeanVarianceNormalization: (X − mean) / (√(E[X²] − mean²) + 1e-9) with mean and E[X²] over
/// <c>axes</c> (default [0, 2, 3]); the 1e-9 guard is the one the ONNX function body uses.
/// </summary>
internal sealed class MeanVarianceNormalization : Kernel
{
    readonly long[] _axes;

    MeanVarianceNormalization(long[] axes) => _axes = axes;

    public static Kernel Create(NodeInfo node)
    {
        if (node.InputTypes[0] is { } t && t is not (ElementType.Float or ElementType.Double))
            throw node.Unsupported($"MeanVarianceNormalization of {ElementTypeInfo.OnnxName(t)} is not implemented");
        return new MeanVarianceNormalization(node.GetInts("axes") ?? [0, 2, 3]);
    }

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        int rank = x.Rank;
        Span<bool> reduced = stackalloc bool[rank];
        foreach (var a in _axes)
        {
            long axis = a < 0 ? a + rank : a;
            if (axis < 0 || axis >= rank) throw new InferenceException($"MeanVarianceNormalization axis {a} is out of range for {x.ShapeString}");
            reduced[(int)axis] = true;
        }
        // Group of each element = its index over the kept axes; statistics are accumulated per group.
        int groups = 1;
        for (int i = 0; i < rank; i++) if (!reduced[i]) groups *= x.Shape[i];
        int count = groups == 0 ? 0 : x.Length / groups;
        var sums = context.Scratch<double>(2 * groups);
        sums.Clear();
        var y = context.Output(0, x.Type, x);
        if (x.Type == ElementType.Float) Run(x.Span<float>(), y.Span<float>(), x.Shape, reduced, sums, groups, count);
        else if (x.Type == ElementType.Double) Run(x.Span<double>(), y.Span<double>(), x.Shape, reduced, sums, groups, count);
        else throw new InferenceException($"MeanVarianceNormalization does not support {x.TypeName}");
    }

    static void Run<T>(ReadOnlySpan<T> x, Span<T> y, ReadOnlySpan<int> shape, ReadOnlySpan<bool> reduced, Span<double> sums, int groups, int count)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var sum = sums[..groups];
        var sq = sums[groups..];
        int rank = shape.Length;
        Span<int> index = stackalloc int[rank];
        for (int pass = 0; pass < 2; pass++)
        {
            index.Clear();
            for (int i = 0; i < x.Length; i++)
            {
                int g = 0;
                for (int d = 0; d < rank; d++) if (!reduced[d]) g = g * shape[d] + index[d];
                double v = double.CreateTruncating(x[i]);
                if (pass == 0) { sum[g] += v; sq[g] += v * v; }
                else
                {
                    double mean = sum[g] / count;
                    double std = Math.Sqrt(Math.Max(sq[g] / count - mean * mean, 0));
                    y[i] = T.CreateTruncating((v - mean) / (std + 1e-9));
                }
                for (int d = rank - 1; d >= 0; d--)
                {
                    if (++index[d] < shape[d]) break;
                    index[d] = 0;
                }
            }
        }
    }
}
