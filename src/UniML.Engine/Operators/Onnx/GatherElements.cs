using UniML.Engine.Primitives;

namespace UniML.Engine.Operators.Onnx;

/// <summary>GatherElements: out[i] = data[i with the axis coordinate replaced by indices[i]]; the output has the indices' shape.</summary>
internal sealed class GatherElements(long axis) : ElementMoveKernel
{
    public static Kernel Create(NodeInfo node) => new GatherElements(node.GetInt("axis", 0));

    protected override void Run<T>(KernelContext context)
    {
        var data = context.Input(0);
        var indices = context.Input(1);
        int rank = data.Rank;
        if (indices.Rank != rank)
            throw new InferenceException($"indices have rank {indices.Rank}, data rank {rank}");
        int a = ShapeInputs.Axis(axis, rank);
        var y = context.Output(0, data.Type, indices.Shape);
        var offsets = context.Scratch<int>(indices.Length);
        Indices.AlongAxis(indices, data.Shape, a, offsets);
        var src = ElementView.Of<T>(data);
        var dst = ElementView.Of<T>(y);
        for (int e = 0; e < dst.Length; e++) dst[e] = src[offsets[e]];
    }
}
