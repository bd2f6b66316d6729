using UniML.Onnx;
using static UniML.Engine.Tests.Operators.OnnxMl.MlTest;

namespace UniML.Engine.Tests.Operators.OnnxMl;

public class LinearClassifierTests
{
    [Fact]
    public void MulticlassRawScoresAndIntLabels()
    {
        var g = Graph(["label", "scores"]);
        g.Node("LinearClassifier", ["X"], ["label", "scores"], Ml)
            .Attr("coefficients", new[] { 1f, 0f, 0f, 1f, -1f, -1f })
            .Attr("intercepts", new[] { 0f, 0.5f, 0f })
            .Attr("classlabels_ints", new long[] { 10, 20, 30 });
        var y = Run(g, Rows([2f, 1f], [-1f, -2f]));
        Assert.Equal(new long[] { 10, 30 }, Longs(y[0]));
        Assert.Equal(new[] { 2f, 1.5f, -3f, -1f, -1.5f, 3f }, Floats(y[1]));
    }

    [Fact]
    public void BinaryOneRowLogisticWithStringLabels()
    {
        var g = Graph(["label", "scores"]);
        g.Node("LinearClassifier", ["X"], ["label", "scores"], Ml)
            .Attr("coefficients", new[] { 2f, -1f })
            .Attr("intercepts", new[] { 0.5f })
            .Attr("classlabels_strings", new[] { "no", "yes" })
            .Attr("post_transform", "LOGISTIC");
        var y = Run(g, Rows([1f, 1f], [0f, 3f]));
        Assert.Equal(new[] { "yes", "no" }, Strings(y[0]));
        Near([Sigmoid(-1.5f), Sigmoid(1.5f), Sigmoid(2.5f), Sigmoid(-2.5f)], Floats(y[1]));
    }

    [Fact]
    public void SoftmaxRowsSumToOne()
    {
        var g = Graph(["label", "scores"]);
        g.Node("LinearClassifier", ["X"], ["label", "scores"], Ml)
            .Attr("coefficients", new[] { 1f, 2f, 3f })
            .Attr("intercepts", new[] { 0f, 0f, 0f })
            .Attr("classlabels_ints", new long[] { 0, 1, 2 })
            .Attr("post_transform", "SOFTMAX");
        var y = Run(g, Rows([1f]));
        var s = Floats(y[1]);
        float e = MathF.Exp(1) + MathF.Exp(2) + MathF.Exp(3);
        Near([MathF.Exp(1) / e, MathF.Exp(2) / e, MathF.Exp(3) / e], s);
        Assert.Equal(new long[] { 2 }, Longs(y[0]));
    }

    [Fact]
    public void Int64InputIsConverted()
    {
        var g = new GraphBuilder().Input("X", ElementType.Int64, -1, 2).Output("label").Output("scores");
        g.Node("LinearClassifier", ["X"], ["label", "scores"], Ml)
            .Attr("coefficients", new[] { 1f, 1f, -1f, -1f }).Attr("intercepts", new[] { 0f, 0f }).Attr("classlabels_ints", new long[] { 0, 1 });
        var y = Run(g, Tensor.FromArray(new long[] { -2, -3 }, [1, 2]));
        Assert.Equal(new long[] { 1 }, Longs(y[0]));
        Assert.Equal(new[] { -5f, 5f }, Floats(y[1]));
    }
}

public class LinearRegressorTests
{
    [Fact]
    public void MultipleTargets()
    {
        var g = Graph(["Y"]);
        g.Node("LinearRegressor", ["X"], ["Y"], Ml)
            .Attr("coefficients", new[] { 1f, 2f, 3f, 4f })
            .Attr("intercepts", new[] { 1f, -1f })
            .Attr("targets", 2L);
        var y = Run(g, Rows([1f, 1f], [2f, 0f]));
        Assert.Equal(new[] { 4f, 6f, 3f, 5f }, Floats(y[0]));
    }

    [Fact]
    public void WrongFeatureCountIsARuntimeError()
    {
        var g = Graph(["Y"]);
        g.Node("LinearRegressor", ["X"], ["Y"], Ml).Attr("coefficients", new[] { 1f, 2f });
        Assert.Throws<InferenceException>(() => Run(g, Rows([1f, 1f, 1f])));
    }
}
