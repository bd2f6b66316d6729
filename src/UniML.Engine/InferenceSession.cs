using UniML.Engine.Internals;
using UniML.Onnx;
using UniML.Onnx.Protos;

namespace UniML.Engine;

/// <summary>
/// A compiled ONNX model, ready to run. Loading validates the file, selects a kernel for every node and
/// fails with the full list of unsupported operators. <see cref="Run(ReadOnlySpan{Value})"/> is
/// thread-safe: concurrent runs each take their own pooled execution frame.
/// </summary>
public sealed class InferenceSession
{
    readonly CompiledGraph _graph;

    InferenceSession(CompiledGraph graph, ModelProto model, IReadOnlyList<ValueDescriptor> inputs, IReadOnlyList<ValueDescriptor> outputs, string name)
    {
        _graph = graph;
        Model = model;
        Inputs = inputs;
        Outputs = outputs;
        Name = name;
    }

    /// <summary>The model's file name (or the name given when loading from memory).</summary>
    public string Name { get; }

    public IReadOnlyList<ValueDescriptor> Inputs { get; }
    public IReadOnlyList<ValueDescriptor> Outputs { get; }

    /// <summary>The parsed model (metadata, opsets, producer).</summary>
    public ModelProto Model { get; }

    /// <summary>Loads and compiles a model file; external tensor data is read relative to its folder.</summary>
    public static InferenceSession Load(string path)
    {
        var model = OnnxFile.ReadModel(path);
        return Compile(model, Path.GetDirectoryName(Path.GetFullPath(path)), path);
    }

    /// <summary>Compiles a model held in memory (no external data).</summary>
    public static InferenceSession Load(ReadOnlySpan<byte> modelBytes, string name)
    {
        var model = OnnxFile.ParseModel(modelBytes, name);
        return Compile(model, null, name);
    }

    /// <summary>Compiles an already-parsed model.</summary>
    public static InferenceSession Compile(ModelProto model, string? baseDirectory, string name)
    {
        var opsets = Opsets(model);
        var compiler = new GraphCompiler(opsets, baseDirectory, name);
        var graph = compiler.CompileMain(model.Graph, out var inputInfos);
        var inputs = inputInfos.Select(Describe).ToArray();
        var outputs = new ValueDescriptor[model.Graph.Output.Count];
        for (int i = 0; i < outputs.Length; i++)
        {
            outputs[i] = Describe(model.Graph.Output[i]);
            // Where the model leaves an output's type or shape open, say what shape inference knows.
            if (!IsComplete(outputs[i]) && graph.ValueTypes.Length > 0 && graph.ValueTypes[graph.OutputIds[i]] is { Kind: not ValueKind.Unknown } inferred)
                outputs[i] = inferred.Describe(outputs[i].Name);
        }
        return new InferenceSession(graph, model, inputs, outputs, name);
    }

    static bool IsComplete(ValueDescriptor d) => d.Kind switch
    {
        ValueKind.Unknown => false,
        ValueKind.Tensor => d.ElementType != ElementType.Undefined && d.Dims is not null && d.Dims.Select((v, k) => v >= 0 || d.DimNames?[k] is not null).All(x => x),
        _ => true,
    };

    /// <summary>The compiled plan (tests read load-time shape inference and intermediate values through it).</summary>
    internal CompiledGraph Graph => _graph;

    /// <summary>The model's opset imports by domain ("" for ai.onnx).</summary>
    public static Dictionary<string, int> Opsets(ModelProto model)
    {
        var opsets = new Dictionary<string, int>();
        foreach (var o in model.OpsetImport)
            opsets[GraphCompiler.NormalizeDomain(o.Domain)] = (int)o.Version;
        return opsets;
    }

    /// <summary>Index of the input called <paramref name="name"/>, or -1.</summary>
    public int InputIndex(string name)
    {
        for (int i = 0; i < Inputs.Count; i++)
            if (Inputs[i].Name == name) return i;
        return -1;
    }

    /// <summary>
    /// Runs the model on inputs given in <see cref="Inputs"/> order. The result's values live in pooled
    /// buffers: read or copy them, then dispose the result.
    /// </summary>
    public InferenceResult Run(ReadOnlySpan<Value?> inputs)
    {
        if (inputs.Length != Inputs.Count)
            throw new InferenceInputException($"the model takes {Inputs.Count} input(s) ({string.Join(", ", Inputs.Select(i => i.Name))}), got {inputs.Length}");
        for (int i = 0; i < inputs.Length; i++)
            Validate(Inputs[i], inputs[i]);
        var frame = _graph.Rent();
        try
        {
            for (int i = 0; i < inputs.Length; i++)
                frame.Values[_graph.InputIds[i]] = inputs[i];
            _graph.Execute(frame);
        }
        catch
        {
            _graph.Return(frame);
            throw;
        }
        return new InferenceResult(_graph, frame);
    }

