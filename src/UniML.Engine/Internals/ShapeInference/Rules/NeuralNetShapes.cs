using UniML.Onnx;

namespace UniML.Engine.Internals.ShapeInference.Rules;

/// <summary>
/// Neural-network layers: MatMul (numpy batch broadcasting, 1-D promotion), Gemm, Conv/ConvTranspose and
/// pooling (kernel, strides, pads, dilations, auto_pad, ceil_mode — the same arithmetic as
/// <see cref="Primitives.WindowGeometry"/>), global pooling, the normalisations, GridSample and RoiAlign.
/// </summary>
internal static class NeuralNetShapes
{
    public static IEnumerable<(string Op, ShapeRule Rule)> Rules()
    {
        yield return ("MatMul", node => MatMul(node, node.Input(0).Element));
        yield return ("MatMulInteger", node => MatMul(node, ElementType.Int32));
        yield return ("Gemm", Gemm);
        yield return ("Conv", Conv);
        yield return ("ConvTranspose", ConvTranspose);
        yield return ("MaxPool", Pool);
        yield return ("AveragePool", Pool);
        yield return ("LpPool", Pool);
        yield return ("GlobalAveragePool", GlobalPool);
        yield return ("GlobalMaxPool", GlobalPool);
        yield return ("BatchNormalization", ElementWiseShapes.SameAsInput);
        yield return ("InstanceNormalization", ElementWiseShapes.SameAsInput);
        yield return ("LRN", ElementWiseShapes.SameAsInput);
        yield return ("MeanVarianceNormalization", ElementWiseShapes.SameAsInput);
        yield return ("LayerNormalization", LayerNormalization);
        yield return ("GridSample", GridSample);
        yield return ("RoiAlign", RoiAlign);
    }

    /// <summary>Y is [N, C, H_out, W_out]: X's batch and channels, the grid's output positions (the 4-D form UniML runs).</summary>
    static void GridSample(ShapeContext node)
    {
        Dim[]? x = node.Input(0).Dims, grid = node.Input(1).Dims;
        if (x is { Length: not 4 } || grid is { Length: not 4 })
        {
            node.SetTensor(0, node.Input(0).Element, null);
            return;
        }
        node.SetTensor(0, node.Input(0).Element, [x?[0] ?? grid?[0] ?? node.Fresh(), x?[1] ?? node.Fresh(), grid?[1] ?? node.Fresh(), grid?[2] ?? node.Fresh()]);
    }

    /// <summary>Y is [num_rois, C, output_height, output_width].</summary>
    static void RoiAlign(ShapeContext node)
    {
        Dim[]? x = node.Input(0).Dims, rois = node.Input(1).Dims, indices = node.Input(2).Dims;
        var regions = rois is { Length: 2 } ? rois[0] : indices is { Length: 1 } ? indices[0] : node.Fresh();
        var channels = x is { Length: 4 } ? x[1] : node.Fresh();
        node.SetTensor(0, node.Input(0).Element, [regions, channels, node.DimOf(node.Int("output_height", 1)), node.DimOf(node.Int("output_width", 1))]);
    }

    static void MatMul(ShapeContext node, ElementType element)
    {
        Dim[]? a = node.Input(0).Dims, b = node.Input(1).Dims;
        if (a is null || b is null || a.Length == 0 || b.Length == 0)
        {
            node.SetTensor(0, element, null);
            return;
        }
        // 1-D operands are promoted to matrices ([K] → [1,K] on the left, [K,1] on the right) and the added dim dropped after.
        var left = a.Length == 1 ? [Dim.Of(1), a[0]] : a;
        var right = b.Length == 1 ? [b[0], Dim.Of(1)] : b;
        Dim k1 = left[^1], k2 = right[^2];
        if (k1.IsKnown && k2.IsKnown && k1.Value != k2.Value)
            throw node.Mismatch($"inner dimensions differ: A {InferredType.DimsText(a)} has {k1}, B {InferredType.DimsText(b)} has {k2}");
        var batch = ElementWiseShapes.Broadcast(node, left[..^2], right[..^2])!;
        var dims = new List<Dim>(batch);
        if (a.Length > 1) dims.Add(left[^2]);
        if (b.Length > 1) dims.Add(right[^1]);
        node.SetTensor(0, element, dims.ToArray());
    }

