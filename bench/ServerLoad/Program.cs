using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http;
using ServerLoad;

// Open-loop HTTP/1.1 load generator for the inference server benchmark (docs/server.md, "Benchmark").
//
//   server-load run    URL RATE SECONDS [options]     one fixed-rate run
//   server-load search URL [options]                  highest sustained rate (search up, then down), then a run at 50 % of it
//   server-load startup BINARY URL BODYFILE [ARGS]    process start → first successful inference; RSS after load
//
// options: --body FILE (POST it as application/json; without it, GET), --connections N (default 64),
//          --seconds S (probe length in search, default 10), --measure-seconds S (the 50 % run, default 30),
//          --start RATE (first probe, default 1000), --metrics URL (uniml-server's /metrics: the server-side
//          latency histogram of the run is printed next to the client's), --fraction F (default 0.5),
//          --floor URL (search: after the 50 % run, the same rate against this GET endpoint), --server-pid PID
//          (report the server's CPU use, children included), --spin-us N (default 30), --burst-us N (run: coarse
//          pacing), --search-burst-us N (the search's probes, default 100; the 50 % run paces finely up to
//          15,000 requests/s, in bursts above), --timer-only (run, with --burst-us: wake only at burst times, as
//          the search's probes always do; see Generator.Run)
//
// Request i is due at start + i/RATE whatever the server does; it is written on an idle keep-alive
// connection at its due time (or, when all connections are busy, as soon as one frees up), and its latency
// is measured from the due time, so time spent waiting for a connection is charged to the server (no
// coordinated omission). One thread drives all connections with epoll: no per-request allocation, a
// spin-then-sleep pacing loop (sleep in epoll until 200 µs before the next due time, then spin), and it
// also reports its own send lag (actual write time − due time) so that the generator's share of a
// latency figure is visible. Run it on its own core: taskset -c 1 server-load ...
var inv = CultureInfo.InvariantCulture;
if (args.Length == 0) return Usage();
var options = Options.Parse(args.Skip(1).ToArray());
switch (args[0])
{
    case "run":
    {
        var target = Target.Parse(options.Positional[0], options.Body);
        double rate = double.Parse(options.Positional[1], inv), seconds = double.Parse(options.Positional[2], inv);
        Generator.Run(target, Math.Min(rate, 1000), 2, options.Connections); // warm-up (JIT, connections, server caches)
        var before = await ServerHistogram.FetchAsync(options.MetricsUrl);
        var r = Generator.Run(target, rate, seconds, options.Connections);
        var after = await ServerHistogram.FetchAsync(options.MetricsUrl);
        Console.WriteLine(r);
        Console.WriteLine(r.Details());
        if (before is not null && after is not null) Console.WriteLine($"  server histogram: {after.Minus(before)}");
        return 0;
    }
    case "search":
    {
        var target = Target.Parse(options.Positional[0], options.Body);
        Generator.Run(target, Math.Min(options.Start, 1000), 2, options.Connections); // warm-up
        double best = 0, bad = double.PositiveInfinity, rate = options.Start;
        // A probe that fails is repeated once before the rate counts as not sustained: on a shared machine one
        // stall of the server's or the generator's CPU is enough to fail a probe. The confirmation below checks the
        // final rate once more.
        bool Probe(double r)
        {
            for (int attempt = 0; attempt < 2; attempt++)
            {
                var result = Generator.Run(target, r, options.Seconds, options.Connections, Options.SearchBurstMicroseconds, timerOnly: true);
                Console.WriteLine($"probe {result}");
                Console.WriteLine(result.Details());
                Thread.Sleep(1000); // let the server settle between probes
                if (result.Sustained) return true;
            }
            return false;
        }
        // Up: double until a rate is not sustained. Down: halve until one is (a first probe that fails).
        while (true)
        {
            if (Probe(rate)) { best = rate; if (rate >= 400_000) break; rate *= 2; }
            else { bad = rate; if (best > 0 || rate < 20) break; rate /= 2; }
            if (best > 0 && bad < double.PositiveInfinity) break;
        }
        // Bisect until the bracket is within 5 %.
        while (best > 0 && bad < double.PositiveInfinity && bad / best > 1.05)
        {
            double mid = Math.Round((best + bad) / 2);
            if (Probe(mid)) best = mid; else bad = mid;
        }
        // Confirm: the best rate must pass a second time; step down 5 % at a time until it does.
        for (int i = 0; i < 6 && best > 0; i++)
        {
            Console.Write("confirm ");
            if (Probe(best)) break;
            best = Math.Round(best * 0.95);
        }
        Console.WriteLine(string.Create(inv, $"max sustained: {best:F0} req/s"));
        double measureRate = Math.Round(best * options.Fraction);
        var before = await ServerHistogram.FetchAsync(options.MetricsUrl);
        // Fine pacing keeps the generator's own share of the latency lowest, but above ~15,000 requests/s it
        // needs most of its core (and a real-time process that uses more than 95 % of a CPU is paused by the
        // kernel for 50 ms each second); above that rate the 50 % run paces in bursts like the probes.
        int measureBurst = measureRate <= 15_000 ? 0 : Options.SearchBurstMicroseconds;
        var m = Generator.Run(target, measureRate, options.MeasureSeconds, options.Connections, measureBurst);
        var after = await ServerHistogram.FetchAsync(options.MetricsUrl);
        Console.WriteLine(string.Create(inv, $"at {options.Fraction * 100:F0}%: {m}"));
        Console.WriteLine(m.Details());
        if (before is not null && after is not null) Console.WriteLine($"  server histogram: {after.Minus(before)}");
        if (options.FloorUrl is not null)
        {
            // The same rate and pacing against a trivial endpoint: the part of the figures above that is HTTP,
            // loopback TCP and the generator rather than inference.
            var floor = Generator.Run(Target.Parse(options.FloorUrl, null), measureRate, options.MeasureSeconds, options.Connections, measureBurst);
            Console.WriteLine($"floor (GET {new Uri(options.FloorUrl).AbsolutePath}, same rate): {floor}");
            Console.WriteLine(floor.Details());
        }
        return 0;
    }
    case "startup":
    {
        var binary = options.Positional[0];
        var url = options.Positional[1];
        var body = File.ReadAllBytes(options.Positional[2]);
        var info = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in options.Positional.Skip(3)) info.ArgumentList.Add(a);
        using var client = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromMilliseconds(200) });
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        while (true)
        {
            try
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new("application/json");
                using var response = await client.PostAsync(new Uri(url), content);
                if (response.StatusCode == HttpStatusCode.OK) break;
            }
            catch (HttpRequestException) { }
            if (clock.Elapsed > TimeSpan.FromSeconds(30)) { Console.WriteLine("no successful inference within 30 s"); process.Kill(); return 1; }
            await Task.Delay(1);
        }
        double ms = clock.Elapsed.TotalMilliseconds;
        await Task.Delay(500);
        var rss = File.ReadAllLines($"/proc/{process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        Console.WriteLine(string.Create(inv, $"start to first successful inference: {ms:F1} ms"));
        Console.WriteLine($"RSS after load and first inference: {rss.Split(':')[1].Trim()}");
        Console.WriteLine($"binary size: {new FileInfo(binary).Length} bytes");
        process.Kill();
        return 0;
    }
    default:
        return Usage();
}

static int Usage()
{
    Console.Error.WriteLine("usage: server-load run URL RATE SECONDS [options] | search URL [options] | startup BINARY URL BODYFILE [ARGS...]");
    Console.Error.WriteLine("options: --body FILE --connections N --seconds S --measure-seconds S --start RATE --metrics URL --fraction F --floor URL --server-pid PID --spin-us N --burst-us N --search-burst-us N --timer-only");
    return 2;
}
