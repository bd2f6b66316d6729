using UniML.Onnx;
using static UniML.Engine.Tests.Operators.Onnx.TensorOpsTestRunner;

namespace UniML.Engine.Tests.Operators.Onnx;

public class PadTests
{
    [Fact]
    public void ReflectPadsOneSideAndNegativePadCropsTheOther()
    {
        var g = new GraphBuilder(13).Input("x", ElementType.Float, 1, 4).Output("y");
        g.Initializer("p", I64(0, 2, 0, -1));
        g.Node("Pad", ["x", "p"], ["y"]).Attr("mode", "reflect");
        var y = RunSingle(g, ("x", F32([1, 4], 1, 2, 3, 4)));
        Assert.Equal([1, 5], y.Shape.ToArray());
        Assert.Equal([3f, 2, 1, 2, 3], y.ToArray<float>());
    }

    [Fact]
    public void EdgeRepeatsBorderValuesOnEveryAxis()
    {
        var g = new GraphBuilder(13).Input("x", ElementType.Int64, 2, 2).Output("y");
        g.Initializer("p", I64(1, 0, 0, 1));
        g.Node("Pad", ["x", "p"], ["y"]).Attr("mode", "edge");
        var y = RunSingle(g, ("x", Tensor.FromArray(new long[] { 1, 2, 3, 4 }, [2, 2])));
        Assert.Equal([3, 3], y.Shape.ToArray());
        Assert.Equal([1L, 2, 2, 1, 2, 2, 3, 4, 4], y.ToArray<long>());
    }

    [Fact]
    public void Opset2AttributeFormFillsWithValue()
    {
        var g = new GraphBuilder(2).Input("x", ElementType.Float, 2).Output("y");
        g.Node("Pad", ["x"], ["y"]).Attr("pads", new long[] { 1, 2 }).Attr("value", 7f);
        var y = RunSingle(g, ("x", F32([2], 1, 2)));
        Assert.Equal([7f, 1, 2, 7, 7], y.ToArray<float>());
    }

    [Fact]
    public void ConstantValueInputOfInt32AndAxesInput()
    {
        var g = new GraphBuilder(18).Input("x", ElementType.Int32, 2, 2).Output("y");
        g.Initializer("p", I64(1, 0)).Initializer("v", Tensor.Scalar(9)).Initializer("axes", I64(-1));
        g.Node("Pad", ["x", "p", "v", "axes"], ["y"]);
        var y = RunSingle(g, ("x", Tensor.FromArray(new[] { 1, 2, 3, 4 }, [2, 2])));
        Assert.Equal([2, 3], y.Shape.ToArray());
        Assert.Equal([9, 1, 2, 9, 3, 4], y.ToArray<int>());
    }

    [Fact]
    public void WrapModeAtOpset19()
    {
        var g = new GraphBuilder(19).Input("x", ElementType.Float, 3).Output("y");
        g.Initializer("p", I64(2, 1));
        g.Node("Pad", ["x", "p"], ["y"]).Attr("mode", "wrap");
        var y = RunSingle(g, ("x", F32([3], 1, 2, 3)));
        Assert.Equal([2f, 3, 1, 2, 3, 1], y.ToArray<float>());
    }
}
