using UniML.Onnx;

namespace UniML.Engine.Tests.Operators.Onnx;

/// <summary>Runs a one-node model built with <see cref="GraphBuilder"/> on named inputs.</summary>
internal static class TensorOpsTestRunner
{
    public static Tensor RunSingle(GraphBuilder g, params (string Name, Tensor Value)[] inputs) => (Tensor)Run(g, inputs)[g.Graph.Output[0].Name];

    public static Dictionary<string, Value> Run(GraphBuilder g, params (string Name, Tensor Value)[] inputs)
    {
        var session = g.Build();
        var feed = new Dictionary<string, Value?>();
        foreach (var (name, value) in inputs) feed[name] = value;
        return session.Run(feed);
    }

    public static Tensor I64(params long[] v) => Tensor.FromArray(v, [v.Length]);

    public static Tensor F32(int[] shape, params float[] v) => Tensor.FromArray(v, shape);
}
