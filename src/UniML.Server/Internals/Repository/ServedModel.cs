using UniML.Engine;
using UniML.Onnx;
using UniML.Server.Internals.Metrics;
using UniML.Server.Internals.Protocol;
using UniML.Server.Internals.Scheduling;

namespace UniML.Server.Internals.Repository;

/// <summary>
/// One loaded version of a model: its compiled session and its scheduler. Requests hold a lease
/// (<see cref="TryAcquire"/>/<see cref="Release"/>) so that a version being replaced or unloaded is
/// disposed only after the last request that reached it has finished.
/// </summary>
internal sealed class ServedModel
{
    readonly Scheduler _scheduler;
    readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    int _leases;
    volatile bool _retired;
    long _warmUpTicks = long.MaxValue; // unknown until warmed up

    /// <summary>
    /// The longest typical execution that <c>--inline-io auto</c> runs on a socket I/O thread: far above the
    /// ~10-20 µs two thread switches cost, far below the 2 ms tail-latency budget of the connections that
    /// thread also serves.
    /// </summary>
    static readonly long QuickExecutionTicks = System.Diagnostics.Stopwatch.Frequency / 4000; // 250 µs

    public ServedModel(string name, long version, string path, InferenceSession session, ModelConfig config, ModelMetrics metrics)
    {
        Name = name;
        Version = version;
        VersionText = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Path = path;
        Session = session;
        Config = config;
        Metrics = metrics;
        HasBatchDimension = session.Inputs.Count > 0 && session.Inputs.All(i => i.Kind == ValueKind.Tensor && i.Dims is { Length: > 0 } d && d[0] < 0);
        if (config.MaxBatchSize > 0)
        {
            CheckBatchable(session, config.MaxBatchSize);
            _scheduler = new DynamicBatcher(name, session, metrics, config.Concurrency, config.MaxQueueSize, config.MaxBatchSize, TimeSpan.FromTicks(config.MaxQueueDelayMicroseconds * 10L));
        }
        else
        {
            _scheduler = new ConcurrencyLimiter(name, session, metrics, config.Concurrency, config.MaxQueueSize);
        }
    }

    public string Name { get; }
    public long Version { get; }
    public string VersionText { get; }
    public string Path { get; }
    public InferenceSession Session { get; }
    public ModelConfig Config { get; }
    public ModelMetrics Metrics { get; }

    /// <summary>Every input's first dimension is symbolic: requests carry N rows, counted as N inferences.</summary>
    public bool HasBatchDimension { get; }

    public int Pending => _scheduler.Pending;

    /// <summary>
    /// This version's typical execution (its mean so far, or its warm-up run before the first request) is short
    /// enough to run on a socket I/O thread; false while unknown (no warm-up and no request yet).
    /// </summary>
    public bool IsQuick
    {
        get
        {
            long executions = Volatile.Read(ref Metrics.Executions);
            long typical = executions > 0 ? Volatile.Read(ref Metrics.ComputeTicks) / executions : Volatile.Read(ref _warmUpTicks);
            return typical <= QuickExecutionTicks;
        }
    }

    static void CheckBatchable(InferenceSession session, int maxBatch)
    {
        foreach (var input in session.Inputs)
            if (input.Kind != ValueKind.Tensor || input.Dims is not { Length: > 0 } dims || dims[0] >= 0)
                throw new ModelConfigException($"max_batch_size {maxBatch} needs a symbolic first (batch) dimension on every input; input '{input.Name}' is {input.TypeName} {input.ShapeText}");
        foreach (var output in session.Outputs)
            if (output.Kind == ValueKind.Tensor && output.Dims is { Length: > 0 } dims && dims[0] >= 0)
                throw new ModelConfigException($"max_batch_size {maxBatch} needs a symbolic first (batch) dimension on every tensor output; output '{output.Name}' is {output.ShapeText}");
    }

