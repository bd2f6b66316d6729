using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace ServerLoad;

sealed class Options
{
    public List<string> Positional { get; } = [];
    public byte[]? Body { get; private set; }
    public int Connections { get; private set; } = 64;
    public double Seconds { get; private set; } = 10;
    public double MeasureSeconds { get; private set; } = 30;
    public double Start { get; private set; } = 1000;
    public double Fraction { get; private set; } = 0.5;
    public string? MetricsUrl { get; private set; }
    public string? FloorUrl { get; private set; }
    public static int SpinMicroseconds { get; private set; } = 30;
    public static int ServerPid { get; private set; }
    public static int BurstMicroseconds { get; private set; }
    public static int SearchBurstMicroseconds { get; private set; } = 100;
    public static bool TimerOnly { get; private set; }

    public static Options Parse(string[] args)
    {
        var o = new Options();
        var inv = CultureInfo.InvariantCulture;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--body": o.Body = File.ReadAllBytes(args[++i]); break;
                case "--connections": o.Connections = int.Parse(args[++i], inv); break;
                case "--seconds": o.Seconds = double.Parse(args[++i], inv); break;
                case "--measure-seconds": o.MeasureSeconds = double.Parse(args[++i], inv); break;
                case "--start": o.Start = double.Parse(args[++i], inv); break;
                case "--fraction": o.Fraction = double.Parse(args[++i], inv); break;
                case "--metrics": o.MetricsUrl = args[++i]; break;
                case "--floor": o.FloorUrl = args[++i]; break;
                case "--spin-us": SpinMicroseconds = int.Parse(args[++i], inv); break;
                case "--server-pid": ServerPid = int.Parse(args[++i], inv); break;
                case "--burst-us": BurstMicroseconds = int.Parse(args[++i], inv); break;
                case "--search-burst-us": SearchBurstMicroseconds = int.Parse(args[++i], inv); break;
                case "--timer-only": TimerOnly = true; break;
                default: o.Positional.Add(args[i]); break;
            }
        }
        return o;
    }
}

/// <summary>Where to send, and the complete request bytes (built once).</summary>
sealed class Target
{
    public required IPEndPoint EndPoint { get; init; }
    public required byte[] Request { get; init; }

    public static Target Parse(string url, byte[]? body)
    {
        var uri = new Uri(url);
        var address = IPAddress.Parse(uri.Host);
        var head = body is null
            ? $"GET {uri.PathAndQuery} HTTP/1.1\r\nHost: {uri.Authority}\r\n\r\n"
            : $"POST {uri.PathAndQuery} HTTP/1.1\r\nHost: {uri.Authority}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n";
        var bytes = Encoding.ASCII.GetBytes(head);
        return new Target { EndPoint = new IPEndPoint(address, uri.Port), Request = body is null ? bytes : [.. bytes, .. body] };
    }
}

sealed class LoadResult
{
    public double TargetRate, Seconds, AchievedRate;
    public long Sent, Ok, Errors, Unanswered, Reconnects, MaxBacklog;
    public double P50, P99, P999, Max, FirstThirdP99, LastThirdP99;
    public double SendLagP50, SendLagP99, SendLagP999;
    public int Gen0, Gen1, Gen2;
    public long AllocatedBytes;
    public int Connections, BurstMicroseconds;
    public bool TimerOnly;
    public double CpuShare, ServerCpuShare;

