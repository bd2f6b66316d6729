using UniML.Onnx;
using static UniML.Engine.Tests.ShapeInference.ShapeTestModel;

namespace UniML.Engine.Tests.ShapeInference;

public class NeuralNetShapesTests
{
    [Fact]
    public void MatMulBroadcastsBatchDimsAndDropsPromotedOnes()
    {
        var g = new GraphBuilder().In("a", ElementType.Float, "B", 1, "N", 4).In("b", ElementType.Float, 3, 4, 5);
        g.Node("MatMul", ["a", "b"], ["y"]);
        Assert.Equal("tensor(float) [B,3,N,5]", g.Infer());

        g = new GraphBuilder().In("a", ElementType.Float, 4).In("b", ElementType.Float, "N", 4, 5);
        g.Node("MatMul", ["a", "b"], ["y"]);
        Assert.Equal("tensor(float) [N,5]", g.Infer());
    }

    [Fact]
    public void MatMulInnerDimensionMismatchIsALoadError()
    {
        var g = new GraphBuilder().In("a", ElementType.Float, "N", 4).In("b", ElementType.Float, 5, 2).Output("y");
        g.Node("MatMul", ["a", "b"], ["y"]);
        var e = Assert.Throws<ModelLoadException>(() => g.Build());
        Assert.Contains("MatMul node 'MatMul0'", e.Message);
        Assert.Contains("4", e.Message);
        Assert.Contains("5", e.Message);
    }

    [Fact]
    public void GemmWithTransposedWeights()
    {
        var g = new GraphBuilder().In("a", ElementType.Float, "N", 8).Initializer("w", Weights(3, 8)).Initializer("c", Weights(3));
        g.Node("Gemm", ["a", "w", "c"], ["y"]).Attr("transB", 1L);
        Assert.Equal("tensor(float) [N,3]", g.Infer());
    }

    [Fact]
    public void ConvWithPadsStridesDilationsAndAutoPad()
    {
        var g = new GraphBuilder().In("x", ElementType.Float, "N", 3, 32, 20).Initializer("w", Weights(16, 3, 3, 3));
        g.Node("Conv", ["x", "w"], ["y"]).Attr("pads", new long[] { 1, 0, 1, 0 }).Attr("strides", new long[] { 2, 1 }).Attr("dilations", new long[] { 1, 2 });
        // H: (32 + 2 - 3) / 2 + 1 = 16; W: 20 - ((3 - 1) * 2 + 1) + 1 = 16
        Assert.Equal("tensor(float) [N,16,16,16]", g.Infer());

        g = new GraphBuilder().In("x", ElementType.Float, "N", 4, 7, 7).Initializer("w", Weights(8, 2, 3, 3));
        g.Node("Conv", ["x", "w"], ["y"]).Attr("auto_pad", "SAME_UPPER").Attr("strides", new long[] { 2, 2 }).Attr("group", 2L);
        Assert.Equal("tensor(float) [N,8,4,4]", g.Infer());

        g = new GraphBuilder().In("x", ElementType.Float, "N", 3, "H", 5).Initializer("w", Weights(2, 3, 3, 3));
        g.Node("Conv", ["x", "w"], ["y"]);
        Assert.Equal("tensor(float) [N,2,?,3]", g.Infer());
    }

    [Fact]
    public void ConvChannelMismatchIsALoadError()
    {
        var g = new GraphBuilder().In("x", ElementType.Float, 1, 4, 8, 8).Initializer("w", Weights(2, 3, 3, 3)).Output("y");
        g.Node("Conv", ["x", "w"], ["y"]);
        var e = Assert.Throws<ModelLoadException>(() => g.Build());
        Assert.Contains("Conv node 'Conv0'", e.Message);
    }