    /// <summary>Runs the model on named inputs and returns copies of its outputs by name (an optional output without an element is left out).</summary>
    public Dictionary<string, Value> Run(IReadOnlyDictionary<string, Value?> inputs)
    {
        foreach (var name in inputs.Keys)
            if (InputIndex(name) < 0)
                throw new InferenceInputException($"the model has no input named '{name}' (inputs: {string.Join(", ", Inputs.Select(i => i.Name))})");
        var ordered = new Value?[Inputs.Count];
        for (int i = 0; i < ordered.Length; i++)
        {
            if (!inputs.TryGetValue(Inputs[i].Name, out var v) && Inputs[i].Kind != ValueKind.Optional)
                throw new InferenceInputException($"input '{Inputs[i].Name}' is missing");
            ordered[i] = v;
        }
        using var result = Run(ordered);
        var outputs = new Dictionary<string, Value>();
        for (int i = 0; i < Outputs.Count; i++)
            if (result.Detach(i) is { } value) outputs[Outputs[i].Name] = value;
        return outputs;
    }

    static void Validate(ValueDescriptor d, Value? value)
    {
        if (value is null)
        {
            if (d.Kind == ValueKind.Optional) return; // an optional input without an element
            throw new InferenceInputException($"input '{d.Name}' is missing");
        }
        if (d.Kind != ValueKind.Tensor)
            return;
        if (value is not Tensor t)
            throw new InferenceInputException($"input '{d.Name}' must be {d.TypeName}, got {value.TypeName}");
        if (d.ElementType != ElementType.Undefined && t.Type != d.ElementType)
            throw new InferenceInputException($"input '{d.Name}' must be {d.TypeName}, got {t.TypeName}");
        if (d.Dims is null) return;
        if (t.Rank != d.Dims.Length)
            throw new InferenceInputException($"input '{d.Name}' must have shape {d.ShapeText} (rank {d.Dims.Length}), got {t.ShapeString}");
        for (int k = 0; k < d.Dims.Length; k++)
            if (d.Dims[k] >= 0 && t.Shape[k] != d.Dims[k])
                throw new InferenceInputException($"input '{d.Name}' must have shape {d.ShapeText}, got {t.ShapeString} (dimension {k} must be {d.Dims[k]})");
    }

    internal static ValueDescriptor Describe(ValueInfoProto info)
    {
        var type = info.Type;
        if (type is null)
            return new ValueDescriptor(info.Name, ValueKind.Unknown, ElementType.Undefined, null, null, "unknown");
        switch (type.ValueCase)
        {
            case TypeProto.ValueOneofCase.TensorType:
            {
                var et = (ElementType)type.TensorType.ElemType;
                int[]? dims = null;
                string?[]? names = null;
                if (type.TensorType.Shape is { } shape)
                {
                    dims = new int[shape.Dim.Count];
                    names = new string?[shape.Dim.Count];
                    for (int i = 0; i < dims.Length; i++)
                    {
                        var dim = shape.Dim[i];
                        bool fixedDim = dim.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue;
                        dims[i] = fixedDim && dim.DimValue <= int.MaxValue ? (int)dim.DimValue : -1;
                        names[i] = dim.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam ? dim.DimParam : null;
                    }
                }
                return new ValueDescriptor(info.Name, ValueKind.Tensor, et, dims, names, TypeName(type));
            }
            case TypeProto.ValueOneofCase.SequenceType:
                return new ValueDescriptor(info.Name, ValueKind.Sequence, InnerElementType(type), null, null, TypeName(type));
            case TypeProto.ValueOneofCase.MapType:
                return new ValueDescriptor(info.Name, ValueKind.Map, InnerElementType(type), null, null, TypeName(type));
            case TypeProto.ValueOneofCase.OptionalType:
                return new ValueDescriptor(info.Name, ValueKind.Optional, InnerElementType(type), null, null, TypeName(type));
            default:
                return new ValueDescriptor(info.Name, ValueKind.Unknown, ElementType.Undefined, null, null, TypeName(type));
        }
    }

    static ElementType InnerElementType(TypeProto type) => type.ValueCase switch
    {
        TypeProto.ValueOneofCase.TensorType => (ElementType)type.TensorType.ElemType,
        TypeProto.ValueOneofCase.SequenceType => type.SequenceType.ElemType is { } e ? InnerElementType(e) : ElementType.Undefined,
        TypeProto.ValueOneofCase.MapType => type.MapType.ValueType is { } v ? InnerElementType(v) : ElementType.Undefined,
        TypeProto.ValueOneofCase.OptionalType => type.OptionalType.ElemType is { } o ? InnerElementType(o) : ElementType.Undefined,
        _ => ElementType.Undefined,
    };

    /// <summary>ONNX type string for a declared type.</summary>
    public static string TypeName(TypeProto? type) => type?.ValueCase switch
    {
        TypeProto.ValueOneofCase.TensorType => $"tensor({ElementTypeInfo.OnnxName((ElementType)type.TensorType.ElemType)})",
        TypeProto.ValueOneofCase.SequenceType => $"seq({TypeName(type.SequenceType.ElemType)})",
        TypeProto.ValueOneofCase.MapType => $"map({ElementTypeInfo.OnnxName((ElementType)type.MapType.KeyType)},{TypeName(type.MapType.ValueType)})",
        TypeProto.ValueOneofCase.OptionalType => $"optional({TypeName(type.OptionalType.ElemType)})",
        TypeProto.ValueOneofCase.SparseTensorType => $"sparse_tensor({ElementTypeInfo.OnnxName((ElementType)type.SparseTensorType.ElemType)})",
        _ => "unknown",
    };
}
