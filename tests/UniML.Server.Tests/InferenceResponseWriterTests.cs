using System.Buffers;
using System.Text;
using System.Text.Json;
using UniML.Engine;
using UniML.Onnx;
using UniML.Server.Internals.Protocol;

namespace UniML.Server.Tests;

/// <summary>Response bodies: numeric data written straight into the buffer reads exactly as Utf8JsonWriter would have written it.</summary>
public sealed class InferenceResponseWriterTests
{
    static string Write(Value value, bool binary, out int headerLength, out byte[] body)
    {
        ResponseOutput[] outputs = [new("y", value, binary)];
        using var writer = new PooledBufferWriter(InferenceResponseWriter.EstimateLength(outputs));
        headerLength = InferenceResponseWriter.Write(writer, "model \"m\"", "1", "id-1", outputs);
        body = writer.WrittenSpan.ToArray();
        return Encoding.UTF8.GetString(body, 0, headerLength < 0 ? body.Length : headerLength);
    }

    /// <summary>What the writer wrote for a tensor's data: the text between "data": and the closing bracket.</summary>
    static string DataText(string json)
    {
        int start = json.IndexOf("\"data\":", StringComparison.Ordinal) + "\"data\":".Length;
        return json[start..(json.IndexOf(']', start) + 1)];
    }

    static string Expected<T>(T[] values, Action<Utf8JsonWriter, T> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            foreach (var v in values) write(w, v);
            w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    static void WriteFloat(Utf8JsonWriter w, float v)
    {
        if (float.IsFinite(v)) w.WriteNumberValue(v);
        else w.WriteStringValue(float.IsNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
    }

    static void WriteFloat(Utf8JsonWriter w, double v)
    {
        if (double.IsFinite(v)) w.WriteNumberValue(v);
        else w.WriteStringValue(double.IsNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
    }

    static T[] Values<T>(int count, Func<Random, int, T> make)
    {
        var random = new Random(7);
        var values = new T[count];
        for (int i = 0; i < count; i++) values[i] = make(random, i);
        return values;
    }

    static void AssertData<T>(T[] values, Action<Utf8JsonWriter, T> write) where T : unmanaged
    {
        string json = Write(Tensor.FromArray(values, [values.Length]), binary: false, out int headerLength, out _);
        Assert.Equal(-1, headerLength);
        Assert.Equal(Expected(values, write), DataText(json));
        using var document = JsonDocument.Parse(json); // and the whole response is valid JSON
    }

    [Fact]
    public void Numeric_data_of_every_type_reads_as_utf8_json_writer_writes_it()
    {
        const int n = 5000;
        AssertData(Values(n, (r, i) => i % 3 == 0), (w, v) => w.WriteBooleanValue(v));
        AssertData(Values(n, (r, i) => (byte)r.Next()), (w, v) => w.WriteNumberValue(v));
        AssertData(Values(n, (r, i) => (sbyte)r.Next()), (w, v) => w.WriteNumberValue(v));
        AssertData(Values(n, (r, i) => (ushort)r.Next()), (w, v) => w.WriteNumberValue(v));
        AssertData(Values(n, (r, i) => (short)r.Next()), (w, v) => w.WriteNumberValue(v));
        AssertData(Values(n, (r, i) => i == 0 ? uint.MaxValue : (uint)r.NextInt64()), (w, v) => w.WriteNumberValue(v));
        AssertData(Values(n, (r, i) => i == 0 ? int.MinValue : r.Next(int.MinValue, int.MaxValue)), (w, v) => w.WriteNumberValue(v));
        AssertData(Values(n, (r, i) => i == 0 ? ulong.MaxValue : (ulong)r.NextInt64(long.MinValue, long.MaxValue)), (w, v) => w.WriteNumberValue(v));
        AssertData(Values(n, (r, i) => i == 0 ? long.MinValue : r.NextInt64(long.MinValue, long.MaxValue)), (w, v) => w.WriteNumberValue(v));
        float[] specials = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, float.Epsilon, float.MaxValue];
        AssertData(Values(n, (r, i) => i < specials.Length ? specials[i] : BitConverter.UInt32BitsToSingle((uint)r.NextInt64(0, 1L << 32))), (w, v) => WriteFloat(w, v));
        AssertData(Values(n, (r, i) => i < specials.Length ? specials[i] : BitConverter.Int64BitsToDouble(r.NextInt64(long.MinValue, long.MaxValue))), (w, v) => WriteFloat(w, v));
        AssertData(Values(n, (r, i) => i < specials.Length ? (Half)specials[i] : BitConverter.UInt16BitsToHalf((ushort)r.Next())), (w, v) => WriteFloat(w, (float)v));
    }

    [Fact]
    public void Bfloat16_data_is_written_as_the_floats_it_holds()
    {
        var tensor = Tensor.Create(ElementType.BFloat16, [4]);
        ushort[] bits = [0x3F80, 0xC000, 0x7FC0, 0x0001];
        bits.CopyTo(tensor.Span<ushort>());
        float[] floats = [.. bits.Select(b => BitConverter.UInt32BitsToSingle((uint)b << 16))];
        Assert.Equal(Expected(floats, WriteFloat), DataText(Write(tensor, binary: false, out _, out _)));
    }

    [Fact]
    public void Binary_outputs_follow_the_json_header_byte_for_byte()
    {
        var values = Values(100_000, (r, i) => (float)r.NextDouble());
        string header = Write(Tensor.FromArray(values, [values.Length]), binary: true, out int headerLength, out var body);
        using var document = JsonDocument.Parse(header);
        var output = document.RootElement.GetProperty("outputs")[0];
        Assert.Equal(values.Length * 4, output.GetProperty("parameters").GetProperty("binary_data_size").GetInt32());
        Assert.False(output.TryGetProperty("data", out _));
        Assert.Equal(headerLength + values.Length * 4, body.Length);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).SequenceEqual(body.AsSpan(headerLength)));
        Assert.Equal("model \"m\"", document.RootElement.GetProperty("model_name").GetString());
    }

    [Fact]
    public void Sequences_of_maps_and_of_tensors_become_json_text_per_item()
    {
        var map = new MapValue(Tensor.FromArray(new long[] { 0, 1 }, [2]), Tensor.FromArray(new[] { 0.25f, 0.75f }, [2]));
        var tensors = new SequenceValue([Tensor.FromArray(new[] { 1, 2 }, [2]), Tensor.FromArray(new[] { 3 }, [1])], "tensor(int32)");
        string json = Write(new SequenceValue([map, map], "map(int64,tensor(float))"), binary: false, out _, out _);
        using (var document = JsonDocument.Parse(json))
            Assert.Equal(["{\"0\":0.25,\"1\":0.75}", "{\"0\":0.25,\"1\":0.75}"], document.RootElement.GetProperty("outputs")[0].GetProperty("data").EnumerateArray().Select(e => e.GetString()!).ToArray());
        json = Write(new SequenceValue([tensors], "seq(tensor(int32))"), binary: false, out _, out _);
        using (var document = JsonDocument.Parse(json))
            Assert.Equal("[[1,2],[3]]", document.RootElement.GetProperty("outputs")[0].GetProperty("data")[0].GetString());
    }
}