    static void Gemm(ShapeContext node)
    {
        var element = node.Input(0).Element;
        Dim[]? a = node.Input(0).Dims, b = node.Input(1).Dims;
        if (a is not { Length: 2 } || b is not { Length: 2 })
        {
            node.SetTensor(0, element, a is null || b is null ? null : [node.Fresh(), node.Fresh()]);
            return;
        }
        bool ta = node.Int("transA", 0) != 0, tb = node.Int("transB", 0) != 0;
        Dim m = ta ? a[1] : a[0], k1 = ta ? a[0] : a[1];
        Dim k2 = tb ? b[1] : b[0], n = tb ? b[0] : b[1];
        if (k1.IsKnown && k2.IsKnown && k1.Value != k2.Value)
            throw node.Mismatch($"inner dimensions differ: A {InferredType.DimsText(a)}{(ta ? " (transposed)" : "")} has {k1}, B {InferredType.DimsText(b)}{(tb ? " (transposed)" : "")} has {k2}");
        node.SetTensor(0, element, [m, n]);
    }

    /// <summary>Spatial output size of a forward window, or null when it depends on unknown values.</summary>
    static long? WindowOutput(long input, long kernel, long stride, long dilation, long padBegin, long padEnd, string autoPad, bool ceilMode)
    {
        long extent = (kernel - 1) * dilation + 1;
        switch (autoPad)
        {
            case "VALID":
                if (ceilMode) return null;
                return input >= extent ? (input - extent) / stride + 1 : 0;
            case "SAME_UPPER":
            case "SAME_LOWER":
                return (input + stride - 1) / stride;
            case "NOTSET":
            case "":
            {
                long span = input + padBegin + padEnd - extent;
                if (span < 0) return 0;
                if (!ceilMode) return span / stride + 1;
                long output = (span + stride - 1) / stride + 1;
                if ((output - 1) * stride >= input + padBegin) output--;
                return output;
            }
            default:
                return null;
        }
    }

    /// <summary>Spatial dims of Conv and the pools: kernel from <paramref name="kernel"/> (kernel_shape or the weights' dims).</summary>
    static Dim[]? SpatialOutput(ShapeContext node, Dim[] x, Dim[]? kernel, bool ceilMode)
    {
        int r = x.Length - 2;
        if (r < 0 || kernel is null || kernel.Length != r) return null;
        var strides = node.Ints("strides");
        var dilations = node.Ints("dilations");
        var pads = node.Ints("pads");
        if (strides is not null && strides.Length != r || dilations is not null && dilations.Length != r || pads is not null && pads.Length != 2 * r)
            return null;
        var autoPad = node.String("auto_pad", "NOTSET");
        var result = new Dim[r];
        for (int i = 0; i < r; i++)
        {
            long s = strides?[i] ?? 1, d = dilations?[i] ?? 1;
            if (!x[i + 2].IsKnown || !kernel[i].IsKnown || s <= 0 || d <= 0) { result[i] = node.Fresh(); continue; }
            result[i] = node.DimOf(WindowOutput(x[i + 2].Value, kernel[i].Value, s, d, pads?[i] ?? 0, pads?[i + r] ?? 0, autoPad, ceilMode));
        }
        return result;
    }

    static Dim[]? KernelShapeAttribute(ShapeContext node) =>
        node.Ints("kernel_shape") is { } k ? Array.ConvertAll(k, v => Dim.Of(v)) : null;

    static void Conv(ShapeContext node)
    {
        var element = node.Input(0).Element;
        Dim[]? x = node.Input(0).Dims, w = node.Input(1).Dims;
        if (x is null || x.Length < 3)
        {
            node.SetTensor(0, element, null);
            return;
        }
        long group = node.Int("group", 1);
        if (w is not null && w.Length == x.Length && x[1].IsKnown && w[1].IsKnown && group > 0 && x[1].Value != w[1].Value * group)
            throw node.Mismatch($"input channels differ: X {InferredType.DimsText(x)} has {x[1]}, W {InferredType.DimsText(w)} takes {w[1]} per group × {group} group(s)");
        var kernel = KernelShapeAttribute(node) ?? (w is not null && w.Length == x.Length ? w[2..] : null);
        var spatial = SpatialOutput(node, x, kernel, ceilMode: false);
        var dims = new Dim[x.Length];
        dims[0] = x[0];
        dims[1] = w is not null && w.Length == x.Length ? w[0] : node.Fresh();
        for (int i = 2; i < dims.Length; i++) dims[i] = spatial?[i - 2] ?? node.Fresh();
        node.SetTensor(0, element, dims);
    }

