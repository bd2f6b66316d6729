using UniML.Engine.Internals;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Scan (opset 9+): iterates the body over slices of the scan inputs along their axes (optionally reversed),
/// threading N state values; per-iteration scan outputs are stacked along their output axes.
/// Scan-8 has a leading batch axis instead: input 0 is the optional sequence_lens [batch], states are
/// [batch, ...] and scan inputs [batch, max_seq_len, ...] (directions reverse scan inputs). Each batch entry
/// runs its own loop over its first sequence_lens[b] steps; scan outputs are [batch, max_seq_len, ...],
/// in iteration order, zero past each entry's length (as ONNX Runtime pads them).
/// </summary>
internal sealed class Scan : Kernel
{
    readonly CompiledGraph _body;
    readonly int _formal;
    readonly int _states;
    readonly int _scanInputs;
    readonly int[] _inputAxes;
    readonly bool[] _inputReverse;
    readonly int[] _outputAxes;
    readonly bool[] _outputReverse;
    readonly bool _batched; // Scan-8: input 0 is sequence_lens, axis 0 of every input and output is the batch

    Scan(CompiledGraph body, int formal, int states, int scanInputs, int[] inputAxes, bool[] inputReverse, int[] outputAxes, bool[] outputReverse, bool batched)
    {
        _body = body; _formal = formal; _states = states; _scanInputs = scanInputs;
        _inputAxes = inputAxes; _inputReverse = inputReverse; _outputAxes = outputAxes; _outputReverse = outputReverse; _batched = batched;
    }

    public static Kernel Create(NodeInfo node)
    {
        var body = node.CompileSubgraph("body");
        int m = (int)node.GetInt("num_scan_inputs");
        bool batched = node.Opset < 9;
        int states = node.FormalInputCount - m - (batched ? 1 : 0);
        if (m <= 0 || states < 0) throw node.Invalid($"num_scan_inputs {m} does not fit {node.FormalInputCount} inputs");
        int scanOutputs = node.OutputCount - states;
        if (scanOutputs < 0 || body.OutputIds.Length != states + scanOutputs)
            throw node.Invalid($"the body has {body.OutputIds.Length} outputs, expected {states} states + {scanOutputs} scan outputs");
        int[] Ints(string name, int count)
        {
            var v = node.GetInts(name);
            if (v is null) return new int[count];
            if (v.Length != count) throw node.Invalid($"{name} has {v.Length} values, expected {count}");
            return v.Select(x => (int)x).ToArray();
        }
        if (batched)
        {
            if (node.Has("scan_input_axes") || node.Has("scan_output_axes") || node.Has("scan_input_directions") || node.Has("scan_output_directions"))
                throw node.Invalid("Scan-8 has no scan_input/output axes or directions attributes (use 'directions')");
            return new Scan(body, node.FormalInputCount, states, m, new int[m], Ints("directions", m).Select(d => d != 0).ToArray(),
                new int[scanOutputs], new bool[scanOutputs], batched: true);
        }
        return new Scan(body, node.FormalInputCount, states, m,
            Ints("scan_input_axes", m), Ints("scan_input_directions", m).Select(d => d != 0).ToArray(),
            Ints("scan_output_axes", scanOutputs), Ints("scan_output_directions", scanOutputs).Select(d => d != 0).ToArray(), batched: false);
    }

    public override void Run(KernelContext context)
    {
        if (_batched)
        {
            RunBatched(context);
            return;
        }
        int scanOutputs = _outputAxes.Length;
        var scanInputs = new Tensor[_scanInputs];
        var axes = new int[_scanInputs];
        int length = -1;
        for (int j = 0; j < _scanInputs; j++)
        {
            var t = context.Input(_states + j);
            int axis = _inputAxes[j] < 0 ? _inputAxes[j] + t.Rank : _inputAxes[j];
            if (axis < 0 || axis >= t.Rank) throw new InferenceException($"scan input {j}: axis {_inputAxes[j]} is out of range for {t.ShapeString}");
            if (length >= 0 && t.Shape[axis] != length) throw new InferenceException($"scan inputs have different lengths ({length} and {t.Shape[axis]})");
            length = t.Shape[axis];
            scanInputs[j] = t;
            axes[j] = axis;
        }
        var inputs = new Value?[_states + _scanInputs];
        for (int i = 0; i < _states; i++) inputs[i] = context.InputValue(i);
        var outputs = new Value?[_states + scanOutputs];
        var parts = new List<Tensor>[scanOutputs];
        for (int k = 0; k < scanOutputs; k++) parts[k] = new List<Tensor>(Math.Max(length, 0));
        for (int t = 0; t < length; t++)
        {
            for (int j = 0; j < _scanInputs; j++)
                inputs[_states + j] = Subgraph.Slice(scanInputs[j], axes[j], _inputReverse[j] ? length - 1 - t : t);
            Subgraph.Run(_body, context, _formal, inputs, outputs);
            for (int i = 0; i < _states; i++) inputs[i] = outputs[i];
            for (int k = 0; k < scanOutputs; k++)
                parts[k].Add(outputs[_states + k] as Tensor ?? throw new InferenceException($"scan output {k} is not a tensor"));
        }
        for (int i = 0; i < _states; i++) Subgraph.SetOutput(context, i, inputs[i]);
        for (int k = 0; k < scanOutputs; k++)
            Subgraph.StackScanOutput(context, _states + k, parts[k], _outputAxes[k], _outputReverse[k], _body, _states + k);
    }

