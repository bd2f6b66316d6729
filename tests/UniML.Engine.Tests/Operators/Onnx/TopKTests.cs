using UniML.Onnx;
using static UniML.Engine.Tests.Operators.Onnx.TensorOpsTestRunner;

namespace UniML.Engine.Tests.Operators.Onnx;

public class TopKTests
{
    [Fact]
    public void EqualValuesComeOutInIndexOrder()
    {
        var g = new GraphBuilder(11).Input("x", ElementType.Int32, 5).Output("v").Output("i");
        g.Initializer("k", I64(3));
        g.Node("TopK", ["x", "k"], ["v", "i"]);
        var r = Run(g, ("x", Tensor.FromArray(new[] { 1, 4, 4, 2, 4 }, [5])));
        Assert.Equal([4, 4, 4], ((Tensor)r["v"]).ToArray<int>());
        Assert.Equal([1L, 2, 4], ((Tensor)r["i"]).ToArray<long>());
    }

    [Fact]
    public void LargestAlongTheFirstAxisWithKAttributeBeforeOpset10()
    {
        var g = new GraphBuilder(9).Input("x", ElementType.Float, 3, 2).Output("v").Output("i");
        g.Node("TopK", ["x"], ["v", "i"]).Attr("k", 1L).Attr("axis", 0L);
        var r = Run(g, ("x", F32([3, 2], 3, 1, 2, 5, 2, 0)));
        Assert.Equal([3f, 5], ((Tensor)r["v"]).ToArray<float>());
        Assert.Equal([0L, 1], ((Tensor)r["i"]).ToArray<long>());
    }
}
