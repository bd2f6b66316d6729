using UniML.Engine.Internals;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Loop: runs the body while the trip count (M) and condition allow. Body inputs are (iteration, cond,
/// carried...), outputs (cond, carried..., scan outputs...); scan outputs are stacked along a new axis 0.
/// </summary>
internal sealed class Loop : Kernel
{
    readonly CompiledGraph _body;
    readonly int _formal;
    readonly int _carried;
    readonly int _scans;

    Loop(CompiledGraph body, int formal, int carried, int scans)
    {
        _body = body;
        _formal = formal;
        _carried = carried;
        _scans = scans;
    }

    public static Kernel Create(NodeInfo node)
    {
        var body = node.CompileSubgraph("body");
        int carried = node.FormalInputCount - 2;
        if (carried < 0) throw node.Invalid("Loop needs the inputs M and cond (either may be empty)");
        int scans = node.OutputCount - carried;
        if (scans < 0 || body.OutputIds.Length != 1 + carried + scans)
            throw node.Invalid($"the body has {body.OutputIds.Length} outputs, expected 1 + {carried} carried + scan outputs");
        return new Loop(body, node.FormalInputCount, carried, scans);
    }

    public override void Run(KernelContext context)
    {
        long max = long.MaxValue;
        if (context.OptionalInput(0) is { } m)
        {
            if (m.Length != 1 || m.Type != ElementType.Int64) throw new InferenceException($"M must be one int64, got {m.TypeName} {m.ShapeString}");
            max = m.Span<long>()[0];
        }
        bool condition = context.OptionalInput(1) is not { } c || Subgraph.Bool(c, "cond");
        var carried = new Value?[_carried];
        for (int i = 0; i < _carried; i++) carried[i] = context.InputValue(2 + i);
        var scans = new List<Tensor>[_scans];
        for (int i = 0; i < _scans; i++) scans[i] = new List<Tensor>();

        var inputs = new Value?[2 + _carried];
        var outputs = new Value?[1 + _carried + _scans];
        for (long iteration = 0; iteration < max && condition; iteration++)
        {
            inputs[0] = Tensor.Scalar(iteration);
            inputs[1] = Tensor.Scalar(condition);
            carried.CopyTo(inputs, 2);
            Subgraph.Run(_body, context, _formal, inputs, outputs);
            condition = outputs[0] is Tensor next ? Subgraph.Bool(next, "the body's condition output") : throw new InferenceException("the body's condition output is missing");
            for (int i = 0; i < _carried; i++) carried[i] = outputs[1 + i];
            for (int i = 0; i < _scans; i++)
                scans[i].Add(outputs[1 + _carried + i] as Tensor ?? throw new InferenceException($"scan output {i} is not a tensor"));
        }
        for (int i = 0; i < _carried; i++) Subgraph.SetOutput(context, i, carried[i]);
        for (int i = 0; i < _scans; i++) Subgraph.StackScanOutput(context, _carried + i, scans[i], 0, false, _body, 1 + _carried + i);
    }
}
