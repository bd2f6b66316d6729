using System.Text;
using UniML.Onnx;
using UniML.Onnx.Protos;

namespace UniML.Engine.Operators;

/// <summary>What a kernel factory may know about its node at compile time.</summary>
internal sealed class NodeInfo
{
    readonly Dictionary<string, AttributeProto> _attributes = new();

    public NodeInfo(NodeProto node, int opset, int formalInputCount, IReadOnlyList<string> capturedNames,
        Func<GraphProto, IReadOnlyList<string>, IReadOnlyList<string>, Internals.CompiledGraph> compileSubgraph,
        ElementType?[] inputTypes, int[]?[] inputShapes, IReadOnlyDictionary<string, int> opsets, Tensor?[] constantInputs)
    {
        _constantInputs = constantInputs;
        Proto = node;
        Opset = opset;
        FormalInputCount = formalInputCount;
        CapturedNames = capturedNames;
        _compileSubgraph = compileSubgraph;
        InputTypes = inputTypes;
        InputShapes = inputShapes;
        Opsets = opsets;
        foreach (var a in node.Attribute)
            _attributes[a.Name] = a;
    }

    readonly Func<GraphProto, IReadOnlyList<string>, IReadOnlyList<string>, Internals.CompiledGraph> _compileSubgraph;
    readonly Tensor?[] _constantInputs;

    /// <summary>
    /// The value of formal input <paramref name="index"/> when it is a constant (initializer or folded), so a
    /// kernel can prepare once (pack weights, read a fixed shape). Never write to it.
    /// </summary>
    public Tensor? ConstantInput(int index) => index < _constantInputs.Length ? _constantInputs[index] : null;

    public NodeProto Proto { get; }
    public string OpType => Proto.OpType;
    public string Domain => Proto.Domain;
    public int Opset { get; }

    /// <summary>The model's operator-set imports (domain "" is ai.onnx).</summary>
    public IReadOnlyDictionary<string, int> Opsets { get; }

    /// <summary>Inputs as written in the node; captured outer-scope values (for subgraphs) follow them.</summary>
    public int FormalInputCount { get; }
    public int OutputCount => Proto.Output.Count;

    /// <summary>Names of outer-scope values this node's subgraphs read, appended after the formal inputs in this order.</summary>
    public IReadOnlyList<string> CapturedNames { get; }

    /// <summary>Element type of each formal input when known at compile time (null when unknown or absent).</summary>
    public ElementType?[] InputTypes { get; }

    /// <summary>Static shape of each formal input when fully known (constants and fixed-shape declarations).</summary>
    public int[]?[] InputShapes { get; }

    public bool HasInput(int i) => i < Proto.Input.Count && Proto.Input[i].Length > 0;

    public string Label => Proto.Name.Length > 0 ? $"{OpType} node '{Proto.Name}'" : $"{OpType} node (output '{Proto.Output[0]}')";

    public bool Has(string name) => _attributes.ContainsKey(name);

    public AttributeProto? Attribute(string name) => _attributes.GetValueOrDefault(name);

    public IEnumerable<string> AttributeNames => _attributes.Keys;

    public long GetInt(string name, long fallback) => _attributes.TryGetValue(name, out var a) ? Expect(a, AttributeProto.Types.AttributeType.Int).I : fallback;

    public long GetInt(string name) => Expect(Require(name), AttributeProto.Types.AttributeType.Int).I;

    public float GetFloat(string name, float fallback) => _attributes.TryGetValue(name, out var a) ? Expect(a, AttributeProto.Types.AttributeType.Float).F : fallback;

    public string GetString(string name, string fallback) =>
        _attributes.TryGetValue(name, out var a) ? Expect(a, AttributeProto.Types.AttributeType.String).S.ToStringUtf8() : fallback;

    public long[]? GetInts(string name) => _attributes.TryGetValue(name, out var a) ? Expect(a, AttributeProto.Types.AttributeType.Ints).Ints.ToArray() : null;

    public float[]? GetFloats(string name) => _attributes.TryGetValue(name, out var a) ? Expect(a, AttributeProto.Types.AttributeType.Floats).Floats.ToArray() : null;

    public string[]? GetStrings(string name) =>
        _attributes.TryGetValue(name, out var a) ? Expect(a, AttributeProto.Types.AttributeType.Strings).Strings.Select(s => s.ToStringUtf8()).ToArray() : null;

    public Tensor? GetTensor(string name) =>
        _attributes.TryGetValue(name, out var a) ? OnnxValueConverter.FromTensorProto(Expect(a, AttributeProto.Types.AttributeType.Tensor).T, null, $"{Label} attribute '{name}'") : null;

    public GraphProto GetGraph(string name) => Expect(Require(name), AttributeProto.Types.AttributeType.Graph).G;

    /// <summary>Compiles a subgraph attribute; its formal inputs come first, then this node's captured names.</summary>
    public Internals.CompiledGraph CompileSubgraph(string attributeName)
    {
        var graph = GetGraph(attributeName);
        var formal = graph.Input.Select(i => i.Name).ToList();
        return _compileSubgraph(graph, formal, CapturedNames);
    }

    AttributeProto Require(string name) =>
        _attributes.TryGetValue(name, out var a) ? a : throw new ModelLoadException($"{Label}: required attribute '{name}' is missing");

    AttributeProto Expect(AttributeProto a, AttributeProto.Types.AttributeType type)
    {
        // Old exporters leave 'type' unset (UNDEFINED); accept those when the matching field is present.
        if (a.Type == type || a.Type == AttributeProto.Types.AttributeType.Undefined)
            return a;
        if (a.RefAttrName.Length > 0)
            throw new ModelLoadException($"{Label}: attribute '{a.Name}' refers to a function attribute, which UniML does not support");
        throw new ModelLoadException($"{Label}: attribute '{a.Name}' is {a.Type}, expected {type}");
    }

    public ModelLoadException Invalid(string message) => new($"{Label}: {message}");

    public NotSupportedException Unsupported(string message) => new($"{Label}: {message}");

    public override string ToString()
    {
        var sb = new StringBuilder(Label);
        return sb.ToString();
    }
}
