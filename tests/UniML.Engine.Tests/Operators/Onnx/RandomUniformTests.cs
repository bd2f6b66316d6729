using UniML.Onnx;
using static UniML.Engine.Tests.Operators.Onnx.TensorOpsTestRunner;

namespace UniML.Engine.Tests.Operators.Onnx;

public class RandomUniformTests
{
    static InferenceSession Uniform(int count, float? seed = null, float low = 0, float high = 1, ElementType? dtype = null)
    {
        var g = new GraphBuilder(15).Output("y");
        var node = g.Node("RandomUniform", [], ["y"]).Attr("shape", [(long)count]).Attr("low", low).Attr("high", high);
        if (seed is { } s) node.Attr("seed", s);
        if (dtype is { } t) node.Attr("dtype", (long)t);
        return g.Build();
    }

    static Tensor Draw(InferenceSession session) => (Tensor)session.Run(new Dictionary<string, Value?>())["y"];

    [Fact]
    public void SeededNodeRepeatsItsDrawsRunToRunAndSessionToSession()
    {
        var session = Uniform(1000, seed: 3);
        var first = Draw(session).ToArray<float>();
        Assert.Equal(first, Draw(session).ToArray<float>());
        Assert.Equal(first, Draw(Uniform(1000, seed: 3)).ToArray<float>());
        Assert.NotEqual(first, Draw(Uniform(1000, seed: 4)).ToArray<float>());
    }

    [Fact]
    public void UnseededNodeDrawsAfreshEachRun()
    {
        // Also proves the node is not constant-folded (it has no inputs, so every input is "constant").
        var session = Uniform(1000);
        Assert.NotEqual(Draw(session).ToArray<float>(), Draw(session).ToArray<float>());
    }

    [Fact]
    public void LargeSampleIsUniformOnLowHigh()
    {
        var y = Draw(Uniform(200_000, seed: 1, low: -2, high: 3)).ToArray<float>();
        double sum = 0, sumSquares = 0;
        foreach (var v in y)
        {
            Assert.True(v >= -2 && v < 3, $"{v} outside [-2, 3)");
            sum += v;
            sumSquares += (double)v * v;
        }
        double mean = sum / y.Length, variance = sumSquares / y.Length - mean * mean;
        Assert.InRange(mean, 0.48, 0.52);                  // 0.5, standard error 0.0032
        Assert.InRange(variance, 25.0 / 12 - 0.03, 25.0 / 12 + 0.03); // 2.083, standard error 0.005
    }

    [Theory]
    [InlineData(ElementType.Double)]
    [InlineData(ElementType.Float16)]
    [InlineData(ElementType.BFloat16)]
    public void DTypeSetsTheOutputType(ElementType type)
    {
        var y = Draw(Uniform(10_000, seed: 2, low: -1, high: 1, dtype: type));
        Assert.Equal(type, y.Type);
        Assert.Equal([10_000], y.Shape.ToArray());
        foreach (var v in Values(y)) Assert.True(v >= -1 && v < 1, $"{v} outside [-1, 1)");
    }

    [Fact]
    public void NarrowTypesNeverRoundUpToHigh()
    {
        // float16 holds only 0.99902 and 0.99951 in [0.999, 1): draws near 1 would round to 1 without the clamp.
        var y = Draw(Uniform(10_000, seed: 5, low: 0.999f, high: 1, dtype: ElementType.Float16)).ToArray<Half>();
        Assert.All(y, v => Assert.True((double)v >= 0.999 && (double)v < 1, $"{v}"));
        Assert.Contains(Half.BitDecrement(Half.One), y);
    }

    [Fact]
    public void LikeTakesTheInputShapeAndTypeUnlessDTypeIsGiven()
    {
        var g = new GraphBuilder(15).Input("x", ElementType.Double, 2, 3).Output("y");
        g.Node("RandomUniformLike", ["x"], ["y"]).Attr("seed", 0f);
        var y = RunSingle(g, ("x", Tensor.Create(ElementType.Double, [2, 3])));
        Assert.Equal(ElementType.Double, y.Type);
        Assert.Equal([2, 3], y.Shape.ToArray());

        g = new GraphBuilder(15).Input("x", ElementType.Int64, 4).Output("y");
        g.Node("RandomUniformLike", ["x"], ["y"]).Attr("dtype", (long)ElementType.Float);
        y = RunSingle(g, ("x", I64(1, 2, 3, 4)));
        Assert.Equal(ElementType.Float, y.Type);
        Assert.Equal([4], y.Shape.ToArray());
    }

    [Fact]
    public void BadAttributesAreLoadErrors()
    {
        var e = Assert.Throws<ModelLoadException>(() => Uniform(4, low: 1, high: 1));
        Assert.Contains("low < high", e.Message);
        e = Assert.Throws<ModelLoadException>(() => Uniform(4, dtype: ElementType.Int32));
        Assert.Contains("dtype int32 is not allowed", e.Message);

        var g = new GraphBuilder(15).Output("y");
        g.Node("RandomUniform", [], ["y"]);
        e = Assert.Throws<ModelLoadException>(() => g.Build());
        Assert.Contains("'shape'", e.Message);

        g = new GraphBuilder(15).Output("y");
        g.Node("RandomUniform", [], ["y"]).Attr("shape", [2L, -1L]);
        e = Assert.Throws<ModelLoadException>(() => g.Build());
        Assert.Contains("dim 1 is -1", e.Message);

        // An integer input without dtype: the output would be an integer type.
        g = new GraphBuilder(15).Input("x", ElementType.Int32, 2).Output("y");
        g.Node("RandomUniformLike", ["x"], ["y"]);
        e = Assert.Throws<ModelLoadException>(() => g.Build());
        Assert.Contains("without a 'dtype' attribute", e.Message);
    }

    /// <summary>The elements of a float-type tensor as doubles.</summary>
    internal static double[] Values(Tensor t) => t.Type switch
    {
        ElementType.Float => Array.ConvertAll(t.ToArray<float>(), v => (double)v),
        ElementType.Double => t.ToArray<double>(),
        ElementType.Float16 => Array.ConvertAll(t.ToArray<Half>(), v => (double)v),
        ElementType.BFloat16 => Array.ConvertAll(t.ToArray<ushort>(), b => (double)BitConverter.Int32BitsToSingle(b << 16)),
        _ => throw new ArgumentException(t.TypeName),
    };
}
