using System.Diagnostics;
using UniML.Engine;
using UniML.Server.Internals.Metrics;
using UniML.Server.Internals.Protocol;

namespace UniML.Server.Internals.Scheduling;

/// <summary>One request's inputs, in the session's input order, with its row count along the batch dimension.</summary>
internal readonly record struct InferenceWork(Value?[] Inputs, int Rows, bool[] WantedOutputs);

/// <summary>
/// Decides when a model version runs a request: a bounded queue in front of a fixed number of concurrent
/// engine executions. Outputs come back as copies that own their memory, in the session's output order
/// (null where not wanted).
/// </summary>
internal abstract class Scheduler
{
    protected Scheduler(InferenceSession session, ModelMetrics metrics)
    {
        Session = session;
        Metrics = metrics;
    }

    protected InferenceSession Session { get; }
    protected ModelMetrics Metrics { get; }

    /// <summary>Requests queued or executing.</summary>
    public abstract int Pending { get; }

    /// <summary>Runs the work; throws <see cref="ProtocolException"/> 503 at once when the queue is full.</summary>
    public abstract ValueTask<Value?[]> ExecuteAsync(InferenceWork work, CancellationToken cancellation);

    /// <summary>Stops the workers once the queue is empty (called after the version's last request finished).</summary>
    public abstract Task StopAsync();

    protected static ProtocolException QueueFull(string model, int capacity) =>
        new(503, $"model '{model}' is overloaded: {capacity} requests are already queued or executing (max_queue_size); retry later", FailureReasons.QueueFull);

    /// <summary>One engine run on one request, copying the wanted outputs out of the pooled result.</summary>
    protected Value?[] RunOne(InferenceWork work)
    {
        long start = Stopwatch.GetTimestamp();
        var outputs = new Value?[Session.Outputs.Count];
        using (var result = Session.Run(work.Inputs))
        {
            for (int i = 0; i < outputs.Length; i++)
                if (work.WantedOutputs[i]) outputs[i] = result.Detach(i);
        }
        Interlocked.Add(ref Metrics.ComputeTicks, Stopwatch.GetTimestamp() - start);
        Interlocked.Increment(ref Metrics.Executions);
        Interlocked.Add(ref Metrics.Inferences, work.Rows);
        return outputs;
    }
}

/// <summary>
/// No batching: the request runs on its own thread once one of <c>max_concurrency</c> slots is free;
/// at most <c>max_queue_size</c> requests wait for a slot.
/// </summary>
internal sealed class ConcurrencyLimiter : Scheduler
{
    readonly SemaphoreSlim _slots;
    readonly int _capacity;
    readonly string _model;
    int _pending;

    public ConcurrencyLimiter(string model, InferenceSession session, ModelMetrics metrics, int concurrency, int queueSize)
        : base(session, metrics)
    {
        _model = model;
        _slots = new SemaphoreSlim(concurrency, concurrency);
        _capacity = concurrency + queueSize;
    }

    public override int Pending => Volatile.Read(ref _pending);

    public override async ValueTask<Value?[]> ExecuteAsync(InferenceWork work, CancellationToken cancellation)
    {
        if (Interlocked.Increment(ref _pending) > _capacity)
        {
            Interlocked.Decrement(ref _pending);
            throw QueueFull(_model, _capacity);
        }
        try
        {
            long queued = Stopwatch.GetTimestamp();
            if (!_slots.Wait(0))
                await _slots.WaitAsync(cancellation).ConfigureAwait(false);
            try
            {
                Interlocked.Add(ref Metrics.QueueTicks, Stopwatch.GetTimestamp() - queued);
                return RunOne(work);
            }
            finally
            {
                _slots.Release();
            }
        }
        finally
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    public override Task StopAsync() => Task.CompletedTask;
}
