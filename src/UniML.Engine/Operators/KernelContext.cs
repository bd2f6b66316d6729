using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using UniML.Engine.Internals;
using UniML.Onnx;

namespace UniML.Engine.Operators;

/// <summary>
/// A kernel's view of one run: its input values and planned output buffers. One context per execution
/// frame, re-pointed at each step, so running allocates nothing once buffers have reached their size.
/// </summary>
internal sealed class KernelContext
{
    readonly ExecutionFrame _frame;
    Step _step = null!;

    public KernelContext(ExecutionFrame frame) => _frame = frame;

    internal void Enter(Step step) => _step = step;

    public int InputCount => _step.Inputs.Length;
    public int OutputCount => _step.Outputs.Length;

    /// <summary>True when input <paramref name="index"/> was given (optional inputs may be absent or empty names).</summary>
    public bool HasInput(int index) => index < _step.Inputs.Length && _step.Inputs[index] >= 0 && _frame.Values[_step.Inputs[index]] is not null;

    public Tensor Input(int index)
    {
        if (index >= _step.Inputs.Length || _step.Inputs[index] < 0)
            ThrowMissing(index);
        var value = _frame.Values[_step.Inputs[index]];
        if (value is Tensor t) return t;
        return ThrowNotTensor(index, value);
    }

    public Tensor? OptionalInput(int index)
    {
        if (index >= _step.Inputs.Length || _step.Inputs[index] < 0) return null;
        var value = _frame.Values[_step.Inputs[index]];
        return value as Tensor ?? (value is null ? null : ThrowNotTensor(index, value));
    }

    public Value? InputValue(int index) =>
        index < _step.Inputs.Length && _step.Inputs[index] >= 0 ? _frame.Values[_step.Inputs[index]] : null;

    /// <summary>True when a later step or the graph's outputs read output <paramref name="index"/>.</summary>
    public bool IsOutputUsed(int index) => index < _step.Outputs.Length && _step.Outputs[index] >= 0 && _step.OutputUsed[index];

    /// <summary>Binds output <paramref name="index"/> to its planned buffer with the given type and shape.</summary>
    public Tensor Output(int index, ElementType type, ReadOnlySpan<int> shape) => _frame.BindOutput(_step.Outputs[index], type, shape);

    /// <summary>Output with the same shape as <paramref name="like"/>.</summary>
    public Tensor Output(int index, ElementType type, Tensor like) => _frame.BindOutput(_step.Outputs[index], type, like.Shape);

    /// <summary>
    /// Sets a non-tensor output (sequence, map) or a tensor the kernel allocated itself. Never pass an
    /// input tensor (or put one in a sequence) without cloning it: its planned buffer is reused once
    /// the input is dead, which would corrupt the output.
    /// </summary>
    public void SetOutput(int index, Value? value)
    {
        int id = _step.Outputs[index];
        if (id >= 0) _frame.Values[id] = value;
    }

    /// <summary>Per-frame scratch memory for this step (contents undefined), reused across runs.</summary>
    public Span<T> Scratch<T>(int count, int slot = 0) where T : unmanaged
    {
        var bytes = _frame.Scratch(slot, count * Unsafe.SizeOf<T>());
        return MemoryMarshal.Cast<byte, T>(bytes.AsSpan(0, count * Unsafe.SizeOf<T>()));
    }

    /// <summary>The frame cache of a kernel (e.g. a subgraph's frame), keyed by the step.</summary>
    public ref object? StepState => ref _frame.StepState[_step.Index];

    [MethodImpl(MethodImplOptions.NoInlining)]
    void ThrowMissing(int index) => throw new InferenceException($"{_step.Label}: required input {index} is missing");

    [MethodImpl(MethodImplOptions.NoInlining)]
    Tensor ThrowNotTensor(int index, Value? value) =>
        throw new InferenceException($"{_step.Label}: input {index} is {(value is null ? "absent" : value.TypeName)}, expected a tensor");
}
