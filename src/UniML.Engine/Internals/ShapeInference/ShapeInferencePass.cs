using UniML.Onnx;
using UniML.Onnx.Protos;

namespace UniML.Engine.Internals.ShapeInference;

/// <summary>
/// Static shape and type inference for one graph, driven by <see cref="GraphCompiler"/> as it visits
/// nodes in topological order: graph inputs start from their declarations, initializers and folded
/// constants are exact, and every other node's outputs come from its rule in <see cref="ShapeRules"/>.
/// Where the model declares a value's type (value_info, graph outputs) the two are merged, and a
/// contradiction between them is a load error naming the node and both shapes.
/// </summary>
internal sealed class ShapeInferencePass
{
    readonly string _modelName;
    readonly ShapeInferencePass? _outer;
    readonly Func<Dim> _fresh;
    readonly Func<GraphProto, InferredType[]?> _subgraphOutputs;
    readonly IReadOnlyDictionary<string, int> _ids;
    readonly Dictionary<string, TypeProto> _declared = new();
    readonly List<InferredType> _types = new();

    /// <param name="subgraphOutputs">The inferred output types of a subgraph already compiled, else null.</param>
    public ShapeInferencePass(GraphProto graph, IReadOnlyDictionary<string, int> ids, ShapeInferencePass? outer, Func<Dim> fresh, string modelName,
        Func<GraphProto, InferredType[]?> subgraphOutputs)
    {
        _subgraphOutputs = subgraphOutputs;
        _ids = ids;
        _outer = outer;
        _fresh = fresh;
        _modelName = modelName;
        foreach (var vi in graph.ValueInfo.Concat(graph.Output))
            if (vi.Type is not null) _declared.TryAdd(vi.Name, vi.Type);
    }

    public InferredType TypeOf(int id) => id >= 0 && id < _types.Count ? _types[id] : InferredType.Unknown;

    /// <summary>A name's type in this graph or, for a subgraph, in the scopes enclosing it.</summary>
    public InferredType TypeOf(string name) =>
        _ids.TryGetValue(name, out var id) && id < _types.Count ? _types[id] : _outer?.TypeOf(name) ?? InferredType.Unknown;

    void Set(int id, InferredType type)
    {
        while (_types.Count <= id) _types.Add(InferredType.Unknown);
        _types[id] = type;
    }

    /// <summary>A formal input, typed by its declaration; a captured outer-scope name takes the enclosing graph's type.</summary>
    public void DefineInput(int id, TypeProto? declared, string? capturedName)
    {
        var type = InferredType.FromDeclared(declared, _fresh);
        if (capturedName is not null && type.Kind == ValueKind.Unknown && _outer is not null)
            type = _outer.TypeOf(capturedName);
        Set(id, type);
    }

    public void DefineConstant(int id, Value? value) => Set(id, InferredType.FromValue(value));

    /// <summary>Infers a node's outputs from its rule; a rule that fails unexpectedly leaves them unknown.</summary>
    public void InferNode(NodeProto node, string domain, int opset, int[] outputIds)
    {
        var inputs = new InferredType[node.Input.Count];
        for (int i = 0; i < inputs.Length; i++)
            inputs[i] = node.Input[i].Length == 0 ? InferredType.Unknown : TypeOf(node.Input[i]);
        var context = new ShapeContext(node, opset, inputs, _fresh, _modelName, _subgraphOutputs);
        if (ShapeRules.Find(domain, node.OpType) is { } rule)
        {
            try { rule(context); }
            catch (ModelLoadException) { throw; }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A malformed node the rule did not anticipate: say nothing rather than guess; the kernel reports it.
                Array.Fill(context.Outputs, InferredType.Unknown);
            }
        }
        for (int i = 0; i < outputIds.Length; i++)
            Record(outputIds[i], node.Output[i], context.Outputs[i], context.Label);
    }

    /// <summary>A node folded at load time: its outputs are exact.</summary>
    public void RecordFolded(NodeProto node, int[] outputIds, Value?[] values, string label)
    {
        for (int i = 0; i < outputIds.Length; i++)
            Record(outputIds[i], node.Output[i], InferredType.FromValue(values[i]), label);
    }

    void Record(int id, string name, InferredType inferred, string label)
    {
        if (id < 0) return;
        if (_declared.TryGetValue(name, out var declaredProto))
            inferred = Merge(inferred, InferredType.FromDeclared(declaredProto, _fresh), name, label);
        Set(id, inferred);
    }

    InferredType Merge(InferredType inferred, InferredType declared, string name, string label)
    {
        if (declared.Kind == ValueKind.Unknown) return inferred;
        if (inferred.Kind == ValueKind.Unknown) return declared;
        if (!inferred.IsTensor || !declared.IsTensor) return inferred;
        bool elementsDiffer = inferred.Element != ElementType.Undefined && declared.Element != ElementType.Undefined && inferred.Element != declared.Element;
        bool ranksDiffer = inferred.HasRank && declared.HasRank && inferred.Rank != declared.Rank;
        bool dimsDiffer = false;
        if (inferred.HasRank && declared.HasRank && !ranksDiffer)
            for (int i = 0; i < inferred.Rank; i++)
                dimsDiffer |= inferred.Dims![i].IsKnown && declared.Dims![i].IsKnown && inferred.Dims[i].Value != declared.Dims[i].Value;
        if (elementsDiffer || ranksDiffer || dimsDiffer)
            throw new ModelLoadException($"{_modelName}: {label}: output '{name}' is {inferred} by shape inference but the model declares {declared}");

        var element = inferred.Element != ElementType.Undefined ? inferred.Element : declared.Element;
        var dims = inferred.Dims;
        if (dims is null) dims = declared.Dims;
        else if (declared.Dims is not null)
        {
            dims = (Dim[])dims.Clone();
            for (int i = 0; i < dims.Length; i++)
                if (!dims[i].IsKnown && (declared.Dims[i].IsKnown || !dims[i].IsNamed && declared.Dims[i].IsNamed)) dims[i] = declared.Dims[i];
        }
        return new InferredType(ValueKind.Tensor, element, dims, constant: inferred.Constant, elements: inferred.Elements);
    }

    /// <summary>The inferred type of every value id, for <see cref="CompiledGraph.ValueTypes"/>.</summary>
    public InferredType[] ToArray(int count)
    {
        var result = new InferredType[count];
        for (int i = 0; i < count; i++) result[i] = TypeOf(i);
        return result;
    }
}
