using UniML.Onnx;

namespace UniML.Engine;

public enum ValueKind { Tensor, Sequence, Map, Optional, Unknown }

/// <summary>What a model declares about one of its inputs or outputs.</summary>
public sealed class ValueDescriptor
{
    internal ValueDescriptor(string name, ValueKind kind, ElementType elementType, int[]? dims, string?[]? dimNames, string typeName)
    {
        Name = name;
        Kind = kind;
        ElementType = elementType;
        Dims = dims;
        DimNames = dimNames;
        TypeName = typeName;
    }

    public string Name { get; }
    public ValueKind Kind { get; }

    /// <summary>Element type of a tensor (or of a sequence's/map's tensors, when declared).</summary>
    public ElementType ElementType { get; }

    /// <summary>Declared dimensions, -1 where symbolic or unknown; null when the rank is not declared.</summary>
    public int[]? Dims { get; }

    /// <summary>Symbolic dimension names (e.g. "batch"), null entries where the dimension is fixed or unnamed.</summary>
    public string?[]? DimNames { get; }

    /// <summary>ONNX type string such as tensor(float) or seq(map(int64,tensor(float))).</summary>
    public string TypeName { get; }

    public string ShapeText => Dims is null ? "?" : "[" + string.Join(",", Dims.Select((d, i) => d >= 0 ? d.ToString() : DimNames?[i] ?? "?")) + "]";

    public override string ToString() => $"{Name}: {TypeName} {ShapeText}";
}
