using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace UniML.Server.Tests;

/// <summary>
/// One in-process server on 127.0.0.1 (a free port) over a temporary repository of test models, shared
/// by the tests of a class. Every request goes over real loopback HTTP.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public string Repository { get; } = Path.Combine(Path.GetTempPath(), "uniml-server-tests-" + Guid.NewGuid().ToString("N"));
    public ServerHost Host { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;
    public string BaseAddress => Host.Addresses[0];

    public const long MaxRequestBytes = 4 * 1024 * 1024;
    public const long MaxRequestElements = 1_000_000;

    /// <summary>Width of the slow model's input; its depth makes one run take a few hundred milliseconds.</summary>
    public const int SlowWidth = 65536;
    public const int SlowDepth = 24000;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Repository);
        TestModels.Write(Repository, "echo", 1, TestModels.Echo());
        TestModels.Write(Repository, "relu", 1, TestModels.Relu());
        TestModels.Write(Repository, "fixed", 1, TestModels.Relu(fixedBatch: true));
        TestModels.Write(Repository, "batched", 1, TestModels.Relu(), """{ "max_batch_size": 64, "max_queue_delay_microseconds": 100000, "max_concurrency": 1 }""");
        TestModels.Write(Repository, "slow", 1, TestModels.Relu(SlowWidth, depth: SlowDepth), """{ "max_concurrency": 1, "max_queue_size": 1, "warmup": false }""");
        TestModels.Write(Repository, "broken", 1, Encoding.UTF8.GetBytes("this is not an ONNX model"));
        TestModels.Write(Repository, "reloadable", 1, TestModels.Relu());
        Host = await ServerHost.StartAsync(new ServerOptions
        {
            Host = "127.0.0.1",
            Port = 0,
            RepositoryPath = Repository,
            MaxRequestBytes = MaxRequestBytes,
            MaxRequestElements = MaxRequestElements,
            StrictReadiness = false,
            LogLevel = "warning",
        });
        Client = new HttpClient { BaseAddress = new Uri(BaseAddress), Timeout = TimeSpan.FromSeconds(300) };
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
        try { Directory.Delete(Repository, recursive: true); } catch (IOException) { }
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path)
    {
        using var response = await Client.GetAsync(path);
        return (response.StatusCode, await ReadJson(response));
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await Client.PostAsync(path, content);
        return (response.StatusCode, await ReadJson(response));
    }

    /// <summary>Posts a JSON header followed by binary tensor data (the binary tensor data extension).</summary>
    public async Task<HttpResponseMessage> PostBinaryAsync(string path, string json, byte[] binary, long? headerLength = null)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var body = new byte[header.Length + binary.Length];
        header.CopyTo(body, 0);
        binary.CopyTo(body, header.Length);
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.Add("Inference-Header-Content-Length", (headerLength ?? header.Length).ToString(System.Globalization.CultureInfo.InvariantCulture));
        return await Client.PostAsync(path, content);
    }

    /// <summary>
    /// Posts with Expect: 100-continue (optionally chunked), as a real client sends a large body: the server can refuse
    /// it (413) before it is sent, instead of the client writing into a connection the server is closing.
    /// </summary>
    public async Task<HttpResponseMessage> PostExpectingContinueAsync(string path, HttpContent content, bool chunked = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.ExpectContinue = true;
        if (chunked) request.Headers.TransferEncodingChunked = true;
        return await Client.SendAsync(request);
    }

    public static async Task<JsonElement> ReadJson(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/json", $"expected JSON, got {response.Content.Headers.ContentType}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Splits a binary-extension response into its JSON header and binary section.</summary>
    public static async Task<(JsonElement Header, byte[] Binary)> ReadBinaryResponse(HttpResponseMessage response)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.Headers.TryGetValues("Inference-Header-Content-Length", out var values), "missing Inference-Header-Content-Length: " + Encoding.UTF8.GetString(bytes));
        int length = int.Parse(values!.Single(), System.Globalization.CultureInfo.InvariantCulture);
        var header = JsonDocument.Parse(bytes.AsMemory(0, length)).RootElement.Clone();
        return (header, bytes[length..]);
    }

    /// <summary>A JSON request for the relu model with one row per value group.</summary>
    public static string ReluRequest(float[] values, int width = 4, string? id = null) =>
        $$"""{ {{(id is null ? "" : $"\"id\": \"{id}\",")}} "inputs": [ { "name": "x", "datatype": "FP32", "shape": [{{values.Length / width}}, {{width}}], "data": [{{string.Join(",", values.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))}}] } ] }""";

    public static float[] FloatData(JsonElement output) => output.GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray();
}
