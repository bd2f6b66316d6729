using System.Numerics;
using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Gather: out[outer, j..., inner] = data[outer, indices[j...], inner]; each index copies one contiguous
/// inner block. Negative indices count from the end (opset 11+).
/// </summary>
internal sealed class Gather(long axis) : ElementMoveKernel
{
    public static Kernel Create(NodeInfo node) => new Gather(node.GetInt("axis", 0));

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
        int a = ShapeInputs.Axis(axis, rank);
        int outRank = rank - 1 + indices.Rank;
        Span<int> shape = stackalloc int[outRank];
        data.Shape[..a].CopyTo(shape);
        indices.Shape.CopyTo(shape[a..]);
        data.Shape[(a + 1)..].CopyTo(shape[(a + indices.Rank)..]);
        var y = context.Output(0, data.Type, shape);
        var src = ElementView.Of<T>(data);
        var dst = ElementView.Of<T>(y);
        int outer = ShapeInputs.Product(data.Shape, 0, a);
        int inner = ShapeInputs.Product(data.Shape, a + 1, rank);
        int dim = data.Shape[a];
        int n = idx.Length;
        int d = 0;
        for (int o = 0; o < outer; o++)
        {
            int baseOffset = o * dim * inner;
            for (int j = 0; j < n; j++, d += inner)
            {
                int i = Indices.Resolve(long.CreateTruncating(idx[j]), dim, a);
                if (inner == 1) dst[d] = src[baseOffset + i];
                else src.Slice(baseOffset + i * inner, inner).CopyTo(dst.Slice(d, inner));
            }
        }
    }
}
