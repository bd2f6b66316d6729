using UniML.Engine.Primitives;

namespace UniML.Engine.Operators.Onnx;

/// <summary>Concat: joins inputs along an axis (default 1 before opset 4), copying one contiguous block per input per outer index.</summary>
internal sealed class Concat(long axis) : ElementMoveKernel
{
    public static Kernel Create(NodeInfo node) =>
        new Concat(node.Opset < 4 ? node.GetInt("axis", 1) : node.GetInt("axis"));

    protected override void Run<T>(KernelContext context)
    {
        var first = context.Input(0);
        int rank = first.Rank;
        if (rank == 0) throw new InferenceException("cannot concatenate scalars");
        int a = ShapeInputs.Axis(axis, rank);
        int count = context.InputCount;
        Span<int> shape = stackalloc int[rank];
        first.Shape.CopyTo(shape);
        long total = 0;
        for (int i = 0; i < count; i++)
        {
            var t = context.Input(i);
            if (t.Rank != rank || t.Type != first.Type)
                throw new InferenceException($"input {i} is {t.TypeName} {t.ShapeString}, input 0 is {first.TypeName} {first.ShapeString}");
            for (int d = 0; d < rank; d++)
                if (d != a && t.Shape[d] != shape[d])
                    throw new InferenceException($"input {i} has shape {t.ShapeString}, which does not match {first.ShapeString} outside axis {a}");
            total += t.Shape[a];
        }
        shape[a] = ShapeInputs.Dim(total);
        var y = context.Output(0, first.Type, shape);
        var dst = ElementView.Of<T>(y);
        int outer = ShapeInputs.Product(shape, 0, a);
        int inner = ShapeInputs.Product(shape, a + 1, rank);
        int rowLength = shape[a] * inner;
        int offset = 0;
        for (int i = 0; i < count; i++)
        {
            var t = context.Input(i);
            var src = ElementView.Of<T>(t);
            int block = t.Shape[a] * inner;
            if (block == 0) continue;
            for (int o = 0; o < outer; o++)
                src.Slice(o * block, block).CopyTo(dst.Slice(o * rowLength + offset, block));
            offset += block;
        }
    }
}
