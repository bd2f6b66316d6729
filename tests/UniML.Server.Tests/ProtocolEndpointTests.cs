using System.Net;
using System.Text;

namespace UniML.Server.Tests;

/// <summary>Health, metadata and inference endpoints of the protocol, and its error answers.</summary>
public sealed class ProtocolEndpointTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Health_endpoints_answer_live_and_ready()
    {
        var (status, body) = await server.GetAsync("/v2/health/live");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("live").GetBoolean());
        (status, body) = await server.GetAsync("/v2/health/ready");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("ready").GetBoolean());
    }

    [Fact]
    public async Task Server_metadata_names_the_server_and_its_extensions()
    {
        var (status, body) = await server.GetAsync("/v2");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("uniml", body.GetProperty("name").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("version").GetString()));
        var extensions = body.GetProperty("extensions").EnumerateArray().Select(e => e.GetString()).ToArray();
        Assert.Contains("binary_tensor_data", extensions);
        Assert.Contains("model_repository", extensions);
    }

    [Theory]
    [InlineData("/v2/models/relu")]
    [InlineData("/v2/models/relu/versions/1")]
    public async Task Model_metadata_describes_inputs_and_outputs(string path)
    {
        var (status, body) = await server.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("relu", body.GetProperty("name").GetString());
        Assert.Equal(["1"], body.GetProperty("versions").EnumerateArray().Select(v => v.GetString()!).ToArray());
        var input = body.GetProperty("inputs")[0];
        Assert.Equal("x", input.GetProperty("name").GetString());
        Assert.Equal("FP32", input.GetProperty("datatype").GetString());
        Assert.Equal([-1L, 4L], input.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray());
        Assert.Equal("y", body.GetProperty("outputs")[0].GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("/v2/models/relu/ready")]
    [InlineData("/v2/models/relu/versions/1/ready")]
    public async Task Model_ready_is_true_for_a_served_model(string path)
    {
        var (status, body) = await server.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("ready").GetBoolean());
    }

    [Theory]
    [InlineData("/v2/models/nope", "unknown model 'nope'")]
    [InlineData("/v2/models/relu/versions/7", "has no version '7'")]
    [InlineData("/v2/models/relu/versions/7/ready", "has no version '7'")]
    [InlineData("/v2/models/nope/ready", "unknown model")]
    [InlineData("/v2/nothing/here", "no endpoint GET /v2/nothing/here")]
    public async Task Unknown_models_versions_and_routes_are_404(string path, string message)
    {
        var (status, body) = await server.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains(message, body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_model_that_failed_to_load_answers_503_with_the_reason()
    {
        var (status, body) = await server.PostAsync("/v2/models/broken/infer", ServerFixture.ReluRequest([1, 2, 3, 4]));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("model 'broken' is not available", body.GetProperty("error").GetString());
        (status, _) = await server.GetAsync("/v2/models/broken/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
    }

    [Fact]
    public async Task Infer_runs_the_model_and_echoes_the_id()
    {
        var (status, body) = await server.PostAsync("/v2/models/relu/infer", ServerFixture.ReluRequest([1, -2, 3, -4, -5, 6, -7, 8], id: "request-42"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("relu", body.GetProperty("model_name").GetString());
        Assert.Equal("1", body.GetProperty("model_version").GetString());
        Assert.Equal("request-42", body.GetProperty("id").GetString());
        var y = body.GetProperty("outputs")[0];
        Assert.Equal("y", y.GetProperty("name").GetString());
        Assert.Equal("FP32", y.GetProperty("datatype").GetString());
        Assert.Equal([2L, 4L], y.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray());
        Assert.Equal([1f, 0, 3, 0, 0, 6, 0, 8], ServerFixture.FloatData(y));
    }

    [Fact]
    public async Task Infer_on_an_explicit_version_and_with_nested_data()
    {
        const string request = """{ "inputs": [ { "name": "x", "datatype": "FP32", "shape": [2, 4], "data": [[1, -1, 2, -2], [0.5, -0.5, 3, -3]] } ] }""";
        var (status, body) = await server.PostAsync("/v2/models/relu/versions/1/infer", request);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(body.TryGetProperty("id", out _));
        Assert.Equal([1f, 0, 2, 0, 0.5f, 0, 3, 0], ServerFixture.FloatData(body.GetProperty("outputs")[0]));
    }

    [Fact]
    public async Task Requested_outputs_come_back_in_the_requested_order_only()
    {
        const string request = """
        { "inputs": [
            { "name": "in_INT32", "datatype": "INT32", "shape": [1, 2], "data": [1, 2] },
            { "name": "in_BOOL", "datatype": "BOOL", "shape": [1, 2], "data": [true, false] },
            { "name": "in_UINT8", "datatype": "UINT8", "shape": [1, 2], "data": [1, 2] }, { "name": "in_UINT16", "datatype": "UINT16", "shape": [1, 2], "data": [1, 2] },
            { "name": "in_UINT32", "datatype": "UINT32", "shape": [1, 2], "data": [1, 2] }, { "name": "in_UINT64", "datatype": "UINT64", "shape": [1, 2], "data": [1, 2] },
            { "name": "in_INT8", "datatype": "INT8", "shape": [1, 2], "data": [1, 2] }, { "name": "in_INT16", "datatype": "INT16", "shape": [1, 2], "data": [1, 2] },
            { "name": "in_INT64", "datatype": "INT64", "shape": [1, 2], "data": [1, 2] }, { "name": "in_FP16", "datatype": "FP16", "shape": [1, 2], "data": [1, 2] },
            { "name": "in_FP32", "datatype": "FP32", "shape": [1, 2], "data": [1, 2] }, { "name": "in_FP64", "datatype": "FP64", "shape": [1, 2], "data": [1, 2] },
            { "name": "in_BF16", "datatype": "BF16", "shape": [1, 2], "data": [1, 2] }, { "name": "in_BYTES", "datatype": "BYTES", "shape": [1, 2], "data": ["a", "b"] } ],
          "outputs": [ { "name": "in_BYTES" }, { "name": "in_INT32" } ] }
        """;
        var (status, body) = await server.PostAsync("/v2/models/echo/infer", request);
        Assert.Equal(HttpStatusCode.OK, status);
        var outputs = body.GetProperty("outputs").EnumerateArray().ToArray();
        Assert.Equal(["in_BYTES", "in_INT32"], outputs.Select(o => o.GetProperty("name").GetString()!).ToArray());
        Assert.Equal(["a", "b"], outputs[0].GetProperty("data").EnumerateArray().Select(e => e.GetString()!).ToArray());
    }

    public static TheoryData<string, string, HttpStatusCode, string> BadRequests => new()
    {
        { "relu", "{\"inputs\": [", HttpStatusCode.BadRequest, "malformed JSON" },
        { "relu", "[1, 2]", HttpStatusCode.BadRequest, "must be a JSON object" },
        { "relu", "", HttpStatusCode.BadRequest, "body is empty" },
        { "relu", "{\"id\": \"x\"}", HttpStatusCode.BadRequest, "no 'inputs'" },
        { "relu", "{\"id\": 5, \"inputs\": []}", HttpStatusCode.BadRequest, "'id' must be a string" },
        { "relu", "{\"inputs\": []}", HttpStatusCode.BadRequest, "the request has no inputs" },
        { "relu", """{"inputs": [{"name": "z", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4]}]}""", HttpStatusCode.BadRequest, "has no input named 'z'" },
        { "echo", """{"inputs": [{"name": "in_FP32", "datatype": "FP32", "shape": [1, 2], "data": [1, 2]}]}""", HttpStatusCode.BadRequest, "is missing from the request" },
        { "relu", """{"inputs": [{"name": "x", "datatype": "FP64", "shape": [1, 4], "data": [1, 2, 3, 4]}]}""", HttpStatusCode.BadRequest, "has datatype FP32, but the request gives FP64" },
        { "relu", """{"inputs": [{"name": "x", "datatype": "FP32", "shape": [4], "data": [1, 2, 3, 4]}]}""", HttpStatusCode.BadRequest, "(rank 2)" },
        { "relu", """{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 3], "data": [1, 2, 3]}]}""", HttpStatusCode.BadRequest, "dimension 1 must be 4" },
        { "fixed", """{"inputs": [{"name": "x", "datatype": "FP32", "shape": [2, 4], "data": [1, 2, 3, 4, 5, 6, 7, 8]}]}""", HttpStatusCode.BadRequest, "dimension 0 must be 1" },
        { "relu", """{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3]}]}""", HttpStatusCode.BadRequest, "(4 elements) but its data has 3" },
        { "relu", """{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4, 5]}]}""", HttpStatusCode.BadRequest, "but its data has more" },
        { "relu", """{"inputs": [{"name": "x", "datatype": "FLOAT", "shape": [1, 4], "data": [1, 2, 3, 4]}]}""", HttpStatusCode.BadRequest, "unknown datatype 'FLOAT'" },
        { "relu", """{"inputs": [{"name": "x", "shape": [1, 4], "data": [1, 2, 3, 4]}]}""", HttpStatusCode.BadRequest, "has no 'datatype'" },
        { "relu", """{"inputs": [{"name": "x", "datatype": "FP32", "data": [1, 2, 3, 4]}]}""", HttpStatusCode.BadRequest, "has no 'shape'" },
        { "relu", """{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 4]}]}""", HttpStatusCode.BadRequest, "has no 'data'" },
        { "relu", """{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, -4], "data": [1, 2, 3, 4]}]}""", HttpStatusCode.BadRequest, "non-negative integers" },
        { "relu", """{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 4], "data": [1, "two", 3, 4]}]}""", HttpStatusCode.BadRequest, "element 1 must be a number" },
        { "relu", """{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4]}, {"name": "x", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4]}]}""", HttpStatusCode.BadRequest, "more than once" },
        { "echo", """{"inputs": [{"name": "in_INT8", "datatype": "INT8", "shape": [1, 2], "data": [1, 300]}]}""", HttpStatusCode.BadRequest, "element 1 must be an integer in the range of INT8, found 300" },
        { "echo", """{"inputs": [{"name": "in_UINT32", "datatype": "UINT32", "shape": [1, 2], "data": [1, -1]}]}""", HttpStatusCode.BadRequest, "range of UINT32" },
        { "echo", """{"inputs": [{"name": "in_INT64", "datatype": "INT64", "shape": [1, 2], "data": [1, 2.5]}]}""", HttpStatusCode.BadRequest, "found 2.5" },
        { "echo", """{"inputs": [{"name": "in_BOOL", "datatype": "BOOL", "shape": [1, 2], "data": [1, 0]}]}""", HttpStatusCode.BadRequest, "must be true or false" },
        { "echo", """{"inputs": [{"name": "in_BYTES", "datatype": "BYTES", "shape": [1, 2], "data": ["a", 2]}]}""", HttpStatusCode.BadRequest, "must be strings" },
        { "relu", """{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4]}], "outputs": [{"name": "nope"}]}""", HttpStatusCode.BadRequest, "has no output named 'nope'" },
        { "relu", """{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4]}], "outputs": [{"name": "y", "parameters": {"classification": 2}}]}""", HttpStatusCode.BadRequest, "classification extension is not supported" },
        { "relu", """{"inputs": [{"name": "x", "datatype": "FP32", "shape": [600000, 2], "parameters": {"binary_data_size": 0}}]}""", HttpStatusCode.BadRequest, "--max-request-elements" },
        { "relu", """{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4]}]} trailing""", HttpStatusCode.BadRequest, "JSON" },
        { "batched", $$"""{"inputs": [{"name": "x", "datatype": "FP32", "shape": [65, 4], "data": [{{string.Join(",", Enumerable.Repeat("0", 260))}}]}]}""", HttpStatusCode.BadRequest, "larger than model 'batched''s max_batch_size 64" },
        { "nope", """{"inputs": []}""", HttpStatusCode.NotFound, "unknown model 'nope'" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Client_mistakes_get_a_4xx_with_a_clear_error(string model, string request, HttpStatusCode expected, string message)
    {
        var (status, body) = await server.PostAsync($"/v2/models/{model}/infer", request);
        Assert.Equal(expected, status);
        Assert.Contains(message, body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_with_or_without_content_length()
    {
        var big = Encoding.UTF8.GetBytes(new string(' ', (int)ServerFixture.MaxRequestBytes + 1 - 40) + ServerFixture.ReluRequest([1, 2, 3, 4]));
        using (var content = new ByteArrayContent(big))
        {
            content.Headers.ContentType = new("application/json");
            using var response = await server.PostExpectingContinueAsync("/v2/models/relu/infer", content);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Contains("more than the server's limit of 4194304 bytes (--max-request-bytes)", (await ServerFixture.ReadJson(response)).GetProperty("error").GetString());
        }

        // Chunked: the size is only discovered while reading.
        using (var content = new StreamContent(new MemoryStream(big)))
        {
            content.Headers.ContentType = new("application/json");
            using var response = await server.PostExpectingContinueAsync("/v2/models/relu/infer", content, chunked: true);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Contains("--max-request-bytes", (await ServerFixture.ReadJson(response)).GetProperty("error").GetString());
        }
    }

    [Fact]
    public async Task Malformed_repository_requests_are_400_not_500()
    {
        var (status, body) = await server.PostAsync("/v2/repository/index", "{\"ready\": ");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("malformed JSON", body.GetProperty("error").GetString());
    }
}
