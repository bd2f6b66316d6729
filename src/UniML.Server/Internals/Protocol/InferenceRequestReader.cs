using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using UniML.Engine;
using UniML.Onnx;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace UniML.Server.Internals.Protocol;

/// <summary>
/// Decodes an inference request body: the JSON header (KServe v2 "Inference Request JSON Object") and,
/// with the binary tensor data extension, the binary tensors that follow it, straight into typed engine
/// tensors (no JSON DOM, no per-element allocation). Numeric <c>data</c> that comes after its input's
/// datatype and shape (the usual order) is decoded during the one pass over the header by
/// <see cref="JsonNumberArray"/>; other data (BYTES, data before the shape, anything that fast path refuses)
/// is skipped and decoded afterwards with <see cref="Utf8JsonReader"/>, which also words the errors.
/// Binary tensors are copied from the body into uninitialized tensor storage, once.
/// </summary>
internal static class InferenceRequestReader
{
    static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 };

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
            ReadHeader(json, request, pending, maxElements);
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
                value = DecodeBinary(p, (int)count, binary.Slice(binaryOffset, (int)p.BinarySize));
                binaryOffset += (int)p.BinarySize;
            }
            else
            {
                if (p.DataLength == 0)
                    throw ProtocolException.BadRequest($"input '{p.Name}' has no 'data' (and no binary_data_size parameter)");
                value = p.Decoded ?? DecodeJson(p, (int)count, json.Slice(p.DataStart, p.DataLength));
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

        /// <summary>The data, when it was decoded during the header pass.</summary>
        public Tensor? Decoded;
    }

    /// <summary>
    /// The header's reader and where its span starts in the header: after data decoded by
    /// <see cref="JsonNumberArray"/>, reading resumes on the bytes that follow it.
    /// </summary>
    ref struct HeaderCursor
    {
        public Utf8JsonReader Reader;
        public ReadOnlySpan<byte> Json;
        public int Base;

        /// <summary>Where the reader stands, as an index into the header.</summary>
        public readonly int Position => Base + (int)Reader.BytesConsumed;

        /// <summary>
        /// Continues after a property value that was read without the reader, ending at <paramref name="end"/>:
        /// the reader (just after the property name) is given a stand-in value, then the rest of the header.
        /// </summary>
        public void ResumeAfterValue(int end)
        {
            var standIn = new Utf8JsonReader("0 "u8, isFinalBlock: false, Reader.CurrentState);
            standIn.Read();
            standIn.Read(); // false: needs more input, and its state is "after a value"
            Reader = new Utf8JsonReader(Json[end..], isFinalBlock: true, standIn.CurrentState);
            Base = end;
        }
    }

    static void ReadHeader(ReadOnlySpan<byte> json, InferenceRequest request, List<PendingInput> pending, long maxElements)
    {
        var cursor = new HeaderCursor { Reader = new Utf8JsonReader(json, ReaderOptions), Json = json };
        ref var reader = ref cursor.Reader;
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
                StartParameters(ref reader, "the request");
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    bool isBinaryOutput = reader.ValueTextEquals("binary_data_output"u8);
                    reader.Read();
                    if (isBinaryOutput) request.BinaryOutputByDefault = ReadBool(ref reader, "the request's binary_data_output parameter");
                    else reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("inputs"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                    throw ProtocolException.BadRequest("'inputs' must be an array of tensor objects");
                hasInputs = true;
                long elements = 0; // in the inputs so far: data beyond the limit is left to the check after the header
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var input = ReadInput(ref cursor, pending.Count, maxElements - elements);
                    pending.Add(input);
                    elements += Math.Max(CountOrMinusOne(input.Shape), 0);
                }
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

    static PendingInput ReadInput(scoped ref HeaderCursor cursor, int index, long elementBudget)
    {
        ref var reader = ref cursor.Reader;
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
                StartParameters(ref reader, $"inputs[{index}]");
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    bool isBinarySize = reader.ValueTextEquals("binary_data_size"u8);
                    reader.Read();
                    if (!isBinarySize)
                    {
                        reader.Skip();
                        continue;
                    }
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long size) || size < 0 || size > int.MaxValue)
                        throw ProtocolException.BadRequest($"inputs[{index}]: binary_data_size must be a non-negative integer");
                    p.BinarySize = size;
                }
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                if (!TryDecodeDataInPlace(ref cursor, p, elementBudget))
                {
                    reader.Read();
                    p.DataStart = cursor.Base + (int)reader.TokenStartIndex;
                    reader.Skip();
                    p.DataLength = cursor.Position - p.DataStart;
                }
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

    /// <summary>
    /// With the cursor just after <c>"data":</c>: decodes numeric data whose datatype and shape are already
    /// known, within the element budget, straight into a tensor, and moves the cursor past it. False (the
    /// cursor unmoved) leaves the data to <see cref="DecodeJson"/>.
    /// </summary>
    static bool TryDecodeDataInPlace(scoped ref HeaderCursor cursor, PendingInput p, long elementBudget)
    {
        if (!p.HasShape || p.DataType is null || !DataTypes.TryParse(p.DataType, out var type) || type == ElementType.String)
            return false;
        long count = CountOrMinusOne(p.Shape);
        if (count < 0 || count > elementBudget)
            return false;
        int start = cursor.Position;
        var source = new JsonArraySource(cursor.Json, start);
        var tensor = Decode(type, p.Shape, (int)count, ref source);
        if (tensor is null)
            return false;
        p.Decoded = tensor;
        p.DataStart = start;
        p.DataLength = source.End - start;
        cursor.ResumeAfterValue(source.End);
        return true;
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
                StartParameters(ref reader, $"outputs[{index}]");
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("classification"u8))
                        throw ProtocolException.BadRequest($"outputs[{index}]: the classification extension is not supported");
                    bool isBinary = reader.ValueTextEquals("binary_data"u8);
                    reader.Read();
                    if (isBinary) binary = ReadBool(ref reader, $"outputs[{index}].parameters.binary_data");
                    else reader.Skip();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return new RequestedOutput(name ?? throw ProtocolException.BadRequest($"outputs[{index}] has no 'name'"), binary);
    }

    static void StartParameters(ref Utf8JsonReader reader, string owner)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw ProtocolException.BadRequest($"{owner}: 'parameters' must be a JSON object");
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
        long count = CountOrMinusOne(p.Shape);
        if (count < 0)
            throw new ProtocolException(400, $"input '{p.Name}' shape {Tensor.ShapeText(p.Shape)} has more than {int.MaxValue} elements", FailureReasons.TooLarge);
        return count;
    }

    /// <summary>The shape's element count; -1 beyond <see cref="int.MaxValue"/>.</summary>
    static long CountOrMinusOne(int[] shape)
    {
        long count = 1;
        foreach (var d in shape)
        {
            count *= d;
            if (count > int.MaxValue) return -1;
        }
        return count;
    }

    // ---- tensor storage, filled from each kind of source ----

    /// <summary>Where a tensor's elements come from: the three ways the protocol carries tensor data.</summary>
    interface IElementSource
    {
        /// <summary>Writes every element of <paramref name="into"/>; false when the data does not fit it.</summary>
        bool Fill<T>(Span<T> into) where T : unmanaged;
    }

    /// <summary>A new tensor of <paramref name="type"/> and <paramref name="shape"/> filled by <paramref name="source"/>; null when it does not fill it.</summary>
    static Tensor? Decode<TSource>(ElementType type, int[] shape, int count, scoped ref TSource source)
        where TSource : IElementSource, allows ref struct
    {
        var decoder = new Decoder<TSource>(shape, count, source);
        DataTypes.VisitElementType(type, ref decoder);
        source = decoder.Source; // what the source learned while filling (where a JSON array ends)
        return decoder.Result;
    }

    ref struct Decoder<TSource>(int[] shape, int count, TSource source) : IElementTypeVisitor
        where TSource : IElementSource, allows ref struct
    {
        public TSource Source = source;
        public Tensor? Result;

        public void Visit<T>() where T : unmanaged
        {
            if (typeof(T) == typeof(BFloat16Bits))
            {
                // No CLR type to allocate bfloat16 as: a (zeroed) tensor of its own, viewed as raw bits.
                var tensor = Tensor.Create(ElementType.BFloat16, shape);
                Result = Source.Fill(MemoryMarshal.Cast<ushort, T>(tensor.Span<ushort>())) ? tensor : null;
                return;
            }
            // Every element is written before the tensor is used, so a large array need not be zeroed first.
            var data = GC.AllocateUninitializedArray<T>(count);
            Result = Source.Fill(data.AsSpan()) ? Tensor.FromArray(data, shape) : null;
        }
    }

    /// <summary>The fast path: a JSON array decoded by <see cref="JsonNumberArray"/>; <see cref="End"/> is the index after it.</summary>
    ref struct JsonArraySource(ReadOnlySpan<byte> json, int start) : IElementSource
    {
        readonly ReadOnlySpan<byte> _json = json;
        public int End;

        public bool Fill<T>(Span<T> into) where T : unmanaged => JsonNumberArray.TryRead(_json, start, into, out End);
    }

    /// <summary>The generic path: any JSON value, token by token; errors name the input and element.</summary>
    ref struct JsonReaderSource(ReadOnlySpan<byte> data, PendingInput input) : IElementSource
    {
        Utf8JsonReader _reader = new(data, new JsonReaderOptions { MaxDepth = 64 });

        public bool Fill<T>(Span<T> into) where T : unmanaged
        {
            _reader.Read();
            int filled = 0;
            WalkNumbers(ref _reader, input, into, ref filled);
            CheckCount(input, into.Length, filled);
            return true;
        }
    }

    /// <summary>The binary tensor data extension: little-endian elements, copied as they are.</summary>
    readonly ref struct BinarySource(ReadOnlySpan<byte> bytes) : IElementSource
    {
        readonly ReadOnlySpan<byte> _bytes = bytes;

        public bool Fill<T>(Span<T> into) where T : unmanaged
        {
            var destination = MemoryMarshal.AsBytes(into);
            if (typeof(T) == typeof(bool))
                TensorPrimitives.Min(_bytes, (byte)1, destination); // any non-zero byte is true; kernels rely on 0/1
            else
                _bytes.CopyTo(destination);
            return true;
        }
    }

    // ---- JSON tensor data, generic path ----

    static Tensor DecodeJson(PendingInput p, int count, ReadOnlySpan<byte> data)
    {
        if (p.Type == ElementType.String)
        {
            var reader = new Utf8JsonReader(data, new JsonReaderOptions { MaxDepth = 64 });
            reader.Read();
            var strings = new string[count];
            int n = 0;
            Walk(ref reader, p, count, ref n, strings);
            CheckCount(p, count, n);
            return Tensor.FromStrings(strings, p.Shape);
        }
        var source = new JsonReaderSource(data, p);
        return Decode(p.Type, p.Shape, count, ref source) ?? throw ProtocolException.BadRequest($"input '{p.Name}': datatype {p.DataType} is not supported");
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

    /// <summary>One element token: numbers (and true/false) as <see cref="JsonNumberArray"/> reads them, special float strings even when escaped.</summary>
    static bool TryReadElement<T>(ref Utf8JsonReader r, out T value) where T : unmanaged
    {
        value = default;
        if (r.TokenType is JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False)
            return JsonNumberArray.TryParse(r.HasValueSequence ? r.ValueSequence.ToArray() : r.ValueSpan, out value);
        if (r.TokenType != JsonTokenType.String || !(typeof(T) == typeof(float) || typeof(T) == typeof(double) || typeof(T) == typeof(Half) || typeof(T) == typeof(BFloat16Bits)))
            return false;
        Span<byte> text = stackalloc byte[16];
        if (r.ValueSpan.Length > text.Length || !JsonNumberArray.TryParseSpecial(text[..r.CopyString(text)], out double d))
            return false;
        if (typeof(T) == typeof(double)) value = (T)(object)d;
        else if (typeof(T) == typeof(float)) value = (T)(object)(float)d;
        else if (typeof(T) == typeof(Half)) value = (T)(object)(Half)d;
        else value = (T)(object)BFloat16Bits.FromSingle((float)d);
        return true;
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

    // ---- binary tensor data extension ----

    static Tensor DecodeBinary(PendingInput p, int count, ReadOnlySpan<byte> bytes)
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
        if (bytes.Length != (long)count * size)
            throw ProtocolException.BadRequest($"input '{p.Name}' has shape {Tensor.ShapeText(p.Shape)}: {count} {p.DataType} elements need {(long)count * size} bytes, but binary_data_size is {bytes.Length}");
        var source = new BinarySource(bytes);
        return Decode(p.Type, p.Shape, count, ref source) ?? throw ProtocolException.BadRequest($"input '{p.Name}': datatype {p.DataType} is not supported");
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
