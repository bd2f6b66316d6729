using UniML.Onnx;

namespace UniML.Engine.Tests.ShapeInference;

public class QuantizationShapesTests
{
    [Fact]
    public void QuantizeTakesTheZeroPointTypeOrUInt8()
    {
        var g = new GraphBuilder(13).In("x", ElementType.Float, "N", 3).Initializer("s", Tensor.Scalar(0.5f)).Initializer("z", Tensor.Scalar((sbyte)1));
        g.Node("QuantizeLinear", ["x", "s", "z"], ["y"]);
        Assert.Equal("tensor(int8) [N,3]", g.Infer());

        g = new GraphBuilder(13).In("x", ElementType.Float, "N", 3).Initializer("s", Tensor.Scalar(0.5f));
        g.Node("QuantizeLinear", ["x", "s"], ["y"]);
        Assert.Equal("tensor(uint8) [N,3]", g.Infer());
    }

    [Fact]
    public void DequantizeGivesFloatAndDynamicQuantizeAddsScalars()
    {
        var g = new GraphBuilder(13).In("x", ElementType.UInt8, "N", 3).Initializer("s", Tensor.Scalar(0.5f));
        g.Node("DequantizeLinear", ["x", "s"], ["y"]);
        Assert.Equal("tensor(float) [N,3]", g.Infer());

        g = new GraphBuilder(13).In("x", ElementType.Float, "N", 3);
        g.Node("DynamicQuantizeLinear", ["x"], ["y", "scale", "zero"]);
        var s = g.Output("y").Output("scale").Output("zero").Build();
        Assert.Equal("tensor(uint8) [N,3]", s.TypeOf("y"));
        Assert.Equal("tensor(float) []", s.TypeOf("scale"));
        Assert.Equal("tensor(uint8) []", s.TypeOf("zero"));
    }

    [Fact]
    public void IntegerAndQLinearMatMulAndConv()
    {
        var g = new GraphBuilder(13).In("a", ElementType.UInt8, "N", 4).In("b", ElementType.UInt8, 4, 5);
        g.Node("MatMulInteger", ["a", "b"], ["y"]);
        Assert.Equal("tensor(int32) [N,5]", g.Infer());

        g = new GraphBuilder(13).In("a", ElementType.Int8, "N", 4).In("b", ElementType.Int8, 4, 5)
            .Initializer("s", Tensor.Scalar(0.5f)).Initializer("z", Tensor.Scalar((sbyte)0));
        g.Node("QLinearMatMul", ["a", "s", "z", "b", "s", "z", "s", "z"], ["y"]);
        Assert.Equal("tensor(int8) [N,5]", g.Infer());

        g = new GraphBuilder(13).In("x", ElementType.UInt8, "N", 3, 8, 8).In("w", ElementType.UInt8, 4, 3, 3, 3);
        g.Node("ConvInteger", ["x", "w"], ["y"]).Attr("pads", new long[] { 1, 1, 1, 1 });
        Assert.Equal("tensor(int32) [N,4,8,8]", g.Infer());

        g = new GraphBuilder(13).In("x", ElementType.UInt8, "N", 3, 8, 8).In("w", ElementType.UInt8, 4, 3, 3, 3)
            .Initializer("s", Tensor.Scalar(0.5f)).Initializer("z", Tensor.Scalar((byte)0));
        g.Node("QLinearConv", ["x", "s", "z", "w", "s", "z", "s", "z"], ["y"]).Attr("strides", new long[] { 2, 2 });
        Assert.Equal("tensor(uint8) [N,4,3,3]", g.Infer());
    }
}
