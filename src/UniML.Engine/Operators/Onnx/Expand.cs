using UniML.Engine.Primitives;

namespace UniML.Engine.Operators.Onnx;

/// <summary>Expand: broadcasts the input to the (numpy-broadcast) combination of its shape and the given shape.</summary>
internal sealed class Expand : ElementMoveKernel
{
    public static Kernel Create(NodeInfo node) => new Expand();

    protected override void Run<T>(KernelContext context)
    {
        var x = context.Input(0);
        var shapeInput = context.Input(1);
        Span<long> requested = stackalloc long[shapeInput.Length];
        ShapeInputs.ReadInt64(shapeInput, requested);
        Span<int> target = stackalloc int[requested.Length];
        for (int i = 0; i < target.Length; i++) target[i] = ShapeInputs.Dim(requested[i]);
        int rank = Math.Max(x.Rank, target.Length);
        Span<int> shape = stackalloc int[rank];
        Broadcast.Shape(x.Shape, target, shape);
        Span<long> strides = stackalloc long[rank];
        long acc = 1;
        for (int i = rank - 1; i >= 0; i--)
        {
            int k = i - (rank - x.Rank);
            int d = k >= 0 ? x.Shape[k] : 1;
            strides[i] = d == 1 ? 0 : acc;
            acc *= d;
        }
        var y = context.Output(0, x.Type, shape);
        StridedCopy.Copy<T>(ElementView.Of<T>(x), 0, shape, strides, ElementView.Of<T>(y));
    }
}
