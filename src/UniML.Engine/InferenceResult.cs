using UniML.Engine.Internals;

namespace UniML.Engine;

/// <summary>
/// The outputs of one run, in <see cref="InferenceSession.Outputs"/> order. They live in the run's
/// pooled buffers until <see cref="Dispose"/>; use <see cref="Detach"/> for a copy that outlives it.
/// </summary>
public readonly struct InferenceResult : IDisposable
{
    readonly CompiledGraph _graph;
    readonly ExecutionFrame _frame;
    readonly int _generation;

    internal InferenceResult(CompiledGraph graph, ExecutionFrame frame)
    {
        _graph = graph;
        _frame = frame;
        _generation = frame.Generation;
    }

    public int Count => _graph.OutputIds.Length;

    /// <summary>Output <paramref name="index"/>; throws if it has no value (see <see cref="GetOptional"/>).</summary>
    public Value this[int index] =>
        GetOptional(index) ?? throw new InferenceException($"output '{_graph.OutputNames[index]}' has no value");

    /// <summary>Output <paramref name="index"/>, or null for an optional output without an element.</summary>
    public Value? GetOptional(int index)
    {
        if (_frame.Generation != _generation)
            throw new ObjectDisposedException(nameof(InferenceResult), "the result was disposed; its buffers belong to another run now");
        return _frame.Values[_graph.OutputIds[index]];
    }

    /// <summary>A copy of output <paramref name="index"/> that owns its memory (null for an empty optional).</summary>
    public Value? Detach(int index) => Copy(GetOptional(index));

    internal static Value? Copy(Value? value) => value switch
    {
        Tensor t => t.Clone(),
        SequenceValue s => new SequenceValue(s.Items.Select(v => Copy(v)!).ToList(), s.ElementTypeName),
        MapValue m => new MapValue(m.Keys.Clone(), m.Values.Clone()),
        _ => value,
    };

    public void Dispose()
    {
        if (_frame is not null && _frame.Generation == _generation)
            _graph.Return(_frame);
    }
}