    public bool TryAcquire()
    {
        Interlocked.Increment(ref _leases);
        if (!_retired) return true;
        Release();
        return false;
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _leases) == 0 && _retired)
            _drained.TrySetResult();
    }

    /// <summary>Refuses new requests, waits for the leased ones, then stops the scheduler.</summary>
    public async Task RetireAsync()
    {
        _retired = true;
        if (Volatile.Read(ref _leases) == 0) _drained.TrySetResult();
        await _drained.Task.ConfigureAwait(false);
        await _scheduler.StopAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Checks the request against the model's declared inputs and outputs (400 with the reason) and puts
    /// its tensors in the session's input order.
    /// </summary>
    public InferenceWork Prepare(InferenceRequest request)
    {
        var inputs = new Value?[Session.Inputs.Count];
        foreach (var input in request.Inputs)
        {
            int index = Session.InputIndex(input.Name);
            if (index < 0)
                throw ProtocolException.BadRequest($"model '{Name}' has no input named '{input.Name}' (inputs: {string.Join(", ", Session.Inputs.Select(i => i.Name))})");
            var d = Session.Inputs[index];
            if (d.Kind != ValueKind.Tensor)
                throw ProtocolException.BadRequest($"input '{d.Name}' of model '{Name}' is {d.TypeName}, which the protocol cannot carry");
            if (d.ElementType != ElementType.Undefined && d.ElementType != input.Type)
                throw ProtocolException.BadRequest($"input '{d.Name}' of model '{Name}' has datatype {DataTypes.Describe(d)}, but the request gives {DataTypes.NameOf(input.Type)}");
            if (d.Dims is { } dims)
            {
                if (dims.Length != input.Shape.Length)
                    throw ProtocolException.BadRequest($"input '{d.Name}' of model '{Name}' has shape {d.ShapeText} (rank {dims.Length}), but the request gives {Tensor.ShapeText(input.Shape)}");
                for (int k = 0; k < dims.Length; k++)
                    if (dims[k] >= 0 && dims[k] != input.Shape[k])
                        throw ProtocolException.BadRequest($"input '{d.Name}' of model '{Name}' has shape {d.ShapeText}, but the request gives {Tensor.ShapeText(input.Shape)} (dimension {k} must be {dims[k]})");
            }
            inputs[index] = input.Value;
        }
        for (int i = 0; i < inputs.Length; i++)
            if (inputs[i] is null)
                throw ProtocolException.BadRequest($"input '{Session.Inputs[i].Name}' of model '{Name}' is missing from the request");

        int rows = 1;
        if (HasBatchDimension)
        {
            rows = ((Tensor)inputs[0]!).Shape[0];
            for (int i = 1; i < inputs.Length; i++)
                if (((Tensor)inputs[i]!).Shape[0] != rows)
                    throw ProtocolException.BadRequest($"inputs of model '{Name}' disagree on the batch (first) dimension: '{Session.Inputs[0].Name}' has {rows}, '{Session.Inputs[i].Name}' has {((Tensor)inputs[i]!).Shape[0]}");
            if (Config.MaxBatchSize > 0 && rows > Config.MaxBatchSize)
                throw ProtocolException.BadRequest($"the request's batch of {rows} rows is larger than model '{Name}''s max_batch_size {Config.MaxBatchSize}");
        }

        var wanted = new bool[Session.Outputs.Count];
        if (request.Outputs is null)
        {
            Array.Fill(wanted, true);
        }
        else
        {
            foreach (var output in request.Outputs)
            {
                int index = OutputIndex(output.Name);
                if (index < 0)
                    throw ProtocolException.BadRequest($"model '{Name}' has no output named '{output.Name}' (outputs: {string.Join(", ", Session.Outputs.Select(o => o.Name))})");
                wanted[index] = true;
            }
        }
        return new InferenceWork(inputs, rows, wanted);
    }

    public int OutputIndex(string name)
    {
        for (int i = 0; i < Session.Outputs.Count; i++)
            if (Session.Outputs[i].Name == name) return i;
        return -1;
    }

    public ValueTask<Value?[]> ExecuteAsync(InferenceWork work, CancellationToken cancellation) => _scheduler.ExecuteAsync(work, cancellation);

    /// <summary>
    /// Runs the model on zeros (symbolic dimensions as 1) so the first request pays no first-run costs, and times
    /// it for <see cref="IsQuick"/>.
    /// </summary>
    public void WarmUp()
    {
        var inputs = new Value?[Session.Inputs.Count];
        for (int i = 0; i < inputs.Length; i++)
        {
            var d = Session.Inputs[i];
            if (d.Kind != ValueKind.Tensor || !Tensor.IsSupported(d.ElementType)) return;
            int[] shape = d.Dims is null ? [1] : d.Dims.Select(x => x < 0 ? 1 : x).ToArray();
            inputs[i] = Tensor.Create(d.ElementType, shape);
        }
        for (int run = 0; run < 2; run++)
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            using (var result = Session.Run(inputs))
            {
                for (int i = 0; i < result.Count; i++) _ = result[i];
            }
            long ticks = System.Diagnostics.Stopwatch.GetTimestamp() - start;
            Volatile.Write(ref _warmUpTicks, ticks);
            // A second run only when the first, which also sized the buffers, was close to quick.
            if (ticks <= QuickExecutionTicks || ticks > 10 * QuickExecutionTicks) break;
        }
    }
}
