using UniML.Engine.Primitives;

namespace UniML.Engine.Operators.Onnx;

/// <summary>Flatten: a 2-D tensor [d0·…·d(axis-1), d(axis)·…·d(n-1)]; negative axis from opset 11.</summary>
internal sealed class Flatten(long axis) : Kernel
{
    public static Kernel Create(NodeInfo node) => new Flatten(node.GetInt("axis", 1));

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        int rank = x.Rank;
        if (axis < -rank || axis > rank)
            throw new InferenceException($"axis {axis} is out of range for rank {rank}");
        int a = (int)(axis < 0 ? axis + rank : axis);
        ReadOnlySpan<int> shape = [ShapeInputs.Product(x.Shape, 0, a), ShapeInputs.Product(x.Shape, a, rank)];
        ElementView.Copy(x, context.Output(0, x.Type, shape));
    }
}
