using System.Text;
using UniML.Onnx;
using UniML.Onnx.Protos;

namespace UniML.Engine.Internals.ShapeInference;

/// <summary>
/// What compile time knows about one value: its kind, element type and dims (null dims = rank unknown),
/// and for constants the exact value. Small int64 tensors computed from shapes (Shape → Gather → Concat)
/// carry their elements as <see cref="Elements"/>, so a later Reshape or Expand can use them. Immutable.
/// </summary>
internal sealed class InferredType
{
    public static readonly InferredType Unknown = new(ValueKind.Unknown, ElementType.Undefined, null);

    public InferredType(ValueKind kind, ElementType element, Dim[]? dims, InferredType? inner = null, ElementType mapKey = ElementType.Undefined,
        Tensor? constant = null, Dim[]? elements = null)
    {
        Kind = kind;
        Element = element;
        Dims = dims;
        Inner = inner;
        MapKey = mapKey;
        Constant = constant;
        Elements = elements;
    }

    public ValueKind Kind { get; }

    /// <summary>Element type of a tensor; Undefined when not known.</summary>
    public ElementType Element { get; }

    /// <summary>Dims of a tensor, outermost first; null when the rank is not known.</summary>
    public Dim[]? Dims { get; }

    /// <summary>A sequence's or optional's element type, or a map's value type.</summary>
    public InferredType? Inner { get; }

    public ElementType MapKey { get; }

    /// <summary>The exact value (initializers and folded constants).</summary>
    public Tensor? Constant { get; }

    /// <summary>The elements of a 0-D or 1-D integer tensor, as dims (known or symbolic), when shape arithmetic gives them.</summary>
    public Dim[]? Elements { get; }

    public bool IsTensor => Kind == ValueKind.Tensor;

    public int Rank => Dims?.Length ?? -1;

    public bool HasRank => Dims is not null;

    /// <summary>Every dimension is a known number.</summary>
    public bool IsStatic
    {
        get
        {
            if (Dims is null) return false;
            foreach (var d in Dims) if (!d.IsKnown) return false;
            return true;
        }
    }

    public static InferredType Tensor(ElementType element, Dim[]? dims, Dim[]? elements = null) =>
        new(ValueKind.Tensor, element, dims, elements: elements);

    public static InferredType Sequence(InferredType element) => new(ValueKind.Sequence, ElementType.Undefined, null, element);

    public static InferredType Map(ElementType key, InferredType value) => new(ValueKind.Map, ElementType.Undefined, null, value, key);

    public static InferredType OptionalOf(InferredType element) => new(ValueKind.Optional, ElementType.Undefined, null, element);

    public static Dim[] Known(ReadOnlySpan<int> shape)
    {
        var dims = new Dim[shape.Length];
        for (int i = 0; i < dims.Length; i++) dims[i] = Dim.Of(shape[i]);
        return dims;
    }

    public static InferredType FromValue(Value? value)
    {
        switch (value)
        {
            case Engine.Tensor t:
            {
                Dim[]? elements = null;
                if (t.Rank <= 1 && t.Length <= 64 && t.Type is ElementType.Int64 or ElementType.Int32)
                {
                    elements = new Dim[t.Length];
                    for (int i = 0; i < elements.Length; i++)
                        elements[i] = Dim.Of(t.Type == ElementType.Int64 ? t.Span<long>()[i] : t.Span<int>()[i]);
                }
                return new InferredType(ValueKind.Tensor, t.Type, Known(t.Shape), constant: t, elements: elements);
            }
            case SequenceValue s when s.Items.Count > 0 && s.Items[0] is Engine.Tensor first:
                return Sequence(Tensor(first.Type, null));
            default:
                return Unknown;
        }
    }

    /// <summary>A declared type (graph input, value_info, output); unnamed dims become fresh unknowns.</summary>
    public static InferredType FromDeclared(TypeProto? type, Func<Dim> fresh)
    {
        switch (type?.ValueCase)
        {
            case TypeProto.ValueOneofCase.TensorType:
            {
                var tt = type.TensorType;
                Dim[]? dims = null;
                if (tt.Shape is { } shape)
                {
                    dims = new Dim[shape.Dim.Count];
                    for (int i = 0; i < dims.Length; i++)
                    {
                        var d = shape.Dim[i];
                        dims[i] = d.ValueCase switch
                        {
                            TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue when d.DimValue >= 0 => Dim.Of(d.DimValue),
                            TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam when d.DimParam.Length > 0 => Dim.Named(d.DimParam),
                            _ => fresh(),
                        };
                    }
                }
                return Tensor((ElementType)tt.ElemType, dims);
            }
            case TypeProto.ValueOneofCase.SequenceType:
                return Sequence(FromDeclared(type.SequenceType.ElemType, fresh));
            case TypeProto.ValueOneofCase.MapType:
                return Map((ElementType)type.MapType.KeyType, FromDeclared(type.MapType.ValueType, fresh));
            case TypeProto.ValueOneofCase.OptionalType:
                return OptionalOf(FromDeclared(type.OptionalType.ElemType, fresh));
            default:
                return Unknown;
        }
    }

    public InferredType WithDims(Dim[]? dims) => new(Kind, Element, dims, Inner, MapKey);

    /// <summary>ONNX type text: tensor(float), seq(map(int64,tensor(float))), "unknown".</summary>
    public string TypeText => Kind switch
    {
        ValueKind.Tensor => $"tensor({(Element == ElementType.Undefined ? "?" : ElementTypeInfo.OnnxName(Element))})",
        ValueKind.Sequence => $"seq({Inner?.TypeText ?? "?"})",
        ValueKind.Map => $"map({ElementTypeInfo.OnnxName(MapKey)},{Inner?.TypeText ?? "?"})",
        ValueKind.Optional => $"optional({Inner?.TypeText ?? "?"})",
        _ => "unknown",
    };

    public string ShapeText => Dims is null ? "?" : DimsText(Dims);

    public static string DimsText(Dim[] dims)
    {
        var sb = new StringBuilder("[");
        for (int i = 0; i < dims.Length; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append(dims[i].ToString());
        }
        return sb.Append(']').ToString();
    }

    public override string ToString() => Kind == ValueKind.Tensor ? $"{TypeText} {ShapeText}" : TypeText;

    /// <summary>The public description of this type for a value called <paramref name="name"/>.</summary>
    public ValueDescriptor Describe(string name)
    {
        int[]? dims = null;
        string?[]? names = null;
        if (Kind == ValueKind.Tensor && Dims is not null)
        {
            dims = new int[Dims.Length];
            names = new string?[Dims.Length];
            for (int i = 0; i < dims.Length; i++)
            {
                dims[i] = Dims[i].IsKnown && Dims[i].Value <= int.MaxValue ? (int)Dims[i].Value : -1;
                names[i] = Dims[i].Name;
            }
        }
        var element = Element;
        for (var t = this; element == ElementType.Undefined && t.Inner is not null; t = t.Inner) element = t.Inner.Element;
        return new ValueDescriptor(name, Kind, element, dims, names, Kind == ValueKind.Unknown ? "unknown" : TypeText);
    }
}
