using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace ServerBodies;

/// <summary>
/// Whole requests over loopback: each server binary serves the relu model from a temporary repository;
/// a round is <c>concurrency</c> identical requests sent at once, timed until every response has been read;
/// rounds alternate between the servers so that both see the same machine noise.
/// </summary>
static partial class Loopback
{
    sealed record Case(string Name, byte[] Body, int HeaderLength);

    public static async Task RunAsync(Workload work, IReadOnlyList<(string Label, string Binary)> servers, int concurrency, int rounds, TextWriter report)
    {
        string repository = Path.Combine(Path.GetTempPath(), $"server-bodies-{Environment.ProcessId}");
        Directory.CreateDirectory(Path.Combine(repository, "relu", "1"));
        File.WriteAllBytes(Path.Combine(repository, "relu", "1", "model.onnx"), work.ReluModel());
        var running = new List<RunningServer>();
        try
        {
            foreach (var (label, binary) in servers)
                running.Add(await RunningServer.StartAsync(label, binary, repository, concurrency));
            var (binaryIn, header) = work.BinaryRequest(binaryOutput: true);
            var (binaryInJsonOut, header2) = work.BinaryRequest(binaryOutput: false);
            Case[] cases =
            [
                new("binary in, binary out", binaryIn, header),
                new("binary in, JSON out", binaryInJsonOut, header2),
                new("JSON in, binary out", work.JsonFloatRequest(binaryOutput: true), -1),
                new("JSON in, JSON out", work.JsonFloatRequest(binaryOutput: false), -1),
            ];

            report.WriteLine($"Over loopback: {concurrency} concurrent POST /v2/models/relu/infer of FP32 [{work.Rows},{work.Width}] per round, {rounds} rounds per server (alternating, after 3 warm-up rounds);");
            report.WriteLine("median ms per round (until the last response is read); speed-up = first server / last server.");
            report.WriteLine();
            report.WriteLine($"| requests | body bytes | {string.Join(" | ", running.Select(s => s.Label + " ms"))} |{(running.Count > 1 ? " speed-up |" : "")}");
            report.WriteLine($"|---|---|{string.Concat(running.Select(_ => "---|"))}{(running.Count > 1 ? "---|" : "")}");
            foreach (var c in cases)
            {
                var samples = running.Select(_ => new List<double>()).ToArray();
                for (int round = -3; round < rounds; round++)
                {
                    for (int j = 0; j < running.Count; j++)
                    {
                        int k = (j + Math.Max(round, 0)) % running.Count;
                        double ms = await running[k].RoundAsync(c.Body, c.HeaderLength, concurrency);
                        if (round >= 0) samples[k].Add(ms);
                    }
                }
                var medians = samples.Select(Timing.Median).ToArray();
                report.WriteLine($"| {c.Name} | {c.Body.Length:N0} | {string.Join(" | ", medians.Select(m => m.ToString("F1")))} |{(running.Count > 1 ? $" **{medians[0] / medians[^1]:F1}x** |" : "")}");
                report.Flush();
            }
        }
        finally
        {
            foreach (var server in running) await server.DisposeAsync();
            Directory.Delete(repository, recursive: true);
        }
    }

    sealed partial class RunningServer : IAsyncDisposable
    {
        readonly Process _process;
        readonly HttpClient _client;

        RunningServer(string label, Process process, HttpClient client)
        {
            Label = label;
            _process = process;
            _client = client;
        }

        public string Label { get; }

        /// <summary>Starts <paramref name="binary"/> (a NativeAOT executable, or a .dll run by dotnet) on a free port and waits until it is ready.</summary>
        public static async Task<RunningServer> StartAsync(string label, string binary, string repository, int concurrency)
        {
            bool dll = binary.EndsWith(".dll", StringComparison.Ordinal);
            var start = new ProcessStartInfo(dll ? "dotnet" : binary) { RedirectStandardOutput = true, RedirectStandardError = true };
            if (dll) start.ArgumentList.Add(binary);
            foreach (var a in new[] { "--repository", repository, "--host", "127.0.0.1", "--port", "0", "--log-format", "text" })
                start.ArgumentList.Add(a);
            var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {binary}");
            var address = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            void OnLine(object sender, DataReceivedEventArgs e)
            {
                if (e.Data is { } line && ListeningOn().Match(line) is { Success: true } m) address.TrySetResult(m.Value);
            }
            process.OutputDataReceived += OnLine;
            process.ErrorDataReceived += OnLine;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var url = await address.Task.WaitAsync(TimeSpan.FromSeconds(60));
            var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(2) };
            for (var deadline = DateTime.UtcNow.AddSeconds(60); ; await Task.Delay(100))
            {
                using var ready = await client.GetAsync("/v2/health/ready");
                if (ready.StatusCode == HttpStatusCode.OK) break;
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"{binary} was not ready within 60 s");
            }
            return new RunningServer(label, process, client);
        }

        [GeneratedRegex(@"http://127\.0\.0\.1:\d+")]
        private static partial Regex ListeningOn();

        public async Task<double> RoundAsync(byte[] body, int headerLength, int concurrency)
        {
            var requests = new Task[concurrency];
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < concurrency; i++) requests[i] = PostAsync(body, headerLength);
            await Task.WhenAll(requests);
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        async Task PostAsync(byte[] body, int headerLength)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue(headerLength >= 0 ? "application/octet-stream" : "application/json");
            if (headerLength >= 0) content.Headers.Add("Inference-Header-Content-Length", headerLength.ToString(System.Globalization.CultureInfo.InvariantCulture));
            using var response = await _client.PostAsync("/v2/models/relu/infer", content);
            var answer = await response.Content.ReadAsByteArrayAsync();
            if (response.StatusCode != HttpStatusCode.OK)
                throw new InvalidOperationException($"{Label}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(answer)}");
        }

        public async ValueTask DisposeAsync()
        {
            _client.Dispose();
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
        }
    }
}
