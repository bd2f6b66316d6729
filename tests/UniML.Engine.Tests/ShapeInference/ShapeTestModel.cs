using UniML.Onnx;
using UniML.Onnx.Protos;

namespace UniML.Engine.Tests.ShapeInference;

/// <summary>In-memory models for the shape rules: inputs with named, fixed or unnamed dims, and the inferred type of any value.</summary>
internal static class ShapeTestModel
{
    /// <summary>Adds a graph input whose dims are ints (fixed), strings (dim_param) or null (unnamed unknown).</summary>
    public static GraphBuilder In(this GraphBuilder g, string name, ElementType type, params object?[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d switch
            {
                int v => new TensorShapeProto.Types.Dimension { DimValue = v },
                string s => new TensorShapeProto.Types.Dimension { DimParam = s },
                _ => new TensorShapeProto.Types.Dimension(),
            });
        g.Graph.Input.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } });
        return g;
    }

    /// <summary>A float tensor of zeros, for weights whose values do not matter to a shape.</summary>
    public static Tensor Weights(params int[] shape) => Tensor.Create(ElementType.Float, shape);

    public static GraphBuilder Ints(this GraphBuilder g, string name, params long[] values) =>
        g.Initializer(name, Tensor.FromArray(values, [values.Length]));

    /// <summary>The inferred type of a value as text, e.g. "tensor(float) [N,3]" ("?" for unknown dims).</summary>
    public static string TypeOf(this InferenceSession session, string name)
    {
        var graph = session.Graph;
        int id = Array.IndexOf(graph.ValueNames, name);
        Assert.True(id >= 0, $"no value '{name}'");
        return graph.ValueTypes[id].ToString();
    }

    /// <summary>Builds a model whose last node's output is the graph output, and returns that output's inferred type.</summary>
    public static string Infer(this GraphBuilder g, string output = "y") => g.Output(output).Build().TypeOf(output);
}