    /// <summary>
    /// Sustained: errors ≤ 0.1 %, achieved throughput ≥ 99 % of the offered rate, p99 ≤ 10 ms (bounded: a server
    /// that keeps up has a p99 far below that; one that falls behind, or stalls periodically, does not), and no
    /// growing backlog: the p99 of the last third of the run is at most twice that of the first third plus 1 ms.
    /// </summary>
    public bool Sustained => Errors + Unanswered <= Math.Max(1, Sent / 1000) && AchievedRate >= TargetRate * 0.99 && P99 <= 10 && LastThirdP99 <= 2 * FirstThirdP99 + 1;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"target {TargetRate:F0}/s achieved {AchievedRate:F0}/s ok {Ok} errors {Errors + Unanswered} p50 {P50:F3} ms p99 {P99:F3} ms p99.9 {P999:F3} ms max {Max:F1} ms {(Sustained ? "sustained" : "NOT sustained")}");

    public string Details() => string.Create(CultureInfo.InvariantCulture,
        $"  p99 first/last third {FirstThirdP99:F3}/{LastThirdP99:F3} ms; generator ({(BurstMicroseconds > 0 ? $"bursts of {BurstMicroseconds} µs{(TimerOnly ? ", woken by its timer only" : "")}" : "fine pacing")}): send lag p50/p99/p99.9 {SendLagP50:F3}/{SendLagP99:F3}/{SendLagP999:F3} ms, max backlog {MaxBacklog}, {Connections} connections, {Reconnects} reconnects, GCs gen0/1/2 {Gen0}/{Gen1}/{Gen2}, {AllocatedBytes} bytes allocated in the loop, {CpuShare * 100:F0} % of a core{(double.IsNaN(ServerCpuShare) ? "" : $"; server: {ServerCpuShare * 100:F0} % of a core (incl. its last 2 s of drain)")}");
}

/// <summary>One keep-alive HTTP/1.1 connection with at most one request outstanding.</summary>
sealed class Connection
{
    public Socket Socket = null!;
    public int Fd;
    public readonly byte[] Buffer = new byte[64 * 1024];
    public int Length;
    public long Index = -1; // the outstanding request, -1 when idle
    public int Slot;
    public bool Closed;
}

static unsafe class Epoll
{
    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    public struct Event
    {
        public uint Events;
        public ulong Data;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    public const uint In = 0x001, Err = 0x008, Hup = 0x010, RdHup = 0x2000;

    [DllImport("libc", SetLastError = true)] public static extern int epoll_create1(int flags);
    [DllImport("libc", SetLastError = true)] public static extern int epoll_ctl(int epfd, int op, int fd, Event* ev);
    [DllImport("libc", SetLastError = true)] public static extern int epoll_pwait2(int epfd, Event* events, int maxevents, TimeSpec* timeout, void* sigmask);
    [DllImport("libc", SetLastError = true)] public static extern int close(int fd);
}

static unsafe class Generator
{
    static readonly long Frequency = Stopwatch.Frequency;

    /// <summary>One open-loop run at a fixed rate on one thread (the caller's), then up to 2 s for the last answers.</summary>
    public static LoadResult Run(Target target, double rate, double seconds, int connectionCount) =>
        Run(target, rate, seconds, connectionCount, Options.BurstMicroseconds, Options.TimerOnly);

