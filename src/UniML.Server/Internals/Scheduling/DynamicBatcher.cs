using System.Diagnostics;
using System.Threading.Channels;
using UniML.Engine;
using UniML.Onnx;
using UniML.Server.Internals.Metrics;

namespace UniML.Server.Internals.Scheduling;

/// <summary>
/// Dynamic batching (Triton's dynamic_batching): each of <c>max_concurrency</c> workers takes the oldest
/// queued request, waits up to <c>max_queue_delay</c> for more requests with the same non-batch shape and
/// types until <c>max_batch_size</c> rows are gathered, concatenates them along the first dimension, runs
/// the engine once and hands each request its rows of every output. A request of a different shape
/// starts the next batch. If a merged run fails, its requests run one by one so that only the request
/// at fault gets an error.
/// </summary>
internal sealed class DynamicBatcher : Scheduler
{
    readonly Channel<Item> _queue;
    readonly Task[] _workers;
    readonly int _maxRows;
    readonly long _delayTicks;
    readonly int _capacity;
    readonly string _model;
    int _pending;

    sealed class Item
    {
        public required InferenceWork Work { get; init; }
        public required CancellationToken Cancellation { get; init; }
        public required long Enqueued { get; init; }
        public readonly TaskCompletionSource<Value?[]> Completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public DynamicBatcher(string model, InferenceSession session, ModelMetrics metrics, int concurrency, int queueSize, int maxBatchRows, TimeSpan maxDelay)
        : base(session, metrics)
    {
        _model = model;
        _maxRows = maxBatchRows;
        _delayTicks = (long)(maxDelay.TotalSeconds * Stopwatch.Frequency);
        _capacity = Math.Max(1, queueSize);
        _queue = Channel.CreateBounded<Item>(new BoundedChannelOptions(_capacity) { FullMode = BoundedChannelFullMode.Wait });
        _workers = new Task[concurrency];
        for (int i = 0; i < concurrency; i++)
            _workers[i] = Task.Run(WorkAsync);
    }

    public override int Pending => Volatile.Read(ref _pending);

