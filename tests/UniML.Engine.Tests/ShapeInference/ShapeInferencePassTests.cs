using UniML.Onnx;
using UniML.Onnx.Protos;

namespace UniML.Engine.Tests.ShapeInference;

public class ShapeInferencePassTests
{
    [Fact]
    public void DeclaredValueInfoFillsWhatInferenceCannotKnow()
    {
        var g = new GraphBuilder().In("x", ElementType.Float, "N", 3).In("i", ElementType.Int64, 4);
        g.Node("Unique", ["x"], ["u"]);
        g.Node("Relu", ["u"], ["y"]);
        g.Graph.ValueInfo.Add(GraphBuilder.ValueInfo("u", ElementType.Float, [-1]));
        var s = g.Output("y").Build();
        Assert.Equal("tensor(float) [N]", s.TypeOf("u"));
        Assert.Equal("tensor(float) [N]", s.TypeOf("y"));
    }

    [Fact]
    public void ValueInfoContradictingInferenceIsALoadErrorNamingNodeAndShapes()
    {
        var g = new GraphBuilder().In("a", ElementType.Float, "N", 4).In("b", ElementType.Float, 4, 5).Output("y");
        g.Node("MatMul", ["a", "b"], ["y"]);
        g.Graph.ValueInfo.Add(GraphBuilder.ValueInfo("y", ElementType.Float, [-1, 6]));
        var e = Assert.Throws<ModelLoadException>(() => g.Build());
        Assert.Contains("MatMul node 'MatMul0'", e.Message);
        Assert.Contains("[N,5]", e.Message);
        Assert.Contains("[N,6]", e.Message);

        g = new GraphBuilder().In("a", ElementType.Float, "N", 4);
        g.Node("Relu", ["a"], ["y"]);
        g.Output("y", ElementType.Double, -1, 4);
        Assert.Contains("tensor(double)", Assert.Throws<ModelLoadException>(() => g.Build()).Message);
    }

    [Fact]
    public void SubgraphsCompileWithTheEnclosingGraphsTypes()
    {
        var then = new GraphProto { Name = "then" };
        then.Node.Add(new NodeProto { OpType = "Relu", Input = { "x" }, Output = { "t" } });
        then.Output.Add(new ValueInfoProto { Name = "t" });
        var otherwise = new GraphProto { Name = "else" };
        otherwise.Node.Add(new NodeProto { OpType = "Neg", Input = { "x" }, Output = { "e" } });
        otherwise.Output.Add(new ValueInfoProto { Name = "e" });
        var g = new GraphBuilder().In("x", ElementType.Float, "N", 2).In("c", ElementType.Bool);
        var node = g.Node("If", ["c"], ["y"]);
        node.Attr("then_branch", then);
        node.Attr("else_branch", otherwise);
        var s = g.Output("y").Build();
        Assert.Equal("tensor(float) [N,2]", s.TypeOf("y")); // both branches read x's type from the enclosing graph, and keep its shape
    }

    [Fact]
    public void ReportListsEveryValueAndMarksConstants()
    {
        var g = new GraphBuilder().In("x", ElementType.Float, "N", 3).Initializer("w", Tensor.Create(ElementType.Float, [3, 2]));
        g.Node("MatMul", ["x", "w"], ["y"]);
        g.Node("NoSuchOp", ["y"], ["z"]);
        g.Output("z");
        var path = Path.Combine(Path.GetTempPath(), $"uniml-shapes-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, g.ToBytes());
        try
        {
            var report = ModelReport.Create(path);
            Assert.NotEmpty(report.Unsupported); // shapes are still inferred for a model UniML cannot run
            var text = report.ShapesText();
            Assert.Contains("tensor(float) [N,2]", text);
            Assert.Contains("(constant)", text);
            Assert.Contains(report.Shapes, s => s.Value.Name == "z" && s.Value.Kind == ValueKind.Unknown);
        }
        finally { File.Delete(path); }
    }
}