    /// <param name="burstMicroseconds">
    /// 0: fine pacing (each request written at its due time, spin-then-sleep). &gt; 0: coarse pacing, never
    /// spinning: sleep until the next due time plus this long, then write every request due by then, which
    /// costs the generator one wake-up per burst instead of per request (for rates its core cannot pace finely).
    /// Latency is still measured from each request's own due time.
    /// </param>
    /// <param name="timerOnly">
    /// With bursts: wake only at burst times (not for each answer), then collect every answer that has arrived
    /// and write every request that is due. One wake-up per burst instead of per answer: on this VM a wake-up
    /// costs about as much as the request's own system calls, and without it the generator needs less CPU per
    /// request than the server it measures. An answer's latency then counts up to one burst interval too much
    /// (it is timed when collected), which only errs against the server: for the search's sustained/not
    /// verdicts, not for latency figures.
    /// </param>
    public static LoadResult Run(Target target, double rate, double seconds, int connectionCount, int burstMicroseconds, bool timerOnly = false)
    {
        timerOnly &= burstMicroseconds > 0;
        long total = Math.Max(1, (long)(rate * seconds));
        var latency = new long[total];   // ticks from due time to complete response; -1 error; 0 unanswered
        var sendLag = new long[total];
        Array.Fill(latency, long.MinValue);
        var conns = new Connection[connectionCount];
        var idle = new int[connectionCount];
        int idleCount = 0;
        int epfd = Epoll.epoll_create1(0);
        if (epfd < 0) throw new InvalidOperationException($"epoll_create1 failed: {Marshal.GetLastPInvokeError()}");
        int sleepfd = timerOnly ? Epoll.epoll_create1(0) : -1; // watches nothing: waiting on it is a precise sleep
        var events = new Epoll.Event[256];
        long reconnects = 0;
        for (int i = 0; i < connectionCount; i++)
        {
            conns[i] = new Connection { Slot = i };
            Connect(conns[i], target, epfd);
            idle[idleCount++] = i;
        }
        byte[] request = target.Request;
        double ticksPerRequest = Frequency / rate;
        // Sleep in epoll until shortly before the next due time, then spin (poll) the rest: a timer wake-up in this
        // VM takes 5-60 µs. Spinning longer costs CPU, and a real-time (chrt) process that keeps its core 100 % busy
        // is throttled by the kernel for 50 ms every second (sched_rt_runtime_us), which would show as stalls.
        long spinTicks = Frequency * Options.SpinMicroseconds / 1_000_000;
        long burstTicks = Frequency * burstMicroseconds / 1_000_000;
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        var cpuBefore = Environment.CpuUsage.TotalTime;
        long serverCpuBefore = ProcessCpuTicks(Options.ServerPid);
        long allocated = GC.GetAllocatedBytesForCurrentThread();

        long start = Stopwatch.GetTimestamp() + Frequency / 100;
        long nextSend = 0, done = 0, ok = 0, errors = 0, maxBacklog = 0, lastCompletion = start;
        long drainDeadline = start + (long)(seconds * Frequency) + 2 * Frequency;
        fixed (Epoll.Event* ev = events)
        {
            while (done < total)
            {
                long now = Stopwatch.GetTimestamp();
                if (now > drainDeadline) break;
                // Send every request that is due, on idle connections.
                while (nextSend < total && idleCount > 0)
                {
                    long due = start + (long)(nextSend * ticksPerRequest);
                    if (due > now) break;
                    var c = conns[idle[--idleCount]];
                    // A connection the server closed (Connection: close) is opened again only now, when there is a
                    // request for it, as a client without keep-alive would: the connect is part of the latency, and
                    // the server never sees idle connections with no request on them.
                    if (c.Closed) { reconnects++; if (!TryConnect(c, target, epfd)) { latency[nextSend] = -1; errors++; done++; nextSend++; idle[idleCount++] = c.Slot; continue; } }
                    if (!SendAll(c, request))
                    {
                        // A keep-alive connection the server dropped: reconnect and retry once.
                        Close(c, epfd);
                        reconnects++;
                        if (!TryConnect(c, target, epfd) || !SendAll(c, request)) { Close(c, epfd); latency[nextSend] = -1; errors++; done++; nextSend++; idle[idleCount++] = c.Slot; continue; }
                    }
                    c.Index = nextSend;
                    sendLag[nextSend] = Stopwatch.GetTimestamp() - due;
                    nextSend++;
                }
                if (nextSend < total)
                {
                    long dueNow = (long)((now - start) / ticksPerRequest) + 1;
                    long backlog = Math.Min(dueNow, total) - nextSend;
                    if (backlog > maxBacklog) maxBacklog = backlog;
                }
                // Wait: sleep in epoll when the next due time is far (or every connection is busy), else poll and spin.
                long wait;
                if (nextSend < total && idleCount > 0)
                    wait = burstTicks > 0
                        ? start + (long)(nextSend * ticksPerRequest) + burstTicks - Stopwatch.GetTimestamp()
                        : start + (long)(nextSend * ticksPerRequest) - Stopwatch.GetTimestamp() - spinTicks;
                else
                    wait = Frequency / 1000;
                // Timer-only: wake at every burst time (answers are collected then), not just at the next request's.
                if (timerOnly) wait = burstTicks - (Stopwatch.GetTimestamp() - start) % burstTicks;
                Epoll.TimeSpec ts = default;
                if (wait > 0)
                {
                    long ns = wait * 1_000_000_000 / Frequency;
                    ts.Seconds = ns / 1_000_000_000;
                    ts.Nanoseconds = ns % 1_000_000_000;
                }
                if (timerOnly && wait > 0)
                {
                    Epoll.epoll_pwait2(sleepfd, ev, 1, &ts, null);
                    ts = default;
                }
                int n = Epoll.epoll_pwait2(epfd, ev, events.Length, &ts, null);
                if (n <= 0)
                {
                    if (wait <= 0) Thread.SpinWait(8);
                    continue;
                }
                for (int e = 0; e < n; e++)
                {
                    var c = conns[(int)ev[e].Data];
                    bool closed = false;
                    while (true)
                    {
                        int read = c.Socket.Receive(c.Buffer.AsSpan(c.Length), SocketFlags.None, out var error);
                        if (error == SocketError.WouldBlock) break;
                        if (error != SocketError.Success || read == 0) { closed = true; break; }
                        c.Length += read;
                        if (c.Length == c.Buffer.Length) { closed = true; break; } // response too large for this tool
                        if (c.Buffer.AsSpan(0, c.Length).IndexOf("\r\n\r\n"u8) >= 0 && TryParse(c.Buffer.AsSpan(0, c.Length), out _, out _) > 0) break; // complete: skip the EAGAIN read
                    }
                    long t = Stopwatch.GetTimestamp();
                    if (c.Index >= 0)
                    {
                        int status = TryParse(c.Buffer.AsSpan(0, c.Length), out int consumed, out bool closeAfter);
                        if (status > 0)
                        {
                            long due = start + (long)(c.Index * ticksPerRequest);
                            if (status == 200) { latency[c.Index] = t - due; ok++; }
                            else { latency[c.Index] = -1; errors++; }
                            done++;
                            lastCompletion = t;
                            c.Index = -1;
                            c.Buffer.AsSpan(consumed, c.Length - consumed).CopyTo(c.Buffer);
                            c.Length -= consumed;
                            if (closeAfter) closed = true;
                        }
                        else if (closed)
                        {
                            latency[c.Index] = -1;
                            errors++;
                            done++;
                            c.Index = -1;
                        }
                    }
                    if (closed) Close(c, epfd);
                    if (c.Index < 0 && !IsIdle(idle, idleCount, c.Slot)) idle[idleCount++] = c.Slot;
                }
            }
        }
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        double wall = (double)(Stopwatch.GetTimestamp() - start) / Frequency;
        double cpu = (Environment.CpuUsage.TotalTime - cpuBefore).TotalSeconds / wall;
        double serverCpu = Options.ServerPid == 0 ? double.NaN : (ProcessCpuTicks(Options.ServerPid) - serverCpuBefore) / 100.0 / wall;
        var result = new LoadResult
        {
            TargetRate = rate, Seconds = seconds, Sent = nextSend, Ok = ok, Errors = errors, Unanswered = total - done,
            MaxBacklog = maxBacklog, Reconnects = reconnects, Connections = connectionCount, BurstMicroseconds = burstMicroseconds, TimerOnly = timerOnly,
            Gen0 = GC.CollectionCount(0) - gen0, Gen1 = GC.CollectionCount(1) - gen1, Gen2 = GC.CollectionCount(2) - gen2,
            AllocatedBytes = allocated, CpuShare = cpu, ServerCpuShare = serverCpu,
        };
        foreach (var c in conns) if (!c.Closed) c.Socket.Dispose();
        Epoll.close(epfd);
        if (sleepfd >= 0) Epoll.close(sleepfd);

        // Unanswered requests count with the time they had waited when the run gave up on them.
        long end = Stopwatch.GetTimestamp();
        for (long i = 0; i < total; i++)
            if (latency[i] == long.MinValue) latency[i] = end - (start + (long)(i * ticksPerRequest));
        result.AchievedRate = ok / ((double)(lastCompletion - start) / Frequency);
        double Ms(long ticks) => ticks * 1000.0 / Frequency;
        var all = latency.Select(x => x < 0 ? long.MaxValue : x).ToArray(); // errors rank as the slowest
        Array.Sort(all);
        result.P50 = Ms(Pct(all, 0.5)); result.P99 = Ms(Pct(all, 0.99)); result.P999 = Ms(Pct(all, 0.999)); result.Max = Ms(all[^1]);
        long third = total / 3;
        var first = all.Length < 3 ? all : latency.Take((int)third).Select(x => x < 0 ? long.MaxValue : x).Order().ToArray();
        var last = all.Length < 3 ? all : latency.Skip((int)(total - third)).Select(x => x < 0 ? long.MaxValue : x).Order().ToArray();
        result.FirstThirdP99 = Ms(Pct(first, 0.99));
        result.LastThirdP99 = Ms(Pct(last, 0.99));
        var lag = sendLag.Take((int)nextSend).ToArray();
        Array.Sort(lag);
        if (lag.Length > 0) { result.SendLagP50 = Ms(Pct(lag, 0.5)); result.SendLagP99 = Ms(Pct(lag, 0.99)); result.SendLagP999 = Ms(Pct(lag, 0.999)); }
        return result;
    }

