using UniML.Engine.Internals;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// SequenceMap (opset 17): runs the body once per element of the input sequence; further inputs are
/// either sequences of the same length (element i is passed) or tensors (passed whole). Each body output
/// becomes an output sequence.
/// </summary>
internal sealed class SequenceMap : Kernel
{
    readonly CompiledGraph _body;
    readonly int _formal;

    SequenceMap(CompiledGraph body, int formal)
    {
        _body = body;
        _formal = formal;
    }

    public static Kernel Create(NodeInfo node)
    {
        var body = node.CompileSubgraph("body");
        if (body.OutputIds.Length != node.OutputCount) throw node.Invalid($"the body has {body.OutputIds.Length} outputs for {node.OutputCount} node outputs");
        return new SequenceMap(body, node.FormalInputCount);
    }

    public override void Run(KernelContext context)
    {
        var first = Sequence.Input(context, 0);
        int n = first.Items.Count;
        var inputs = new Value?[_formal];
        var outputs = new Value?[_body.OutputIds.Length];
        var results = new List<Value>[outputs.Length];
        for (int k = 0; k < results.Length; k++) results[k] = new List<Value>(n);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < _formal; j++)
            {
                var v = context.InputValue(j);
                if (v is SequenceValue s)
                {
                    if (s.Items.Count != n) throw new InferenceException($"input sequence {j} has {s.Items.Count} elements, the first has {n}");
                    inputs[j] = s.Items[i];
                }
                else inputs[j] = v;
            }
            Subgraph.Run(_body, context, _formal, inputs, outputs);
            for (int k = 0; k < outputs.Length; k++)
                results[k].Add(outputs[k] ?? throw new InferenceException($"body output {k} is missing"));
        }
        for (int k = 0; k < results.Length; k++)
            context.SetOutput(k, new SequenceValue(results[k], results[k].Count > 0 ? results[k][0].TypeName : "tensor(float)"));
    }
}
