using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using UniML.Engine;
using UniML.Onnx;

namespace UniML.Server.Internals.Protocol;

/// <summary>One output to return: its name, value and whether it goes in the binary section.</summary>
internal readonly record struct ResponseOutput(string Name, Value Value, bool Binary);

/// <summary>
/// Writes the "Inference Response JSON Object" and, for outputs asked for as binary, the binary tensor
/// data that follows it. Returns the JSON header's length (the Inference-Header-Content-Length) when
/// any output is binary, else -1.
/// </summary>
internal static class InferenceResponseWriter
{
    static readonly JsonWriterOptions WriterOptions = new() { Indented = false, SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static int Write(ArrayBufferWriter<byte> body, string modelName, string modelVersion, string? id, ReadOnlySpan<ResponseOutput> outputs)
    {
        ArrayBufferWriter<byte>? binary = null;
        using (var w = new Utf8JsonWriter(body, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("model_name"u8, modelName);
            w.WriteString("model_version"u8, modelVersion);
            if (id is not null) w.WriteString("id"u8, id);
            w.WriteStartArray("outputs"u8);
            foreach (var output in outputs)
            {
                var tensor = AsTensor(output.Value);
                w.WriteStartObject();
                w.WriteString("name"u8, output.Name);
                w.WriteString("datatype"u8, DataTypes.NameOf(tensor.Type) ?? throw new InvalidOperationException($"output '{output.Name}' has element type {ElementTypeInfo.OnnxName(tensor.Type)}, which the protocol cannot carry"));
                w.WriteStartArray("shape"u8);
                foreach (var d in tensor.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                if (output.Binary)
                {
                    binary ??= new ArrayBufferWriter<byte>(1024);
                    int before = binary.WrittenCount;
                    WriteBinary(binary, tensor);
                    w.WriteStartObject("parameters"u8);
                    w.WriteNumber("binary_data_size"u8, binary.WrittenCount - before);
                    w.WriteEndObject();
                }
                else
                {
                    w.WritePropertyName("data"u8);
                    WriteData(w, tensor);
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        if (binary is null) return -1;
        int headerLength = body.WrittenCount;
        binary.WrittenSpan.CopyTo(body.GetSpan(binary.WrittenCount));
        body.Advance(binary.WrittenCount);
        return headerLength;
    }

    /// <summary>
    /// The protocol has only tensors. Non-tensor outputs (a ZipMap classifier's seq(map(...)), a map)
    /// become a BYTES tensor with one JSON text per sequence item, e.g. <c>{"0":0.1,"1":0.9}</c>.
    /// </summary>
    public static Tensor AsTensor(Value value)
    {
        switch (value)
        {
            case Tensor t:
                return t;
            case SequenceValue s:
            {
                var items = new string[s.Items.Count];
                for (int i = 0; i < items.Length; i++) items[i] = JsonText(s.Items[i]);
                return Tensor.FromStrings(items, [items.Length]);
            }
            default:
                return Tensor.FromStrings([JsonText(value)], [1]);
        }
    }

    static string JsonText(Value value)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
            WriteValueAsJson(w, value);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    static void WriteValueAsJson(Utf8JsonWriter w, Value value)
    {
        switch (value)
        {
            case MapValue m:
            {
                w.WriteStartObject();
                var values = m.Values;
                for (int i = 0; i < m.Keys.Length; i++)
                {
                    string key = m.Keys.Type == ElementType.String ? m.Keys.Strings()[i] : m.Keys.Span<long>()[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
                    w.WritePropertyName(key);
                    WriteElement(w, values, i);
                }
                w.WriteEndObject();
                break;
            }
            case SequenceValue s:
                w.WriteStartArray();
                foreach (var item in s.Items) WriteValueAsJson(w, item);
                w.WriteEndArray();
                break;
            case Tensor t:
                WriteData(w, t);
                break;
        }
    }

    static void WriteElement(Utf8JsonWriter w, Tensor t, int i)
    {
        switch (t.Type)
        {
            case ElementType.Float: WriteFloat(w, t.Span<float>()[i]); break;
            case ElementType.Double: WriteFloat(w, t.Span<double>()[i]); break;
            case ElementType.Int64: w.WriteNumberValue(t.Span<long>()[i]); break;
            case ElementType.Int32: w.WriteNumberValue(t.Span<int>()[i]); break;
            case ElementType.String: w.WriteStringValue(t.Strings()[i]); break;
            default: w.WriteStringValue(t.TypeName); break;
        }
    }

    /// <summary>Flat row-major data, as the protocol's responses use.</summary>
    static void WriteData(Utf8JsonWriter w, Tensor t)
    {
        w.WriteStartArray();
        switch (t.Type)
        {
            case ElementType.Bool: foreach (var v in t.Span<bool>()) w.WriteBooleanValue(v); break;
            case ElementType.UInt8: foreach (var v in t.Span<byte>()) w.WriteNumberValue(v); break;
            case ElementType.UInt16: foreach (var v in t.Span<ushort>()) w.WriteNumberValue(v); break;
            case ElementType.UInt32: foreach (var v in t.Span<uint>()) w.WriteNumberValue(v); break;
            case ElementType.UInt64: foreach (var v in t.Span<ulong>()) w.WriteNumberValue(v); break;
            case ElementType.Int8: foreach (var v in t.Span<sbyte>()) w.WriteNumberValue(v); break;
            case ElementType.Int16: foreach (var v in t.Span<short>()) w.WriteNumberValue(v); break;
            case ElementType.Int32: foreach (var v in t.Span<int>()) w.WriteNumberValue(v); break;
            case ElementType.Int64: foreach (var v in t.Span<long>()) w.WriteNumberValue(v); break;
            case ElementType.Float16: foreach (var v in t.Span<Half>()) WriteFloat(w, (float)v); break;
            case ElementType.Float: foreach (var v in t.Span<float>()) WriteFloat(w, v); break;
            case ElementType.Double: foreach (var v in t.Span<double>()) WriteFloat(w, v); break;
            case ElementType.BFloat16: foreach (var v in t.Span<ushort>()) WriteFloat(w, BFloat16Bits.ToSingle(v)); break;
            case ElementType.String: foreach (var v in t.Strings()) w.WriteStringValue(v); break;
            default: throw new InvalidOperationException($"element type {ElementTypeInfo.OnnxName(t.Type)} has no protocol datatype");
        }
        w.WriteEndArray();
    }

    // JSON has no NaN or infinities; they travel as the strings the request reader also accepts.
    static void WriteFloat(Utf8JsonWriter w, float v)
    {
        if (float.IsFinite(v)) w.WriteNumberValue(v);
        else w.WriteStringValue(float.IsNaN(v) ? "NaN"u8 : v > 0 ? "Infinity"u8 : "-Infinity"u8);
    }

    static void WriteFloat(Utf8JsonWriter w, double v)
    {
        if (double.IsFinite(v)) w.WriteNumberValue(v);
        else w.WriteStringValue(double.IsNaN(v) ? "NaN"u8 : v > 0 ? "Infinity"u8 : "-Infinity"u8);
    }

    static void WriteBinary(ArrayBufferWriter<byte> into, Tensor t)
    {
        if (t.Type == ElementType.String)
        {
            foreach (var s in t.Strings())
            {
                int n = Encoding.UTF8.GetByteCount(s);
                var span = into.GetSpan(4 + n);
                BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)n);
                Encoding.UTF8.GetBytes(s, span[4..]);
                into.Advance(4 + n);
            }
            return;
        }
        var bytes = t.Bytes();
        bytes.CopyTo(into.GetSpan(bytes.Length));
        into.Advance(bytes.Length);
    }
}