    /// <summary>utime + stime in clock ticks (USER_HZ, 100/s) of a process and its child processes, all threads; 0 without a pid.</summary>
    static long ProcessCpuTicks(int pid)
    {
        if (pid == 0) return 0;
        long ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int p)) continue;
            string stat;
            try { stat = File.ReadAllText($"{dir}/stat"); } catch (IOException) { continue; }
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (p != pid && fields[1] != pid.ToString(CultureInfo.InvariantCulture)) continue; // the process and its children (gunicorn workers)
            ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        return ticks;
    }

    static long Pct(long[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];

    static bool IsIdle(int[] idle, int count, int slot)
    {
        for (int i = 0; i < count; i++) if (idle[i] == slot) return true;
        return false;
    }

    static bool SendAll(Connection c, byte[] request)
    {
        int sent = 0;
        while (sent < request.Length)
        {
            int n = c.Socket.Send(request.AsSpan(sent), SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock) { Thread.SpinWait(20); continue; }
            if (error != SocketError.Success || n <= 0) return false;
            sent += n;
        }
        return true;
    }

    static bool TryConnect(Connection c, Target target, int epfd)
    {
        try
        {
            Connect(c, target, epfd);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    static void Close(Connection c, int epfd)
    {
        if (c.Closed) return;
        Epoll.epoll_ctl(epfd, 2 /* DEL */, c.Fd, null);
        c.Socket.Dispose();
        c.Closed = true;
        c.Length = 0;
    }

    static void Connect(Connection c, Target target, int epfd)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, LingerState = new LingerOption(true, 0) };
        s.Connect(target.EndPoint);
        s.Blocking = false;
        c.Closed = false;
        c.Socket = s;
        c.Fd = (int)s.Handle;
        c.Length = 0;
        c.Index = -1;
        Epoll.Event e = new() { Events = Epoll.In | Epoll.RdHup, Data = (ulong)c.Slot };
        if (Epoll.epoll_ctl(epfd, 1 /* ADD */, c.Fd, &e) != 0)
            throw new InvalidOperationException($"epoll_ctl failed: {Marshal.GetLastPInvokeError()}");
    }


    /// <summary>
    /// Parses one complete HTTP/1.x response at the start of <paramref name="data"/>: its status (0 while
    /// incomplete), its length, and whether the server closes the connection after it.
    /// </summary>
    static int TryParse(ReadOnlySpan<byte> data, out int consumed, out bool close)
    {
        consumed = 0;
        close = false;
        int headerEnd = data.IndexOf("\r\n\r\n"u8);
        if (headerEnd < 0 || data.Length < 12) return 0;
        var head = data[..headerEnd];
        int status = (data[9] - '0') * 100 + (data[10] - '0') * 10 + (data[11] - '0');
        bool http10 = data[7] == (byte)'0';
        close = http10;
        long contentLength = -1;
        int lineStart = head.IndexOf("\r\n"u8) + 2;
        while (lineStart > 1 && lineStart < head.Length)
        {
            int lineLength = head[lineStart..].IndexOf("\r\n"u8);
            var line = lineLength < 0 ? head[lineStart..] : head.Slice(lineStart, lineLength);
            int colon = line.IndexOf((byte)':');
            if (colon > 0)
            {
                var name = line[..colon];
                var value = line[(colon + 1)..].Trim((byte)' ');
                if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
                    contentLength = ParseLong(value);
                else if (Ascii.EqualsIgnoreCase(name, "connection"u8))
                    close = Ascii.EqualsIgnoreCase(value, "close"u8) || (http10 && !Ascii.EqualsIgnoreCase(value, "keep-alive"u8));
            }
            if (lineLength < 0) break;
            lineStart += lineLength + 2;
        }
        if (contentLength < 0) throw new InvalidOperationException("response without Content-Length (not supported by this generator)");
        long total = headerEnd + 4 + contentLength;
        if (data.Length < total) return 0;
        consumed = (int)total;
        return status;
    }

    static long ParseLong(ReadOnlySpan<byte> digits)
    {
        long v = 0;
        foreach (var d in digits) v = v * 10 + (d - '0');
        return v;
    }
}

