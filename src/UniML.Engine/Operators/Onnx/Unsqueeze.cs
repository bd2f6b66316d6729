using UniML.Engine.Primitives;

namespace UniML.Engine.Operators.Onnx;

/// <summary>Unsqueeze: inserts size-1 axes at the listed output positions (attribute before opset 13, input from 13).</summary>
internal sealed class Unsqueeze(long[]? axesAttribute) : Kernel
{
    public static Kernel Create(NodeInfo node)
    {
        if (node.Opset < 13)
            return new Unsqueeze(node.GetInts("axes") ?? throw node.Invalid("attribute 'axes' is required before opset 13"));
        return new Unsqueeze(null);
    }

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        Span<long> axes = stackalloc long[axesAttribute?.Length ?? context.Input(1).Length];
        if (axesAttribute is not null) axesAttribute.CopyTo(axes);
        else ShapeInputs.ReadInt64(context.Input(1), axes);
        int rank = x.Rank + axes.Length;
        Span<bool> inserted = stackalloc bool[rank];
        inserted.Clear();
        foreach (var axis in axes)
        {
            int a = ShapeInputs.Axis(axis, rank);
            if (inserted[a]) throw new InferenceException($"axis {axis} is listed twice");
            inserted[a] = true;
        }
        Span<int> shape = stackalloc int[rank];
        for (int i = 0, j = 0; i < rank; i++)
            shape[i] = inserted[i] ? 1 : x.Shape[j++];
        ElementView.Copy(x, context.Output(0, x.Type, shape));
    }
}
