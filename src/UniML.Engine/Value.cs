namespace UniML.Engine;

/// <summary>An ONNX runtime value: a <see cref="Tensor"/>, a <see cref="SequenceValue"/> or a <see cref="MapValue"/>.</summary>
public abstract class Value
{
    private protected Value() { }

    /// <summary>ONNX type string, e.g. tensor(float), seq(map(int64,tensor(float))).</summary>
    public abstract string TypeName { get; }
}

/// <summary>An ONNX sequence: an ordered list of values of one type.</summary>
public sealed class SequenceValue : Value
{
    public SequenceValue(List<Value> items, string elementTypeName)
    {
        Items = items;
        ElementTypeName = elementTypeName;
    }

    public List<Value> Items { get; }
    public string ElementTypeName { get; }
    public override string TypeName => $"seq({ElementTypeName})";
}

/// <summary>An ONNX map: keys (a 1-D int64 or string tensor) paired with values (a tensor of the same length).</summary>
public sealed class MapValue : Value
{
    public MapValue(Tensor keys, Tensor values)
    {
        if (keys.Rank != 1 || values.Length != keys.Length)
            throw new ArgumentException($"a map needs 1-D keys and as many values: keys {keys.ShapeString}, values {values.ShapeString}");
        Keys = keys;
        Values = values;
    }

    public Tensor Keys { get; }
    public Tensor Values { get; }
    public override string TypeName => $"map({Onnx.ElementTypeInfo.OnnxName(Keys.Type)},tensor({Onnx.ElementTypeInfo.OnnxName(Values.Type)}))";
}
