using Google.Protobuf;
using UniML.Onnx;
using UniML.Onnx.Protos;

namespace UniML.Engine.Tests.Operators.Onnx;

/// <summary>
/// Kernels pack constant weights at load (a different code path from weights that arrive at run time);
/// the backend node tests feed weights as inputs, so these tests check both paths give the same result.
/// </summary>
public class PackedWeightTests
{
    static float[] Random(int count, int seed)
    {
        var rng = new Random(seed);
        var data = new float[count];
        for (int i = 0; i < count; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        return data;
    }

    /// <summary>Runs a one-node model with the weight inputs given either as initializers or as graph inputs.</summary>
    static float[][] Run(string op, (string Name, int[] Shape)[] inputs, int constantFrom, int outputs, Action<NodeProto> attributes, int opset = 17)
    {
        var results = new List<float[][]>();
        foreach (bool constant in new[] { false, true })
        {
            var g = new GraphBuilder(opset);
            var feeds = new List<Value?>();
            for (int i = 0; i < inputs.Length; i++)
            {
                var (name, shape) = inputs[i];
                int count = shape.Aggregate(1, (a, b) => a * b);
                var tensor = Tensor.FromArray(Random(count, 10 + i), shape);
                if (constant && i >= constantFrom) g.Initializer(name, tensor);
                else { g.Input(name, ElementType.Float, shape); feeds.Add(tensor); }
            }
            var outNames = Enumerable.Range(0, outputs).Select(i => "y" + i).ToArray();
            foreach (var o in outNames) g.Output(o);
            attributes(g.Node(op, inputs.Select(i => i.Name).ToArray(), outNames));
            var session = g.Build();
            using var result = session.Run(feeds.ToArray());
            results.Add(Enumerable.Range(0, outputs).Select(i => ((Tensor)result[i]).ToArray<float>()).ToArray());
        }
        for (int o = 0; o < outputs; o++)
        {
            Assert.Equal(results[0][o].Length, results[1][o].Length);
            for (int i = 0; i < results[0][o].Length; i++)
                Assert.Equal(results[0][o][i], results[1][o][i], 1e-4f);
        }
        return results[1];
    }

    [Fact]
    public void MatMulBatchedAWithPackedB()
    {
        var y = Run("MatMul", [("a", [2, 3, 40]), ("b", [40, 37])], 1, 1, _ => { });
        // Spot-check one element against a direct dot product.
        var a = Random(2 * 3 * 40, 10);
        var b = Random(40 * 37, 11);
        double expected = 0;
        for (int p = 0; p < 40; p++) expected += a[(1 * 3 + 2) * 40 + p] * b[p * 37 + 5];
        Assert.Equal((float)expected, y[0][(1 * 3 + 2) * 37 + 5], 1e-4f);
    }

    [Fact]
    public void GemmTransposedPackedB() =>
        Run("Gemm", [("a", [5, 33]), ("b", [19, 33]), ("c", [19])], 1, 1, n => n.Attr("transB", 1L).Attr("alpha", 0.5f).Attr("beta", 2f));

    [Fact]
    public void GroupedConvPackedWeights() =>
        Run("Conv", [("x", [2, 4, 9, 8]), ("w", [6, 2, 3, 3]), ("b", [6])], 1, 1, n => n.Attr("group", 2L).Attr("pads", new long[] { 1, 0, 1, 2 }).Attr("strides", new long[] { 2, 1 }));

    [Fact]
    public void ConvTransposePackedWeights() =>
        Run("ConvTranspose", [("x", [1, 4, 5, 5]), ("w", [4, 3, 3, 3])], 1, 1, n => n.Attr("group", 2L).Attr("strides", new long[] { 2, 2 }));

    [Theory]
    [InlineData(0, "forward")]
    [InlineData(1, "bidirectional")]
    [InlineData(0, "reverse")]
    public void GruPackedWeights(long linearBeforeReset, string direction)
    {
        int dirs = direction == "bidirectional" ? 2 : 1;
        Run("GRU", [("x", [4, 2, 5]), ("w", [dirs, 18, 5]), ("r", [dirs, 18, 6]), ("b", [dirs, 36])], 1, 2,
            n => n.Attr("hidden_size", 6L).Attr("linear_before_reset", linearBeforeReset).Attr("direction", direction));
    }

    [Fact]
    public void LstmPackedWeights() =>
        Run("LSTM", [("x", [3, 2, 4]), ("w", [2, 20, 4]), ("r", [2, 20, 5]), ("b", [2, 40])], 1, 3,
            n => n.Attr("hidden_size", 5L).Attr("direction", "bidirectional"));

    [Fact]
    public void RnnMatchesHandComputedStep()
    {
        // One step, one unit: h = tanh(x·w + h0·r + wb + rb) with h0 = 0.
        var g = new GraphBuilder().Input("x", ElementType.Float, 1, 1, 1).Output("y").Output("yh");
        g.Initializer("w", Tensor.FromArray(new[] { 0.5f }, [1, 1, 1]));
        g.Initializer("r", Tensor.FromArray(new[] { 2f }, [1, 1, 1]));
        g.Initializer("b", Tensor.FromArray(new[] { 0.1f, 0.2f }, [1, 2]));
        g.Node("RNN", ["x", "w", "r", "b"], ["y", "yh"]).Attr("hidden_size", 1L);
        using var result = g.Build().Run([Tensor.FromArray(new[] { 1f }, [1, 1, 1])]);
        Assert.Equal(MathF.Tanh(0.5f + 0.3f), ((Tensor)result[1]).ToArray<float>()[0], 1e-6f);
    }
}
