using UniML.Engine;
using UniML.Onnx;

namespace UniML.Server.Internals.Protocol;

/// <summary>
/// The protocol's tensor data types (KServe Open Inference Protocol, "Tensor Data Types") and the ONNX
/// element types they carry. BYTES is tensor(string) holding UTF-8 text.
/// </summary>
internal static class DataTypes
{
    public static bool TryParse(string name, out ElementType type)
    {
        type = name switch
        {
            "BOOL" => ElementType.Bool,
            "UINT8" => ElementType.UInt8,
            "UINT16" => ElementType.UInt16,
            "UINT32" => ElementType.UInt32,
            "UINT64" => ElementType.UInt64,
            "INT8" => ElementType.Int8,
            "INT16" => ElementType.Int16,
            "INT32" => ElementType.Int32,
            "INT64" => ElementType.Int64,
            "FP16" => ElementType.Float16,
            "FP32" => ElementType.Float,
            "FP64" => ElementType.Double,
            "BF16" => ElementType.BFloat16,
            "BYTES" => ElementType.String,
            _ => ElementType.Undefined,
        };
        return type != ElementType.Undefined;
    }

    /// <summary>The protocol name of an element type; null when the protocol has none (complex, 4- and 8-bit floats).</summary>
    public static string? NameOf(ElementType type) => type switch
    {
        ElementType.Bool => "BOOL",
        ElementType.UInt8 => "UINT8",
        ElementType.UInt16 => "UINT16",
        ElementType.UInt32 => "UINT32",
        ElementType.UInt64 => "UINT64",
        ElementType.Int8 => "INT8",
        ElementType.Int16 => "INT16",
        ElementType.Int32 => "INT32",
        ElementType.Int64 => "INT64",
        ElementType.Float16 => "FP16",
        ElementType.Float => "FP32",
        ElementType.Double => "FP64",
        ElementType.BFloat16 => "BF16",
        ElementType.String => "BYTES",
        _ => null,
    };

    /// <summary>The datatype a model input or output is described with in metadata.</summary>
    public static string Describe(ValueDescriptor d) =>
        d.Kind == ValueKind.Tensor ? NameOf(d.ElementType) ?? ElementTypeInfo.OnnxName(d.ElementType).ToUpperInvariant() : "BYTES";

    public const string AllNames = "BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32, FP64, BF16, BYTES";

    /// <summary>
    /// Calls <c>visitor.Visit&lt;T&gt;()</c> with the CLR type of <paramref name="type"/>'s elements (for bfloat16,
    /// which has none, <see cref="BFloat16Bits"/>: its raw bits); false for strings and types the protocol lacks.
    /// The one place that maps element types to the generic code that reads and writes their tensor data.
    /// </summary>
    public static bool VisitElementType<TVisitor>(ElementType type, scoped ref TVisitor visitor)
        where TVisitor : IElementTypeVisitor, allows ref struct
    {
        switch (type)
        {
            case ElementType.Bool: visitor.Visit<bool>(); return true;
            case ElementType.UInt8: visitor.Visit<byte>(); return true;
            case ElementType.UInt16: visitor.Visit<ushort>(); return true;
            case ElementType.UInt32: visitor.Visit<uint>(); return true;
            case ElementType.UInt64: visitor.Visit<ulong>(); return true;
            case ElementType.Int8: visitor.Visit<sbyte>(); return true;
            case ElementType.Int16: visitor.Visit<short>(); return true;
            case ElementType.Int32: visitor.Visit<int>(); return true;
            case ElementType.Int64: visitor.Visit<long>(); return true;
            case ElementType.Float16: visitor.Visit<Half>(); return true;
            case ElementType.Float: visitor.Visit<float>(); return true;
            case ElementType.Double: visitor.Visit<double>(); return true;
            case ElementType.BFloat16: visitor.Visit<BFloat16Bits>(); return true;
            default: return false;
        }
    }
}

/// <summary>Generic code over a tensor's element type, called through <see cref="DataTypes.VisitElementType"/>.</summary>
internal interface IElementTypeVisitor
{
    void Visit<T>() where T : unmanaged;
}
