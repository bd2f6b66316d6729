using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace UniML.Server.Tests;

/// <summary>Dynamic batching, the bounded queue (503 when full) and the metrics that show both.</summary>
public sealed partial class SchedulingTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Concurrent_requests_are_merged_into_one_run_and_each_gets_its_own_rows()
    {
        var before = await Metric("uniml_inference_exec_count_total", "batched");
        // Requests of 1, 2 and 3 rows with distinct values, sent together: the batcher waits up to 100 ms for company.
        var tasks = Enumerable.Range(1, 12).Select(async i =>
        {
            int rows = 1 + i % 3;
            var values = Enumerable.Range(0, rows * 4).Select(k => (float)(i * 100 + k) * (k % 2 == 0 ? 1 : -1)).ToArray();
            var (status, body) = await server.PostAsync("/v2/models/batched/infer", ServerFixture.ReluRequest(values, id: $"r{i}"));
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal($"r{i}", body.GetProperty("id").GetString());
            var y = body.GetProperty("outputs")[0];
            Assert.Equal([rows, 4L], y.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray());
            Assert.Equal(values.Select(v => Math.Max(v, 0)).ToArray(), ServerFixture.FloatData(y));
        }).ToArray();
        await Task.WhenAll(tasks);
        var executions = await Metric("uniml_inference_exec_count_total", "batched") - before;
        Assert.True(executions < 12, $"{executions} engine runs for 12 requests: nothing was batched");
        Assert.True(await Metric("uniml_inference_count_total", "batched") >= 24, "inference count counts rows");
    }

    // Eight rows of the slow model: a run of several hundred milliseconds, far longer than the upload.
    const int SlowRows = 8;

    static byte[] SlowInput() => new byte[SlowRows * ServerFixture.SlowWidth * 4];

    static string SlowHeader(string id) =>
        $$"""{ "id": "{{id}}", "inputs": [ { "name": "x", "datatype": "FP32", "shape": [{{SlowRows}}, {{ServerFixture.SlowWidth}}], "parameters": { "binary_data_size": {{SlowRows * ServerFixture.SlowWidth * 4}} } } ], "outputs": [ { "name": "y", "parameters": { "binary_data": true } } ] }""";

    [Fact]
    public async Task A_full_queue_answers_503_at_once_and_the_admitted_requests_succeed()
    {
        // slow: one execution at a time and one waiting (capacity 2). Fill both places first, confirmed through
        // the pending-requests gauge, so the test does not depend on how fast uploads or runs are; then every
        // further request must be refused at once.
        async Task<(HttpStatusCode StatusCode, long ElapsedMilliseconds, string Body)> Send(string id)
        {
            var clock = Stopwatch.StartNew();
            using var response = await server.PostBinaryAsync("/v2/models/slow/infer", SlowHeader(id), SlowInput());
            return (response.StatusCode, clock.ElapsedMilliseconds, await response.Content.ReadAsStringAsync());
        }
        async Task<bool> WaitForPending(int count, Task running)
        {
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(30) && !running.IsCompleted)
            {
                if (await Metric("uniml_inference_pending_requests", "slow") >= count) return true;
                await Task.Delay(5);
            }
            return false;
        }

        var admitted = new List<Task<(HttpStatusCode StatusCode, long ElapsedMilliseconds, string Body)>>();
        (HttpStatusCode StatusCode, long ElapsedMilliseconds, string Body)[] extra = [];
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var first = Send($"a{attempt}");
            if (!await WaitForPending(1, first)) { admitted.Add(first); continue; }
            var second = Send($"b{attempt}");
            admitted.Add(first);
            admitted.Add(second);
            if (!await WaitForPending(2, Task.WhenAny(first, second))) continue;
            extra = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => Send($"c{attempt}-{i}")));
            break;
        }
        var served = await Task.WhenAll(admitted);
        Assert.All(served, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.True(extra.Length == 3, "the slow model never held both places at once: each run finished before the next request was admitted; make it slower: "
            + string.Join(", ", served.Select(r => $"{r.StatusCode} {r.ElapsedMilliseconds}ms")));
        Assert.All(extra, r => Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode));
        Assert.All(extra, r => Assert.Contains("overloaded", r.Body));
        Assert.True(extra.Max(r => r.ElapsedMilliseconds) < served.Max(r => r.ElapsedMilliseconds), "a 503 should not wait for the queue");
        Assert.True(await Metric("uniml_inference_request_failure_total", "slow", "queue_full") >= extra.Length);
    }

    [Fact]
    public async Task Metrics_count_successes_failures_by_reason_and_latency()
    {
        Assert.Equal(HttpStatusCode.OK, (await server.PostAsync("/v2/models/relu/infer", ServerFixture.ReluRequest([1, 2, 3, 4]))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await server.PostAsync("/v2/models/relu/infer", "{\"inputs\": 5}")).Status);
        using var response = await server.Client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.ToString());
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE uniml_inference_request_duration_seconds histogram", text);
        Assert.True(await Metric("uniml_inference_request_success_total", "relu") >= 1);
        Assert.True(await Metric("uniml_inference_request_failure_total", "relu", "bad_input") >= 1);
        Assert.Matches(@"uniml_inference_request_duration_seconds_bucket\{model=""relu"",version=""1"",le=""\+Inf""\} [1-9]", text);
        Assert.Matches(@"uniml_model_ready\{model=""relu"",version=""1""\} 1", text);
        Assert.Matches(@"uniml_http_responses_total\{code=""400""\} [1-9]", text);
        Assert.Matches(@"process_resident_memory_bytes [1-9]", text);
        // Every sample line is "name{labels} value" or "name value".
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')))
            Assert.Matches(SampleLine(), line);
    }

    async Task<double> Metric(string name, string model, string? reason = null)
    {
        var text = await server.Client.GetStringAsync("/metrics");
        var labels = $"model=\"{model}\",version=\"1\"" + (reason is null ? "" : $",reason=\"{reason}\"");
        var match = Regex.Match(text, Regex.Escape($"{name}{{{labels}}} ") + @"(\S+)");
        return match.Success ? double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    [GeneratedRegex(@"^[a-z_]+(\{[a-z_]+=""[^""]*""(,[a-z_]+=""[^""]*"")*\})? [0-9.eE+-]+$")]
    private static partial Regex SampleLine();
}
