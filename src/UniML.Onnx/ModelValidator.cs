using UniML.Onnx.Protos;

namespace UniML.Onnx;

/// <summary>
/// Structural checks a parsed model must pass before anything trusts it: protobuf accepts many
/// byte strings that are not ONNX models (a bit flip can turn a field into another valid field).
/// </summary>
static class ModelValidator
{
    public static void Validate(ModelProto model, string name)
    {
        if (model.Graph is null)
            throw new OnnxFormatException($"{name}: the model has no graph (ModelProto.graph is missing)");
        if (model.IrVersion <= 0)
            throw new OnnxFormatException($"{name}: ModelProto.ir_version is {model.IrVersion}; an ONNX model declares a positive IR version");
        if (model.IrVersion >= 3 && model.OpsetImport.Count == 0)
            throw new OnnxFormatException($"{name}: the model imports no operator set (ModelProto.opset_import is empty)");
        foreach (var opset in model.OpsetImport)
        {
            if (opset.Version <= 0 || opset.Version > 1000)
                throw new OnnxFormatException($"{name}: operator set '{DomainName(opset.Domain)}' has version {opset.Version}, which no ONNX release defines");
        }
        ValidateGraph(model.Graph, name, "graph");
    }

    static string DomainName(string domain) => domain.Length == 0 ? "ai.onnx" : domain;

    static void ValidateGraph(GraphProto graph, string name, string where)
    {
        foreach (var input in graph.Input)
            ValidateValueInfo(input, name, $"{where} input");
        foreach (var output in graph.Output)
            ValidateValueInfo(output, name, $"{where} output");
        foreach (var tensor in graph.Initializer)
            TensorValidator.ValidateHeader(tensor, $"{name}: {where} initializer '{tensor.Name}'");
        for (int i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            var label = $"{where} node {i} ({(node.Name.Length > 0 ? node.Name : node.OpType)})";
            if (node.OpType.Length == 0)
                throw new OnnxFormatException($"{name}: {label} has no op_type");
            if (node.Output.Count == 0)
                throw new OnnxFormatException($"{name}: {label} has no outputs");
            foreach (var attribute in node.Attribute)
            {
                if (attribute.Name.Length == 0)
                    throw new OnnxFormatException($"{name}: {label} has an attribute with no name");
                if (attribute.T is not null)
                    TensorValidator.ValidateHeader(attribute.T, $"{name}: {label} attribute '{attribute.Name}'");
                foreach (var t in attribute.Tensors)
                    TensorValidator.ValidateHeader(t, $"{name}: {label} attribute '{attribute.Name}'");
                if (attribute.G is not null)
                    ValidateGraph(attribute.G, name, $"{label} attribute '{attribute.Name}'");
                foreach (var g in attribute.Graphs)
                    ValidateGraph(g, name, $"{label} attribute '{attribute.Name}'");
            }
        }
    }

    static void ValidateValueInfo(ValueInfoProto info, string name, string where)
    {
        if (info.Name.Length == 0)
            throw new OnnxFormatException($"{name}: a {where} has no name");
        if (info.Type?.TensorType is { } tensorType)
        {
            if (tensorType.ElemType != 0 && !Enum.IsDefined((ElementType)tensorType.ElemType))
                throw new OnnxFormatException($"{name}: {where} '{info.Name}' has unknown element type {tensorType.ElemType}");
            if (tensorType.Shape is { } shape)
            {
                foreach (var dim in shape.Dim)
                {
                    if (dim.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && dim.DimValue < 0)
                        throw new OnnxFormatException($"{name}: {where} '{info.Name}' has negative dimension {dim.DimValue}");
                }
            }
        }
    }
}
