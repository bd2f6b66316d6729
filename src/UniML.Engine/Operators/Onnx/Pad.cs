using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Pad: constant, reflect, edge and wrap modes. Pads come from the 'paddings' (opset 1) or 'pads'
/// (opset 2) attribute or the pads input (opset 11+, with optional axes from 18); negative pads crop.
/// Each output axis gets a map from output index to source index (-1 = the constant); rows then copy
/// their contiguous middle and fill or map the borders.
/// </summary>
internal sealed class Pad(PadMode mode, long[]? padsAttribute, float valueAttribute) : ElementMoveKernel
{
    public static Kernel Create(NodeInfo node)
    {
        var modeName = node.GetString("mode", "constant");
        var mode = modeName switch
        {
            "constant" => PadMode.Constant,
            "reflect" => PadMode.Reflect,
            "edge" => PadMode.Edge,
            "wrap" when node.Opset >= 19 => PadMode.Wrap,
            _ => throw node.Invalid($"mode '{modeName}' is not a Pad mode"),
        };
        long[]? pads = null;
        if (node.Opset < 11)
            pads = node.GetInts(node.Opset < 2 ? "paddings" : "pads") ?? throw node.Invalid("attribute 'pads' is required before opset 11");
        return new Pad(mode, pads, node.GetFloat("value", 0));
    }

    protected override void Run<T>(KernelContext context)
    {
        var x = context.Input(0);
        int rank = x.Rank;
        Span<long> pads = stackalloc long[2 * rank];
        T constant;
        if (padsAttribute is not null)
        {
            if (padsAttribute.Length != 2 * rank)
                throw new InferenceException($"pads has {padsAttribute.Length} entries, rank {rank} needs {2 * rank}");
            padsAttribute.CopyTo(pads);
            constant = ElementView.Scalar<T>(x.Type, valueAttribute);
        }
        else
        {
            ReadPads(context, rank, pads);
            var value = context.OptionalInput(2);
            if (value is not null && value.Length > 0)
            {
                if (value.Type != x.Type) throw new InferenceException($"constant_value is {value.TypeName}, data is {x.TypeName}");
                constant = ElementView.Of<T>(value)[0];
            }
            else constant = ElementView.Scalar<T>(x.Type, 0);
        }

        Span<int> shape = stackalloc int[rank];
        int mapLength = 0;
        for (int i = 0; i < rank; i++)
        {
            long d = x.Shape[i] + pads[i] + pads[i + rank];
            if (d < 0) throw new InferenceException($"pads {pads[i]} and {pads[i + rank]} remove more than axis {i} holds ({x.Shape[i]})");
            shape[i] = ShapeInputs.Dim(d);
            mapLength += shape[i];
        }
        var y = context.Output(0, x.Type, shape);
        var dst = ElementView.Of<T>(y);
        if (dst.Length == 0) return;
        var src = ElementView.Of<T>(x);
        if (rank == 0) { dst[0] = src[0]; return; }

        // Source index along each axis for each output index, or -1 for the constant.
        var map = context.Scratch<int>(mapLength);
        Span<int> mapStart = stackalloc int[rank];
        for (int i = 0, at = 0; i < rank; i++)
        {
            mapStart[i] = at;
            int dim = x.Shape[i];
            for (int o = 0; o < shape[i]; o++)
            {
                long s = o - pads[i];
                map[at + o] = s >= 0 && s < dim ? (int)s : Outside(s, dim, i);
            }
            at += shape[i];
        }

        Span<long> inStrides = stackalloc long[rank];
        StridedCopy.DenseStrides(x.Shape, inStrides);
        int inner = shape[rank - 1];
        var innerMap = map.Slice(mapStart[rank - 1], inner);
        // The contiguous part of a row: output positions whose source is inside the input.
        int runStart = (int)Math.Min(Math.Max(pads[rank - 1], 0), inner);
        int runEnd = (int)Math.Max(Math.Min(inner, pads[rank - 1] + x.Shape[rank - 1]), 0);
        Span<int> index = stackalloc int[rank];
        index.Clear();
        for (int d = 0; d < dst.Length; d += inner)
        {
            var row = dst.Slice(d, inner);
            long offset = 0;
            bool outside = false;
            for (int k = 0; k < rank - 1; k++)
            {
                int s = map[mapStart[k] + index[k]];
                if (s < 0) { outside = true; break; }
                offset += s * inStrides[k];
            }
            if (outside) row.Fill(constant);
            else
            {
                var line = src.Slice((int)offset, x.Shape[rank - 1]);
                for (int o = 0; o < runStart && o < inner; o++) row[o] = innerMap[o] < 0 ? constant : line[innerMap[o]];
                if (runEnd > runStart)
                    line.Slice(runStart - (int)pads[rank - 1], runEnd - runStart).CopyTo(row.Slice(runStart));
                for (int o = Math.Max(runEnd, runStart); o < inner; o++) row[o] = innerMap[o] < 0 ? constant : line[innerMap[o]];
            }
            for (int k = rank - 2; k >= 0; k--)
            {
                if (++index[k] < shape[k]) break;
                index[k] = 0;
            }
        }
    }

    int Outside(long s, int dim, int axis)
    {
        if (mode == PadMode.Constant) return -1;
        if (dim == 0) throw new InferenceException($"cannot pad empty axis {axis} in {mode} mode");
        switch (mode)
        {
            case PadMode.Edge: return (int)Math.Clamp(s, 0, dim - 1);
            case PadMode.Wrap: return (int)(((s % dim) + dim) % dim);
            default:
                if (dim == 1) return 0;
                long period = 2L * (dim - 1);
                long r = ((s % period) + period) % period;
                return (int)(r < dim ? r : period - r);
        }
    }

    static void ReadPads(KernelContext context, int rank, Span<long> pads)
    {
        var padsInput = context.Input(1);
        var axesInput = context.OptionalInput(3);
        if (axesInput is null)
        {
            if (padsInput.Length != 2 * rank)
                throw new InferenceException($"pads has {padsInput.Length} entries, rank {rank} needs {2 * rank}");
            ShapeInputs.ReadInt64(padsInput, pads);
            return;
        }
        int n = axesInput.Length;
        if (padsInput.Length != 2 * n)
            throw new InferenceException($"pads has {padsInput.Length} entries, {n} axes need {2 * n}");
        Span<long> given = stackalloc long[2 * n];
        Span<long> axes = stackalloc long[n];
        ShapeInputs.ReadInt64(padsInput, given);
        ShapeInputs.ReadInt64(axesInput, axes);
        pads.Clear();
        for (int i = 0; i < n; i++)
        {
            int a = ShapeInputs.Axis(axes[i], rank);
            pads[a] = given[i];
            pads[a + rank] = given[i + n];
        }
    }
}

internal enum PadMode { Constant, Reflect, Edge, Wrap }
