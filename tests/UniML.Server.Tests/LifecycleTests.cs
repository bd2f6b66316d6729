using System.Net;
using System.Text;

namespace UniML.Server.Tests;

/// <summary>The real server process: SIGTERM drains in-flight requests and exits 0.</summary>
public sealed class LifecycleTests : IDisposable
{
    readonly string _repository = Path.Combine(Path.GetTempPath(), "uniml-lifecycle-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_repository, recursive: true); } catch (IOException) { }
    }

    static string AppPath => Path.Combine(AppContext.BaseDirectory, "uniml-server.dll");

    [Fact]
    public async Task Sigterm_finishes_the_in_flight_request_and_exits_0()
    {
        TestModels.Write(_repository, "slow", 1, TestModels.Relu(ServerFixture.SlowWidth, depth: ServerFixture.SlowDepth), """{ "max_concurrency": 1, "warmup": false }""");
        // Generous drain and client timeouts: on a loaded machine the slow request can take tens of seconds, and the
        // test is about the drain finishing it, not about how fast.
        using var server = ServerProcess.Start(AppPath, "--repository", _repository, "--host", "127.0.0.1", "--port", "0", "--max-request-bytes", "67108864", "--drain-timeout", "300");
        var address = await server.WaitForListeningAsync(TimeSpan.FromSeconds(30));
        using var client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(300) };
        await server.WaitForReadyAsync(client, TimeSpan.FromSeconds(30));

        // A request of many rows runs for a while (hundreds of milliseconds to seconds).
        const int rows = 24;
        var json = $$"""{ "inputs": [ { "name": "x", "datatype": "FP32", "shape": [{{rows}}, {{ServerFixture.SlowWidth}}], "parameters": { "binary_data_size": {{rows * ServerFixture.SlowWidth * 4}} } } ], "outputs": [ { "name": "y", "parameters": { "binary_data": true } } ] }""";
        var header = Encoding.UTF8.GetBytes(json);
        var body = new byte[header.Length + rows * ServerFixture.SlowWidth * 4];
        header.CopyTo(body, 0);
        var content = new ByteArrayContent(body);
        content.Headers.Add("Inference-Header-Content-Length", header.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var inFlight = client.PostAsync("/v2/models/slow/infer", content);

        // Wait until the server has the request executing, then ask it to stop.
        using (var metricsClient = new HttpClient { BaseAddress = new Uri(address) })
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!(await metricsClient.GetStringAsync("/metrics")).Contains("uniml_inference_pending_requests{model=\"slow\",version=\"1\"} 1", StringComparison.Ordinal))
            {
                Assert.True(DateTime.UtcNow < deadline, "the request never started executing");
                Assert.False(inFlight.IsCompleted, "the request finished before SIGTERM could be sent; make the slow model slower");
                await Task.Delay(10);
            }
        }
        server.Signal(ServerProcess.SIGTERM);

        using var response = await inFlight;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (responseHeader, binary) = await ServerFixture.ReadBinaryResponse(response);
        Assert.Equal(rows * ServerFixture.SlowWidth * 4, binary.Length);
        Assert.Equal(rows, responseHeader.GetProperty("outputs")[0].GetProperty("shape")[0].GetInt32());

        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("drained", server.Output);
        // Once stopped, nothing listens any more.
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("/v2/health/live"));
    }

    [Fact]
    public async Task Inline_io_serves_concurrent_requests_and_drains()
    {
        TestModels.Write(_repository, "relu", 1, TestModels.Relu());
        using var server = ServerProcess.Start(AppPath, "--repository", _repository, "--host", "127.0.0.1", "--port", "0", "--inline-io", "true");
        var address = await server.WaitForListeningAsync(TimeSpan.FromSeconds(30));
        using var client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) };
        await server.WaitForReadyAsync(client, TimeSpan.FromSeconds(30));

        var requests = Enumerable.Range(0, 200).Select(async i =>
        {
            using var content = new StringContent($$"""{"id":"{{i}}","inputs":[{"name":"x","datatype":"FP32","shape":[1,4],"data":[-1,{{i}},-3,4]}]}""", Encoding.UTF8, "application/json");
            using var response = await client.PostAsync("/v2/models/relu/infer", content);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), body.GetProperty("id").GetString());
            Assert.Equal(i, body.GetProperty("outputs")[0].GetProperty("data")[1].GetSingle());
        });
        await Task.WhenAll(requests);

        server.Signal(ServerProcess.SIGTERM);
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    /// <summary>
    /// Health checks sent on open keep-alive connections while a slow inference (small body, long compute) runs on
    /// another: with <c>--inline-io auto</c> every one is answered before the inference finishes (it runs on the
    /// thread pool); with <c>true</c> it holds its socket I/O thread, and the connections that thread also serves
    /// wait for it.
    /// </summary>
    [Theory]
    [InlineData("auto", false)]
    [InlineData("true", true)]
    public async Task Inline_io_auto_keeps_a_slow_inference_off_the_io_threads(string mode, bool expectBlocked)
    {
        TestModels.Write(_repository, "busy", 1, TestModels.Busy(4 * ServerFixture.SlowWidth, ServerFixture.SlowDepth));
        using var server = ServerProcess.Start(AppPath, "--repository", _repository, "--host", "127.0.0.1", "--port", "0", "--inline-io", mode);
        var address = new Uri(await server.WaitForListeningAsync(TimeSpan.FromSeconds(30)));
        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(120) };
        await server.WaitForReadyAsync(client, TimeSpan.FromSeconds(120));

        // Connections are spread over the I/O threads round-robin: open more than there are threads, and use each
        // once, so that each waits for its next request on its I/O thread.
        var others = Enumerable.Range(0, 2 * Environment.ProcessorCount + 2).Select(_ => new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(120) }).ToArray();
        try
        {
            foreach (var other in others) Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/v2/health/live")).StatusCode);

            using var content = new StringContent("""{"inputs":[{"name":"x","datatype":"FP32","shape":[1,1],"data":[2.5]}]}""", Encoding.UTF8, "application/json");
            var slow = client.PostAsync("/v2/models/busy/infer", content);
            await Task.Delay(200); // the inference has started (it takes about a second or more)
            var answeredWhileSlowRan = await Task.WhenAll(others.Select(async other =>
            {
                using var response = await other.GetAsync("/v2/health/live");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                return !slow.IsCompleted;
            }));
            using var slowResponse = await slow;
            Assert.Equal(HttpStatusCode.OK, slowResponse.StatusCode);
            var y = System.Text.Json.JsonDocument.Parse(await slowResponse.Content.ReadAsStringAsync()).RootElement.GetProperty("outputs")[0].GetProperty("data")[0].GetSingle();
            Assert.Equal(2.5f, y);
            if (expectBlocked) Assert.Contains(false, answeredWhileSlowRan);
            else Assert.DoesNotContain(false, answeredWhileSlowRan);
        }
        finally
        {
            foreach (var other in others) other.Dispose();
        }

        server.Signal(ServerProcess.SIGTERM);
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Bad_flags_exit_2_with_a_clear_message()
    {
        using var server = ServerProcess.Start(AppPath, "--port", "seventy");
        Assert.Equal(2, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("--port: 'seventy' is not an integer between 0 and 65535", server.Output);
    }
}