    /// <summary>Scan-8: one independent loop per batch entry, each over its own sequence length.</summary>
    void RunBatched(KernelContext context)
    {
        int scanOutputs = _outputAxes.Length;
        var lengths = context.OptionalInput(0);
        // Inputs after sequence_lens: states, then scan inputs.
        Tensor Formal(int i) => context.Input(1 + i);
        int batch = -1, maxLength = -1;
        for (int i = 0; i < _states + _scanInputs; i++)
        {
            var t = Formal(i);
            bool scanInput = i >= _states;
            if (t.Rank < (scanInput ? 2 : 1))
                throw new InferenceException($"Scan-8 {(scanInput ? "scan input" : "state")} {t.ShapeString} lacks the batch{(scanInput ? " and sequence axes" : " axis")}");
            if (batch >= 0 && t.Shape[0] != batch) throw new InferenceException($"Scan-8 inputs have different batch sizes ({batch} and {t.Shape[0]})");
            batch = t.Shape[0];
            if (scanInput)
            {
                if (maxLength >= 0 && t.Shape[1] != maxLength) throw new InferenceException($"Scan-8 scan inputs have different lengths ({maxLength} and {t.Shape[1]})");
                maxLength = t.Shape[1];
            }
        }
        if (lengths is not null && (lengths.Rank != 1 || lengths.Length != batch || lengths.Type is not (ElementType.Int64 or ElementType.Int32)))
            throw new InferenceException($"Scan-8 sequence_lens must be int64 [{batch}], got {lengths.TypeName} {lengths.ShapeString}");

        var inputs = new Value?[_states + _scanInputs];
        var outputs = new Value?[_states + scanOutputs];
        var sequences = new Tensor[_scanInputs];
        var finalStates = new List<Tensor>[_states];
        for (int i = 0; i < _states; i++) finalStates[i] = new List<Tensor>(batch);
        var steps = new List<Tensor>[batch, scanOutputs];
        for (int b = 0; b < batch; b++)
        {
            long length = lengths is null ? maxLength : lengths.Type == ElementType.Int64 ? lengths.Span<long>()[b] : lengths.Span<int>()[b];
            if (length < 0 || length > maxLength) throw new InferenceException($"Scan-8 sequence_lens[{b}] = {length} is outside [0, {maxLength}]");
            for (int i = 0; i < _states; i++) inputs[i] = Subgraph.Slice(Formal(i), 0, b);
            for (int j = 0; j < _scanInputs; j++) sequences[j] = Subgraph.Slice(Formal(_states + j), 0, b);
            for (int k = 0; k < scanOutputs; k++) steps[b, k] = new List<Tensor>((int)length);
            for (int t = 0; t < length; t++)
            {
                for (int j = 0; j < _scanInputs; j++)
                    inputs[_states + j] = Subgraph.Slice(sequences[j], 0, _inputReverse[j] ? (int)length - 1 - t : t);
                Subgraph.Run(_body, context, _formal, inputs, outputs);
                for (int i = 0; i < _states; i++) inputs[i] = outputs[i];
                for (int k = 0; k < scanOutputs; k++)
                    steps[b, k].Add(outputs[_states + k] as Tensor ?? throw new InferenceException($"scan output {k} is not a tensor"));
            }
            for (int i = 0; i < _states; i++)
                finalStates[i].Add(inputs[i] as Tensor ?? throw new InferenceException($"state {i} is not a tensor"));
        }
        for (int i = 0; i < _states; i++) Subgraph.Stack(context, i, finalStates[i], 0, false, Formal(i).Type);
        for (int k = 0; k < scanOutputs; k++) WritePadded(context, _states + k, steps, k, batch, maxLength);
    }

    /// <summary>Writes scan output <paramref name="k"/> as [batch, maxLength, ...], zero (or empty strings) past each entry's steps.</summary>
    static void WritePadded(KernelContext context, int index, List<Tensor>[,] steps, int k, int batch, int maxLength)
    {
        Tensor? first = null;
        for (int b = 0; b < batch && first is null; b++)
            if (steps[b, k].Count > 0) first = steps[b, k][0];
        if (first is null)
        {
            if (maxLength > 0 && batch > 0)
                throw new InferenceException($"Scan-8 scan output {k}: every sequence length is 0, so the shape of a step is unknown");
            context.Output(index, ElementType.Float, [batch, maxLength]);
            return;
        }
        Span<int> shape = stackalloc int[first.Rank + 2];
        shape[0] = batch;
        shape[1] = maxLength;
        first.Shape.CopyTo(shape[2..]);
        var y = context.Output(index, first.Type, shape);
        int step = first.Length;
        if (first.Type == ElementType.String) y.Strings().Fill(string.Empty);
        else y.Bytes().Clear();
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < steps[b, k].Count; t++)
            {
                var part = steps[b, k][t];
                if (part.Type != first.Type || !part.Shape.SequenceEqual(first.Shape))
                    throw new InferenceException($"scan outputs differ between iterations: {first.TypeName} {first.ShapeString} vs {part.TypeName} {part.ShapeString}");
                int at = (b * maxLength + t) * step;
                if (first.Type == ElementType.String) part.Strings().CopyTo(y.Strings().Slice(at, step));
                else
                {
                    int size = Tensor.ElementSize(first.Type);
                    part.Bytes().CopyTo(y.Bytes().Slice(at * size, step * size));
                }
            }
    }
}