    public override async ValueTask<Value?[]> ExecuteAsync(InferenceWork work, CancellationToken cancellation)
    {
        var item = new Item { Work = work, Cancellation = cancellation, Enqueued = Stopwatch.GetTimestamp() };
        if (!_queue.Writer.TryWrite(item))
            throw QueueFull(_model, _capacity);
        Interlocked.Increment(ref _pending);
        try
        {
            return await item.Completion.Task.ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    public override Task StopAsync()
    {
        _queue.Writer.TryComplete();
        return Task.WhenAll(_workers);
    }

    async Task WorkAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<Item>(16);
        Item? carried = null;
        while (true)
        {
            Item first;
            if (carried is not null)
            {
                first = carried;
                carried = null;
            }
            else
            {
                if (!reader.TryRead(out first!))
                {
                    if (!await reader.WaitToReadAsync().ConfigureAwait(false)) return;
                    continue;
                }
            }
            if (Abandoned(first)) continue;

            batch.Clear();
            batch.Add(first);
            int rows = first.Work.Rows;
            long deadline = first.Enqueued + _delayTicks;
            while (rows < _maxRows)
            {
                if (reader.TryRead(out var next))
                {
                    if (Abandoned(next)) continue;
                    if (rows + next.Work.Rows <= _maxRows && Compatible(first.Work, next.Work))
                    {
                        batch.Add(next);
                        rows += next.Work.Rows;
                        continue;
                    }
                    carried = next;
                    break;
                }
                long remaining = deadline - Stopwatch.GetTimestamp();
                if (remaining <= 0) break;
                await WaitForMoreAsync(reader, remaining).ConfigureAwait(false);
            }
            Execute(batch, rows);
        }
    }

    // Timers are millisecond-grained: wait on the channel with a timer for long delays, yield for short ones.
    static async Task WaitForMoreAsync(ChannelReader<Item> reader, long remainingTicks)
    {
        double ms = remainingTicks * 1000.0 / Stopwatch.Frequency;
        if (ms >= 1)
        {
            var more = reader.WaitToReadAsync().AsTask();
            await Task.WhenAny(more, Task.Delay(TimeSpan.FromMilliseconds(ms))).ConfigureAwait(false);
        }
        else
        {
            await Task.Yield();
        }
    }

    static bool Abandoned(Item item)
    {
        if (!item.Cancellation.IsCancellationRequested) return false;
        item.Completion.TrySetCanceled(item.Cancellation);
        return true;
    }

    /// <summary>Same element types and the same dimensions after the first, for every input.</summary>
    static bool Compatible(InferenceWork a, InferenceWork b)
    {
        for (int i = 0; i < a.Inputs.Length; i++)
        {
            if (a.Inputs[i] is not Tensor x || b.Inputs[i] is not Tensor y) return false;
            if (x.Type != y.Type || x.Rank != y.Rank || !x.Shape[1..].SequenceEqual(y.Shape[1..])) return false;
        }
        for (int i = 0; i < a.WantedOutputs.Length; i++)
            if (a.WantedOutputs[i] != b.WantedOutputs[i]) return false;
        return true;
    }

    void Execute(List<Item> batch, int rows)
    {
        long started = Stopwatch.GetTimestamp();
        foreach (var item in batch)
            Interlocked.Add(ref Metrics.QueueTicks, started - item.Enqueued);
        if (batch.Count == 1)
        {
            RunSingle(batch[0]);
            return;
        }
        Value?[] merged;
        try
        {
            var first = batch[0].Work;
            var inputs = new Value?[first.Inputs.Length];
            for (int i = 0; i < inputs.Length; i++)
                inputs[i] = Concatenate(batch, i, rows);
            merged = RunOne(new InferenceWork(inputs, rows, first.WantedOutputs));
        }
        catch (Exception)
        {
            // Attribute the failure: rerun each request alone.
            foreach (var item in batch) RunSingle(item);
            return;
        }
        long splitStart = Stopwatch.GetTimestamp();
        int offset = 0;
        foreach (var item in batch)
        {
            var outputs = new Value?[merged.Length];
            for (int o = 0; o < merged.Length; o++)
                if (merged[o] is { } value) outputs[o] = Slice(value, rows, offset, item.Work.Rows);
            offset += item.Work.Rows;
            item.Completion.TrySetResult(outputs);
        }
        Interlocked.Add(ref Metrics.ComputeTicks, Stopwatch.GetTimestamp() - splitStart);
    }

    void RunSingle(Item item)
    {
        try
        {
            item.Completion.TrySetResult(RunOne(item.Work));
        }
        catch (Exception e)
        {
            item.Completion.TrySetException(e);
        }
    }

    static Tensor Concatenate(List<Item> batch, int input, int rows)
    {
        var first = (Tensor)batch[0].Work.Inputs[input]!;
        Span<int> shape = stackalloc int[first.Rank];
        first.Shape.CopyTo(shape);
        shape[0] = rows;
        var merged = Tensor.Create(first.Type, shape);
        if (first.Type == ElementType.String)
        {
            var into = merged.Strings();
            int at = 0;
            foreach (var item in batch)
            {
                var part = ((Tensor)item.Work.Inputs[input]!).Strings();
                part.CopyTo(into[at..]);
                at += part.Length;
            }
        }
        else
        {
            var into = merged.Bytes();
            int at = 0;
            foreach (var item in batch)
            {
                var part = ((Tensor)item.Work.Inputs[input]!).Bytes();
                part.CopyTo(into[at..]);
                at += part.Length;
            }
        }
        return merged;
    }

    /// <summary>Rows [offset, offset+count) of an output whose first dimension is the batch; anything else is shared whole.</summary>
    static Value Slice(Value value, int rows, int offset, int count)
    {
        switch (value)
        {
            case Tensor t when t.Rank >= 1 && t.Shape[0] == rows:
            {
                Span<int> shape = stackalloc int[t.Rank];
                t.Shape.CopyTo(shape);
                shape[0] = count;
                int perRow = rows == 0 ? 0 : t.Length / rows;
                if (t.Type == ElementType.String)
                    return Tensor.FromStrings(t.Strings().Slice(offset * perRow, count * perRow).ToArray(), shape);
                var part = Tensor.Create(t.Type, shape);
                int size = Tensor.ElementSize(t.Type);
                t.Bytes().Slice(offset * perRow * size, count * perRow * size).CopyTo(part.Bytes());
                return part;
            }
            case SequenceValue s when s.Items.Count == rows:
                return new SequenceValue(s.Items.GetRange(offset, count), s.ElementTypeName);
            default:
                return value;
        }
    }
}
