using UniML.Onnx;
using UniML.Onnx.Protos;

namespace UniML.Engine.Tests.Operators.OnnxMl;

/// <summary>Builds and runs one ai.onnx.ml node on a float matrix.</summary>
internal static class MlTest
{
    public const string Ml = "ai.onnx.ml";

    public static GraphBuilder Graph(string[] outputs, int mlOpset = 3, ElementType inputType = ElementType.Float)
    {
        var g = new GraphBuilder(mlOpset: mlOpset).Input("X", inputType, -1, -1);
        foreach (var o in outputs) g.Output(o);
        return g;
    }

    public static Value[] Run(GraphBuilder g, Tensor x)
    {
        var session = g.Build();
        using var result = session.Run([x]);
        var values = new Value[result.Count];
        for (int i = 0; i < values.Length; i++) values[i] = result.Detach(i)!;
        return values;
    }

    public static Tensor Rows(params float[][] rows) => Tensor.FromArray(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length]);

    public static float[] Floats(Value v) => ((Tensor)v).ToArray<float>();
    public static long[] Longs(Value v) => ((Tensor)v).ToArray<long>();
    public static string[] Strings(Value v) => ((Tensor)v).Strings().ToArray();

    public static void Near(float[] expected, float[] actual, float tolerance = 1e-5f)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"element {i}: expected {expected[i]}, got {actual[i]}");
    }

    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));
}
