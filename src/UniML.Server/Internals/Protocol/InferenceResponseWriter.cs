using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using UniML.Engine;
using UniML.Onnx;

namespace UniML.Server.Internals.Protocol;

/// <summary>One output to return: its name, value and whether it goes in the binary section.</summary>
internal readonly record struct ResponseOutput(string Name, Value Value, bool Binary);

/// <summary>
/// Writes the "Inference Response JSON Object" and, for outputs asked for as binary, the binary tensor
/// data that follows it, into one buffer sized beforehand (<see cref="EstimateLength"/>). Returns the JSON
/// header's length (the Inference-Header-Content-Length) when any output is binary, else -1. Binary
/// tensors are copied once, from the tensor into the response; numeric JSON data is formatted straight
/// into the buffer (floats by <see cref="RyuSingle"/>), not token by token through the JSON writer.
/// </summary>
internal static class InferenceResponseWriter
{
    static readonly JsonWriterOptions WriterOptions = new() { Indented = false, SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Room for a JSON number or special-float string of any type, and its comma.</summary>
    const int MaxElementLength = 32;

    /// <summary>
    /// The response's likely length, to size its buffer once: exact for binary data, the longest text for integers,
    /// the usual length of a full-precision number for floats (a longer response grows the buffer once or twice;
    /// sizing for the longest float text would rent twice the memory for most responses).
    /// </summary>
    public static long EstimateLength(ReadOnlySpan<ResponseOutput> outputs)
    {
        long length = 256;
        foreach (var output in outputs)
        {
            length += 128 + 6L * output.Name.Length; // the output's members, the name escaped at worst
            if (output.Value is not Tensor t || t.Type == ElementType.String)
            {
                length += output.Value is Tensor s ? 16L * s.Length : 1024;
                continue;
            }
            length += 12L * t.Rank + (output.Binary ? t.Bytes().Length : EstimateDataLength(t));
        }
        return length;
    }

    static long EstimateDataLength(Tensor t) => 2 + (long)t.Length * (TypicalTextLength(t.Type) + 1);

    public static int Write(PooledBufferWriter body, string modelName, string modelVersion, string? id, ReadOnlySpan<ResponseOutput> outputs)
    {
        var tensors = new Tensor[outputs.Length];
        bool anyBinary = false;
        using (var w = new Utf8JsonWriter(body, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("model_name"u8, modelName);
            w.WriteString("model_version"u8, modelVersion);
            if (id is not null) w.WriteString("id"u8, id);
            w.WriteStartArray("outputs"u8);
            for (int i = 0; i < outputs.Length; i++)
            {
                var output = outputs[i];
                var tensor = tensors[i] = AsTensor(output.Value);
                w.WriteStartObject();
                w.WriteString("name"u8, output.Name);
                w.WriteString("datatype"u8, DataTypes.NameOf(tensor.Type) ?? throw new InvalidOperationException($"output '{output.Name}' has element type {ElementTypeInfo.OnnxName(tensor.Type)}, which the protocol cannot carry"));
                w.WriteStartArray("shape"u8);
                foreach (var d in tensor.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                if (output.Binary)
                {
                    anyBinary = true;
                    w.WriteStartObject("parameters"u8);
                    w.WriteNumber("binary_data_size"u8, BinaryLength(tensor));
                    w.WriteEndObject();
                }
                else
                {
                    w.WritePropertyName("data"u8);
                    if (tensor.Type == ElementType.String)
                    {
                        WriteStrings(w, tensor);
                    }
                    else
                    {
                        // The numbers go straight into the body after what the writer holds; the writer then carries
                        // on with the end of this object (which is all it needs: no separator comes before it).
                        w.Flush();
                        WriteNumbers(body, tensor);
                    }
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        if (!anyBinary) return -1;
        int headerLength = body.WrittenCount;
        for (int i = 0; i < outputs.Length; i++)
            if (outputs[i].Binary)
                WriteBinary(body, tensors[i]);
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
            case Tensor t when t.Type == ElementType.String:
                WriteStrings(w, t);
                break;
            case Tensor t:
            {
                using var numbers = new PooledBufferWriter(EstimateDataLength(t));
                WriteNumbers(numbers, t);
                w.WriteRawValue(numbers.WrittenSpan, skipInputValidation: true);
                break;
            }
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

    static void WriteStrings(Utf8JsonWriter w, Tensor t)
    {
        w.WriteStartArray();
        foreach (var v in t.Strings()) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    /// <summary>A numeric tensor's data as JSON: flat row-major, as the protocol's responses use.</summary>
    static void WriteNumbers(IBufferWriter<byte> output, Tensor t)
    {
        var writer = new NumberWriter(output, t);
        if (!DataTypes.VisitElementType(t.Type, ref writer))
            throw new InvalidOperationException($"element type {ElementTypeInfo.OnnxName(t.Type)} has no protocol datatype");
    }

    readonly struct NumberWriter(IBufferWriter<byte> output, Tensor t) : IElementTypeVisitor
    {
        public void Visit<T>() where T : unmanaged => WriteNumbers(output, MemoryMarshal.Cast<byte, T>(t.Bytes()));
    }

    /// <summary>Bytes of the JSON text of one element of <paramref name="type"/>: the longest for integers, the usual for floats.</summary>
    static int TypicalTextLength(ElementType type) => type switch
    {
        ElementType.Bool => 5,
        ElementType.UInt8 => 3,
        ElementType.Int8 => 4,
        ElementType.UInt16 => 5,
        ElementType.Int16 => 6,
        ElementType.UInt32 => 10,
        ElementType.Int32 => 11,
        ElementType.UInt64 or ElementType.Int64 => 20,
        ElementType.Float or ElementType.Float16 or ElementType.BFloat16 => 11, // "-0.12345678", "1.2345678E-05": 11-13
        _ => 20, // double: "-0.12345678901234567"
    };

    static void WriteNumbers<T>(IBufferWriter<byte> output, ReadOnlySpan<T> values) where T : unmanaged
    {
        var span = output.GetSpan(MaxElementLength + 2);
        span[0] = (byte)'[';
        int pos = 1;
        for (int i = 0; i < values.Length; i++)
        {
            if (span.Length - pos < MaxElementLength)
            {
                output.Advance(pos);
                span = output.GetSpan(Math.Max(64 * 1024, MaxElementLength + 1));
                pos = 0;
            }
            if (i > 0) span[pos++] = (byte)',';
            pos += FormatElement(values[i], span[pos..]);
        }
        if (span.Length == pos)
        {
            output.Advance(pos);
            span = output.GetSpan(1);
            pos = 0;
        }
        span[pos++] = (byte)']';
        output.Advance(pos);
    }

    /// <summary>One element as Utf8JsonWriter would write it; JSON has no NaN or infinities, so they travel as the strings the request reader also accepts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int FormatElement<T>(T value, Span<byte> destination) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return FormatSingle((float)(object)value, destination);
        if (typeof(T) == typeof(Half)) return FormatSingle((float)(Half)(object)value, destination);
        if (typeof(T) == typeof(BFloat16Bits)) return FormatSingle(BFloat16Bits.ToSingle(((BFloat16Bits)(object)value).Bits), destination);
        if (typeof(T) == typeof(double))
        {
            double d = (double)(object)value;
            if (!double.IsFinite(d)) return WriteSpecial(double.IsNaN(d), d > 0, destination);
            d.TryFormat(destination, out int written, "R", CultureInfo.InvariantCulture);
            return written;
        }
        if (typeof(T) == typeof(bool))
        {
            var text = (bool)(object)value ? "true"u8 : "false"u8;
            text.CopyTo(destination);
            return text.Length;
        }
        int n;
        if (typeof(T) == typeof(byte)) Utf8Formatter.TryFormat((byte)(object)value, destination, out n);
        else if (typeof(T) == typeof(sbyte)) Utf8Formatter.TryFormat((sbyte)(object)value, destination, out n);
        else if (typeof(T) == typeof(ushort)) Utf8Formatter.TryFormat((ushort)(object)value, destination, out n);
        else if (typeof(T) == typeof(short)) Utf8Formatter.TryFormat((short)(object)value, destination, out n);
        else if (typeof(T) == typeof(uint)) Utf8Formatter.TryFormat((uint)(object)value, destination, out n);
        else if (typeof(T) == typeof(int)) Utf8Formatter.TryFormat((int)(object)value, destination, out n);
        else if (typeof(T) == typeof(ulong)) Utf8Formatter.TryFormat((ulong)(object)value, destination, out n);
        else Utf8Formatter.TryFormat((long)(object)value, destination, out n);
        return n;
    }

    static int FormatSingle(float v, Span<byte> destination) =>
        float.IsFinite(v) ? RyuSingle.Format(v, destination) : WriteSpecial(float.IsNaN(v), v > 0, destination);

    static int WriteSpecial(bool isNaN, bool positive, Span<byte> destination)
    {
        var text = isNaN ? "\"NaN\""u8 : positive ? "\"Infinity\""u8 : "\"-Infinity\""u8;
        text.CopyTo(destination);
        return text.Length;
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

    /// <summary>Bytes of a tensor in the binary section: its elements, or for BYTES a 4-byte length and the UTF-8 of each.</summary>
    static long BinaryLength(Tensor t)
    {
        if (t.Type != ElementType.String) return t.Bytes().Length;
        long length = 0;
        foreach (var s in t.Strings()) length += 4 + Encoding.UTF8.GetByteCount(s);
        return length;
    }

    static void WriteBinary(IBufferWriter<byte> into, Tensor t)
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
