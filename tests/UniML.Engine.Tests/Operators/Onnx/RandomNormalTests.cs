using UniML.Onnx;
using static UniML.Engine.Tests.Operators.Onnx.TensorOpsTestRunner;

namespace UniML.Engine.Tests.Operators.Onnx;

public class RandomNormalTests
{
    static InferenceSession Normal(int count, float? seed = null, float mean = 0, float scale = 1, ElementType? dtype = null)
    {
        var g = new GraphBuilder(15).Output("y");
        var node = g.Node("RandomNormal", [], ["y"]).Attr("shape", [(long)count]).Attr("mean", mean).Attr("scale", scale);
        if (seed is { } s) node.Attr("seed", s);
        if (dtype is { } t) node.Attr("dtype", (long)t);
        return g.Build();
    }

    static Tensor Draw(InferenceSession session) => (Tensor)session.Run(new Dictionary<string, Value?>())["y"];

    [Fact]
    public void LargeSampleHasTheGivenMeanAndScale()
    {
        var y = Draw(Normal(200_000, seed: 9, mean: 1.5f, scale: 2)).ToArray<float>();
        double sum = 0, sumSquares = 0;
        foreach (var v in y)
        {
            sum += v;
            sumSquares += (double)v * v;
        }
        double mean = sum / y.Length, std = Math.Sqrt(sumSquares / y.Length - mean * mean);
        Assert.InRange(mean, 1.48, 1.52); // standard error 0.0045
        Assert.InRange(std, 1.98, 2.02);  // standard error 0.0032
    }

    [Fact]
    public void SeededRepeatsUnseededDoesNot()
    {
        var seeded = Normal(500, seed: 1);
        Assert.Equal(Draw(seeded).ToArray<float>(), Draw(seeded).ToArray<float>());
        var unseeded = Normal(500);
        Assert.NotEqual(Draw(unseeded).ToArray<float>(), Draw(unseeded).ToArray<float>());
    }

    [Fact]
    public void DTypeAndLikeForm()
    {
        var y = Draw(Normal(100, seed: 0, dtype: ElementType.Float16));
        Assert.Equal(ElementType.Float16, y.Type);

        var g = new GraphBuilder(15).Input("x", ElementType.Double, 3, 2).Output("y");
        g.Node("RandomNormalLike", ["x"], ["y"]).Attr("seed", 1f);
        y = RunSingle(g, ("x", Tensor.Create(ElementType.Double, [3, 2])));
        Assert.Equal(ElementType.Double, y.Type);
        Assert.Equal([3, 2], y.Shape.ToArray());
        Assert.All(y.ToArray<double>(), v => Assert.True(double.IsFinite(v)));

        // Scale 0 is allowed: every draw is the mean.
        Assert.All(Draw(Normal(10, mean: 4, scale: 0)).ToArray<float>(), v => Assert.Equal(4f, v));
    }

    [Fact]
    public void BadAttributesAreLoadErrors()
    {
        var e = Assert.Throws<ModelLoadException>(() => Normal(4, scale: -1));
        Assert.Contains("scale >= 0", e.Message);
        e = Assert.Throws<ModelLoadException>(() => Normal(4, dtype: ElementType.Bool));
        Assert.Contains("dtype bool is not allowed", e.Message);
    }
}
