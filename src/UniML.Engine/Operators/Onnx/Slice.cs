using UniML.Engine.Primitives;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Slice: starts/ends/axes as attributes (opset 1) or starts/ends/axes/steps as inputs (opset 10+).
/// Bounds are clamped as the specification says (negative steps included), and the result is a strided
/// copy of the input.
/// </summary>
internal sealed class Slice(long[]? starts, long[]? ends, long[]? axes) : ElementMoveKernel
{
    public static Kernel Create(NodeInfo node)
    {
        if (node.Opset >= 10) return new Slice(null, null, null);
        var s = node.GetInts("starts") ?? throw node.Invalid("attribute 'starts' is required");
        var e = node.GetInts("ends") ?? throw node.Invalid("attribute 'ends' is required");
        var a = node.GetInts("axes");
        if (s.Length != e.Length || (a is not null && a.Length != s.Length))
            throw node.Invalid("starts, ends and axes must have the same length");
        return new Slice(s, e, a);
    }

    protected override void Run<T>(KernelContext context)
    {
        var x = context.Input(0);
        int rank = x.Rank;
        int n = starts?.Length ?? context.Input(1).Length;
        Span<long> s = stackalloc long[n], e = stackalloc long[n], ax = stackalloc long[n], st = stackalloc long[n];
        if (starts is not null)
        {
            starts.CopyTo(s);
            ends!.CopyTo(e);
            if (axes is not null) axes.CopyTo(ax); else for (int i = 0; i < n; i++) ax[i] = i;
            st.Fill(1);
        }
        else
        {
            ShapeInputs.ReadInt64(context.Input(1), s);
            var endInput = context.Input(2);
            if (endInput.Length != n) throw new InferenceException($"starts has {n} entries, ends {endInput.Length}");
            ShapeInputs.ReadInt64(endInput, e);
            if (context.OptionalInput(3) is { } axesInput)
            {
                if (axesInput.Length != n) throw new InferenceException($"starts has {n} entries, axes {axesInput.Length}");
                ShapeInputs.ReadInt64(axesInput, ax);
            }
            else for (int i = 0; i < n; i++) ax[i] = i;
            if (context.OptionalInput(4) is { } stepsInput)
            {
                if (stepsInput.Length != n) throw new InferenceException($"starts has {n} entries, steps {stepsInput.Length}");
                ShapeInputs.ReadInt64(stepsInput, st);
            }
            else st.Fill(1);
        }

        Span<long> inStrides = stackalloc long[rank];
        StridedCopy.DenseStrides(x.Shape, inStrides);
        Span<int> shape = stackalloc int[rank];
        Span<long> strides = stackalloc long[rank];
        x.Shape.CopyTo(shape);
        inStrides.CopyTo(strides);
        Span<bool> seen = stackalloc bool[rank];
        seen.Clear();
        long offset = 0;
        for (int i = 0; i < n; i++)
        {
            int a = ShapeInputs.Axis(ax[i], rank);
            if (seen[a]) throw new InferenceException($"axis {ax[i]} is sliced twice");
            seen[a] = true;
            long dim = x.Shape[a], step = st[i];
            if (step == 0) throw new InferenceException("slice step cannot be 0");
            long start = s[i], end = e[i];
            if (start < 0) start += dim;
            if (end < 0) end += dim;
            long count;
            if (step > 0)
            {
                start = Math.Clamp(start, 0, dim);
                end = Math.Clamp(end, 0, dim);
                count = end > start ? (end - start + step - 1) / step : 0;
            }
            else
            {
                start = Math.Clamp(start, 0, dim - 1);
                end = Math.Clamp(end, -1, dim - 1);
                count = start > end ? (start - end + (-step) - 1) / -step : 0;
            }
            shape[a] = (int)count;
            if (count > 0) offset += start * inStrides[a];
            strides[a] = inStrides[a] * step;
        }
        var y = context.Output(0, x.Type, shape);
        StridedCopy.Copy<T>(ElementView.Of<T>(x), offset, shape, strides, ElementView.Of<T>(y));
    }
}
