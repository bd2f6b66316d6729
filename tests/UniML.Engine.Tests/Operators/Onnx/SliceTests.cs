using UniML.Onnx;
using static UniML.Engine.Tests.Operators.Onnx.TensorOpsTestRunner;

namespace UniML.Engine.Tests.Operators.Onnx;

public class SliceTests
{
    [Fact]
    public void NegativeStepWithInt64MinEndReversesTheAxis()
    {
        var g = new GraphBuilder(13).Input("x", ElementType.Float, 2, 3).Output("y");
        g.Initializer("s", I64(-1)).Initializer("e", I64(long.MinValue)).Initializer("a", I64(1)).Initializer("p", I64(-1));
        g.Node("Slice", ["x", "s", "e", "a", "p"], ["y"]);
        var y = RunSingle(g, ("x", F32([2, 3], 1, 2, 3, 4, 5, 6)));
        Assert.Equal([2, 3], y.Shape.ToArray());
        Assert.Equal([3f, 2, 1, 6, 5, 4], y.ToArray<float>());
    }

    [Fact]
    public void StepTwoOnStringsKeepsEveryOtherElement()
    {
        var g = new GraphBuilder(13).Input("x", ElementType.String, 5).Output("y");
        g.Initializer("s", I64(0)).Initializer("e", I64(long.MaxValue)).Initializer("a", I64(0)).Initializer("p", I64(2));
        g.Node("Slice", ["x", "s", "e", "a", "p"], ["y"]);
        var y = RunSingle(g, ("x", Tensor.FromStrings(["a", "b", "c", "d", "e"], [5])));
        Assert.Equal(["a", "c", "e"], y.Strings().ToArray());
    }

    [Fact]
    public void AttributeFormBeforeOpset10ClampsOutOfRangeEnds()
    {
        var g = new GraphBuilder(9).Input("x", ElementType.Int32, 2, 4).Output("y");
        g.Node("Slice", ["x"], ["y"]).Attr("starts", new long[] { 1 }).Attr("ends", new long[] { 1000 }).Attr("axes", new long[] { 1 });
        var y = RunSingle(g, ("x", Tensor.FromArray(new[] { 1, 2, 3, 4, 5, 6, 7, 8 }, [2, 4])));
        Assert.Equal([2, 3], y.Shape.ToArray());
        Assert.Equal([2, 3, 4, 6, 7, 8], y.ToArray<int>());
    }
}
