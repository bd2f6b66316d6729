using UniML.Onnx;
using static UniML.Engine.Tests.Operators.Onnx.TensorOpsTestRunner;

namespace UniML.Engine.Tests.Operators.Onnx;

public class MultinomialTests
{
    static GraphBuilder Multinomial(int batch, int classes, long samples, ElementType? dtype = null, float? seed = 0)
    {
        var g = new GraphBuilder(15).Input("x", ElementType.Float, batch, classes).Output("y");
        var node = g.Node("Multinomial", ["x"], ["y"]).Attr("sample_size", samples);
        if (dtype is { } t) node.Attr("dtype", (long)t);
        if (seed is { } s) node.Attr("seed", s);
        return g;
    }

    [Fact]
    public void OneClassWithAllTheProbabilityIsAlwaysDrawn()
    {
        float ninf = float.NegativeInfinity;
        var x = F32([2, 3], ninf, 0.7f, ninf, -3, ninf, ninf);
        var y = RunSingle(Multinomial(2, 3, 5), ("x", x));
        Assert.Equal(ElementType.Int32, y.Type);
        Assert.Equal([2, 5], y.Shape.ToArray());
        Assert.Equal([1, 1, 1, 1, 1, 0, 0, 0, 0, 0], y.ToArray<int>());
    }

    [Fact]
    public void FrequenciesFollowTheSoftmaxOfTheLogits()
    {
        // Unnormalised: log(2), log(3), log(5) + 10 would be the same distribution shifted; here a common +1.
        var x = F32([1, 3], (float)Math.Log(0.2) + 1, (float)Math.Log(0.3) + 1, (float)Math.Log(0.5) + 1);
        var y = RunSingle(Multinomial(1, 3, 100_000, ElementType.Int64), ("x", x)).ToArray<long>();
        var counts = new int[3];
        foreach (var c in y) counts[c]++;
        Assert.InRange(counts[0] / 1e5, 0.19, 0.21); // standard errors 0.0013–0.0016
        Assert.InRange(counts[1] / 1e5, 0.29, 0.31);
        Assert.InRange(counts[2] / 1e5, 0.49, 0.51);
    }

    [Fact]
    public void SeededRepeats()
    {
        var session = Multinomial(1, 4, 50, seed: 8).Build();
        var feed = new Dictionary<string, Value?> { ["x"] = F32([1, 4], 0, 0, 0, 0) };
        Assert.Equal(((Tensor)session.Run(feed)["y"]).ToArray<int>(), ((Tensor)session.Run(feed)["y"]).ToArray<int>());
    }

    [Fact]
    public void BadAttributesAndRowsAreErrors()
    {
        var e = Assert.Throws<ModelLoadException>(() => Multinomial(1, 2, 0).Build());
        Assert.Contains("sample_size 0", e.Message);
        e = Assert.Throws<ModelLoadException>(() => Multinomial(1, 2, 1, ElementType.Float).Build());
        Assert.Contains("must be int32 or int64", e.Message);

        float ninf = float.NegativeInfinity;
        var run = Assert.Throws<InferenceException>(() => RunSingle(Multinomial(1, 2, 1), ("x", F32([1, 2], ninf, ninf))));
        Assert.Contains("every class of row 0 is -inf", run.Message);
    }
}
