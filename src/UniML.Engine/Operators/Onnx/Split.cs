using UniML.Engine.Primitives;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Split: cuts the input along an axis into parts given by 'split' (attribute before opset 13, input
/// from 13), else into equal parts (num_outputs at opset 18, where the last part may be smaller).
/// </summary>
internal sealed class Split(long axis, long[]? splitAttribute, long numOutputs) : ElementMoveKernel
{
    public static Kernel Create(NodeInfo node)
    {
        long[]? split = node.Opset < 13 ? node.GetInts("split") : null;
        long num = node.Opset >= 18 ? node.GetInt("num_outputs", 0) : 0;
        if (node.Opset >= 18 && num == 0 && !node.HasInput(1))
            throw node.Invalid("needs either the 'split' input or the 'num_outputs' attribute");
        if (num > 0 && num != node.OutputCount)
            throw node.Invalid($"num_outputs is {num} but the node has {node.OutputCount} outputs");
        return new Split(node.GetInt("axis", 0), split, num);
    }

    protected override void Run<T>(KernelContext context)
    {
        var x = context.Input(0);
        int rank = x.Rank;
        int a = ShapeInputs.Axis(axis, rank);
        int parts = context.OutputCount;
        int dim = x.Shape[a];
        Span<long> sizes = stackalloc long[parts];
        var splitInput = context.OptionalInput(1);
        if (splitAttribute is not null || splitInput is not null)
        {
            int n = splitAttribute?.Length ?? splitInput!.Length;
            if (n != parts) throw new InferenceException($"'split' has {n} entries but the node has {parts} outputs");
            if (splitAttribute is not null) splitAttribute.CopyTo(sizes);
            else ShapeInputs.ReadInt64(splitInput!, sizes);
            long sum = 0;
            foreach (var s in sizes)
            {
                if (s < 0) throw new InferenceException($"'split' has a negative entry {s}");
                sum += s;
            }
            if (sum != dim) throw new InferenceException($"'split' sums to {sum} but axis {a} has {dim} elements");
        }
        else if (numOutputs > 0)
        {
            long each = (dim + parts - 1) / parts;
            for (int i = 0; i < parts; i++) sizes[i] = Math.Clamp(dim - each * i, 0, each);
        }
        else
        {
            if (dim % parts != 0) throw new InferenceException($"axis {a} of {dim} elements cannot be split into {parts} equal parts");
            sizes.Fill(dim / parts);
        }

        var src = ElementView.Of<T>(x);
        int outer = ShapeInputs.Product(x.Shape, 0, a);
        int inner = ShapeInputs.Product(x.Shape, a + 1, rank);
        int row = dim * inner;
        Span<int> shape = stackalloc int[rank];
        x.Shape.CopyTo(shape);
        int offset = 0;
        for (int p = 0; p < parts; p++)
        {
            shape[a] = (int)sizes[p];
            int block = shape[a] * inner;
            if (context.IsOutputUsed(p))
            {
                var dst = ElementView.Of<T>(context.Output(p, x.Type, shape));
                for (int o = 0; o < outer; o++)
                    src.Slice(o * row + offset, block).CopyTo(dst.Slice(o * block, block));
            }
            offset += block;
        }
    }
}
