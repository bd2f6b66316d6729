using System.Diagnostics;

namespace UniML.Bench;

/// <summary>
/// Times engines side by side: rounds alternate between engines so both see the same machine noise;
/// each sample is the mean call time of a ~1 ms block; the summary is the median (and p90) of the samples in microseconds.
/// </summary>
static class Timing
{
    const double WarmUpMilliseconds = 750;

    public static double[] Medians(IReadOnlyList<IBenchEngine> engines, TimeSpan budgetPerEngine, out double[] p90)
    {
        foreach (var e in engines)
        {
            // Warm-up by time, not by count: .NET promotes hot methods to optimised code in the background
            // after a delay, which a loaded machine stretches; 20 calls measured tier-0 code now and then.
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < 20 || Stopwatch.GetElapsedTime(start).TotalMilliseconds < WarmUpMilliseconds; i++) e.RunOnce();
        }

        // Size a round so it lasts about 20 ms for the slowest engine.
        double slowest = 0;
        foreach (var e in engines)
        {
            long t0 = Stopwatch.GetTimestamp();
            e.RunOnce();
            slowest = Math.Max(slowest, Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        int perRound = (int)Math.Clamp(20 / Math.Max(slowest, 1e-3), 1, 5000);
        int rounds = (int)Math.Clamp(budgetPerEngine.TotalMilliseconds / 20, 3, 200);

        // Each sample is the mean of a block of calls lasting about 1 ms: the clock's resolution here is
        // 100 ns, too coarse for single sub-microsecond calls.
        var blockSizes = engines.Select(e =>
        {
            long t0 = Stopwatch.GetTimestamp();
            int n = 0;
            while (Stopwatch.GetElapsedTime(t0).TotalMilliseconds < 1) { e.RunOnce(); n++; }
            return Math.Max(1, n);
        }).ToArray();
        var samples = engines.Select(_ => new List<double>()).ToArray();
        for (int r = 0; r < rounds; r++)
        {
            for (int k = 0; k < engines.Count; k++)
            {
                int which = (k + r) % engines.Count;
                var e = engines[which];
                int block = blockSizes[which];
                for (int done = 0; done < perRound; done += block)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    for (int i = 0; i < block; i++) e.RunOnce();
                    samples[which].Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds / block);
                }
            }
        }
        p90 = samples.Select(s => Percentile(s, 0.9)).ToArray();
        return samples.Select(s => Percentile(s, 0.5)).ToArray();
    }

    public static double Percentile(List<double> samples, double q)
    {
        var sorted = samples.ToArray();
        Array.Sort(sorted);
        return sorted[(int)Math.Min(sorted.Length - 1, q * sorted.Length)];
    }

    /// <summary>Bytes allocated on this thread per call, after warm-up (0 means an allocation-free steady state).</summary>
    public static double AllocatedBytesPerRun(IBenchEngine engine, int runs)
    {
        for (int i = 0; i < 50; i++) engine.RunOnce();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < runs; i++) engine.RunOnce();
        return (GC.GetAllocatedBytesForCurrentThread() - before) / (double)runs;
    }
}
