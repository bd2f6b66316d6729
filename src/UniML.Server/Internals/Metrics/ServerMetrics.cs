using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using UniML.Server.Internals.Protocol;

namespace UniML.Server.Internals.Metrics;

/// <summary>
/// The server's counters and histograms, rendered in the Prometheus text exposition format (0.0.4).
/// Written here rather than with prometheus-net: that package is not annotated trim/AOT-compatible,
/// brings Microsoft.Extensions.Http and EventListener/DiagnosticListener adapters along, and this server
/// needs only counters and fixed-bucket histograms, updated with Interlocked on the request path.
/// </summary>
internal sealed class ServerMetrics
{
    readonly ConcurrentDictionary<(string Model, string Version), ModelMetrics> _models = new();
    readonly ConcurrentDictionary<int, StrongBox<long>> _responses = new();
    readonly long _startUnixSeconds = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>Counters survive unload and reload of a version, like Prometheus expects of a counter.</summary>
    public ModelMetrics For(string model, string version) => _models.GetOrAdd((model, version), static k => new ModelMetrics(k.Model, k.Version));

    public void CountResponse(int statusCode) => Interlocked.Increment(ref _responses.GetOrAdd(statusCode, static _ => new StrongBox<long>()).Value);

    /// <summary>Renders every metric; <paramref name="models"/> gives the current ready state and queue depth of served versions.</summary>
    public string Render(IEnumerable<(string Model, string Version, bool Ready, int Pending)> models)
    {
        var sb = new StringBuilder(4096);
        var all = _models.Values.OrderBy(m => m.Model, StringComparer.Ordinal).ThenBy(m => m.Version, StringComparer.Ordinal).ToArray();

        Family(sb, "uniml_inference_request_success_total", "counter", "Inference requests that succeeded.");
        foreach (var m in all) Sample(sb, "uniml_inference_request_success_total", m, null, Interlocked.Read(ref m.Success));

        Family(sb, "uniml_inference_request_failure_total", "counter", "Inference requests that failed, by reason (bad_input, too_large, queue_full, unavailable, canceled, internal).");
        foreach (var m in all)
            for (int r = 0; r < ModelMetrics.Reasons.Length; r++)
                Sample(sb, "uniml_inference_request_failure_total", m, ("reason", ModelMetrics.Reasons[r]), Interlocked.Read(ref m.Failures[r]));

        Family(sb, "uniml_inference_count_total", "counter", "Inferences performed (a batch of N rows counts N).");
        foreach (var m in all) Sample(sb, "uniml_inference_count_total", m, null, Interlocked.Read(ref m.Inferences));

        Family(sb, "uniml_inference_exec_count_total", "counter", "Engine executions (a dynamically batched run counts once).");
        foreach (var m in all) Sample(sb, "uniml_inference_exec_count_total", m, null, Interlocked.Read(ref m.Executions));

        Family(sb, "uniml_inference_queue_duration_seconds_total", "counter", "Time requests spent waiting for an execution slot or a batch.");
        foreach (var m in all) Sample(sb, "uniml_inference_queue_duration_seconds_total", m, null, Seconds(Interlocked.Read(ref m.QueueTicks)));

        Family(sb, "uniml_inference_compute_duration_seconds_total", "counter", "Time spent in engine executions, including merging and splitting batches.");
        foreach (var m in all) Sample(sb, "uniml_inference_compute_duration_seconds_total", m, null, Seconds(Interlocked.Read(ref m.ComputeTicks)));

        Family(sb, "uniml_inference_request_duration_seconds", "histogram", "End-to-end time of successful inference requests, from the request body read to the response written.");
        foreach (var m in all) m.RequestDuration.Render(sb, "uniml_inference_request_duration_seconds", Labels(m));

        Family(sb, "uniml_model_ready", "gauge", "1 when the model version is loaded and serving.");
        foreach (var (model, version, ready, _) in models)
            sb.Append("uniml_model_ready{model=\"").Append(Escape(model)).Append("\",version=\"").Append(Escape(version)).Append("\"} ").Append(ready ? '1' : '0').Append('\n');

        Family(sb, "uniml_inference_pending_requests", "gauge", "Requests of the model version queued or executing now.");
        foreach (var (model, version, _, pending) in models)
            sb.Append("uniml_inference_pending_requests{model=\"").Append(Escape(model)).Append("\",version=\"").Append(Escape(version)).Append("\"} ").Append(pending).Append('\n');

        Family(sb, "uniml_http_responses_total", "counter", "HTTP responses by status code.");
        foreach (var (code, count) in _responses.OrderBy(kv => kv.Key))
            sb.Append("uniml_http_responses_total{code=\"").Append(code).Append("\"} ").Append(Interlocked.Read(ref count.Value)).Append('\n');

        Family(sb, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
        sb.Append("process_resident_memory_bytes ").Append(ResidentBytes()).Append('\n');
        Family(sb, "process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch in seconds.");
        sb.Append("process_start_time_seconds ").Append(_startUnixSeconds).Append('\n');
        return sb.ToString();
    }

    static void Family(StringBuilder sb, string name, string type, string help) =>
        sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    static string Labels(ModelMetrics m) => $"model=\"{Escape(m.Model)}\",version=\"{Escape(m.Version)}\"";

    static void Sample(StringBuilder sb, string name, ModelMetrics m, (string Name, string Value)? extra, long value)
    {
        sb.Append(name).Append('{').Append(Labels(m));
        if (extra is { } e) sb.Append(',').Append(e.Name).Append("=\"").Append(e.Value).Append('"');
        sb.Append("} ").Append(value).Append('\n');
    }

    static void Sample(StringBuilder sb, string name, ModelMetrics m, (string Name, string Value)? extra, double value)
    {
        sb.Append(name).Append('{').Append(Labels(m));
        if (extra is { } e) sb.Append(',').Append(e.Name).Append("=\"").Append(e.Value).Append('"');
        sb.Append("} ").Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
    }

    internal static double Seconds(long stopwatchTicks) => (double)stopwatchTicks / Stopwatch.Frequency;

    /// <summary>Label values escape backslash, double quote and newline (exposition format).</summary>
    internal static string Escape(string value) =>
        value.AsSpan().IndexOfAny("\\\"\n") < 0 ? value : value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    /// <summary>Resident set size from /proc/self/statm (pages × page size); 0 where there is no procfs.</summary>
    internal static long ResidentBytes()
    {
        try
        {
            var statm = File.ReadAllText("/proc/self/statm").Split(' ');
            return long.Parse(statm[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }

    sealed class StrongBox<T>
    {
        public T Value = default!;
    }
}

/// <summary>The counters of one model version.</summary>
internal sealed class ModelMetrics
{
    public static readonly string[] Reasons =
        [FailureReasons.BadInput, FailureReasons.TooLarge, FailureReasons.QueueFull, FailureReasons.Unavailable, FailureReasons.Canceled, FailureReasons.Internal];

    public ModelMetrics(string model, string version)
    {
        Model = model;
        Version = version;
    }

    public string Model { get; }
    public string Version { get; }

    public long Success;
    public readonly long[] Failures = new long[Reasons.Length];
    public long Inferences;
    public long Executions;
    public long QueueTicks;
    public long ComputeTicks;
    public readonly Histogram RequestDuration = new([0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

    public void Fail(string reason)
    {
        int i = Array.IndexOf(Reasons, reason);
        Interlocked.Increment(ref Failures[i < 0 ? Reasons.Length - 1 : i]);
    }
}

/// <summary>A cumulative histogram with fixed upper bounds (seconds), lock-free.</summary>
internal sealed class Histogram
{
    readonly double[] _bounds;
    readonly long[] _counts;
    long _sumTicks;
    long _count;

    public Histogram(double[] bounds)
    {
        _bounds = bounds;
        _counts = new long[bounds.Length];
    }

    public void Observe(long stopwatchTicks)
    {
        double seconds = ServerMetrics.Seconds(stopwatchTicks);
        int i = 0;
        while (i < _bounds.Length && seconds > _bounds[i]) i++;
        if (i < _counts.Length) Interlocked.Increment(ref _counts[i]);
        Interlocked.Add(ref _sumTicks, stopwatchTicks);
        Interlocked.Increment(ref _count);
    }

    public void Render(StringBuilder sb, string name, string labels)
    {
        long cumulative = 0;
        for (int i = 0; i < _bounds.Length; i++)
        {
            cumulative += Interlocked.Read(ref _counts[i]);
            sb.Append(name).Append("_bucket{").Append(labels).Append(",le=\"").Append(_bounds[i].ToString("R", CultureInfo.InvariantCulture)).Append("\"} ").Append(cumulative).Append('\n');
        }
        long count = Interlocked.Read(ref _count);
        sb.Append(name).Append("_bucket{").Append(labels).Append(",le=\"+Inf\"} ").Append(count).Append('\n');
        sb.Append(name).Append("_sum{").Append(labels).Append("} ").Append(ServerMetrics.Seconds(Interlocked.Read(ref _sumTicks)).ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        sb.Append(name).Append("_count{").Append(labels).Append("} ").Append(count).Append('\n');
    }
}