    [Fact]
    public void ConvTransposeFromStridesOrOutputShape()
    {
        var g = new GraphBuilder().In("x", ElementType.Float, "N", 4, 5, 5).Initializer("w", Weights(4, 2, 3, 3));
        g.Node("ConvTranspose", ["x", "w"], ["y"]).Attr("strides", new long[] { 2, 2 }).Attr("pads", new long[] { 1, 1, 1, 1 }).Attr("output_padding", new long[] { 1, 1 });
        // 2·(5 − 1) + 1 + 3 − 2 = 10
        Assert.Equal("tensor(float) [N,2,10,10]", g.Infer());

        g = new GraphBuilder().In("x", ElementType.Float, "N", 4, 5, 5).Initializer("w", Weights(4, 2, 3, 3));
        g.Node("ConvTranspose", ["x", "w"], ["y"]).Attr("strides", new long[] { 2, 2 }).Attr("output_shape", new long[] { 11, 12 });
        Assert.Equal("tensor(float) [N,2,11,12]", g.Infer());
    }

    [Fact]
    public void PoolingCeilModeAndIndices()
    {
        var g = new GraphBuilder().In("x", ElementType.Float, "N", 3, 7, 7);
        g.Node("MaxPool", ["x"], ["y", "i"]).Attr("kernel_shape", new long[] { 2, 2 }).Attr("strides", new long[] { 2, 2 }).Attr("ceil_mode", 1L);
        var s = g.Output("y").Output("i").Build();
        Assert.Equal("tensor(float) [N,3,4,4]", s.TypeOf("y"));
        Assert.Equal("tensor(int64) [N,3,4,4]", s.TypeOf("i"));

        g = new GraphBuilder().In("x", ElementType.Float, "N", 3, 7, 7);
        g.Node("AveragePool", ["x"], ["y"]).Attr("kernel_shape", new long[] { 3, 3 }).Attr("auto_pad", "VALID");
        Assert.Equal("tensor(float) [N,3,5,5]", g.Infer());

        g = new GraphBuilder().In("x", ElementType.Float, "N", 3, "H", "W");
        g.Node("GlobalAveragePool", ["x"], ["y"]);
        Assert.Equal("tensor(float) [N,3,1,1]", g.Infer());
    }

    [Fact]
    public void NormalisationsKeepTheInputShape()
    {
        var g = new GraphBuilder().In("x", ElementType.Float, "N", 3, 5)
            .Initializer("s", Weights(3)).Initializer("b", Weights(3)).Initializer("m", Weights(3)).Initializer("v", Weights(3));
        g.Node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"]);
        Assert.Equal("tensor(float) [N,3,5]", g.Infer());

        g = new GraphBuilder().In("x", ElementType.Float, "N", 3, 5).Initializer("s", Weights(5));
        g.Node("LayerNormalization", ["x", "s"], ["y", "mean"]).Attr("axis", -1L);
        var session = g.Output("y").Output("mean").Build();
        Assert.Equal("tensor(float) [N,3,5]", session.TypeOf("y"));
        Assert.EndsWith("[N,3,1]", session.TypeOf("mean"));
    }

    static Tensor Floats(params float[] values) => Tensor.FromArray(values, [values.Length]);

