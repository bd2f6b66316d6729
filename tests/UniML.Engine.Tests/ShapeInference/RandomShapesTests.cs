using UniML.Onnx;

namespace UniML.Engine.Tests.ShapeInference;

public class RandomShapesTests
{
    [Fact]
    public void ShapeAndDTypeFromAttributes()
    {
        var g = new GraphBuilder(15);
        g.Node("RandomUniform", [], ["y"]).Attr("shape", [2L, 3L]);
        Assert.Equal("tensor(float) [2,3]", g.Infer());

        g = new GraphBuilder(15);
        g.Node("RandomNormal", [], ["y"]).Attr("shape", [4L]).Attr("dtype", (long)ElementType.Double);
        Assert.Equal("tensor(double) [4]", g.Infer());
    }

    [Fact]
    public void LikeFormsAndBernoulliFollowTheInput()
    {
        var g = new GraphBuilder(15).In("x", ElementType.Double, "N", 4);
        g.Node("RandomUniformLike", ["x"], ["y"]);
        Assert.Equal("tensor(double) [N,4]", g.Infer());

        g = new GraphBuilder(15).In("x", ElementType.Int64, "N", 4);
        g.Node("RandomNormalLike", ["x"], ["y"]).Attr("dtype", (long)ElementType.Float16);
        Assert.Equal("tensor(float16) [N,4]", g.Infer());

        g = new GraphBuilder(15).In("p", ElementType.Float, "N");
        g.Node("Bernoulli", ["p"], ["y"]).Attr("dtype", (long)ElementType.Bool);
        Assert.Equal("tensor(bool) [N]", g.Infer());
    }

    [Fact]
    public void MultinomialIsBatchBySampleSize()
    {
        var g = new GraphBuilder(15).In("x", ElementType.Float, "N", 10);
        g.Node("Multinomial", ["x"], ["y"]).Attr("sample_size", 5L);
        Assert.Equal("tensor(int32) [N,5]", g.Infer());

        g = new GraphBuilder(15).In("x", ElementType.Float, 2, 10);
        g.Node("Multinomial", ["x"], ["y"]).Attr("dtype", (long)ElementType.Int64);
        Assert.Equal("tensor(int64) [2,1]", g.Infer());
    }

    [Fact]
    public void DropoutMaskHasTheInputTypeBeforeOpset10()
    {
        var g = new GraphBuilder(7).In("x", ElementType.Float, "N", 3);
        g.Node("Dropout", ["x"], ["y", "mask"]);
        var s = g.Output("y").Output("mask").Build();
        Assert.Equal("tensor(float) [N,3]", s.TypeOf("mask"));
    }
}
