using UniML.Engine.Internals.ShapeInference;
using UniML.Engine.Operators;

namespace UniML.Engine.Internals;

/// <summary>
/// A graph compiled into an execution plan: steps in topological order, constants folded, and a buffer
/// assignment that lets values with disjoint lifetimes share memory. Immutable and shared by all runs;
/// the mutable state of a run lives in an <see cref="ExecutionFrame"/> taken from this graph's pool.
/// </summary>
internal sealed class CompiledGraph
{
    readonly object _poolLock = new();
    ExecutionFrame[] _pool = new ExecutionFrame[4];
    int _pooled;

    public required string[] ValueNames { get; init; }
    public required Value?[] Constants { get; init; }
    public required Step[] Steps { get; init; }
    public required int[] InputIds { get; init; }
    public required int[] OutputIds { get; init; }
    public required int[] BufferOf { get; init; }
    public required int BufferCount { get; init; }

    /// <summary>Names of the graph's inputs, in order (formal inputs, then captured outer-scope names for subgraphs).</summary>
    public required string[] InputNames { get; init; }
    public required string[] OutputNames { get; init; }

    /// <summary>What load-time shape inference knows about each value (by id); empty for the throwaway graphs of constant folding.</summary>
    public InferredType[] ValueTypes { get; init; } = [];

    public int ValueCount => ValueNames.Length;

    public ExecutionFrame Rent()
    {
        lock (_poolLock)
        {
            if (_pooled > 0)
            {
                var frame = _pool[--_pooled];
                _pool[_pooled] = null!;
                return frame;
            }
        }
        return new ExecutionFrame(this);
    }

    public void Return(ExecutionFrame frame)
    {
        frame.Clear();
        frame.Generation++;
        lock (_poolLock)
        {
            if (_pooled == _pool.Length)
                Array.Resize(ref _pool, _pool.Length * 2);
            _pool[_pooled++] = frame;
        }
    }

    /// <summary>Runs every step on a frame whose input values are already set.</summary>
    public void Execute(ExecutionFrame frame)
    {
        var context = frame.Context;
        var steps = Steps;
        int i = 0;
        try
        {
            for (; i < steps.Length; i++)
            {
                context.Enter(steps[i]);
                steps[i].Kernel.Run(context);
            }
        }
        catch (InferenceException e) when (i < steps.Length && !e.Message.StartsWith(steps[i].Label, StringComparison.Ordinal))
        {
            throw new InferenceException($"{steps[i].Label}: {e.Message}", e);
        }
        catch (Exception e) when (e is not InferenceException && e is not OutOfMemoryException && i < steps.Length)
        {
            throw new InferenceException($"{steps[i].Label}: {e.Message}", e);
        }
    }
}