/// <summary>uniml-server's request-duration histogram, scraped from /metrics before and after a run.</summary>
sealed class ServerHistogram
{
    public List<(double Le, long Count)> Buckets { get; } = [];

    public static async Task<ServerHistogram?> FetchAsync(string? url)
    {
        if (url is null) return null;
        using var client = new System.Net.Http.HttpClient();
        var text = await client.GetStringAsync(new Uri(url));
        var h = new ServerHistogram();
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith("uniml_inference_request_duration_seconds_bucket{", StringComparison.Ordinal)) continue;
            int le = line.IndexOf("le=\"", StringComparison.Ordinal) + 4;
            var bound = line[le..line.IndexOf('"', le)];
            double b = bound == "+Inf" ? double.PositiveInfinity : double.Parse(bound, CultureInfo.InvariantCulture);
            h.Buckets.Add((b, long.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)));
        }
        return h;
    }

    public ServerHistogram Minus(ServerHistogram before)
    {
        var d = new ServerHistogram();
        for (int i = 0; i < Buckets.Count; i++)
            d.Buckets.Add((Buckets[i].Le, Buckets[i].Count - (i < before.Buckets.Count ? before.Buckets[i].Count : 0)));
        return d;
    }

    /// <summary>The cumulative share of requests at or under each bound, and the bucket holding p50/p99/p99.9.</summary>
    public override string ToString()
    {
        if (Buckets.Count == 0) return "(no histogram)";
        long count = Buckets[^1].Count;
        string Bucket(double q)
        {
            foreach (var (le, c) in Buckets) if (c >= q * count) return le == double.PositiveInfinity ? "> 10 s" : string.Create(CultureInfo.InvariantCulture, $"≤ {le * 1000:G4} ms");
            return "?";
        }
        var shares = string.Join(" ", Buckets.Where(b => b.Le <= 0.01).Select(b => string.Create(CultureInfo.InvariantCulture, $"≤{b.Le * 1000:G4}ms:{(count == 0 ? 0 : 100.0 * b.Count / count):F2}%")));
        return $"{count} requests; p50 {Bucket(0.5)}, p99 {Bucket(0.99)}, p99.9 {Bucket(0.999)}; cumulative {shares}";
    }
}
