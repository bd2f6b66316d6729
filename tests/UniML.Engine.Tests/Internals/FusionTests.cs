using UniML.Onnx;
using Xunit;

namespace UniML.Engine.Tests.Internals;

public class FusionTests
{
    const int M = 7, K = 5, N = 37; // N spans a full and a partial SGEMM panel

    static float[] Data(int count, int seed)
    {
        var rnd = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(rnd.NextDouble() * 2 - 1)).ToArray();
    }

    static GraphBuilder MatMulAddRelu(bool addIsOutput, bool matMulReadTwice)
    {
        var g = new GraphBuilder().Input("x", ElementType.Float, -1, K)
            .Initializer("w", Tensor.FromArray(Data(K * N, 1), [K, N]))
            .Initializer("b", Tensor.FromArray(Data(N, 2), [N]));
        g.Node("MatMul", ["x", "w"], ["mm"]);
        g.Node("Add", ["mm", "b"], ["sum"]);
        g.Node("Relu", ["sum"], ["y"]);
        g.Output("y", ElementType.Float, null);
        if (addIsOutput) g.Output("sum", ElementType.Float, null);
        if (matMulReadTwice)
        {
            g.Node("Neg", ["mm"], ["neg"]);
            g.Output("neg", ElementType.Float, null);
        }
        return g;
    }

    static float[] Reference(float[] x, bool relu)
    {
        var w = Data(K * N, 1);
        var b = Data(N, 2);
        var y = new float[M * N];
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++)
            {
                float s = 0;
                for (int p = 0; p < K; p++) s = MathF.FusedMultiplyAdd(x[i * K + p], w[p * N + j], s);
                s += b[j];
                y[i * N + j] = relu ? Math.Max(s, 0f) : s;
            }
        return y;
    }

    static void AssertClose(float[] expected, Value actual)
    {
        var values = ((Tensor)actual).Span<float>().ToArray();
        Assert.Equal(expected.Length, values.Length);
        for (int i = 0; i < values.Length; i++) Assert.True(Math.Abs(expected[i] - values[i]) <= 1e-5f, $"element {i}: {expected[i]} vs {values[i]}");
    }

    [Fact]
    public void MatMulAddReluBecomesOneStep()
    {
        var session = MatMulAddRelu(false, false).Build();
        Assert.Single(session.Graph.Steps);
        var x = Data(M * K, 3);
        var outputs = session.Run(new Dictionary<string, Value?> { ["x"] = Tensor.FromArray(x, [M, K]) });
        AssertClose(Reference(x, relu: true), outputs["y"]);
    }

    [Fact]
    public void AnIntermediateThatIsAGraphOutputIsKept()
    {
        var session = MatMulAddRelu(true, false).Build();
        Assert.Equal(2, session.Graph.Steps.Length); // MatMul+Add fused; Relu separate, since 'sum' is an output
        var x = Data(M * K, 4);
        var outputs = session.Run(new Dictionary<string, Value?> { ["x"] = Tensor.FromArray(x, [M, K]) });
        AssertClose(Reference(x, relu: false), outputs["sum"]);
        AssertClose(Reference(x, relu: true), outputs["y"]);
    }

    [Fact]
    public void AnIntermediateWithAnotherReaderIsNotFused()
    {
        var session = MatMulAddRelu(false, true).Build();
        Assert.Equal(4, session.Graph.Steps.Length);
        var x = Data(M * K, 5);
        var outputs = session.Run(new Dictionary<string, Value?> { ["x"] = Tensor.FromArray(x, [M, K]) });
        AssertClose(Reference(x, relu: true), outputs["y"]);
    }
}
