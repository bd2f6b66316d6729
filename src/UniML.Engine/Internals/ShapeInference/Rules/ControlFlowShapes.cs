using UniML.Onnx;

namespace UniML.Engine.Internals.ShapeInference.Rules;

/// <summary>
/// Control flow, from the inferred outputs of the compiled subgraphs: If gives what its two branches agree
/// on; Loop and Scan give a loop-carried value what its initial value and the body's output agree on (zero
/// iterations return the initial value), keeping the initial value's rank unless the body contradicts it;
/// a scan output is the body's per-iteration output stacked along a new axis — of unknown length for Loop,
/// of the scan inputs' length for Scan. Nothing is inferred for a subgraph that was not compiled.
/// </summary>
internal static class ControlFlowShapes
{
    public static IEnumerable<(string Op, ShapeRule Rule)> Rules()
    {
        yield return ("If", If);
        yield return ("Loop", Loop);
        yield return ("Scan", Scan);
    }

    static void If(ShapeContext node)
    {
        if (node.SubgraphOutputs("then_branch") is not { } then || node.SubgraphOutputs("else_branch") is not { } otherwise) return;
        for (int i = 0; i < node.OutputCount && i < then.Length && i < otherwise.Length; i++)
            node.SetOutput(i, Agree(node, then[i], otherwise[i]));
    }

    /// <summary>
    /// What two possible types of one value have in common: the kind and element type where equal, dims where
    /// the same (known or symbol), else fresh unknowns; the rank only where both know it and agree.
    /// </summary>
    static InferredType Agree(ShapeContext node, InferredType a, InferredType b)
    {
        if (a.Kind != b.Kind) return InferredType.Unknown;
        switch (a.Kind)
        {
            case ValueKind.Tensor:
                return InferredType.Tensor(a.Element == b.Element ? a.Element : ElementType.Undefined, AgreeDims(node, a.Dims, b.Dims));
            case ValueKind.Sequence:
                return InferredType.Sequence(Agree(node, a.Inner ?? InferredType.Unknown, b.Inner ?? InferredType.Unknown));
            case ValueKind.Optional:
                return InferredType.OptionalOf(Agree(node, a.Inner ?? InferredType.Unknown, b.Inner ?? InferredType.Unknown));
            case ValueKind.Map when a.MapKey == b.MapKey:
                return InferredType.Map(a.MapKey, Agree(node, a.Inner ?? InferredType.Unknown, b.Inner ?? InferredType.Unknown));
            default:
                return InferredType.Unknown;
        }
    }

    static Dim[]? AgreeDims(ShapeContext node, Dim[]? a, Dim[]? b)
    {
        if (a is null || b is null || a.Length != b.Length) return null;
        var dims = new Dim[a.Length];
        for (int i = 0; i < dims.Length; i++) dims[i] = a[i] == b[i] ? a[i] : node.Fresh();
        return dims;
    }

    /// <summary>
    /// A loop-carried value: what the initial value and the body's output agree on. Its type may not change
    /// between iterations (ONNX requires it), so the initial tensor's element type and rank stand unless the
    /// body contradicts them; a dim is known only where both say the same.
    /// </summary>
    static InferredType Carried(ShapeContext node, InferredType initial, InferredType body)
    {
        if (!initial.IsTensor || body.Kind != ValueKind.Unknown && !body.IsTensor) return Agree(node, initial, body);
        if (body.Kind == ValueKind.Unknown) body = InferredType.Tensor(ElementType.Undefined, null);
        var element = body.Element == ElementType.Undefined || body.Element == initial.Element ? initial.Element : ElementType.Undefined;
        Dim[]? dims;
        if (!initial.HasRank || body.HasRank && body.Rank != initial.Rank) dims = null;
        else dims = AgreeDims(node, initial.Dims, body.Dims ?? node.FreshDims(initial.Rank));
        return InferredType.Tensor(element, dims);
    }

    /// <summary>A body's per-iteration output stacked along a new axis of length <paramref name="length"/>.</summary>
    static InferredType Stacked(ShapeContext node, InferredType body, Dim length, long axis)
    {
        if (!body.IsTensor) return InferredType.Unknown;
        if (!body.HasRank || ShapeContext.Axis(axis, body.Rank + 1) is not { } at) return InferredType.Tensor(body.Element, null);
        var dims = new Dim[body.Rank + 1];
        for (int i = 0, k = 0; i < dims.Length; i++) dims[i] = i == at ? length : body.Dims![k++];
        return InferredType.Tensor(body.Element, dims);
    }

    /// <summary>Loop(M, cond, v_initial...): the body gives (cond, N loop-carried values, K scan outputs).</summary>
    static void Loop(ShapeContext node)
    {
        if (node.SubgraphOutputs("body") is not { } body) return;
        int carried = node.InputCount - 2;
        if (carried < 0 || body.Length != 1 + node.OutputCount) return;
        for (int i = 0; i < node.OutputCount; i++)
            node.SetOutput(i, i < carried ? Carried(node, node.Input(2 + i), body[1 + i]) : Stacked(node, body[1 + i], node.Fresh(), 0));
    }

    /// <summary>Scan (opset 9+): N states then M scan inputs; the body gives N states then K scan outputs.</summary>
    static void Scan(ShapeContext node)
    {
        if (node.Opset < 9 || node.SubgraphOutputs("body") is not { } body || body.Length != node.OutputCount) return;
        int scanInputs = (int)node.Int("num_scan_inputs", 0);
        int states = node.InputCount - scanInputs;
        if (scanInputs <= 0 || states < 0 || states > node.OutputCount) return;
        // The number of iterations: the first scan input's size along its scan axis (the kernel requires all to agree).
        var first = node.Input(states);
        var inputAxes = node.Ints("scan_input_axes");
        var length = first.HasRank && ShapeContext.Axis(inputAxes is { Length: > 0 } ? inputAxes[0] : 0, first.Rank) is { } axis ? first.Dims![axis] : node.Fresh();
        var outputAxes = node.Ints("scan_output_axes");
        for (int i = 0; i < node.OutputCount; i++)
        {
            if (i < states) node.SetOutput(i, Carried(node, node.Input(i), body[i]));
            else node.SetOutput(i, Stacked(node, body[i], length, outputAxes is { } a && a.Length == node.OutputCount - states ? a[i - states] : 0));
        }
    }
}
