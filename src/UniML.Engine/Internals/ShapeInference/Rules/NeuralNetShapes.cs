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
        yield return ("MatMul", node => MatMul(node, 0, 1, node.Input(0).Element));
        yield return ("Gemm", Gemm);
        yield return ("Einsum", Einsum);
        yield return ("Conv", node => Conv(node, 0, 1, node.Input(0).Element));
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
        yield return ("Resize", Resize);
        yield return ("Upsample", Resize);
    }

    /// <summary>
    /// Resize and Upsample: each resized dim is floor(input × scale) from constant scales, or the constant (or
    /// shape-computed) sizes, scaled together under keep_aspect_ratio_policy; sizes or scales known only at run
    /// time leave the resized dims unknown. A scale of 1 keeps the dim, symbolic or not.
    /// </summary>
    static void Resize(ShapeContext node)
    {
        var x = node.Input(0);
        if (!x.HasRank)
        {
            node.SetTensor(0, x.Element, null);
            return;
        }
        int rank = x.Rank;
        var axes = node.Opset >= 18 && node.Ints("axes") is { } a ? a : null;
        int n = axes?.Length ?? rank;
        var resized = new int[n];
        for (int i = 0; i < n; i++)
        {
            if (ShapeContext.Axis(axes?[i] ?? i, rank) is not { } axis) return;
            resized[i] = axis;
        }
        var dims = (Dim[])x.Dims!.Clone();
        bool legacy = node.Node.OpType == "Upsample" || node.Opset < 11; // scales is input 1 (Upsample-7: an attribute), no roi or sizes
        int scalesInput = legacy ? 1 : 2;
        float[]? scales;
        if (node.Node.OpType == "Upsample" && node.Opset < 9) scales = node.Floats("scales");
        else if (node.HasInput(scalesInput) && node.Constant(scalesInput) is not { Length: 0 })
            scales = node.Constant(scalesInput) is { Type: ElementType.Float } c ? c.ToArray<float>() : null;
        else if (!legacy && node.HasInput(3))
        {
            SizesOutput(node, x.Dims!, resized, dims);
            node.SetTensor(0, x.Element, dims);
            return;
        }
        else return;
        if (scales is null || scales.Length != n)
        {
            foreach (var axis in resized) dims[axis] = node.Fresh();
            node.SetTensor(0, x.Element, dims);
            return;
        }
        for (int i = 0; i < n; i++)
        {
            var d = dims[resized[i]];
            if (scales[i] == 1) continue;
            dims[resized[i]] = d.IsKnown && scales[i] > 0 ? node.DimOf((long)Math.Floor(scales[i] * (double)d.Value)) : node.Fresh();
        }
        node.SetTensor(0, x.Element, dims);
    }

    /// <summary>Resized dims from the sizes input (3) into <paramref name="dims"/>; unknown when it is known only at run time.</summary>
    static void SizesOutput(ShapeContext node, Dim[] x, int[] resized, Dim[] dims)
    {
        var sizes = node.ShapeElements(3);
        var policy = node.Opset >= 18 ? node.String("keep_aspect_ratio_policy", "stretch") : "stretch";
        if (sizes is null || sizes.Length != resized.Length || policy is not ("stretch" or "not_larger" or "not_smaller"))
        {
            foreach (var axis in resized) dims[axis] = node.Fresh();
            return;
        }
        if (policy == "stretch")
        {
            for (int i = 0; i < resized.Length; i++) dims[resized[i]] = sizes[i].IsKnown && sizes[i].Value < 0 ? node.Fresh() : sizes[i];
            return;
        }
        // not_larger / not_smaller: one scale for every resized axis, the smallest or largest of sizes / input, rounded half up.
        double scale = policy == "not_larger" ? double.MaxValue : double.MinValue;
        for (int i = 0; i < resized.Length; i++)
        {
            var d = x[resized[i]];
            if (!d.IsKnown || !sizes[i].IsKnown || d.Value == 0)
            {
                foreach (var axis in resized) dims[axis] = node.Fresh();
                return;
            }
            double s = (double)sizes[i].Value / d.Value;
            scale = policy == "not_larger" ? Math.Min(scale, s) : Math.Max(scale, s);
        }
        foreach (var axis in resized) dims[axis] = Dim.Of((long)(scale * x[axis].Value + 0.5));
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

    /// <summary>Output 0 of a matrix product of inputs <paramref name="left"/> and <paramref name="right"/> (also the integer and quantised forms).</summary>
    internal static void MatMul(ShapeContext node, int left, int right, ElementType element)
    {
        Dim[]? a = node.Input(left).Dims, b = node.Input(right).Dims;
        if (a is null || b is null || a.Length == 0 || b.Length == 0)
        {
            node.SetTensor(0, element, null);
            return;
        }
        // 1-D operands are promoted to matrices ([K] → [1,K] on the left, [K,1] on the right) and the added dim dropped after.
        var l = a.Length == 1 ? [Dim.Of(1), a[0]] : a;
        var r = b.Length == 1 ? [b[0], Dim.Of(1)] : b;
        Dim k1 = l[^1], k2 = r[^2];
        if (k1.IsKnown && k2.IsKnown && k1.Value != k2.Value)
            throw node.Mismatch($"inner dimensions differ: A {InferredType.DimsText(a)} has {k1}, B {InferredType.DimsText(b)} has {k2}");
        var batch = ElementWiseShapes.Broadcast(node, l[..^2], r[..^2])!;
        var dims = new List<Dim>(batch);
        if (a.Length > 1) dims.Add(l[^2]);
        if (b.Length > 1) dims.Add(r[^1]);
        node.SetTensor(0, element, dims.ToArray());
    }

    /// <summary>
    /// Einsum: each label's size from the operands (a size 1 stretches, as in broadcasting), "..." dims
    /// broadcast right-aligned; the output is the explicit term, or "..." then the labels used once in
    /// character-code order (numpy's implicit form). Unknown when an operand's rank does not fit its term.
    /// </summary>
    static void Einsum(ShapeContext node)
    {
        var element = node.Input(0).Element;
        var equation = new string(node.String("equation", "").Where(c => !char.IsWhiteSpace(c)).ToArray());
        int arrow = equation.IndexOf("->", StringComparison.Ordinal);
        var terms = (arrow >= 0 ? equation[..arrow] : equation).Split(',');
        string? output = arrow >= 0 ? equation[(arrow + 2)..] : null;
        if (terms.Length != node.InputCount)
        {
            node.SetTensor(0, element, null);
            return;
        }
        var sizes = new Dictionary<char, Dim>();
        var uses = new Dictionary<char, int>();
        Dim[] ellipsis = [];
        for (int i = 0; i < terms.Length; i++)
        {
            var term = terms[i];
            var dims = node.Input(i).Dims;
            int dots = term.IndexOf("...", StringComparison.Ordinal);
            int letters = term.Length - (dots >= 0 ? 3 : 0);
            if (dims is null || (dots >= 0 ? dims.Length < letters : dims.Length != letters))
            {
                node.SetTensor(0, element, null);
                return;
            }
            int extra = dims.Length - letters;
            for (int t = 0, k = 0; t < term.Length; t++)
            {
                if (t == dots)
                {
                    ellipsis = ElementWiseShapes.Broadcast(node, ellipsis, dims[k..(k + extra)])!;
                    k += extra;
                    t += 2;
                    continue;
                }
                char c = term[t];
                if (!char.IsAsciiLetter(c)) return;
                uses[c] = uses.GetValueOrDefault(c) + 1;
                sizes[c] = sizes.TryGetValue(c, out var seen) ? ElementWiseShapes.Broadcast(node, [seen], [dims[k]])![0] : dims[k];
                k++;
            }
        }
        var result = new List<Dim>();
        if (output is null)
        {
            result.AddRange(ellipsis);
            foreach (var c in uses.Keys.Order()) if (uses[c] == 1) result.Add(sizes[c]);
        }
        else
        {
            for (int t = 0; t < output.Length; t++)
            {
                if (string.CompareOrdinal(output, t, "...", 0, 3) == 0)
                {
                    result.AddRange(ellipsis);
                    t += 2;
                }
                else if (sizes.TryGetValue(output[t], out var d)) result.Add(d);
                else return; // an output label no operand has: the kernel rejects it
            }
        }
        node.SetTensor(0, element, result.ToArray());
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

    /// <summary>Output 0 of a convolution of input <paramref name="input"/> by weights <paramref name="weights"/> (also the integer and quantised forms).</summary>
    internal static void Conv(ShapeContext node, int input, int weights, ElementType element)
    {
        Dim[]? x = node.Input(input).Dims, w = node.Input(weights).Dims;
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