    static void ConvTranspose(ShapeContext node)
    {
        var element = node.Input(0).Element;
        Dim[]? x = node.Input(0).Dims, w = node.Input(1).Dims;
        if (x is null || x.Length < 3)
        {
            node.SetTensor(0, element, null);
            return;
        }
        int r = x.Length - 2;
        long group = node.Int("group", 1);
        var dims = new Dim[x.Length];
        dims[0] = x[0];
        dims[1] = w is not null && w.Length == x.Length && w[1].IsKnown && group > 0 ? Dim.Of(w[1].Value * group) : node.Fresh();
        var kernel = KernelShapeAttribute(node) ?? (w is not null && w.Length == x.Length ? w[2..] : null);
        var strides = node.Ints("strides");
        var dilations = node.Ints("dilations");
        var pads = node.Ints("pads");
        var outputPadding = node.Ints("output_padding");
        var outputShape = node.Ints("output_shape");
        var autoPad = node.String("auto_pad", "NOTSET");
        bool usable = kernel is not null && kernel.Length == r && (strides is null || strides.Length == r) && (dilations is null || dilations.Length == r)
            && (pads is null || pads.Length == 2 * r) && (outputShape is null || outputShape.Length >= r);
        for (int i = 0; i < r; i++)
        {
            dims[i + 2] = node.Fresh();
            if (!usable) continue;
            if (outputShape is not null) { dims[i + 2] = node.DimOf(outputShape[outputShape.Length - r + i]); continue; }
            if (!x[i + 2].IsKnown || !kernel![i].IsKnown) continue;
            long s = strides?[i] ?? 1, d = dilations?[i] ?? 1, input = x[i + 2].Value;
            if (autoPad is "SAME_UPPER" or "SAME_LOWER") { dims[i + 2] = Dim.Of(input * s); continue; }
            long outPad = outputPadding is { } op && op.Length == r ? op[i] : 0;
            long natural = s * (input - 1) + outPad + (kernel[i].Value - 1) * d + 1;
            long padTotal = autoPad == "VALID" ? 0 : (pads?[i] ?? 0) + (pads?[i + r] ?? 0);
            dims[i + 2] = node.DimOf(natural - padTotal);
        }
        node.SetTensor(0, element, dims);
    }

    static void Pool(ShapeContext node)
    {
        var x = node.Input(0);
        if (x.Dims is null || x.Rank < 3)
        {
            node.SetTensor(0, x.Element, null);
            return;
        }
        var spatial = SpatialOutput(node, x.Dims, KernelShapeAttribute(node), node.Int("ceil_mode", 0) != 0);
        var dims = new Dim[x.Rank];
        dims[0] = x.Dims[0];
        dims[1] = x.Dims[1];
        for (int i = 2; i < dims.Length; i++) dims[i] = spatial?[i - 2] ?? node.Fresh();
        node.SetTensor(0, x.Element, dims);
        if (node.OutputCount > 1 && node.Node.OpType == "MaxPool") node.SetTensor(1, ElementType.Int64, dims);
    }

    static void GlobalPool(ShapeContext node)
    {
        var x = node.Input(0);
        if (x.Dims is null || x.Rank < 2)
        {
            node.SetTensor(0, x.Element, null);
            return;
        }
        var dims = ReductionShapes.Ones(x.Rank);
        dims[0] = x.Dims[0];
        dims[1] = x.Dims[1];
        node.SetTensor(0, x.Element, dims);
    }

    static void LayerNormalization(ShapeContext node)
    {
        var x = node.Input(0);
        node.SetTensor(0, x.Element, x.Dims);
        if (x.Dims is null || ShapeContext.Axis(node.Int("axis", -1), x.Rank) is not { } axis) return;
        // Mean and InvStdDev keep the leading dims and reduce the normalised ones to 1; their type follows stash_type.
        var stats = x.Dims[..axis].Concat(ReductionShapes.Ones(x.Rank - axis)).ToArray();
        for (int i = 1; i < node.OutputCount && i < 3; i++) node.SetTensor(i, ElementType.Undefined, stats);
    }
}
