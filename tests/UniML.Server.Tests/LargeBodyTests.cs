using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace UniML.Server.Tests;

/// <summary>
/// Megabyte bodies, JSON and binary, over real loopback HTTP: every value arrives and comes back exactly,
/// and the body and element limits and the size checks of the binary extension still hold at that scale.
/// </summary>
public sealed class LargeBodyTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    const int Width = 4; // the relu model's x is FP32 [N, 4]

    static float[] RandomFloats(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (i % 97) switch
            {
                0 => 0f,
                1 => -0f,
                2 => float.MaxValue,
                3 => float.Epsilon, // the smallest subnormal
                4 => (float)(random.NextDouble() * 1e-30),
                5 => (float)(random.NextDouble() * 1e30),
                _ => (float)(random.NextDouble() * 200 - 100),
            };
        }
        return values;
    }

    static string JsonRequest(string name, string datatype, int[] shape, IEnumerable<string> elements, string? extra = null)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $$"""{"inputs":[{"name":"{{name}}","datatype":"{{datatype}}","shape":[{{string.Join(",", shape)}}],"data":[""");
        sb.AppendJoin(',', elements);
        sb.Append("]}]").Append(extra).Append('}');
        return sb.ToString();
    }

    static byte[] FloatBytes(ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return bytes;
    }

    static void AssertRelu(float[] x, ReadOnlySpan<byte> yBytes)
    {
        Assert.Equal(x.Length * 4, yBytes.Length);
        for (int i = 0; i < x.Length; i++)
        {
            float y = BinaryPrimitives.ReadSingleLittleEndian(yBytes[(i * 4)..]);
            if (y != MathF.Max(x[i], 0)) Assert.Fail($"element {i}: relu({x[i]:R}) came back as {y:R}");
        }
    }

    [Fact]
    public async Task A_large_json_body_arrives_value_for_value_and_returns_as_json_and_binary()
    {
        // 250,000 elements, ~2.7 MB of JSON: shortest round-trip text, exponents, and some numbers in other spellings.
        var x = RandomFloats(62_500 * Width, seed: 1);
        var text = x.Select((v, i) => (i % 1013) switch
        {
            7 => v.ToString("E9", CultureInfo.InvariantCulture),
            8 => ((double)v).ToString("R", CultureInfo.InvariantCulture), // the double nearest the float: 17 digits
            _ => v.ToString("R", CultureInfo.InvariantCulture),
        }).ToArray();
        var (status, body) = await server.PostAsync("/v2/models/relu/infer", JsonRequest("x", "FP32", [x.Length / Width, Width], text));
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        var y = ServerFixture.FloatData(body.GetProperty("outputs")[0]);
        AssertRelu(x, FloatBytes(y));

        using var content = new StringContent(JsonRequest("x", "FP32", [x.Length / Width, Width], text, ""","parameters":{"binary_data_output":true}"""), Encoding.UTF8, "application/json");
        using var response = await server.Client.PostAsync("/v2/models/relu/infer", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (header, binary) = await ServerFixture.ReadBinaryResponse(response);
        Assert.Equal(x.Length * 4, header.GetProperty("outputs")[0].GetProperty("parameters").GetProperty("binary_data_size").GetInt32());
        AssertRelu(x, binary);
    }

    [Fact]
    public async Task A_large_binary_body_arrives_byte_for_byte_with_and_without_content_length()
    {
        // 1,000,000 elements (the fixture's element limit), 4 MB of binary data.
        var x = RandomFloats(250_000 * Width, seed: 2);
        var json = $$$"""{"inputs":[{"name":"x","datatype":"FP32","shape":[{{{x.Length / Width}}},{{{Width}}}],"parameters":{"binary_data_size":{{{x.Length * 4}}}}}],"parameters":{"binary_data_output":true}}""";
        using (var response = await server.PostBinaryAsync("/v2/models/relu/infer", json, FloatBytes(x)))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            AssertRelu(x, (await ServerFixture.ReadBinaryResponse(response)).Binary);
        }

        // Chunked: the body is read into a buffer that grows as it arrives.
        var header = Encoding.UTF8.GetBytes(json);
        using var content = new StreamContent(new MemoryStream([.. header, .. FloatBytes(x)]));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.Add("Inference-Header-Content-Length", header.Length.ToString(CultureInfo.InvariantCulture));
        using (var response = await server.PostExpectingContinueAsync("/v2/models/relu/infer", content, chunked: true))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            AssertRelu(x, (await ServerFixture.ReadBinaryResponse(response)).Binary);
        }
    }

    [Fact]
    public async Task Large_integer_and_double_data_round_trips_exactly_through_json()
    {
        const int rows = 20_000; // every echo input needs the same rows: 560,000 elements, ~2.7 MB
        var random = new Random(3);
        var longs = new long[rows * 2];
        var doubles = new double[rows * 2];
        for (int i = 0; i < longs.Length; i++)
        {
            longs[i] = (i % 11) switch { 0 => long.MinValue, 1 => long.MaxValue, 2 => 0, _ => random.NextInt64(long.MinValue, long.MaxValue) };
            doubles[i] = (i % 13) switch { 0 => double.Epsilon, 1 => double.MaxValue, 2 => double.NaN, 3 => double.NegativeInfinity, _ => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-300, 300)) };
        }
        static string Double(double d) => double.IsNaN(d) ? "\"NaN\"" : double.IsNegativeInfinity(d) ? "\"-Infinity\"" : d.ToString("R", CultureInfo.InvariantCulture);
        var others = TestModels.DataTypes.Where(t => t.DataType is not ("INT64" or "FP64")).Select(t =>
            $$"""{"name":"in_{{t.DataType}}","datatype":"{{t.DataType}}","shape":[{{rows}},2],"data":[{{string.Join(",", Enumerable.Repeat(t.DataType == "BOOL" ? "true" : t.DataType == "BYTES" ? "\"a\"" : "1", rows * 2))}}]}""");
        var request = $$"""
            {"inputs":[{"name":"in_INT64","datatype":"INT64","shape":[{{rows}},2],"data":[{{string.Join(",", longs)}}]},
                       {"name":"in_FP64","datatype":"FP64","shape":[{{rows}},2],"data":[{{string.Join(",", doubles.Select(Double))}}]},
                       {{string.Join(",", others)}}],
             "outputs":[{"name":"in_INT64"},{"name":"in_FP64"}]}
            """;
        var (status, body) = await server.PostAsync("/v2/models/echo/infer", request);
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        var outputs = body.GetProperty("outputs");
        Assert.Equal(longs, outputs[0].GetProperty("data").EnumerateArray().Select(e => e.GetInt64()).ToArray());
        var back = outputs[1].GetProperty("data").EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String
            ? double.Parse(e.GetString()!, CultureInfo.InvariantCulture) : e.GetDouble()).ToArray();
        Assert.Equal(doubles.Length, back.Length);
        for (int i = 0; i < doubles.Length; i++)
            if (BitConverter.DoubleToInt64Bits(doubles[i]) != BitConverter.DoubleToInt64Bits(back[i]))
                Assert.Fail($"element {i}: sent {doubles[i]:R}, received {back[i]:R}");
    }

    [Fact]
    public async Task Data_before_its_datatype_and_shape_decodes_the_same()
    {
        var x = RandomFloats(20_000 * Width, seed: 4);
        var request = $$"""{"inputs":[{"data":[{{string.Join(",", x.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}}],"name":"x","shape":[{{x.Length / Width}},{{Width}}],"datatype":"FP32"}]}""";
        var (status, body) = await server.PostAsync("/v2/models/relu/infer", request);
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        AssertRelu(x, FloatBytes(ServerFixture.FloatData(body.GetProperty("outputs")[0])));
    }

    public static TheoryData<string, string, string> BadElementsDeepInLargeData => new()
    {
        { "a malformed number", "1.5.3", "malformed JSON" },
        { "a string", "\"x\"", "element 100000 must be a number (or \"NaN\", \"Infinity\", \"-Infinity\"), found x" },
        { "null", "null", "element 100000 must be a number (or \"NaN\", \"Infinity\", \"-Infinity\"), found null" },
        { "a boolean", "true", "element 100000 must be a number (or \"NaN\", \"Infinity\", \"-Infinity\"), found a boolean" },
        { "a leading zero", "012", "malformed JSON" },
        { "a trailing comma", "1,", "malformed JSON" },
    };

    [Theory]
    [MemberData(nameof(BadElementsDeepInLargeData))]
    public async Task A_bad_element_deep_in_large_data_is_400_naming_it(string what, string element, string message)
    {
        var elements = Enumerable.Repeat("0.5", 150_000 * Width).ToArray();
        elements[100_000] = element;
        var (status, body) = await server.PostAsync("/v2/models/relu/infer", JsonRequest("x", "FP32", [150_000, Width], elements));
        Assert.True(status == HttpStatusCode.BadRequest, what);
        Assert.Contains(message, body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task The_element_limit_holds_for_large_json_data()
    {
        // 1,000,004 elements against the fixture's limit of 1,000,000; ~2 MB, under the byte limit.
        var (status, body) = await server.PostAsync("/v2/models/relu/infer", JsonRequest("x", "FP32", [250_001, Width], Enumerable.Repeat("0", 250_001 * Width)));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("more than 1000000 tensor elements (input 'x' has 1000004); the server's limit is --max-request-elements 1000000", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_large_json_body_over_the_byte_limit_is_413()
    {
        // ~5.8 MB, refused on its Content-Length.
        using var content = new StringContent(JsonRequest("x", "FP32", [240_000, Width], Enumerable.Repeat("0.123", 240_000 * Width)), Encoding.UTF8, "application/json");
        using var response = await server.PostExpectingContinueAsync("/v2/models/relu/infer", content);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("more than the server's limit of 4194304 bytes (--max-request-bytes)", (await ServerFixture.ReadJson(response)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Binary_data_shorter_than_its_declared_size_is_400_naming_the_input()
    {
        // The header promises 4,000,000 bytes for x; 1,000,000 follow.
        var json = $$$"""{"inputs":[{"name":"x","datatype":"FP32","shape":[250000,{{{Width}}}],"parameters":{"binary_data_size":4000000}}]}""";
        using var response = await server.PostBinaryAsync("/v2/models/relu/infer", json, new byte[1_000_000]);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"input 'x' declares binary_data_size 4000000 but only 1000000 bytes of binary data remain after the {json.Length}-byte JSON header",
            (await ServerFixture.ReadJson(response)).GetProperty("error").GetString());
    }
}
