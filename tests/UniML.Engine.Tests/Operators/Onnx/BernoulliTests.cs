using UniML.Onnx;
using static UniML.Engine.Tests.Operators.Onnx.TensorOpsTestRunner;

namespace UniML.Engine.Tests.Operators.Onnx;

public class BernoulliTests
{
    static GraphBuilder Bernoulli(ElementType input, int count, float? seed = 0, ElementType? dtype = null)
    {
        var g = new GraphBuilder(15).Input("p", input, count).Output("y");
        var node = g.Node("Bernoulli", ["p"], ["y"]);
        if (seed is { } s) node.Attr("seed", s);
        if (dtype is { } t) node.Attr("dtype", (long)t);
        return g;
    }

    static Tensor Fill(int count, float p)
    {
        var values = new float[count];
        Array.Fill(values, p);
        return F32([count], values);
    }

    [Fact]
    public void ProbabilityZeroAndOneAreExact()
    {
        var p = F32([6], 0, 1, 0, 1, -0.5f, 1.5f);
        Assert.Equal([0f, 1, 0, 1, 0, 1], RunSingle(Bernoulli(ElementType.Float, 6), ("p", p)).ToArray<float>());
    }

    [Fact]
    public void LargeSampleMatchesTheProbability()
    {
        var y = RunSingle(Bernoulli(ElementType.Float, 100_000, seed: 4), ("p", Fill(100_000, 0.3f))).ToArray<float>();
        Assert.All(y, v => Assert.True(v is 0 or 1));
        Assert.InRange(y.Average(), 0.29, 0.31); // standard error 0.0015
    }

    [Fact]
    public void SeededRepeatsUnseededDoesNot()
    {
        var seeded = Bernoulli(ElementType.Float, 1000, seed: 2).Build();
        var unseeded = Bernoulli(ElementType.Float, 1000, seed: null).Build();
        var p = new Dictionary<string, Value?> { ["p"] = Fill(1000, 0.5f) };
        Assert.Equal(((Tensor)seeded.Run(p)["y"]).ToArray<float>(), ((Tensor)seeded.Run(p)["y"]).ToArray<float>());
        Assert.NotEqual(((Tensor)unseeded.Run(p)["y"]).ToArray<float>(), ((Tensor)unseeded.Run(p)["y"]).ToArray<float>());
    }

    [Fact]
    public void DTypeChoosesAnyNumericOrBoolOutput()
    {
        var p = F32([4], 0, 1, 1, 0);
        var y = RunSingle(Bernoulli(ElementType.Float, 4, dtype: ElementType.Int32), ("p", p));
        Assert.Equal([0, 1, 1, 0], y.ToArray<int>());
        y = RunSingle(Bernoulli(ElementType.Float, 4, dtype: ElementType.Bool), ("p", p));
        Assert.Equal(ElementType.Bool, y.Type);
        Assert.Equal([0, 1, 1, 0], y.Bytes().ToArray());
        y = RunSingle(Bernoulli(ElementType.Double, 2), ("p", Tensor.FromArray(new[] { 1.0, 0.0 }, [2])));
        Assert.Equal([1.0, 0.0], y.ToArray<double>());
    }

    [Fact]
    public void BadTypesAreLoadErrors()
    {
        var e = Assert.Throws<ModelLoadException>(() => Bernoulli(ElementType.Float, 2, dtype: ElementType.String).Build());
        Assert.Contains("dtype string is not allowed", e.Message);
        e = Assert.Throws<ModelLoadException>(() => Bernoulli(ElementType.Int32, 2).Build());
        Assert.Contains("probabilities must be", e.Message);
    }
}
