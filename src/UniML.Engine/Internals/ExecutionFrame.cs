using UniML.Engine.Operators;
using UniML.Onnx;

namespace UniML.Engine.Internals;

/// <summary>
/// The memory of one in-flight run of a compiled graph: values by id, planned byte buffers shared by
/// values whose lifetimes do not overlap, and reusable tensor objects. Frames are pooled per graph;
/// after the first runs at a given shape, a run allocates nothing.
/// </summary>
internal sealed class ExecutionFrame
{
    readonly CompiledGraph _graph;
    readonly byte[][] _buffers;
    readonly Tensor?[] _ownTensors;
    readonly string[]?[] _stringStores;
    byte[][] _scratch = [];

    public ExecutionFrame(CompiledGraph graph)
    {
        _graph = graph;
        Values = new Value?[graph.ValueCount];
        _buffers = new byte[graph.BufferCount][];
        for (int i = 0; i < _buffers.Length; i++) _buffers[i] = [];
        _ownTensors = new Tensor?[graph.ValueCount];
        _stringStores = new string[]?[graph.ValueCount];
        StepState = new object?[graph.Steps.Length];
        Context = new KernelContext(this);
        graph.Constants.CopyTo(Values, 0);
    }

    public Value?[] Values { get; }
    public KernelContext Context { get; }
    public object?[] StepState { get; }

    /// <summary>Incremented each time the frame goes back to the pool, so a stale result cannot return it twice.</summary>
    public int Generation;

    public Tensor BindOutput(int id, ElementType type, ReadOnlySpan<int> shape)
    {
        if (id < 0)
        {
            // An output nobody reads and the node names no value for: give it throwaway storage.
            return Tensor.Create(type, shape);
        }
        var tensor = _ownTensors[id] ??= Tensor.Empty(type);
        if (type != ElementType.String && tensor.Type == type && tensor.Shape.SequenceEqual(shape))
        {
            // Same type and shape as this value's last binding, on the same planned buffer: nothing to redo
            // (the common case from the second run on, and what keeps small graphs' per-step cost low).
            int planned = _graph.BufferOf[id];
            if (planned >= 0 && ReferenceEquals(tensor.Storage, _buffers[planned]))
            {
                Values[id] = tensor;
                return tensor;
            }
        }
        long count = Tensor.CheckedCount(shape);
        if (type == ElementType.String)
        {
            var store = _stringStores[id];
            if (store is null || store.Length < count)
                _stringStores[id] = store = new string[count];
            tensor.Bind(type, store, shape);
        }
        else
        {
            long bytes = count * Tensor.ElementSize(type);
            int b = _graph.BufferOf[id];
            byte[] buffer;
            if (b < 0)
                buffer = new byte[bytes];
            else
            {
                buffer = _buffers[b];
                if (buffer.Length < bytes)
                    _buffers[b] = buffer = new byte[Math.Max(bytes, Math.Min((long)buffer.Length * 3 / 2, int.MaxValue))];
            }
            tensor.Bind(type, buffer, shape);
        }
        Values[id] = tensor;
        return tensor;
    }

    public byte[] Scratch(int slot, int bytes)
    {
        if (slot >= _scratch.Length)
        {
            var grown = new byte[slot + 1][];
            _scratch.CopyTo(grown, 0);
            for (int i = _scratch.Length; i < grown.Length; i++) grown[i] = [];
            _scratch = grown;
        }
        if (_scratch[slot].Length < bytes)
            _scratch[slot] = new byte[bytes];
        return _scratch[slot];
    }

    /// <summary>Drops references to the caller's inputs and to values of the finished run (constants stay).</summary>
    public void Clear()
    {
        var constants = _graph.Constants;
        for (int i = 0; i < Values.Length; i++)
            Values[i] = constants[i];
    }
}
