using UniML.Onnx;

namespace UniML.Engine.Tests.ShapeInference;

public class ElementWiseShapesTests
{
    [Fact]
    public void BroadcastingKeepsSymbolsAndPrefersKnownDims()
    {
        var g = new GraphBuilder().In("a", ElementType.Float, "N", 1, 4).In("b", ElementType.Float, 3, 1);
        g.Node("Add", ["a", "b"], ["y"]);
        Assert.Equal("tensor(float) [N,3,4]", g.Infer());

        g = new GraphBuilder().In("a", ElementType.Float, "N").In("b", ElementType.Float, 5);
        g.Node("Mul", ["a", "b"], ["y"]);
        Assert.Equal("tensor(float) [5]", g.Infer()); // N must be 1 or 5

        g = new GraphBuilder().In("a", ElementType.Float, "N").In("b", ElementType.Float, "M");
        g.Node("Sub", ["a", "b"], ["y"]);
        Assert.Equal("tensor(float) [?]", g.Infer()); // N and M: max, or whichever is not 1
    }

    [Fact]
    public void ShapesThatCanNeverBroadcastAreALoadErrorNamingTheNode()
    {
        var g = new GraphBuilder().In("a", ElementType.Float, 2, 3).In("b", ElementType.Float, 4, 3).Output("y");
        g.Node("Add", ["a", "b"], ["y"]);
        var e = Assert.Throws<ModelLoadException>(() => g.Build());
        Assert.Contains("Add node 'Add0'", e.Message);
        Assert.Contains("[2,3]", e.Message);
        Assert.Contains("[4,3]", e.Message);
    }

    [Fact]
    public void LegacyBroadcastTakesTheFirstInputsShape()
    {
        var g = new GraphBuilder(opset: 6).In("a", ElementType.Float, 2, 3).In("b", ElementType.Float, 3);
        g.Node("Add", ["a", "b"], ["y"]).Attr("broadcast", 1L);
        Assert.Equal("tensor(float) [2,3]", g.Infer());
    }

    [Fact]
    public void ComparisonsAndLogicGiveBool()
    {
        var g = new GraphBuilder().In("a", ElementType.Int32, "N", 3).In("b", ElementType.Int32, 3);
        g.Node("Greater", ["a", "b"], ["y"]);
        Assert.Equal("tensor(bool) [N,3]", g.Infer());

        g = new GraphBuilder().In("a", ElementType.Float, "N");
        g.Node("IsNaN", ["a"], ["y"]);
        Assert.Equal("tensor(bool) [N]", g.Infer());
    }

    [Fact]
    public void CastChangesOnlyTheElementType()
    {
        var g = new GraphBuilder().In("a", ElementType.Float, "N", 2);
        g.Node("Cast", ["a"], ["y"]).Attr("to", (long)ElementType.Int64);
        Assert.Equal("tensor(int64) [N,2]", g.Infer());

        g = new GraphBuilder().In("a", ElementType.Float, "N", 2).In("like", ElementType.Double, 1);
        g.Node("CastLike", ["a", "like"], ["y"]);
        Assert.Equal("tensor(double) [N,2]", g.Infer());
    }

    [Fact]
    public void WhereBroadcastsThreeWaysWithTheValuesType()
    {
        var g = new GraphBuilder().In("c", ElementType.Bool, "N", 1).In("x", ElementType.Int64, 1, 4).In("z", ElementType.Int64, 1);
        g.Node("Where", ["c", "x", "z"], ["y"]);
        Assert.Equal("tensor(int64) [N,4]", g.Infer());
    }

    [Fact]
    public void VariadicAndUnaryAndDropout()
    {
        var g = new GraphBuilder().In("a", ElementType.Float, "N", 1).In("b", ElementType.Float, 3).In("c", ElementType.Float, 1, 1);
        g.Node("Max", ["a", "b", "c"], ["y"]);
        Assert.Equal("tensor(float) [N,3]", g.Infer());

        g = new GraphBuilder().In("a", ElementType.Float, "N", 7);
        g.Node("Relu", ["a"], ["r"]);
        g.Node("Dropout", ["r"], ["y", "mask"]);
        var s = g.Output("y").Output("mask").Build();
        Assert.Equal("tensor(float) [N,7]", s.TypeOf("y"));
        Assert.Equal("tensor(bool) [N,7]", s.TypeOf("mask"));
    }
}
