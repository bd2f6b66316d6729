using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using UniML.Engine;
using UniML.Onnx;

namespace UniML.Server.Internals.Protocol;

/// <summary>
/// Decodes an inference request body: the JSON header (KServe v2 "Inference Request JSON Object") and,
/// with the binary tensor data extension, the binary tensors that follow it. Tensor data is read
/// straight into typed engine buffers with <see cref="Utf8JsonReader"/> (no boxed JSON DOM), in a second
/// pass once an input's datatype and shape are known, since JSON members may come in any order.
/// </summary>
internal static class InferenceRequestReader
{
    /// <summary>Decodes <paramref name="body"/>; <paramref name="headerLength"/> is the
    /// Inference-Header-Content-Length value, or -1 when the whole body is JSON.</summary>
    public static InferenceRequest Read(ReadOnlySpan<byte> body, long headerLength, long maxElements)
    {
        if (headerLength > body.Length)
            throw ProtocolException.BadRequest($"Inference-Header-Content-Length is {headerLength} but the body has only {body.Length} bytes");
        var json = headerLength >= 0 ? body[..(int)headerLength] : body;
        var binary = headerLength >= 0 ? body[(int)headerLength..] : [];
        if (json.IsEmpty)
            throw ProtocolException.BadRequest("the request body is empty; expected an inference request JSON object");

        var request = new InferenceRequest();
        var pending = new List<PendingInput>();
        try
        {
            ReadHeader(json, request, pending);
        }
        catch (JsonException e)
        {
            throw ProtocolException.BadRequest($"malformed JSON in the inference request: {e.Message}");
        }
        catch (InvalidOperationException e)
        {
            throw ProtocolException.BadRequest($"malformed inference request: {e.Message}");
        }

        int binaryOffset = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in pending)
        {
            if (!seen.Add(p.Name))
                throw ProtocolException.BadRequest($"input '{p.Name}' is given more than once");
            long count = ElementCount(p);
            request.ElementCount += count;
            if (request.ElementCount > maxElements)
                throw new ProtocolException(400, $"the request has more than {maxElements} tensor elements (input '{p.Name}' has {count}); the server's limit is --max-request-elements {maxElements}", FailureReasons.TooLarge);
            Tensor value;
            if (p.BinarySize >= 0)
            {
                if (p.DataLength > 0)
                    throw ProtocolException.BadRequest($"input '{p.Name}' has both 'data' and the binary_data_size parameter; give one");
                if (binaryOffset + p.BinarySize > binary.Length)
                    throw ProtocolException.BadRequest($"input '{p.Name}' declares binary_data_size {p.BinarySize} but only {binary.Length - binaryOffset} bytes of binary data remain after the {json.Length}-byte JSON header");
                value = DecodeBinary(p, count, binary.Slice(binaryOffset, (int)p.BinarySize));
                binaryOffset += (int)p.BinarySize;
            }
            else
            {
                if (p.DataLength == 0)
                    throw ProtocolException.BadRequest($"input '{p.Name}' has no 'data' (and no binary_data_size parameter)");
                value = DecodeJson(p, count, json.Slice(p.DataStart, p.DataLength));
            }
            request.Inputs.Add(new RequestInput(p.Name, p.Type, p.Shape, value));
        }
        if (binaryOffset != binary.Length)
            throw ProtocolException.BadRequest($"{binary.Length - binaryOffset} bytes of binary data after the JSON header are not claimed by any input's binary_data_size");
        if (request.Inputs.Count == 0)
            throw ProtocolException.BadRequest("the request has no inputs");
        return request;
    }

    sealed class PendingInput
    {
        public string Name = "";
        public string? DataType;
        public ElementType Type;
        public int[] Shape = [];
        public bool HasShape;
        public long BinarySize = -1;
        public int DataStart;
        public int DataLength;
    }

    static void ReadHeader(ReadOnlySpan<byte> json, InferenceRequest request, List<PendingInput> pending)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            throw ProtocolException.BadRequest("the inference request must be a JSON object");
        bool hasInputs = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                    throw ProtocolException.BadRequest("'id' must be a string");
                request.Id = reader.GetString();
            }
            else if (reader.ValueTextEquals("parameters"u8))
            {
                reader.Read();
                ReadParameters(ref reader, "the request", (string name, ref Utf8JsonReader r) =>
                {
                    if (name == "binary_data_output")
                        request.BinaryOutputByDefault = ReadBool(ref r, "the request's binary_data_output parameter");
                    else
                        r.Skip();
                });
            }
            else if (reader.ValueTextEquals("inputs"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                    throw ProtocolException.BadRequest("'inputs' must be an array of tensor objects");
                hasInputs = true;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    pending.Add(ReadInput(ref reader, pending.Count));
            }
            else if (reader.ValueTextEquals("outputs"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                    throw ProtocolException.BadRequest("'outputs' must be an array of objects with a 'name'");
                request.Outputs = [];
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    request.Outputs.Add(ReadOutput(ref reader, request.Outputs.Count));
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (reader.TokenType != JsonTokenType.EndObject)
            throw ProtocolException.BadRequest("malformed inference request JSON object");
        if (reader.Read())
            throw ProtocolException.BadRequest("unexpected data after the inference request JSON object (binary tensor data needs the Inference-Header-Content-Length header)");
        if (!hasInputs)
            throw ProtocolException.BadRequest("the request has no 'inputs'");
    }

    static PendingInput ReadInput(ref Utf8JsonReader reader, int index)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw ProtocolException.BadRequest($"inputs[{index}] must be a JSON object");
        var p = new PendingInput();
        string? name = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("name"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String) throw ProtocolException.BadRequest($"inputs[{index}].name must be a string");
                name = reader.GetString();
            }
            else if (reader.ValueTextEquals("datatype"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String) throw ProtocolException.BadRequest($"inputs[{index}].datatype must be a string");
                p.DataType = reader.GetString();
            }
            else if (reader.ValueTextEquals("shape"u8))
            {
                reader.Read();
                p.Shape = ReadShape(ref reader, index);
                p.HasShape = true;
            }
            else if (reader.ValueTextEquals("parameters"u8))
            {
                reader.Read();
                ReadParameters(ref reader, $"inputs[{index}]", (string pname, ref Utf8JsonReader r) =>
                {
                    if (pname == "binary_data_size")
                    {
                        if (r.TokenType != JsonTokenType.Number || !r.TryGetInt64(out long size) || size < 0 || size > int.MaxValue)
                            throw ProtocolException.BadRequest($"inputs[{index}]: binary_data_size must be a non-negative integer");
                        p.BinarySize = size;
                    }
                    else
                    {
                        r.Skip();
                    }
                });
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                p.DataStart = (int)reader.TokenStartIndex;
                reader.Skip();
                p.DataLength = (int)reader.BytesConsumed - p.DataStart;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        p.Name = name ?? throw ProtocolException.BadRequest($"inputs[{index}] has no 'name'");
        if (p.DataType is null) throw ProtocolException.BadRequest($"input '{p.Name}' has no 'datatype'");
        if (!DataTypes.TryParse(p.DataType, out p.Type))
            throw ProtocolException.BadRequest($"input '{p.Name}' has unknown datatype '{p.DataType}' (known: {DataTypes.AllNames})");
        if (!p.HasShape) throw ProtocolException.BadRequest($"input '{p.Name}' has no 'shape'");
        return p;
    }

    static RequestedOutput ReadOutput(ref Utf8JsonReader reader, int index)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw ProtocolException.BadRequest($"outputs[{index}] must be a JSON object");
        string? name = null;
        bool? binary = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("name"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String) throw ProtocolException.BadRequest($"outputs[{index}].name must be a string");
                name = reader.GetString();
            }
            else if (reader.ValueTextEquals("parameters"u8))
            {
                reader.Read();
                ReadParameters(ref reader, $"outputs[{index}]", (string pname, ref Utf8JsonReader r) =>
                {
                    if (pname == "binary_data")
                        binary = ReadBool(ref r, $"outputs[{index}].parameters.binary_data");
                    else if (pname == "classification")
                        throw ProtocolException.BadRequest($"outputs[{index}]: the classification extension is not supported");
                    else
                        r.Skip();
                });
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return new RequestedOutput(name ?? throw ProtocolException.BadRequest($"outputs[{index}] has no 'name'"), binary);
    }

    delegate void ParameterVisitor(string name, ref Utf8JsonReader reader);

    static void ReadParameters(ref Utf8JsonReader reader, string owner, ParameterVisitor visit)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw ProtocolException.BadRequest($"{owner}: 'parameters' must be a JSON object");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            visit(name, ref reader);
        }
    }

    static bool ReadBool(ref Utf8JsonReader reader, string what) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        _ => throw ProtocolException.BadRequest($"{what} must be true or false"),
    };

    static int[] ReadShape(ref Utf8JsonReader reader, int index)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw ProtocolException.BadRequest($"inputs[{index}].shape must be an array of non-negative integers");
        Span<int> dims = stackalloc int[32];
        int rank = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long d) || d < 0 || d > int.MaxValue)
                throw ProtocolException.BadRequest($"inputs[{index}].shape must be an array of non-negative integers");
            if (rank == dims.Length)
                throw ProtocolException.BadRequest($"inputs[{index}].shape has more than {dims.Length} dimensions");
            dims[rank++] = (int)d;
        }
        return dims[..rank].ToArray();
    }

    static long ElementCount(PendingInput p)
    {
        long count = 1;
        foreach (var d in p.Shape)
        {
            count *= d;
            if (count > int.MaxValue)
                throw new ProtocolException(400, $"input '{p.Name}' shape {Tensor.ShapeText(p.Shape)} has more than {int.MaxValue} elements", FailureReasons.TooLarge);
        }
        return count;
    }

    // ---- JSON tensor data ----

    static Tensor DecodeJson(PendingInput p, long count, ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data, new JsonReaderOptions { MaxDepth = 64 });
        reader.Read();
        if (p.Type == ElementType.String)
        {
            var strings = new string[count];
            int n = 0;
            Walk(ref reader, p, count, ref n, strings);
            CheckCount(p, count, n);
            return Tensor.FromStrings(strings, p.Shape);
        }
        var tensor = Tensor.Create(p.Type, p.Shape);
        int filled = 0;
        switch (p.Type)
        {
            case ElementType.Bool: WalkNumbers<bool>(ref reader, p, tensor.Span<bool>(), ref filled); break;
            case ElementType.UInt8: WalkNumbers<byte>(ref reader, p, tensor.Span<byte>(), ref filled); break;
            case ElementType.UInt16: WalkNumbers<ushort>(ref reader, p, tensor.Span<ushort>(), ref filled); break;
            case ElementType.UInt32: WalkNumbers<uint>(ref reader, p, tensor.Span<uint>(), ref filled); break;
            case ElementType.UInt64: WalkNumbers<ulong>(ref reader, p, tensor.Span<ulong>(), ref filled); break;
            case ElementType.Int8: WalkNumbers<sbyte>(ref reader, p, tensor.Span<sbyte>(), ref filled); break;
            case ElementType.Int16: WalkNumbers<short>(ref reader, p, tensor.Span<short>(), ref filled); break;
            case ElementType.Int32: WalkNumbers<int>(ref reader, p, tensor.Span<int>(), ref filled); break;
            case ElementType.Int64: WalkNumbers<long>(ref reader, p, tensor.Span<long>(), ref filled); break;
            case ElementType.Float16: WalkNumbers<Half>(ref reader, p, tensor.Span<Half>(), ref filled); break;
            case ElementType.Float: WalkNumbers<float>(ref reader, p, tensor.Span<float>(), ref filled); break;
            case ElementType.Double: WalkNumbers<double>(ref reader, p, tensor.Span<double>(), ref filled); break;
            // bfloat16 has no CLR type; its elements are the upper 16 bits of a float.
            case ElementType.BFloat16: WalkNumbers<BFloat16Bits>(ref reader, p, System.Runtime.InteropServices.MemoryMarshal.Cast<ushort, BFloat16Bits>(tensor.Span<ushort>()), ref filled); break;
            default: throw ProtocolException.BadRequest($"input '{p.Name}': datatype {p.DataType} is not supported");
        }
        CheckCount(p, count, filled);
        return tensor;
    }

    static void CheckCount(PendingInput p, long expected, int actual)
    {
        if (actual != expected)
            throw ProtocolException.BadRequest($"input '{p.Name}' has shape {Tensor.ShapeText(p.Shape)} ({expected} elements) but its data has {actual}");
    }

    /// <summary>Flattens nested arrays (or a single scalar) of strings in row-major order.</summary>
    static void Walk(ref Utf8JsonReader reader, PendingInput p, long count, ref int n, string[] into)
    {
        if (reader.TokenType == JsonTokenType.StartArray)
        {
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                Walk(ref reader, p, count, ref n, into);
            return;
        }
        if (reader.TokenType != JsonTokenType.String)
            throw ProtocolException.BadRequest($"input '{p.Name}' is BYTES: its data must be strings, found {Describe(reader.TokenType)} at element {n}");
        if (n >= count)
            throw ProtocolException.BadRequest($"input '{p.Name}' has shape {Tensor.ShapeText(p.Shape)} ({count} elements) but its data has more");
        into[n++] = reader.GetString()!;
    }

    static void WalkNumbers<T>(ref Utf8JsonReader reader, PendingInput p, Span<T> into, ref int n) where T : unmanaged
    {
        if (reader.TokenType == JsonTokenType.StartArray)
        {
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                WalkNumbers(ref reader, p, into, ref n);
            return;
        }
        if (n >= into.Length)
            throw ProtocolException.BadRequest($"input '{p.Name}' has shape {Tensor.ShapeText(p.Shape)} ({into.Length} elements) but its data has more");
        if (!TryReadElement(ref reader, out into[n]))
            ThrowBadElement(ref reader, p, n);
        n++;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void ThrowBadElement(ref Utf8JsonReader reader, PendingInput p, int n)
    {
        string found = reader.TokenType is JsonTokenType.Number or JsonTokenType.String
            ? Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan)
            : Describe(reader.TokenType);
        string expected = p.Type switch
        {
            ElementType.Bool => "true or false",
            ElementType.Float or ElementType.Double or ElementType.Float16 or ElementType.BFloat16 => "a number (or \"NaN\", \"Infinity\", \"-Infinity\")",
            _ => $"an integer in the range of {p.DataType}",
        };
        throw ProtocolException.BadRequest($"input '{p.Name}' is {p.DataType}: element {n} must be {expected}, found {found}");
    }

    static string Describe(JsonTokenType t) => t switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.Null => "null",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Number => "a number",
        JsonTokenType.String => "a string",
        _ => t.ToString(),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static bool TryReadElement<T>(ref Utf8JsonReader r, out T value) where T : unmanaged
    {
        value = default;
        if (typeof(T) == typeof(bool))
        {
            if (r.TokenType is not (JsonTokenType.True or JsonTokenType.False)) return false;
            value = (T)(object)(r.TokenType == JsonTokenType.True);
            return true;
        }
        if (typeof(T) == typeof(float) || typeof(T) == typeof(double) || typeof(T) == typeof(Half) || typeof(T) == typeof(BFloat16Bits))
        {
            double d;
            if (r.TokenType == JsonTokenType.Number)
            {
                if (!r.TryGetDouble(out d)) return false;
            }
            else if (r.TokenType == JsonTokenType.String)
            {
                if (r.ValueTextEquals("NaN"u8)) d = double.NaN;
                else if (r.ValueTextEquals("Infinity"u8) || r.ValueTextEquals("inf"u8)) d = double.PositiveInfinity;
                else if (r.ValueTextEquals("-Infinity"u8) || r.ValueTextEquals("-inf"u8)) d = double.NegativeInfinity;
                else return false;
            }
            else return false;
            if (typeof(T) == typeof(double)) value = (T)(object)d;
            else if (typeof(T) == typeof(float)) value = (T)(object)(float)d;
            else if (typeof(T) == typeof(Half)) value = (T)(object)(Half)d;
            else value = (T)(object)BFloat16Bits.FromSingle((float)d);
            return true;
        }
        if (r.TokenType != JsonTokenType.Number) return false;
        if (typeof(T) == typeof(ulong))
        {
            if (!r.TryGetUInt64(out ulong u)) return false;
            value = (T)(object)u;
            return true;
        }
        if (!r.TryGetInt64(out long v)) return false;
        if (typeof(T) == typeof(long)) { value = (T)(object)v; return true; }
        if (typeof(T) == typeof(int)) { if (v is < int.MinValue or > int.MaxValue) return false; value = (T)(object)(int)v; return true; }
        if (typeof(T) == typeof(uint)) { if (v is < 0 or > uint.MaxValue) return false; value = (T)(object)(uint)v; return true; }
        if (typeof(T) == typeof(short)) { if (v is < short.MinValue or > short.MaxValue) return false; value = (T)(object)(short)v; return true; }
        if (typeof(T) == typeof(ushort)) { if (v is < 0 or > ushort.MaxValue) return false; value = (T)(object)(ushort)v; return true; }
        if (typeof(T) == typeof(sbyte)) { if (v is < sbyte.MinValue or > sbyte.MaxValue) return false; value = (T)(object)(sbyte)v; return true; }
        if (typeof(T) == typeof(byte)) { if (v is < 0 or > byte.MaxValue) return false; value = (T)(object)(byte)v; return true; }
        return false;
    }

    // ---- binary tensor data extension ----

    static Tensor DecodeBinary(PendingInput p, long count, ReadOnlySpan<byte> bytes)
    {
        if (p.Type == ElementType.String)
        {
            // BYTES elements are each a 4-byte little-endian length followed by that many bytes.
            var strings = new string[count];
            int offset = 0;
            var utf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);
            for (int i = 0; i < count; i++)
            {
                if (bytes.Length - offset < 4)
                    throw ProtocolException.BadRequest($"input '{p.Name}': binary BYTES data ends inside element {i}'s length prefix ({count} elements expected)");
                uint length = BinaryPrimitives.ReadUInt32LittleEndian(bytes[offset..]);
                offset += 4;
                if (length > bytes.Length - offset)
                    throw ProtocolException.BadRequest($"input '{p.Name}': binary BYTES element {i} declares {length} bytes but only {bytes.Length - offset} remain");
                try
                {
                    strings[i] = utf8.GetString(bytes.Slice(offset, (int)length));
                }
                catch (DecoderFallbackException)
                {
                    throw ProtocolException.BadRequest($"input '{p.Name}': BYTES element {i} is not valid UTF-8 (UniML string tensors hold text)");
                }
                offset += (int)length;
            }
            if (offset != bytes.Length)
                throw ProtocolException.BadRequest($"input '{p.Name}': binary_data_size is {bytes.Length} but its {count} BYTES elements use {offset}");
            return Tensor.FromStrings(strings, p.Shape);
        }
        int size = Tensor.ElementSize(p.Type);
        if (bytes.Length != count * size)
            throw ProtocolException.BadRequest($"input '{p.Name}' has shape {Tensor.ShapeText(p.Shape)}: {count} {p.DataType} elements need {count * size} bytes, but binary_data_size is {bytes.Length}");
        var tensor = Tensor.Create(p.Type, p.Shape);
        bytes.CopyTo(tensor.Bytes());
        if (p.Type == ElementType.Bool)
        {
            // Any non-zero byte is true; store canonical 0/1 so kernels can rely on it.
            var b = tensor.Bytes();
            for (int i = 0; i < b.Length; i++)
                if (b[i] > 1) b[i] = 1;
        }
        return tensor;
    }
}

/// <summary>The raw bits of a bfloat16 (the upper half of an IEEE single), for typed JSON decoding.</summary>
internal readonly struct BFloat16Bits
{
    public readonly ushort Bits;

    BFloat16Bits(ushort bits) => Bits = bits;

    /// <summary>Rounds to nearest, ties to even; NaN stays a quiet NaN.</summary>
    public static BFloat16Bits FromSingle(float value)
    {
        if (float.IsNaN(value)) return new BFloat16Bits(0x7FC0);
        uint bits = BitConverter.SingleToUInt32Bits(value);
        bits += 0x7FFFu + ((bits >> 16) & 1);
        return new BFloat16Bits((ushort)(bits >> 16));
    }

    public static float ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);
}
