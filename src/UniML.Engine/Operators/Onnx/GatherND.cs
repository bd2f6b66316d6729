using UniML.Engine.Primitives;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// GatherND: each index tuple (the indices' last axis, length k) picks a slice data[b..., i_0..i_(k-1), ...]
/// after the first batch_dims axes, which data and indices share.
/// </summary>
internal sealed class GatherND(int batchDims) : ElementMoveKernel
{
    public static Kernel Create(NodeInfo node)
    {
        long b = node.GetInt("batch_dims", 0);
        if (b < 0) throw node.Invalid($"batch_dims {b} is negative");
        return new GatherND((int)b);
    }

    protected override void Run<T>(KernelContext context)
    {
        var data = context.Input(0);
        var indices = context.Input(1);
        if (indices.Type != UniML.Onnx.ElementType.Int64) throw new InferenceException($"indices must be int64, got {indices.TypeName}");
        int r = data.Rank, q = indices.Rank, b = batchDims;
        if (q < 1 || b >= Math.Min(r, q)) throw new InferenceException($"batch_dims {b} needs data and indices of higher rank ({r}, {q})");
        int k = indices.Shape[q - 1];
        if (k < 1 || b + k > r) throw new InferenceException($"index tuples of length {k} do not fit data of rank {r} with batch_dims {b}");
        for (int i = 0; i < b; i++)
            if (data.Shape[i] != indices.Shape[i])
                throw new InferenceException($"batch dimension {i} differs: data {data.ShapeString}, indices {indices.ShapeString}");

        int outRank = q - 1 + r - b - k;
        Span<int> shape = stackalloc int[outRank];
        indices.Shape[..(q - 1)].CopyTo(shape);
        data.Shape[(b + k)..].CopyTo(shape[(q - 1)..]);
        var y = context.Output(0, data.Type, shape);
        var src = ElementView.Of<T>(data);
        var dst = ElementView.Of<T>(y);
        var idx = indices.Span<long>();

        Span<long> strides = stackalloc long[r];
        StridedCopy.DenseStrides(data.Shape, strides);
        int block = ShapeInputs.Product(data.Shape, b + k, r);
        int batches = ShapeInputs.Product(data.Shape, 0, b);
        int batchSize = ShapeInputs.Product(data.Shape, b, r);
        int perBatch = ShapeInputs.Product(indices.Shape, b, q - 1);
        int t = 0, d = 0;
        for (int batch = 0; batch < batches; batch++)
        {
            for (int j = 0; j < perBatch; j++, t += k, d += block)
            {
                long offset = (long)batch * batchSize;
                for (int m = 0; m < k; m++)
                    offset += Indices.Resolve(idx[t + m], data.Shape[b + m], b + m) * strides[b + m];
                src.Slice((int)offset, block).CopyTo(dst.Slice(d, block));
            }
        }
    }
}
