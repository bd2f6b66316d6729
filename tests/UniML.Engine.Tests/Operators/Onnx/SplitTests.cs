using UniML.Onnx;
using static UniML.Engine.Tests.Operators.Onnx.TensorOpsTestRunner;

namespace UniML.Engine.Tests.Operators.Onnx;

public class SplitTests
{
    [Fact]
    public void NumOutputsAtOpset18LeavesTheLastPartSmaller()
    {
        var g = new GraphBuilder(18).Input("x", ElementType.Float, 5).Output("a").Output("b").Output("c");
        g.Node("Split", ["x"], ["a", "b", "c"]).Attr("num_outputs", 3L);
        var r = Run(g, ("x", F32([5], 1, 2, 3, 4, 5)));
        Assert.Equal([1f, 2], ((Tensor)r["a"]).ToArray<float>());
        Assert.Equal([3f, 4], ((Tensor)r["b"]).ToArray<float>());
        Assert.Equal([5f], ((Tensor)r["c"]).ToArray<float>());
    }

    [Fact]
    public void SplitAttributeBeforeOpset13OnInnerAxis()
    {
        var g = new GraphBuilder(11).Input("x", ElementType.Int64, 2, 3).Output("a").Output("b");
        g.Node("Split", ["x"], ["a", "b"]).Attr("axis", -1L).Attr("split", new long[] { 1, 2 });
        var r = Run(g, ("x", Tensor.FromArray(new long[] { 1, 2, 3, 4, 5, 6 }, [2, 3])));
        Assert.Equal([1L, 4], ((Tensor)r["a"]).ToArray<long>());
        Assert.Equal([2L, 3, 5, 6], ((Tensor)r["b"]).ToArray<long>());
    }

    [Fact]
    public void SplitSizesThatDoNotSumToTheAxisFailWithAClearError()
    {
        var g = new GraphBuilder(13).Input("x", ElementType.Float, 4).Output("a").Output("b");
        g.Initializer("s", I64(1, 2));
        g.Node("Split", ["x", "s"], ["a", "b"]);
        var e = Assert.Throws<InferenceException>(() => Run(g, ("x", F32([4], 1, 2, 3, 4))));
        Assert.Contains("sums to 3", e.Message);
    }
}
