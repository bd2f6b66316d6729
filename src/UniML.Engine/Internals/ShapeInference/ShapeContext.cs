using UniML.Onnx;
using UniML.Onnx.Protos;

namespace UniML.Engine.Internals.ShapeInference;

/// <summary>Infers the outputs of one node from what is known about its inputs. Rules live in <c>Rules/</c>, one file per operator family.</summary>
internal delegate void ShapeRule(ShapeContext node);

/// <summary>
/// A shape rule's view of one node: the inferred types of its inputs, constant input values, attributes,
/// and the outputs it sets. An output a rule leaves unset is unknown. A rule throws (through
/// <see cref="Mismatch"/>) only when the node can provably never run; when unsure it leaves dims unknown.
/// </summary>
internal sealed class ShapeContext
{
    readonly InferredType[] _inputs;
    readonly Func<Dim> _fresh;
    readonly string _modelName;
    readonly Func<GraphProto, InferredType[]?> _subgraphOutputs;

    public ShapeContext(NodeProto node, int opset, InferredType[] inputs, Func<Dim> fresh, string modelName, Func<GraphProto, InferredType[]?> subgraphOutputs)
    {
        _subgraphOutputs = subgraphOutputs;
        Node = node;
        Opset = opset;
        _inputs = inputs;
        _fresh = fresh;
        _modelName = modelName;
        Outputs = new InferredType[node.Output.Count];
        Array.Fill(Outputs, InferredType.Unknown);
    }

    public NodeProto Node { get; }

    /// <summary>The model's opset for the node's domain (rules read version-dependent forms from it).</summary>
    public int Opset { get; }

    public InferredType[] Outputs { get; }

    public int InputCount => _inputs.Length;

    public int OutputCount => Outputs.Length;

    public string Label => Node.Name.Length > 0 ? $"{Node.OpType} node '{Node.Name}'" : $"{Node.OpType} node (output '{(Node.Output.Count > 0 ? Node.Output[0] : "")}')";

    public bool HasInput(int i) => i < _inputs.Length && Node.Input[i].Length > 0;

    /// <summary>Input <paramref name="i"/>'s type; Unknown when absent.</summary>
    public InferredType Input(int i) => i < _inputs.Length ? _inputs[i] : InferredType.Unknown;

    public Tensor? Constant(int i) => Input(i).Constant;

    /// <summary>Elements of a constant integer input, or null.</summary>
    public long[]? ConstantInts(int i)
    {
        var c = Constant(i);
        return c?.Type switch
        {
            ElementType.Int64 => c.ToArray<long>(),
            ElementType.Int32 => Array.ConvertAll(c.ToArray<int>(), v => (long)v),
            _ => null,
        };
    }

    /// <summary>Elements of a 0-D/1-D integer input as dims (known or symbolic), from a constant or shape arithmetic.</summary>
    public Dim[]? ShapeElements(int i) => Input(i).Elements;

    public void SetOutput(int i, InferredType type)
    {
        if (i < Outputs.Length) Outputs[i] = type;
    }

    public void SetTensor(int i, ElementType element, Dim[]? dims, Dim[]? elements = null) => SetOutput(i, InferredType.Tensor(element, dims, elements));

    public Dim Fresh() => _fresh();

    /// <summary>A dim that is <paramref name="value"/> when known, else a fresh unknown.</summary>
    public Dim DimOf(long? value) => value is { } v && v >= 0 ? Dim.Of(v) : _fresh();

    public Dim[] FreshDims(int rank)
    {
        var dims = new Dim[rank];
        for (int i = 0; i < rank; i++) dims[i] = _fresh();
        return dims;
    }

    /// <summary>A load error for a node that can never run; only for mismatches that are certain.</summary>
    public ModelLoadException Mismatch(string message) => new($"{_modelName}: {Label}: {message}");

    AttributeProto? Attribute(string name)
    {
        foreach (var a in Node.Attribute)
            if (a.Name == name) return a;
        return null;
    }

    public bool Has(string name) => Attribute(name) is not null;

    public long Int(string name, long fallback) => Attribute(name) is { } a ? a.I : fallback;

    public long[]? Ints(string name) => Attribute(name) is { } a ? a.Ints.ToArray() : null;

    public float[]? Floats(string name) => Attribute(name) is { } a ? a.Floats.ToArray() : null;

    public float Float(string name, float fallback) => Attribute(name) is { } a ? a.F : fallback;

    public string String(string name, string fallback) => Attribute(name) is { } a ? a.S.ToStringUtf8() : fallback;

    public int StringsCount(string name) => Attribute(name)?.Strings.Count ?? 0;

    public int FloatsCount(string name) => Attribute(name)?.Floats.Count ?? 0;

    public int IntsCount(string name) => Attribute(name)?.Ints.Count ?? 0;

    public TensorProto? TensorAttribute(string name) => Attribute(name)?.T;

    /// <summary>The inferred output types of the subgraph in attribute <paramref name="name"/>; null when it was not compiled (no kernel).</summary>
    public InferredType[]? SubgraphOutputs(string name) => Attribute(name)?.G is { } g ? _subgraphOutputs(g) : null;

    /// <summary>Normalises an axis against a known rank; null when out of range (the kernel reports that).</summary>
    public static int? Axis(long axis, int rank)
    {
        long a = axis < 0 ? axis + rank : axis;
        return a >= 0 && a < rank ? (int)a : null;
    }
}
