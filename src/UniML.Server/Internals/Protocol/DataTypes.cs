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
}
