using System.Numerics;
using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>GatherElements: out[i] = data[i with the axis coordinate replaced by indices[i]]; the output has the indices' shape.</summary>
internal sealed class GatherElements(long axis) : ElementMoveKernel
{
    public static Kernel Create(NodeInfo node) => new GatherElements(node.GetInt("axis", 0));

    protected override void Run<T>(KernelContext context)
    {
        var indices = context.Input(1);
        switch (indices.Type)
        {
            case ElementType.Int64: Run<T, long>(context, indices.Span<long>()); break;
            case ElementType.Int32: Run<T, int>(context, indices.Span<int>()); break;
            default: throw new InferenceException($"indices must be int32 or int64, got {indices.TypeName}");
        }
    }

    void Run<T, TIndex>(KernelContext context, ReadOnlySpan<TIndex> idx) where TIndex : IBinaryInteger<TIndex>
    {
        var data = context.Input(0);
        var indices = context.Input(1);
        int rank = data.Rank;
        if (indices.Rank != rank)
            throw new InferenceException($"indices have rank {indices.Rank}, data rank {rank}");
        int a = ShapeInputs.Axis(axis, rank);
        var y = context.Output(0, data.Type, indices.Shape);
        var src = ElementView.Of<T>(data);
        var dst = ElementView.Of<T>(y);
        Span<long> strides = stackalloc long[rank];
        StridedCopy.DenseStrides(data.Shape, strides);
        for (int k = 0; k < rank; k++)
            if (k != a && indices.Shape[k] > data.Shape[k])
                throw new InferenceException($"indices shape {indices.ShapeString} exceeds data shape {data.ShapeString} on axis {k}");
        Span<int> index = stackalloc int[rank];
        index.Clear();
        int dim = data.Shape[a];
        long axisStride = strides[a];
        long offset = 0; // data offset of the current position, without the axis coordinate
        for (int e = 0; e < dst.Length; e++)
        {
            long i = long.CreateTruncating(idx[e]);
            if (i < 0) i += dim;
            if ((ulong)i >= (ulong)dim)
                throw new InferenceException($"index {long.CreateTruncating(idx[e])} is out of range for axis {a} of size {dim}");
            dst[e] = src[(int)(offset + i * axisStride)];
            for (int k = rank - 1; k >= 0; k--)
            {
                if (k != a) offset += strides[k];
                if (++index[k] < indices.Shape[k]) break;
                if (k != a) offset -= strides[k] * indices.Shape[k];
                index[k] = 0;
            }
        }
    }
}
