using UniML.Onnx;

namespace UniML.Engine.Tests.ShapeInference;

public class ReductionShapesTests
{
    [Fact]
    public void AxesFromTheAttributeWithAndWithoutKeepdims()
    {
        var g = new GraphBuilder(opset: 13).In("x", ElementType.Float, "N", 3, 4);
        g.Node("ReduceMean", ["x"], ["y"]).Attr("axes", new long[] { -1 });
        Assert.Equal("tensor(float) [N,3,1]", g.Infer());

        g = new GraphBuilder(opset: 13).In("x", ElementType.Float, "N", 3, 4);
        g.Node("ReduceMax", ["x"], ["y"]).Attr("axes", new long[] { 1, 2 }).Attr("keepdims", 0L);
        Assert.Equal("tensor(float) [N]", g.Infer());

        g = new GraphBuilder(opset: 13).In("x", ElementType.Float, "N", 3);
        g.Node("ReduceL2", ["x"], ["y"]).Attr("keepdims", 0L);
        Assert.Equal("tensor(float) []", g.Infer());
    }

    [Fact]
    public void AxesFromAConstantInputOrUnknownAtRunTime()
    {
        var g = new GraphBuilder(opset: 13).In("x", ElementType.Float, "N", 3, 4).Ints("axes", 1);
        g.Node("ReduceSum", ["x", "axes"], ["y"]).Attr("keepdims", 0L);
        Assert.Equal("tensor(float) [N,4]", g.Infer());

        g = new GraphBuilder(opset: 18).In("x", ElementType.Float, "N", 3, 4).In("axes", ElementType.Int64, 1);
        g.Node("ReduceMin", ["x", "axes"], ["y"]);
        Assert.Equal("tensor(float) [?,?,?]", g.Infer()); // keepdims: the rank survives

        g = new GraphBuilder(opset: 18).In("x", ElementType.Float, "N", 3);
        g.Node("ReduceProd", ["x"], ["y"]).Attr("noop_with_empty_axes", 1L);
        Assert.Equal("tensor(float) [N,3]", g.Infer());
    }

    [Fact]
    public void ArgMaxIsInt64AndSoftmaxKeepsTheShape()
    {
        var g = new GraphBuilder().In("x", ElementType.Float, "N", 10);
        g.Node("ArgMax", ["x"], ["y"]).Attr("axis", 1L).Attr("keepdims", 0L);
        Assert.Equal("tensor(int64) [N]", g.Infer());

        g = new GraphBuilder().In("x", ElementType.Float, "N", 10);
        g.Node("LogSoftmax", ["x"], ["y"]);
        Assert.Equal("tensor(float) [N,10]", g.Infer());
    }
}
