using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

// Open-loop HTTP load generator for the inference server benchmark (docs/server.md, "Benchmark").
//
//   server-load run    URL BODYFILE RATE SECONDS     one fixed-rate run: achieved rate, errors, p50/p99/p99.9
//   server-load search URL BODYFILE                  highest sustained rate, then p50/p99/p99.9 at half of it
//   server-load startup BINARY URL BODYFILE [ARGS]   process start → first successful inference; RSS after load
//
// Requests are sent on a fixed schedule (request i at start + i/RATE) whatever the server's latency, and
// each latency is measured from the request's scheduled time, not from when it was actually sent: a
// stalled server is charged for the requests it delayed (no coordinated omission).
var inv = CultureInfo.InvariantCulture;
switch (args.FirstOrDefault())
{
    case "run":
    {
        var r = await Load.RunAsync(args[1], File.ReadAllBytes(args[2]), double.Parse(args[3], inv), double.Parse(args[4], inv));
        Console.WriteLine(r);
        return 0;
    }
    case "search":
    {
        var url = args[1];
        var body = File.ReadAllBytes(args[2]);
        double seconds = args.Length > 3 ? double.Parse(args[3], inv) : 5;
        await Load.RunAsync(url, body, 200, 2); // warm-up
        double best = 0, rate = 250;
        // Double until the server falls behind, then bisect between the last good and the first bad rate.
        double bad = 0;
        while (true)
        {
            var r = await Load.RunAsync(url, body, rate, seconds);
            Console.WriteLine($"probe {r}");
            if (r.Sustained) { best = rate; rate *= 2; }
            else { bad = rate; break; }
            if (rate > 200_000) break;
        }
        for (int i = 0; i < 4 && bad > 0; i++)
        {
            double mid = (best + bad) / 2;
            var r = await Load.RunAsync(url, body, mid, seconds);
            Console.WriteLine($"probe {r}");
            if (r.Sustained) best = mid; else bad = mid;
        }
        var half = await Load.RunAsync(url, body, best / 2, Math.Max(seconds * 2, 10));
        Console.WriteLine($"max sustained: {best:F0} req/s");
        Console.WriteLine($"at 50%: {half}");
        return 0;
    }
    case "startup":
    {
        var binary = args[1];
        var url = args[2];
        var body = File.ReadAllBytes(args[3]);
        var info = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args.Skip(4)) info.ArgumentList.Add(a);
        using var client = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromMilliseconds(200) });
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        while (true)
        {
            try
            {
                using var response = await client.PostAsync(url, new ByteArrayContent(body) { Headers = { { "Content-Type", "application/json" } } });
                if (response.StatusCode == HttpStatusCode.OK) break;
            }
            catch (HttpRequestException) { }
            if (clock.Elapsed > TimeSpan.FromSeconds(30)) { Console.WriteLine("no successful inference within 30 s"); process.Kill(); return 1; }
            await Task.Delay(1);
        }
        double ms = clock.Elapsed.TotalMilliseconds;
        await Task.Delay(500);
        var rss = File.ReadAllLines($"/proc/{process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        Console.WriteLine($"start to first successful inference: {ms:F1} ms");
        Console.WriteLine($"RSS after load and first inference: {rss.Split(':')[1].Trim()}");
        Console.WriteLine($"binary size: {new FileInfo(binary).Length} bytes");
        process.Kill();
        return 0;
    }
    default:
        Console.Error.WriteLine("usage: server-load run URL BODY RATE SECONDS | search URL BODY [SECONDS] | startup BINARY URL BODY [ARGS...]");
        return 2;
}

sealed record LoadResult(double TargetRate, double AchievedRate, long Ok, long Errors, double P50, double P99, double P999, double Max)
{
    /// <summary>Kept up: (almost) all requests succeeded, throughput matched the schedule, and latency did not run away.</summary>
    public bool Sustained => Errors <= Ok / 1000 && AchievedRate >= TargetRate * 0.95 && P99 < 100;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"target {TargetRate:F0}/s achieved {AchievedRate:F0}/s ok {Ok} errors {Errors} p50 {P50:F3} ms p99 {P99:F3} ms p99.9 {P999:F3} ms max {Max:F1} ms");
}

static class Load
{
    public static async Task<LoadResult> RunAsync(string url, byte[] body, double rate, double seconds)
    {
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { Timeout = TimeSpan.FromSeconds(30) };
        long total = (long)(rate * seconds);
        var latencies = new double[total];
        long ok = 0, errors = 0;
        var tasks = new List<Task>((int)Math.Min(total, 1_000_000));
        long start = Stopwatch.GetTimestamp();
        double ticksPerRequest = Stopwatch.Frequency / rate;
        for (long i = 0; i < total; i++)
        {
            long due = start + (long)(i * ticksPerRequest);
            long wait = due - Stopwatch.GetTimestamp();
            if (wait > Stopwatch.Frequency / 1000) await Task.Delay(TimeSpan.FromTicks(wait * TimeSpan.TicksPerSecond / Stopwatch.Frequency - TimeSpan.TicksPerMillisecond));
            while (Stopwatch.GetTimestamp() < due) Thread.SpinWait(20);
            long index = i;
            tasks.Add(Send(client, url, body, due, latencies, index, () => Interlocked.Increment(ref ok), () => Interlocked.Increment(ref errors)));
        }
        await Task.WhenAll(tasks);
        double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Array.Sort(latencies);
        double P(double q) => latencies.Length == 0 ? 0 : latencies[Math.Min(latencies.Length - 1, (int)(q * latencies.Length))];
        return new LoadResult(rate, ok / elapsed, ok, errors, P(0.5), P(0.99), P(0.999), latencies.Length == 0 ? 0 : latencies[^1]);
    }

    static async Task Send(HttpClient client, string url, byte[] body, long due, double[] latencies, long index, Action ok, Action error)
    {
        await Task.Yield();
        try
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new("application/json");
            using var response = await client.PostAsync(url, content);
            await response.Content.ReadAsByteArrayAsync();
            if (response.StatusCode == HttpStatusCode.OK) ok(); else error();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            error();
        }
        latencies[index] = Stopwatch.GetElapsedTime(due).TotalMilliseconds;
    }
}
