using UniML.Engine.Primitives;

namespace UniML.Engine.Operators.Onnx;

/// <summary>ReverseSequence: for each batch entry, reverses the first sequence_lens[b] steps along the time axis.</summary>
internal sealed class ReverseSequence(long batchAxis, long timeAxis) : ElementMoveKernel
{
    public static Kernel Create(NodeInfo node)
    {
        long b = node.GetInt("batch_axis", 1), t = node.GetInt("time_axis", 0);
        if (b is not (0 or 1) || t is not (0 or 1) || b == t) throw node.Invalid($"batch_axis {b} and time_axis {t} must be 0 and 1 in some order");
        return new ReverseSequence(b, t);
    }

    protected override void Run<T>(KernelContext context)
    {
        var x = context.Input(0);
        if (x.Rank < 2) throw new InferenceException($"input must have rank 2 or more, got {x.ShapeString}");
        var lensInput = context.Input(1);
        int batches = x.Shape[(int)batchAxis], steps = x.Shape[(int)timeAxis];
        if (lensInput.Length != batches) throw new InferenceException($"sequence_lens has {lensInput.Length} entries for {batches} batch entries");
        Span<long> lens = stackalloc long[batches];
        ShapeInputs.ReadInt64(lensInput, lens);
        var src = ElementView.Of<T>(x);
        var dst = ElementView.Of<T>(context.Output(0, x.Type, x));
        int inner = ShapeInputs.Product(x.Shape, 2, x.Rank);
        long sBatch = batchAxis == 0 ? (long)steps * inner : inner;
        long sTime = timeAxis == 0 ? (long)batches * inner : inner;
        for (int b = 0; b < batches; b++)
        {
            long len = lens[b];
            if (len < 0 || len > steps) throw new InferenceException($"sequence length {len} is out of range [0, {steps}]");
            for (int t = 0; t < steps; t++)
            {
                long from = t < len ? len - 1 - t : t;
                src.Slice((int)(b * sBatch + from * sTime), inner).CopyTo(dst.Slice((int)(b * sBatch + t * sTime), inner));
            }
        }
    }
}
