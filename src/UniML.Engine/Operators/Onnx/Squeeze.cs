using UniML.Engine.Primitives;

namespace UniML.Engine.Operators.Onnx;

/// <summary>Squeeze: removes the listed size-1 axes (attribute before opset 13, input from 13), or all size-1 axes.</summary>
internal sealed class Squeeze(long[]? axesAttribute) : Kernel
{
    public static Kernel Create(NodeInfo node) => new Squeeze(node.Opset < 13 ? node.GetInts("axes") : null);

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        int rank = x.Rank;
        Span<bool> drop = stackalloc bool[rank];
        drop.Clear();
        var axesInput = context.OptionalInput(1);
        if (axesAttribute is not null || axesInput is not null)
        {
            Span<long> axes = stackalloc long[axesAttribute?.Length ?? axesInput!.Length];
            if (axesAttribute is not null) axesAttribute.CopyTo(axes);
            else ShapeInputs.ReadInt64(axesInput!, axes);
            foreach (var axis in axes)
            {
                int a = ShapeInputs.Axis(axis, rank);
                if (x.Shape[a] != 1)
                    throw new InferenceException($"cannot squeeze axis {axis}: its dimension is {x.Shape[a]}, not 1");
                drop[a] = true;
            }
        }
        else
        {
            for (int i = 0; i < rank; i++) drop[i] = x.Shape[i] == 1;
        }
        Span<int> shape = stackalloc int[rank];
        int n = 0;
        for (int i = 0; i < rank; i++)
            if (!drop[i]) shape[n++] = x.Shape[i];
        ElementView.Copy(x, context.Output(0, x.Type, shape[..n]));
    }
}
