using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace UniML.Server.Tests;

/// <summary>Every protocol datatype travels through the echo model unchanged, as JSON and as binary tensor data.</summary>
public sealed class DataTypeTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    // Four JSON elements per datatype (shape [2, 2]), including each type's extremes and the float specials.
    static readonly Dictionary<string, string[]> JsonValues = new()
    {
        ["BOOL"] = ["true", "false", "false", "true"],
        ["UINT8"] = ["0", "1", "254", "255"],
        ["UINT16"] = ["0", "1", "65534", "65535"],
        ["UINT32"] = ["0", "1", "4294967294", "4294967295"],
        ["UINT64"] = ["0", "1", "18446744073709551614", "18446744073709551615"],
        ["INT8"] = ["-128", "-1", "0", "127"],
        ["INT16"] = ["-32768", "-1", "0", "32767"],
        ["INT32"] = ["-2147483648", "-1", "0", "2147483647"],
        ["INT64"] = ["-9223372036854775808", "-1", "0", "9223372036854775807"],
        ["FP16"] = ["0.5", "-2", "65504", "\"NaN\""],
        ["FP32"] = ["1.5", "-0.25", "3.4028235e38", "\"Infinity\""],
        ["FP64"] = ["1e-300", "-2.5", "1.7976931348623157e308", "\"-Infinity\""],
        ["BF16"] = ["1", "-2", "0.5", "256"],
        ["BYTES"] = ["\"a\"", "\"h\u00e9llo \u2603\"", "\"\"", "\"with \\\"quotes\\\"\""],
    };

    /// <summary>Data after the datatype and shape is decoded during the header pass; data before them, afterwards: both the same.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Every_datatype_round_trips_as_json(bool dataFirst)
    {
        var inputs = TestModels.DataTypes.Select(t =>
        {
            string data = $$""" "data": [[{{JsonValues[t.DataType][0]}}, {{JsonValues[t.DataType][1]}}], [{{JsonValues[t.DataType][2]}}, {{JsonValues[t.DataType][3]}}]] """;
            string header = $$""" "name": "in_{{t.DataType}}", "datatype": "{{t.DataType}}", "shape": [2, 2] """;
            return dataFirst ? $"{{{data}, {header}}}" : $"{{{header}, {data}}}";
        });
        var (status, body) = await server.PostAsync("/v2/models/echo/infer", $$"""{ "id": "all-types", "inputs": [ {{string.Join(",", inputs)}} ] }""");
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        var outputs = body.GetProperty("outputs").EnumerateArray().ToDictionary(o => o.GetProperty("name").GetString()!);
        foreach (var (dataType, _) in TestModels.DataTypes)
        {
            var output = outputs["in_" + dataType];
            Assert.Equal(dataType, output.GetProperty("datatype").GetString());
            Assert.Equal([2L, 2L], output.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray());
            var data = output.GetProperty("data").EnumerateArray().ToArray();
            Assert.Equal(4, data.Length);
            for (int i = 0; i < 4; i++)
                AssertSameElement(dataType, JsonValues[dataType][i], data[i]);
        }
    }

    static void AssertSameElement(string dataType, string sent, JsonElement received)
    {
        var expected = JsonDocument.Parse(sent).RootElement;
        string what = $"{dataType}: sent {sent}, received {received.GetRawText()}";
        switch (dataType)
        {
            case "BOOL":
                Assert.True(expected.GetBoolean() == received.GetBoolean(), what);
                break;
            case "BYTES":
                Assert.True(expected.GetString() == received.GetString(), what);
                break;
            case "FP16" or "FP32" or "FP64" or "BF16":
                if (expected.ValueKind == JsonValueKind.String)
                {
                    Assert.True(expected.GetString() == received.GetString(), what);
                }
                else
                {
                    double e = expected.GetDouble(), r = received.GetDouble();
                    bool same = dataType switch
                    {
                        "FP16" => (Half)e == (Half)r,
                        "FP32" => (float)e == (float)r,
                        "BF16" => Math.Abs(e - r) <= Math.Abs(e) / 128,
                        _ => e == r,
                    };
                    Assert.True(same, what);
                }
                break;
            default:
                Assert.True(decimal.Parse(expected.GetRawText(), CultureInfo.InvariantCulture) == decimal.Parse(received.GetRawText(), CultureInfo.InvariantCulture), what);
                break;
        }
    }

    /// <summary>Little-endian bytes of four elements of each datatype; BYTES as 4-byte length + UTF-8.</summary>
    static byte[] BinaryElements(string dataType, int seed)
    {
        var buffer = new MemoryStream();
        Span<byte> b = stackalloc byte[8];
        for (int i = 0; i < 4; i++)
        {
            int v = seed * 7 + i * 3 - 5;
            switch (dataType)
            {
                case "BOOL": buffer.WriteByte((byte)(v & 1)); break;
                case "UINT8": case "INT8": buffer.WriteByte((byte)v); break;
                case "UINT16": case "INT16": BinaryPrimitives.WriteInt16LittleEndian(b, (short)(v * 1000)); buffer.Write(b[..2]); break;
                case "UINT32": case "INT32": BinaryPrimitives.WriteInt32LittleEndian(b, v * 100_000); buffer.Write(b[..4]); break;
                case "UINT64": case "INT64": BinaryPrimitives.WriteInt64LittleEndian(b, v * 10_000_000_000L); buffer.Write(b[..8]); break;
                case "FP16": BinaryPrimitives.WriteHalfLittleEndian(b, (Half)(v / 4.0)); buffer.Write(b[..2]); break;
                case "BF16": BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)(BitConverter.SingleToUInt32Bits(v / 8f) >> 16)); buffer.Write(b[..2]); break;
                case "FP32": BinaryPrimitives.WriteSingleLittleEndian(b, v / 3f); buffer.Write(b[..4]); break;
                case "FP64": BinaryPrimitives.WriteDoubleLittleEndian(b, v / 7.0); buffer.Write(b[..8]); break;
                case "BYTES":
                    var text = Encoding.UTF8.GetBytes(i == 2 ? "" : $"text-{v}-\u00e9");
                    BinaryPrimitives.WriteInt32LittleEndian(b, text.Length);
                    buffer.Write(b[..4]);
                    buffer.Write(text);
                    break;
            }
        }
        return buffer.ToArray();
    }

    [Fact]
    public async Task Every_datatype_round_trips_as_binary_tensor_data()
    {
        var parts = TestModels.DataTypes.Select((t, i) => BinaryElements(t.DataType, i + 1)).ToArray();
        var inputs = TestModels.DataTypes.Select((t, i) =>
            $$"""{ "name": "in_{{t.DataType}}", "datatype": "{{t.DataType}}", "shape": [2, 2], "parameters": { "binary_data_size": {{parts[i].Length}} } }""");
        var json = $$"""{ "inputs": [ {{string.Join(",", inputs)}} ], "parameters": { "binary_data_output": true } }""";
        using var response = await server.PostBinaryAsync("/v2/models/echo/infer", json, parts.SelectMany(p => p).ToArray());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        var (header, binary) = await ServerFixture.ReadBinaryResponse(response);
        int offset = 0;
        var outputs = header.GetProperty("outputs").EnumerateArray().ToArray();
        Assert.Equal(TestModels.DataTypes.Length, outputs.Length);
        for (int i = 0; i < outputs.Length; i++)
        {
            var o = outputs[i];
            Assert.Equal("in_" + TestModels.DataTypes[i].DataType, o.GetProperty("name").GetString());
            Assert.False(o.TryGetProperty("data", out _));
            int size = o.GetProperty("parameters").GetProperty("binary_data_size").GetInt32();
            Assert.True(parts[i].AsSpan().SequenceEqual(binary.AsSpan(offset, size)), $"{TestModels.DataTypes[i].DataType} bytes differ");
            offset += size;
        }
        Assert.Equal(binary.Length, offset);
    }

    [Fact]
    public async Task Binary_and_json_mix_per_input_and_per_output()
    {
        // Binary FP32 input and JSON BYTES input; FP32 output binary, BYTES output JSON.
        var floats = new byte[16];
        for (int i = 0; i < 4; i++) BinaryPrimitives.WriteSingleLittleEndian(floats.AsSpan(i * 4), i - 1.5f);
        var others = TestModels.DataTypes.Where(t => t.DataType is not ("FP32" or "BYTES")).Select(t =>
            $$"""{ "name": "in_{{t.DataType}}", "datatype": "{{t.DataType}}", "shape": [2, 2], "data": [{{(t.DataType == "BOOL" ? "true, true, false, false" : "1, 2, 3, 4")}}] }""");
        var json = $$"""
        { "inputs": [ { "name": "in_FP32", "datatype": "FP32", "shape": [2, 2], "parameters": { "binary_data_size": 16 } },
                      { "name": "in_BYTES", "datatype": "BYTES", "shape": [2, 2], "data": ["w", "x", "y", "z"] }, {{string.Join(",", others)}} ],
          "outputs": [ { "name": "in_FP32", "parameters": { "binary_data": true } }, { "name": "in_BYTES" } ] }
        """;
        using var response = await server.PostBinaryAsync("/v2/models/echo/infer", json, floats);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (header, binary) = await ServerFixture.ReadBinaryResponse(response);
        var outputs = header.GetProperty("outputs").EnumerateArray().ToArray();
        Assert.Equal(16, outputs[0].GetProperty("parameters").GetProperty("binary_data_size").GetInt32());
        Assert.Equal(floats, binary);
        Assert.Equal(["w", "x", "y", "z"], outputs[1].GetProperty("data").EnumerateArray().Select(e => e.GetString()!).ToArray());
    }

    public static TheoryData<string, string, byte[], long?, string> BadBinaryRequests => new()
    {
        { "header length beyond the body", """{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 4], "parameters": {"binary_data_size": 16}}]}""", new byte[16], 100_000, "Inference-Header-Content-Length is 100000" },
        { "size beyond the data", """{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 4], "parameters": {"binary_data_size": 16}}]}""", new byte[8], null, "only 8 bytes of binary data remain" },
        { "size not matching the shape", """{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 4], "parameters": {"binary_data_size": 12}}]}""", new byte[12], null, "need 16 bytes, but binary_data_size is 12" },
        { "unclaimed bytes", """{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 4], "parameters": {"binary_data_size": 16}}]}""", new byte[20], null, "4 bytes of binary data after the JSON header are not claimed" },
        { "data and binary both", """{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4], "parameters": {"binary_data_size": 16}}]}""", new byte[16], null, "both 'data' and the binary_data_size" },
        { "negative size", """{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 4], "parameters": {"binary_data_size": -1}}]}""", new byte[16], null, "binary_data_size must be a non-negative integer" },
    };

    [Theory]
    [MemberData(nameof(BadBinaryRequests))]
    public async Task Bad_binary_sizes_are_400(string what, string json, byte[] binary, long? headerLength, string message)
    {
        using var response = await server.PostBinaryAsync("/v2/models/relu/infer", json, binary, headerLength);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, what);
        Assert.Contains(message, (await ServerFixture.ReadJson(response)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Bad_binary_bytes_elements_are_400()
    {
        var json = TestModels.DataTypes.Select(t => t.DataType == "BYTES"
            ? """{ "name": "in_BYTES", "datatype": "BYTES", "shape": [1, 2], "parameters": { "binary_data_size": 9 } }"""
            : $$"""{ "name": "in_{{t.DataType}}", "datatype": "{{t.DataType}}", "shape": [1, 2], "data": [{{(t.DataType == "BOOL" ? "true, false" : "1, 2")}}] }""");
        // First element claims 200 bytes; only 5 follow.
        var binary = new byte[] { 200, 0, 0, 0, 1, 2, 3, 4, 5 };
        using var response = await server.PostBinaryAsync("/v2/models/echo/infer", $$"""{ "inputs": [ {{string.Join(",", json)}} ] }""", binary);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("declares 200 bytes but only 5 remain", (await ServerFixture.ReadJson(response)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_non_numeric_header_length_is_400()
    {
        using var content = new StringContent(ServerFixture.ReluRequest([1, 2, 3, 4]), Encoding.UTF8, "application/json");
        content.Headers.Add("Inference-Header-Content-Length", "lots");
        using var response = await server.Client.PostAsync("/v2/models/relu/infer", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("must be a non-negative integer", (await ServerFixture.ReadJson(response)).GetProperty("error").GetString());
    }
}
