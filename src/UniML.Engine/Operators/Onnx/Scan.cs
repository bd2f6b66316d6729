using UniML.Engine.Internals;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Scan (opset 9+): iterates the body over slices of the scan inputs along their axes (optionally reversed),
/// threading N state values; per-iteration scan outputs are stacked along their output axes.
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

    Scan(CompiledGraph body, int formal, int states, int scanInputs, int[] inputAxes, bool[] inputReverse, int[] outputAxes, bool[] outputReverse)
    {
        _body = body; _formal = formal; _states = states; _scanInputs = scanInputs;
        _inputAxes = inputAxes; _inputReverse = inputReverse; _outputAxes = outputAxes; _outputReverse = outputReverse;
    }

    public static Kernel Create(NodeInfo node)
    {
        var body = node.CompileSubgraph("body");
        int m = (int)node.GetInt("num_scan_inputs");
        int states = node.FormalInputCount - m;
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
        return new Scan(body, node.FormalInputCount, states, m,
            Ints("scan_input_axes", m), Ints("scan_input_directions", m).Select(d => d != 0).ToArray(),
            Ints("scan_output_axes", scanOutputs), Ints("scan_output_directions", scanOutputs).Select(d => d != 0).ToArray());
    }

    public override void Run(KernelContext context)
    {
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
            Subgraph.Stack(context, _states + k, parts[k], _outputAxes[k], _outputReverse[k], ElementType.Float);
    }
}
