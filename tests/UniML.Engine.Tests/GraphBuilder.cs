using Google.Protobuf;
using UniML.Onnx;
using UniML.Onnx.Protos;

namespace UniML.Engine.Tests;

/// <summary>Builds small ONNX models in memory for operator unit tests (one node, or a few).</summary>
internal sealed class GraphBuilder
{
    readonly ModelProto _model = new() { IrVersion = 8, Graph = new GraphProto { Name = "test" } };

    public GraphBuilder(int opset = 17, int mlOpset = 3)
    {
        _model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        _model.OpsetImport.Add(new OperatorSetIdProto { Domain = "ai.onnx.ml", Version = mlOpset });
    }

    public GraphProto Graph => _model.Graph;

    /// <summary>Declares a graph input; dims null means rank unknown, -1 a symbolic dimension.</summary>
    public GraphBuilder Input(string name, ElementType type, params int[]? dims)
    {
        _model.Graph.Input.Add(ValueInfo(name, type, dims));
        return this;
    }

    public GraphBuilder Output(string name, ElementType type = ElementType.Undefined, params int[]? dims)
    {
        _model.Graph.Output.Add(type == ElementType.Undefined ? new ValueInfoProto { Name = name } : ValueInfo(name, type, dims));
        return this;
    }

    /// <summary>Declares an output whose type is not a tensor (e.g. seq(map(int64,float)) from ZipMap).</summary>
    public GraphBuilder Output(string name, TypeProto type)
    {
        _model.Graph.Output.Add(new ValueInfoProto { Name = name, Type = type });
        return this;
    }

    public GraphBuilder Initializer(string name, Tensor value)
    {
        _model.Graph.Initializer.Add(OnnxValueConverter.ToTensorProto(value, name));
        return this;
    }

    public NodeProto Node(string opType, string[] inputs, string[] outputs, string domain = "")
    {
        var node = new NodeProto { OpType = opType, Domain = domain, Name = opType + _model.Graph.Node.Count };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        _model.Graph.Node.Add(node);
        return node;
    }

    public InferenceSession Build() => InferenceSession.Load(_model.ToByteArray(), "test.onnx");

    public byte[] ToBytes() => _model.ToByteArray();

    public static ValueInfoProto ValueInfo(string name, ElementType type, int[]? dims)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)type };
        if (dims is not null)
        {
            tensorType.Shape = new TensorShapeProto();
            foreach (var d in dims)
                tensorType.Shape.Dim.Add(d >= 0 ? new TensorShapeProto.Types.Dimension { DimValue = d } : new TensorShapeProto.Types.Dimension { DimParam = "N" });
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }
}

/// <summary>Attribute helpers for <see cref="NodeProto"/>.</summary>
internal static class NodeAttributes
{
    public static NodeProto Attr(this NodeProto node, string name, long value)
    {
        node.Attribute.Add(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value });
        return node;
    }

    public static NodeProto Attr(this NodeProto node, string name, float value)
    {
        node.Attribute.Add(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value });
        return node;
    }

    public static NodeProto Attr(this NodeProto node, string name, string value)
    {
        node.Attribute.Add(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) });
        return node;
    }

    public static NodeProto Attr(this NodeProto node, string name, long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        node.Attribute.Add(a);
        return node;
    }

    public static NodeProto Attr(this NodeProto node, string name, float[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Floats };
        a.Floats.AddRange(values);
        node.Attribute.Add(a);
        return node;
    }

    public static NodeProto Attr(this NodeProto node, string name, string[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Strings };
        foreach (var v in values) a.Strings.Add(ByteString.CopyFromUtf8(v));
        node.Attribute.Add(a);
        return node;
    }

    public static NodeProto Attr(this NodeProto node, string name, Tensor value)
    {
        node.Attribute.Add(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = OnnxValueConverter.ToTensorProto(value, name) });
        return node;
    }

    public static NodeProto Attr(this NodeProto node, string name, GraphProto graph)
    {
        node.Attribute.Add(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Graph, G = graph });
        return node;
    }
}