    [Fact]
    public void ResizeFromConstantScalesOrSizes()
    {
        var g = new GraphBuilder(13).In("x", ElementType.Float, "N", 3, 5, 7).Initializer("scales", Floats(1, 1, 2, 1.5f));
        g.Node("Resize", ["x", "", "scales"], ["y"]);
        Assert.Equal("tensor(float) [N,3,10,10]", g.Infer()); // floor(7 · 1.5) = 10

        g = new GraphBuilder(13).In("x", ElementType.Float, "N", 3, 5, 7).Ints("sizes", 1, 3, 8, 9);
        g.Node("Resize", ["x", "", "", "sizes"], ["y"]);
        Assert.Equal("tensor(float) [1,3,8,9]", g.Infer());

        g = new GraphBuilder(18).In("x", ElementType.Float, "N", 3, 10, 20).Ints("sizes", 5, 5);
        g.Node("Resize", ["x", "", "", "sizes"], ["y"]).Attr("axes", new long[] { 2, 3 }).Attr("keep_aspect_ratio_policy", "not_larger");
        Assert.Equal("tensor(float) [N,3,3,5]", g.Infer()); // one scale, min(5/10, 5/20) = 0.25: 2.5 rounds to 3

        g = new GraphBuilder(10).In("x", ElementType.Float, "N", 3, 5, 7).Initializer("scales", Floats(1, 1, 2, 2));
        g.Node("Resize", ["x", "scales"], ["y"]);
        Assert.Equal("tensor(float) [N,3,10,14]", g.Infer());

        g = new GraphBuilder(7).In("x", ElementType.Float, "N", 3, 5, 7);
        g.Node("Upsample", ["x"], ["y"]).Attr("scales", new[] { 1f, 1f, 2f, 3f });
        Assert.Equal("tensor(float) [N,3,10,21]", g.Infer());
    }

    [Fact]
    public void ResizeWithRunTimeScalesOrSizesStaysUnknown()
    {
        var g = new GraphBuilder(13).In("x", ElementType.Float, "N", 3, 5, 7).In("scales", ElementType.Float, 4);
        g.Node("Resize", ["x", "", "scales"], ["y"]);
        Assert.Equal("tensor(float) [?,?,?,?]", g.Infer());

        g = new GraphBuilder(13).In("x", ElementType.Float, "N", 3, 5, 7).In("sizes", ElementType.Int64, 4);
        g.Node("Resize", ["x", "", "", "sizes"], ["y"]);
        Assert.Equal("tensor(float) [?,?,?,?]", g.Infer());

        // A symbolic dim scaled by anything but 1 is a new unknown.
        g = new GraphBuilder(13).In("x", ElementType.Float, "N", 3, "H", 7).Initializer("scales", Floats(1, 1, 2, 1));
        g.Node("Resize", ["x", "", "scales"], ["y"]);
        Assert.Equal("tensor(float) [N,3,?,7]", g.Infer());
    }

    [Fact]
    public void EinsumExplicitImplicitAndEllipsis()
    {
        var g = new GraphBuilder(12).In("a", ElementType.Float, "B", 3, 4).In("b", ElementType.Float, "B", 4, 5);
        g.Node("Einsum", ["a", "b"], ["y"]).Attr("equation", "bij,bjk->bik");
        Assert.Equal("tensor(float) [B,3,5]", g.Infer());

        g = new GraphBuilder(12).In("a", ElementType.Float, 3, 4).In("b", ElementType.Float, 4, 5);
        g.Node("Einsum", ["a", "b"], ["y"]).Attr("equation", "ij,jk");
        Assert.Equal("tensor(float) [3,5]", g.Infer());

        g = new GraphBuilder(12).In("a", ElementType.Float, "N", 2, 3, 4).In("b", ElementType.Float, 1, 4);
        g.Node("Einsum", ["a", "b"], ["y"]).Attr("equation", "...ij,...jk->...ik");
        Assert.Equal("tensor(float) [N,2,3,4]", g.Infer());

        g = new GraphBuilder(12).In("a", ElementType.Float, 4, 4);
        g.Node("Einsum", ["a"], ["y"]).Attr("equation", "ii->i");
        Assert.Equal("tensor(float) [4]", g.Infer());

        // An operand of unknown rank leaves the rank unknown.
        g = new GraphBuilder(12).In("a", ElementType.Float, 3, 4);
        g.Graph.Input.Add(new UniML.Onnx.Protos.ValueInfoProto { Name = "b", Type = new UniML.Onnx.Protos.TypeProto { TensorType = new() { ElemType = (int)ElementType.Float } } });
        g.Node("Einsum", ["a", "b"], ["y"]).Attr("equation", "ij,...->i");
        Assert.Equal("tensor(float) ?", g.Infer());
    }
}
