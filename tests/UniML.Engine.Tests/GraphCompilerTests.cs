using UniML.Onnx;

namespace UniML.Engine.Tests;

public class GraphCompilerTests
{
    [Fact]
    public void UnsupportedOperatorsAreAllListedAtLoad()
    {
        var g = new GraphBuilder().Input("x", ElementType.Float, 2).Output("z");
        g.Node("NoSuchOp", ["x"], ["y"]);
        g.Node("AlsoMissing", ["y"], ["z"], domain: "com.example");
        var e = Assert.Throws<UnsupportedOperatorException>(() => g.Build());
        Assert.Equal(2, e.Operators.Count);
        Assert.Contains(e.Operators, o => o.OpType == "NoSuchOp" && o.Opset == 17);
        Assert.Contains(e.Operators, o => o.OpType == "AlsoMissing" && o.Domain == "com.example");
    }

    [Fact]
    public void NewerOpsetThanKnownIsRefused()
    {
        var g = new GraphBuilder(opset: 99).Input("x", ElementType.Float, 2).Output("y");
        g.Node("Relu", ["x"], ["y"]);
        var e = Assert.Throws<UnsupportedOperatorException>(() => g.Build());
        Assert.Contains("newer than UniML knows", e.Message);
    }

    [Fact]
    public void UndefinedInputIsALoadError()
    {
        var g = new GraphBuilder().Input("x", ElementType.Float, 2).Output("y");
        g.Node("Relu", ["nowhere"], ["y"]);
        var e = Assert.Throws<ModelLoadException>(() => g.Build());
        Assert.Contains("'nowhere'", e.Message);
    }

    [Fact]
    public void CycleIsALoadError()
    {
        var g = new GraphBuilder().Input("x", ElementType.Float, 2).Output("b");
        g.Node("Relu", ["b"], ["a"]);
        g.Node("Relu", ["a"], ["b"]);
        var e = Assert.Throws<ModelLoadException>(() => g.Build());
        Assert.Contains("cycle", e.Message);
    }

    [Fact]
    public void NodesOutOfOrderAreSorted()
    {
        var g = new GraphBuilder().Input("x", ElementType.Float, 3).Output("b");
        g.Node("Relu", ["a"], ["b"]);
        g.Node("Relu", ["x"], ["a"]);
        var session = g.Build();
        using var result = session.Run([Tensor.FromArray(new[] { -1f, 0f, 2f }, [3])]);
        Assert.Equal(new[] { 0f, 0f, 2f }, ((Tensor)result[0]).ToArray<float>());
    }

    [Fact]
    public void ConstantSubgraphIsFoldedAtLoad()
    {
        var g = new GraphBuilder().Input("x", ElementType.Float, 2).Output("c");
        g.Initializer("w", Tensor.FromArray(new[] { -5f, 5f }, [2]));
        g.Node("Relu", ["w"], ["c"]);
        var session = g.Build();
        using var result = session.Run([Tensor.FromArray(new[] { 1f, 1f }, [2])]);
        Assert.Equal(new[] { 0f, 5f }, ((Tensor)result[0]).ToArray<float>());
    }

    [Fact]
    public void WrongInputTypeOrShapeIsAnInputError()
    {
        var g = new GraphBuilder().Input("x", ElementType.Float, -1, 3).Output("y");
        g.Node("Relu", ["x"], ["y"]);
        var session = g.Build();
        var e1 = Assert.Throws<InferenceInputException>(() => session.Run([Tensor.FromArray(new[] { 1.0, 2.0, 3.0 }, [1, 3])]));
        Assert.Contains("tensor(float)", e1.Message);
        var e2 = Assert.Throws<InferenceInputException>(() => session.Run([Tensor.FromArray(new[] { 1f, 2f }, [1, 2])]));
        Assert.Contains("dimension 1 must be 3", e2.Message);
        var e3 = Assert.Throws<InferenceInputException>(() => session.Run([]));
        Assert.Contains("takes 1 input", e3.Message);
    }

    [Fact]
    public void ConcurrentRunsGetIndependentResults()
    {
        var g = new GraphBuilder().Input("x", ElementType.Float, -1).Output("z");
        g.Node("Relu", ["x"], ["y"]);
        g.Node("Relu", ["y"], ["z"]);
        var session = g.Build();
        Parallel.For(0, 200, i =>
        {
            var data = Enumerable.Range(0, 100 + i).Select(k => (float)(k - 50) * i).ToArray();
            using var result = session.Run([Tensor.FromArray(data, [data.Length])]);
            var expected = data.Select(v => Math.Max(v, 0f)).ToArray();
            Assert.Equal(expected, ((Tensor)result[0]).ToArray<float>());
        });
    }
}
