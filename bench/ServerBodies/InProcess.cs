extern alias current;
using System.Buffers;
using System.Diagnostics;
using UniML.Engine;
using Current = current::UniML.Server.Internals.Protocol;
#if BASELINE
using Baseline = UniML.Server.Internals.Protocol;
#endif

namespace ServerBodies;

/// <summary>
/// The protocol code alone, on the same bytes: request bodies decoded into tensors and responses encoded
/// from them, by the baseline and the current code in alternating rounds (both see the same machine noise).
/// </summary>
static class InProcess
{
    sealed record Case(string Name, long Bytes, Action? Baseline, Action Current);

    public static void Run(Workload work, TimeSpan budget, TextWriter report)
    {
        const long maxElements = long.MaxValue;
        var (binaryBody, headerLength) = work.BinaryRequest(binaryOutput: false);
        var jsonFloats = work.JsonFloatRequest(binaryOutput: false);
        var jsonLongs = work.JsonInt64Request();
        var output = Tensor.FromArray(work.Floats, [work.Rows, work.Width]);
        Current.ResponseOutput[] jsonOutput = [new("y", output, false)], binaryOutput = [new("y", output, true)];
        long jsonResponseBytes = ResponseLength(jsonOutput), binaryResponseBytes = ResponseLength(binaryOutput);
#if BASELINE
        Baseline.ResponseOutput[] baselineJsonOutput = [new("y", output, false)], baselineBinaryOutput = [new("y", output, true)];
        Action? baselineBinaryRequest = () => Baseline.InferenceRequestReader.Read(binaryBody, headerLength, maxElements);
        Action? baselineJsonFloats = () => Baseline.InferenceRequestReader.Read(jsonFloats, -1, maxElements);
        Action? baselineJsonLongs = () => Baseline.InferenceRequestReader.Read(jsonLongs, -1, maxElements);
        Action? baselineJsonResponse = () => Baseline.InferenceResponseWriter.Write(new ArrayBufferWriter<byte>(1024), "relu", "1", null, baselineJsonOutput);
        Action? baselineBinaryResponse = () => Baseline.InferenceResponseWriter.Write(new ArrayBufferWriter<byte>(1024), "relu", "1", null, baselineBinaryOutput);
#else
        Action? baselineBinaryRequest = null, baselineJsonFloats = null, baselineJsonLongs = null, baselineJsonResponse = null, baselineBinaryResponse = null;
#endif
        Case[] cases =
        [
            new("request: binary FP32", binaryBody.Length, baselineBinaryRequest, () => Current.InferenceRequestReader.Read(binaryBody, headerLength, maxElements)),
            new("request: JSON FP32", jsonFloats.Length, baselineJsonFloats, () => Current.InferenceRequestReader.Read(jsonFloats, -1, maxElements)),
            new("request: JSON INT64", jsonLongs.Length, baselineJsonLongs, () => Current.InferenceRequestReader.Read(jsonLongs, -1, maxElements)),
            new("response: JSON FP32", jsonResponseBytes, baselineJsonResponse, () => WriteResponse(jsonOutput)),
            new("response: binary FP32", binaryResponseBytes, baselineBinaryResponse, () => WriteResponse(binaryOutput)),
        ];

        report.WriteLine($"In-process, one thread, FP32 [{work.Rows},{work.Width}] ({work.Floats.Length:N0} elements; binary 1 MiB). Median ms per call over alternating rounds;");
        report.WriteLine("speed-up = baseline / current; MB/s = body (request) or response bytes per second of the current code; alloc = bytes allocated per call.");
        report.WriteLine();
        report.WriteLine("| body | bytes | baseline ms | current ms | speed-up | current MB/s | alloc baseline / current |");
        report.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var c in cases)
        {
            var (baseline, current) = Timing.Compare(c.Baseline, c.Current, budget);
            string alloc = $"{(c.Baseline is null ? "-" : Timing.AllocatedPerCall(c.Baseline).ToString("N0"))} / {Timing.AllocatedPerCall(c.Current):N0}";
            string ratio = c.Baseline is null ? "-" : $"**{baseline / current:F1}x**";
            report.WriteLine($"| {c.Name} | {c.Bytes:N0} | {(c.Baseline is null ? "-" : baseline.ToString("F3"))} | {current:F3} | {ratio} | {c.Bytes / (current / 1000) / 1e6:F0} | {alloc} |");
            report.Flush();
        }
    }

    static void WriteResponse(Current.ResponseOutput[] outputs)
    {
        using var body = new Current.PooledBufferWriter(Current.InferenceResponseWriter.EstimateLength(outputs));
        Current.InferenceResponseWriter.Write(body, "relu", "1", null, outputs);
    }

    static long ResponseLength(Current.ResponseOutput[] outputs)
    {
        using var body = new Current.PooledBufferWriter(Current.InferenceResponseWriter.EstimateLength(outputs));
        Current.InferenceResponseWriter.Write(body, "relu", "1", null, outputs);
        return body.WrittenCount;
    }
}

/// <summary>Medians of ~10 ms blocks, the two candidates alternating block by block.</summary>
static class Timing
{
    public static (double Baseline, double Current) Compare(Action? baseline, Action current, TimeSpan budget)
    {
        Action[] candidates = baseline is null ? [current] : [baseline, current];
        var perBlock = new int[candidates.Length];
        for (int k = 0; k < candidates.Length; k++)
        {
            // Warm up by time (tiered compilation promotes hot code after a delay), then size a ~10 ms block.
            long start = Stopwatch.GetTimestamp();
            int calls = 0;
            while (calls < 5 || Stopwatch.GetElapsedTime(start).TotalMilliseconds < 500) { candidates[k](); calls++; }
            perBlock[k] = Math.Max(1, (int)(10 / (Stopwatch.GetElapsedTime(start).TotalMilliseconds / calls)));
        }
        var samples = candidates.Select(_ => new List<double>()).ToArray();
        long end = Stopwatch.GetTimestamp() + (long)(budget.TotalSeconds * Stopwatch.Frequency);
        for (int round = 0; round < 5 || Stopwatch.GetTimestamp() < end; round++)
        {
            for (int j = 0; j < candidates.Length; j++)
            {
                int k = (j + round) % candidates.Length;
                long t0 = Stopwatch.GetTimestamp();
                for (int i = 0; i < perBlock[k]; i++) candidates[k]();
                samples[k].Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds / perBlock[k]);
            }
        }
        double currentMedian = Median(samples[^1]);
        return (baseline is null ? double.NaN : Median(samples[0]), currentMedian);
    }

    public static long AllocatedPerCall(Action action)
    {
        const int calls = 10;
        action();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < calls; i++) action();
        return (GC.GetAllocatedBytesForCurrentThread() - before) / calls;
    }

    public static double Median(List<double> samples)
    {
        var sorted = samples.ToArray();
        Array.Sort(sorted);
        return sorted[sorted.Length / 2];
    }
}
