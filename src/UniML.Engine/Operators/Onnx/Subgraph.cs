using UniML.Engine.Internals;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Runs a compiled subgraph (If/Loop/Scan/SequenceMap body) for one call: formal inputs, then the node's
/// captured outer-scope values, in the order the subgraph was compiled with.
/// </summary>
internal static class Subgraph
{
    /// <summary>Runs <paramref name="graph"/> and returns copies of its outputs (the frame's buffers go back to the pool).</summary>
    public static void Run(CompiledGraph graph, KernelContext context, int formalInputCount, ReadOnlySpan<Value?> formal, Span<Value?> outputs)
    {
        if (formal.Length + (context.InputCount - formalInputCount) != graph.InputIds.Length)
            throw new InferenceException($"the subgraph takes {graph.InputIds.Length - (context.InputCount - formalInputCount)} inputs, got {formal.Length}");
        if (outputs.Length != graph.OutputIds.Length)
            throw new InferenceException($"the subgraph has {graph.OutputIds.Length} outputs, expected {outputs.Length}");
        var frame = graph.Rent();
        try
        {
            for (int i = 0; i < formal.Length; i++) frame.Values[graph.InputIds[i]] = formal[i];
            for (int i = formalInputCount; i < context.InputCount; i++)
                frame.Values[graph.InputIds[formal.Length + i - formalInputCount]] = context.InputValue(i);
            graph.Execute(frame);
            for (int i = 0; i < outputs.Length; i++)
            {
                var v = frame.Values[graph.OutputIds[i]];
                outputs[i] = v is null ? null : InferenceResult.Copy(v);
            }
        }
        finally
        {
            graph.Return(frame);
        }
    }

    /// <summary>Sets output <paramref name="index"/> to a copy of <paramref name="value"/> (tensors into the planned buffer).</summary>
    public static void SetOutput(KernelContext context, int index, Value? value)
    {
        if (value is Tensor t) CopyTensor(context, index, t);
        else context.SetOutput(index, value is null ? null : InferenceResult.Copy(value));
    }

    public static Tensor CopyTensor(KernelContext context, int index, Tensor t)
    {
        var y = context.Output(index, t.Type, t.Shape);
        if (t.Type == ElementType.String) t.Strings().CopyTo(y.Strings());
        else t.Bytes().CopyTo(y.Bytes());
        return y;
    }

    /// <summary>The tensor at <paramref name="index"/> along <paramref name="axis"/>, with that axis removed (a new tensor).</summary>
    public static Tensor Slice(Tensor t, int axis, int index)
    {
        var shape = t.Shape;
        Span<int> outShape = stackalloc int[shape.Length - 1];
        int outer = 1, inner = 1;
        for (int i = 0, k = 0; i < shape.Length; i++)
        {
            if (i == axis) continue;
            outShape[k++] = shape[i];
            if (i < axis) outer *= shape[i]; else inner *= shape[i];
        }
        var result = Tensor.Create(t.Type, outShape);
        int n = shape[axis];
        if (t.Type == ElementType.String)
        {
            var s = t.Strings(); var d = result.Strings();
            for (int o = 0; o < outer; o++) s.Slice((o * n + index) * inner, inner).CopyTo(d.Slice(o * inner, inner));
        }
        else
        {
            int size = Tensor.ElementSize(t.Type);
            var s = t.Bytes(); var d = result.Bytes();
            for (int o = 0; o < outer; o++) s.Slice((o * n + index) * inner * size, inner * size).CopyTo(d.Slice(o * inner * size, inner * size));
        }
        return result;
    }

    /// <summary>
    /// Stacks a Loop's or Scan's per-iteration scan output <paramref name="bodyOutput"/> into output
    /// <paramref name="outputIndex"/>. After zero iterations there is nothing to stack: the empty result takes the
    /// element type and dims the body's output was inferred to have, with 0 on the new axis (a dim not known at
    /// load time is 0 too: the tensor has no elements either way); when even its type or rank is unknown, that is
    /// an error rather than a guess.
    /// </summary>
    public static void StackScanOutput(KernelContext context, int outputIndex, List<Tensor> parts, int axis, bool reverse, CompiledGraph body, int bodyOutput)
    {
        if (parts.Count > 0)
        {
            Stack(context, outputIndex, parts, axis, reverse, parts[0].Type);
            return;
        }
        int id = body.OutputIds[bodyOutput];
        var type = id < body.ValueTypes.Length ? body.ValueTypes[id] : null;
        if (type is not { IsTensor: true, Dims: { } dims } || type.Element == ElementType.Undefined || !Tensor.IsSupported(type.Element))
            throw new InferenceException($"zero iterations, and the type and rank of the body's output '{body.OutputNames[bodyOutput]}' are not known, so the empty scan output's cannot be given");
        if (axis < 0) axis += dims.Length + 1;
        if (axis < 0 || axis > dims.Length) throw new InferenceException($"axis {axis} is out of range for rank {dims.Length + 1}");
        var shape = new int[dims.Length + 1];
        for (int i = 0, k = 0; i < shape.Length; i++)
        {
            if (i == axis) continue; // 0: no iterations
            var d = dims[k++];
            shape[i] = d.IsKnown ? (int)d.Value : 0;
        }
        context.Output(outputIndex, type.Element, shape);
    }

    /// <summary>Stacks equally shaped parts along a new <paramref name="axis"/> into output <paramref name="outputIndex"/>.</summary>
    public static void Stack(KernelContext context, int outputIndex, List<Tensor> parts, int axis, bool reverse, ElementType emptyType)
    {
        if (parts.Count == 0)
        {
            context.Output(outputIndex, emptyType, [0]);
            return;
        }
        var first = parts[0];
        var shape = first.Shape;
        if (axis < 0) axis += shape.Length + 1;
        if (axis < 0 || axis > shape.Length) throw new InferenceException($"axis {axis} is out of range for rank {shape.Length + 1}");
        Span<int> outShape = stackalloc int[shape.Length + 1];
        int outer = 1, inner = 1;
        for (int i = 0, k = 0; i <= shape.Length; i++)
        {
            if (i == axis) { outShape[i] = parts.Count; continue; }
            outShape[i] = shape[k];
            if (i < axis) outer *= shape[k]; else inner *= shape[k];
            k++;
        }
        foreach (var p in parts)
            if (!p.Shape.SequenceEqual(shape) || p.Type != first.Type)
                throw new InferenceException($"scan outputs differ between iterations: {first.TypeName} {first.ShapeString} vs {p.TypeName} {p.ShapeString}");
        var y = context.Output(outputIndex, first.Type, outShape);
        int n = parts.Count;
        for (int j = 0; j < n; j++)
        {
            var part = parts[reverse ? n - 1 - j : j];
            if (first.Type == ElementType.String)
            {
                var s = part.Strings(); var d = y.Strings();
                for (int o = 0; o < outer; o++) s.Slice(o * inner, inner).CopyTo(d.Slice((o * n + j) * inner, inner));
            }
            else
            {
                int size = Tensor.ElementSize(first.Type);
                var s = part.Bytes(); var d = y.Bytes();
                for (int o = 0; o < outer; o++) s.Slice(o * inner * size, inner * size).CopyTo(d.Slice((o * n + j) * inner * size, inner * size));
            }
        }
    }

    public static bool Bool(Tensor t, string what)
    {
        if (t.Length != 1) throw new InferenceException($"{what} must have one element, got shape {t.ShapeString}");
        return t.Type switch
        {
            ElementType.Bool => t.Span<bool>()[0],
            _ => throw new InferenceException($"{what} must be bool, got {t.TypeName}"),
        };
    }
}
