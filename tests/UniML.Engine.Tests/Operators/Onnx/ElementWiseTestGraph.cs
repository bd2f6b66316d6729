using UniML.Onnx;
using UniML.Onnx.Protos;

namespace UniML.Engine.Tests.Operators.Onnx;

/// <summary>Runs one node on the given inputs (declared with unknown shapes) and returns its outputs.</summary>
internal static class ElementWiseTestGraph
{
    public static Tensor Run(string op, int opset, Action<NodeProto>? attributes, params Tensor?[] inputs) =>
        RunAll(op, opset, 1, attributes, inputs)[0];

    public static Tensor[] RunAll(string op, int opset, int outputs, Action<NodeProto>? attributes, params Tensor?[] inputs)
    {
        var g = new GraphBuilder(opset);
        var names = new string[inputs.Length];
        var feeds = new List<Value?>();
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] is null) { names[i] = ""; continue; }
            names[i] = "in" + i;
            g.Input(names[i], inputs[i]!.Type, null);
            feeds.Add(inputs[i]);
        }
        var outputNames = Enumerable.Range(0, outputs).Select(i => "out" + i).ToArray();
        foreach (var o in outputNames) g.Output(o);
        var node = g.Node(op, names, outputNames);
        attributes?.Invoke(node);
        var session = g.Build();
        using var result = session.Run(feeds.ToArray());
        return Enumerable.Range(0, outputs).Select(i => (Tensor)result.Detach(i)!).ToArray();
    }

    public static Tensor F(float[] values, params int[] shape) => Tensor.FromArray(values, shape);
    public static Tensor D(double[] values, params int[] shape) => Tensor.FromArray(values, shape);
    public static Tensor I64(long[] values, params int[] shape) => Tensor.FromArray(values, shape);
    public static Tensor I32(int[] values, params int[] shape) => Tensor.FromArray(values, shape);

    public static void Near(float[] expected, Tensor actual, float tolerance = 1e-5f)
    {
        var a = actual.ToArray<float>();
        Assert.Equal(expected.Length, a.Length);
        for (int i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(a[i] - expected[i]) <= tolerance * (1 + Math.Abs(expected[i])), $"element {i}: {a[i]} vs {expected[i]}");
    }
}
