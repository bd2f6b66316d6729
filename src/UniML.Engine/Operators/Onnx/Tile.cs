using UniML.Engine.Primitives;

namespace UniML.Engine.Operators.Onnx;

/// <summary>Tile (opset 6+): repeats the input along each axis, as a strided copy over [repeat_0, d_0, repeat_1, d_1, ...].</summary>
internal sealed class Tile : ElementMoveKernel
{
    public static Kernel Create(NodeInfo node) => new Tile();

    protected override void Run<T>(KernelContext context)
    {
        var x = context.Input(0);
        int rank = x.Rank;
        var repeatsInput = context.Input(1);
        if (repeatsInput.Length != rank)
            throw new InferenceException($"repeats has {repeatsInput.Length} entries but the input has rank {rank}");
        Span<long> repeats = stackalloc long[rank];
        ShapeInputs.ReadInt64(repeatsInput, repeats);
        Span<long> inStrides = stackalloc long[rank];
        StridedCopy.DenseStrides(x.Shape, inStrides);
        Span<int> outShape = stackalloc int[rank];
        Span<int> viewShape = stackalloc int[2 * rank];
        Span<long> viewStrides = stackalloc long[2 * rank];
        for (int i = 0; i < rank; i++)
        {
            int r = ShapeInputs.Dim(repeats[i]);
            outShape[i] = ShapeInputs.Dim((long)r * x.Shape[i]);
            viewShape[2 * i] = r;
            viewStrides[2 * i] = 0;
            viewShape[2 * i + 1] = x.Shape[i];
            viewStrides[2 * i + 1] = inStrides[i];
        }
        var y = context.Output(0, x.Type, outShape);
        StridedCopy.Copy<T>(ElementView.Of<T>(x), 0, viewShape, viewStrides, ElementView.Of<T>(y));
    }
}
