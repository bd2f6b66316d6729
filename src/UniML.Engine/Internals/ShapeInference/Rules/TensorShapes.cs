using UniML.Onnx;

namespace UniML.Engine.Internals.ShapeInference.Rules;

/// <summary>
/// Shape and tensor manipulation: Shape/Size/NonZero (int64), Reshape, Flatten, Squeeze/Unsqueeze,
/// Transpose, Concat, Split, Slice, Gather, Expand, Tile, Pad, ConstantOfShape, TopK and friends. Shape-valued
/// inputs (Reshape's shape, Expand's shape, Slice's starts...) are used when constant or computed from
/// shapes (<see cref="InferredType.Elements"/>), which Shape, Gather, Slice, Concat, Squeeze and Unsqueeze propagate.
/// </summary>
internal static class TensorShapes
{
    public static IEnumerable<(string Op, ShapeRule Rule)> Rules()
    {
        yield return ("Shape", Shape);
        yield return ("Size", Size);
        yield return ("NonZero", node => node.SetTensor(0, ElementType.Int64, [node.Input(0).HasRank ? Dim.Of(node.Input(0).Rank) : node.Fresh(), node.Fresh()]));
        yield return ("Reshape", Reshape);
        yield return ("Flatten", Flatten);
        yield return ("Squeeze", Squeeze);
        yield return ("Unsqueeze", Unsqueeze);
        yield return ("Transpose", Transpose);
        yield return ("Concat", Concat);
        yield return ("Split", Split);
        yield return ("Slice", Slice);
        yield return ("Gather", Gather);
        yield return ("GatherElements", node => node.SetTensor(0, node.Input(0).Element, node.Input(1).Dims));
        yield return ("Expand", Expand);
        yield return ("Tile", Tile);
        yield return ("Pad", Pad);
        yield return ("ConstantOfShape", ConstantOfShape);
        yield return ("TopK", TopK);
        yield return ("Trilu", ElementWiseShapes.SameAsInput);
        yield return ("EyeLike", node => node.SetTensor(0, node.Has("dtype") ? (ElementType)node.Int("dtype", 0) : node.Input(0).Element, node.Input(0).Dims));
        yield return ("DepthToSpace", node => Blocks(node, toDepth: false));
        yield return ("SpaceToDepth", node => Blocks(node, toDepth: true));
        yield return ("Range", Range);
        yield return ("Scatter", ElementWiseShapes.SameAsInput);
        yield return ("ScatterElements", ElementWiseShapes.SameAsInput);
        yield return ("ScatterND", ElementWiseShapes.SameAsInput);
        yield return ("OneHot", OneHot);
    }

    /// <summary>The product of dims: known when all are, the lone symbol when the rest are 1, else a fresh unknown.</summary>
    public static Dim Product(ShapeContext node, ReadOnlySpan<Dim> dims)
    {
        long known = 1;
        Dim? symbol = null;
        int symbols = 0;
        foreach (var d in dims)
        {
            if (d.IsKnown) known *= d.Value;
            else { symbol = d; symbols++; }
        }
        if (symbols == 0) return Dim.Of(known);
        if (known == 0) return Dim.Of(0);
        return symbols == 1 && known == 1 ? symbol!.Value : node.Fresh();
    }

    static void Shape(ShapeContext node)
    {
        var x = node.Input(0);
        if (!x.HasRank)
        {
            node.SetTensor(0, ElementType.Int64, [node.Fresh()]);
            return;
        }
        int rank = x.Rank;
        int start = 0, end = rank;
        if (node.Opset >= 15)
        {
            start = Clamp(node.Int("start", 0), rank);
            end = node.Has("end") ? Clamp(node.Int("end", rank), rank) : rank;
        }
        var elements = x.Dims![start..Math.Max(start, end)];
        node.SetTensor(0, ElementType.Int64, [Dim.Of(elements.Length)], elements);

        static int Clamp(long axis, int rank) => (int)Math.Clamp(axis < 0 ? axis + rank : axis, 0, rank);
    }

    static void Size(ShapeContext node)
    {
        var x = node.Input(0);
        node.SetTensor(0, ElementType.Int64, [], x.HasRank ? [Product(node, x.Dims)] : null);
    }

    static void Reshape(ShapeContext node)
    {
        var x = node.Input(0);
        var target = node.ShapeElements(1);
        if (target is null)
        {
            var shapeDims = node.Input(1).Dims;
            node.SetTensor(0, x.Element, shapeDims is [{ IsKnown: true } n] ? node.FreshDims((int)n.Value) : null);
            return;
        }
        bool allowZero = node.Opset >= 14 && node.Int("allowzero", 0) != 0;
        var dims = new Dim[target.Length];
        int inferred = -1;
        for (int i = 0; i < dims.Length; i++)
        {
            var t = target[i];
            if (t.Is(-1)) { inferred = i; dims[i] = node.Fresh(); }
            else if (t.Is(0) && !allowZero) dims[i] = x.Dims is { } xd && i < xd.Length ? xd[i] : node.Fresh();
            else if (t.IsKnown && t.Value < 0) { node.SetTensor(0, x.Element, node.FreshDims(dims.Length)); return; }
            else dims[i] = t;
        }
        if (x.Dims is not null)
        {
            if (inferred >= 0) dims[inferred] = Remaining(node, x.Dims, dims, inferred);
            else if (x.IsStatic && Array.TrueForAll(dims, d => d.IsKnown))
            {
                long from = Product(node, x.Dims).Value, to = Product(node, dims).Value;
                if (from != to)
                    throw node.Mismatch($"cannot reshape {InferredType.DimsText(x.Dims)} ({from} elements) to {InferredType.DimsText(dims)} ({to} elements)");
            }
        }
        node.SetTensor(0, x.Element, dims, x.Elements is not null && dims.Length <= 1 ? x.Elements : null);
    }

    /// <summary>Reshape's -1: the input's dims divided by the other output dims, cancelling symbols that appear on both sides.</summary>
    static Dim Remaining(ShapeContext node, Dim[] input, Dim[] output, int skip)
    {
        long known = 1;
        var symbols = new List<Dim>();
        foreach (var d in input)
        {
            if (d.IsKnown) known *= d.Value;
            else symbols.Add(d);
        }
        long divisor = 1;
        for (int i = 0; i < output.Length; i++)
        {
            if (i == skip) continue;
            var d = output[i];
            if (d.IsKnown) divisor *= d.Value;
            else if (!symbols.Remove(d)) return node.Fresh();
        }
        if (divisor == 0 || known % divisor != 0) return node.Fresh();
        long rest = known / divisor;
        if (symbols.Count == 0) return Dim.Of(rest);
        return symbols.Count == 1 && rest == 1 ? symbols[0] : node.Fresh();
    }

    static void Flatten(ShapeContext node)
    {
        var x = node.Input(0);
        if (!x.HasRank)
        {
            node.SetTensor(0, x.Element, [node.Fresh(), node.Fresh()]);
            return;
        }
        long axis = node.Int("axis", 1);
        if (axis < 0) axis += x.Rank;
        if (axis < 0 || axis > x.Rank) return;
        node.SetTensor(0, x.Element, [Product(node, x.Dims.AsSpan(0, (int)axis)), Product(node, x.Dims.AsSpan((int)axis))]);
    }

    static long[]? AxesFromAttributeOrInput(ShapeContext node, int sinceOpset, out bool runtime)
    {
        runtime = false;
        if (node.Opset < sinceOpset) return node.Ints("axes");
        if (!node.HasInput(1)) return null;
        var axes = node.ConstantInts(1);
        runtime = axes is null;
        return axes;
    }

    static void Squeeze(ShapeContext node)
    {
        var x = node.Input(0);
        var axes = AxesFromAttributeOrInput(node, 13, out bool runtime);
        if (!x.HasRank || runtime)
        {
            node.SetTensor(0, x.Element, null);
            return;
        }
        var drop = new bool[x.Rank];
        if (axes is null || axes.Length == 0)
        {
            // All size-1 dims go; a symbolic dim might be 1, so the rank is then unknown.
            for (int i = 0; i < x.Rank; i++)
            {
                if (!x.Dims![i].IsKnown) { node.SetTensor(0, x.Element, null); return; }
                drop[i] = x.Dims[i].Value == 1;
            }
        }
        else
        {
            foreach (var a in axes)
            {
                if (ShapeContext.Axis(a, x.Rank) is not { } axis) return;
                drop[axis] = true;
            }
        }
        var dims = new List<Dim>();
        for (int i = 0; i < x.Rank; i++) if (!drop[i]) dims.Add(x.Dims![i]);
        node.SetTensor(0, x.Element, dims.ToArray(), dims.Count == 0 && x.Elements is { Length: 1 } ? x.Elements : null);
    }

    static void Unsqueeze(ShapeContext node)
    {
        var x = node.Input(0);
        var axes = AxesFromAttributeOrInput(node, 13, out bool runtime);
        if (!x.HasRank || runtime || axes is null)
        {
            node.SetTensor(0, x.Element, null);
            return;
        }
        int rank = x.Rank + axes.Length;
        var inserted = new bool[rank];
        foreach (var a in axes)
        {
            if (ShapeContext.Axis(a, rank) is not { } axis) return;
            inserted[axis] = true;
        }
        var dims = new Dim[rank];
        for (int i = 0, j = 0; i < rank; i++) dims[i] = inserted[i] ? Dim.Of(1) : x.Dims![j++];
        node.SetTensor(0, x.Element, dims, rank <= 1 ? x.Elements : null);
    }

    static void Transpose(ShapeContext node)
    {
        var x = node.Input(0);
        if (!x.HasRank)
        {
            node.SetTensor(0, x.Element, null);
            return;
        }
        var perm = node.Ints("perm");
        var dims = new Dim[x.Rank];
        if (perm is not null && perm.Length != x.Rank) return;
        for (int i = 0; i < dims.Length; i++)
        {
            long p = perm?[i] ?? x.Rank - 1 - i;
            if (p < 0 || p >= x.Rank) return;
            dims[i] = x.Dims![p];
        }
        node.SetTensor(0, x.Element, dims);
    }

    /// <summary>Two dims that must be equal: known wins over symbolic; two different known sizes are a load error.</summary>
    static Dim Unify(ShapeContext node, Dim a, Dim b, string what)
    {
        if (a == b) return a;
        if (a.IsKnown && b.IsKnown) throw node.Mismatch($"{what}: {a} against {b}");
        if (a.IsKnown) return a;
        if (b.IsKnown) return b;
        return node.Fresh();
    }

    static void Concat(ShapeContext node)
    {
        var element = ElementType.Undefined;
        for (int i = 0; i < node.InputCount && element == ElementType.Undefined; i++) element = node.Input(i).Element;
        int rank = -1;
        for (int i = 0; i < node.InputCount; i++)
        {
            if (!node.Input(i).HasRank) { node.SetTensor(0, element, null); return; }
            if (rank >= 0 && node.Input(i).Rank != rank) return;
            rank = node.Input(i).Rank;
        }
        if (rank <= 0 || ShapeContext.Axis(node.Int("axis", 0), rank) is not { } axis) return;
        var dims = (Dim[])node.Input(0).Dims!.Clone();
        var along = new Dim[node.InputCount];
        for (int i = 0; i < node.InputCount; i++)
        {
            var d = node.Input(i).Dims!;
            along[i] = d[axis];
            for (int k = 0; k < rank; k++)
                if (k != axis && i > 0)
                    dims[k] = Unify(node, dims[k], d[k], $"inputs 0 and {i} differ in dimension {k} outside the concatenation axis");
        }
        dims[axis] = Sum(node, along);
        Dim[]? elements = null;
        if (rank == 1)
        {
            var parts = new List<Dim>();
            for (int i = 0; i < node.InputCount && parts is not null; i++)
                if (node.Input(i).Elements is { } e) parts.AddRange(e);
                else parts = null;
            elements = parts?.ToArray();
        }
        node.SetTensor(0, element, dims, elements);
    }

    static Dim Sum(ShapeContext node, Dim[] dims)
    {
        long total = 0;
        Dim? symbol = null;
        int symbols = 0;
        foreach (var d in dims)
        {
            if (d.IsKnown) total += d.Value;
            else { symbol = d; symbols++; }
        }
        if (symbols == 0) return Dim.Of(total);
        return symbols == 1 && total == 0 ? symbol!.Value : node.Fresh();
    }

    static void Split(ShapeContext node)
    {
        var x = node.Input(0);
        int parts = node.OutputCount;
        if (!x.HasRank || ShapeContext.Axis(node.Int("axis", 0), x.Rank) is not { } axis)
        {
            for (int i = 0; i < parts; i++) node.SetTensor(i, x.Element, x.HasRank ? node.FreshDims(x.Rank) : null);
            return;
        }
        long[]? sizes = node.Opset < 13 ? node.Ints("split") : node.HasInput(1) ? node.ConstantInts(1) : null;
        bool sizesAtRunTime = node.Opset >= 13 && node.HasInput(1) && sizes is null;
        var dim = x.Dims![axis];
        for (int i = 0; i < parts; i++)
        {
            var dims = (Dim[])x.Dims.Clone();
            if (sizes is not null) dims[axis] = sizes.Length == parts ? node.DimOf(sizes[i]) : node.Fresh();
            else if (sizesAtRunTime || !dim.IsKnown) dims[axis] = parts == 1 && !sizesAtRunTime ? dim : node.Fresh();
            else if (node.Opset >= 18 && node.Int("num_outputs", 0) > 0)
            {
                long each = (dim.Value + parts - 1) / parts;
                dims[axis] = Dim.Of(Math.Clamp(dim.Value - each * i, 0, each));
            }
            else dims[axis] = dim.Value % parts == 0 ? Dim.Of(dim.Value / parts) : node.Fresh();
            node.SetTensor(i, x.Element, dims);
        }
    }

    static void Slice(ShapeContext node)
    {
        var x = node.Input(0);
        if (!x.HasRank)
        {
            node.SetTensor(0, x.Element, null);
            return;
        }
        long[]? starts, ends, axes, steps;
        if (node.Opset < 10)
        {
            starts = node.Ints("starts");
            ends = node.Ints("ends");
            axes = node.Ints("axes");
            steps = null;
        }
        else
        {
            starts = node.ConstantInts(1);
            ends = node.ConstantInts(2);
            axes = node.HasInput(3) ? node.ConstantInts(3) : null;
            steps = node.HasInput(4) ? node.ConstantInts(4) : null;
            if (node.HasInput(3) && axes is null || node.HasInput(4) && steps is null) starts = null;
        }
        var dims = (Dim[])x.Dims!.Clone();
        if (starts is null || ends is null || starts.Length != ends.Length || axes is not null && axes.Length != starts.Length
            || steps is not null && steps.Length != starts.Length)
        {
            // Which axes are sliced, or by how much, is known only at run time.
            node.SetTensor(0, x.Element, node.FreshDims(x.Rank));
            return;
        }
        bool elementsSliced = x.Rank == 1 && x.Elements is not null;
        long elementsStart = 0, elementsEnd = 0, elementsStep = 1;
        for (int i = 0; i < starts.Length; i++)
        {
            if (ShapeContext.Axis(axes?[i] ?? i, x.Rank) is not { } axis) return;
            long step = steps?[i] ?? 1;
            if (step == 0) return;
            var d = dims[axis];
            if (!d.IsKnown)
            {
                // The whole of an unknown dim is still the same dim.
                bool whole = step == 1 && starts[i] == 0 && ends[i] >= int.MaxValue;
                dims[axis] = whole ? d : node.Fresh();
                elementsSliced = false;
                continue;
            }
            long n = d.Value, s = starts[i], e = ends[i];
            if (s < 0) s += n;
            if (e < 0) e += n;
            if (step > 0)
            {
                s = Math.Clamp(s, 0, n);
                e = Math.Clamp(e, 0, n);
            }
            else
            {
                s = Math.Clamp(s, 0, n - 1);
                e = Math.Clamp(e, -1, n - 1);
            }
            long length = step > 0 ? Math.Max(0, (e - s + step - 1) / step) : Math.Max(0, (s - e + (-step) - 1) / -step);
            dims[axis] = Dim.Of(length);
            (elementsStart, elementsEnd, elementsStep) = (s, e, step);
        }
        Dim[]? elements = null;
        if (elementsSliced && dims[0].IsKnown)
        {
            elements = new Dim[dims[0].Value];
            for (int k = 0; k < elements.Length; k++) elements[k] = x.Elements![elementsStart + k * elementsStep];
        }
        node.SetTensor(0, x.Element, dims, elements);
    }

    static void Gather(ShapeContext node)
    {
        var data = node.Input(0);
        var indices = node.Input(1);
        if (!data.HasRank || !indices.HasRank)
        {
            node.SetTensor(0, data.Element, null);
            return;
        }
        if (ShapeContext.Axis(node.Int("axis", 0), data.Rank) is not { } axis) return;
        var dims = new List<Dim>();
        dims.AddRange(data.Dims![..axis]);
        dims.AddRange(indices.Dims!);
        dims.AddRange(data.Dims[(axis + 1)..]);
        Dim[]? elements = null;
        if (data.Rank == 1 && data.Elements is { } source && node.ConstantInts(1) is { } picks && indices.Rank <= 1)
        {
            elements = new Dim[picks.Length];
            for (int i = 0; i < picks.Length; i++)
            {
                long p = picks[i] < 0 ? picks[i] + source.Length : picks[i];
                if (p < 0 || p >= source.Length) { elements = null; break; }
                elements[i] = source[p];
            }
        }
        node.SetTensor(0, data.Element, dims.ToArray(), elements);
    }

    static void Expand(ShapeContext node)
    {
        var x = node.Input(0);
        var shape = node.ShapeElements(1);
        if (shape is null)
        {
            node.SetTensor(0, x.Element, null);
            return;
        }
        node.SetTensor(0, x.Element, ElementWiseShapes.Broadcast(node, x.Dims, shape));
    }

    static void Tile(ShapeContext node)
    {
        var x = node.Input(0);
        var repeats = node.ConstantInts(1);
        if (!x.HasRank || repeats is null || repeats.Length != x.Rank)
        {
            node.SetTensor(0, x.Element, x.HasRank ? node.FreshDims(x.Rank) : null);
            return;
        }
        var dims = new Dim[x.Rank];
        for (int i = 0; i < dims.Length; i++)
        {
            var d = x.Dims![i];
            dims[i] = repeats[i] == 1 ? d : d.IsKnown && repeats[i] >= 0 ? Dim.Of(d.Value * repeats[i]) : repeats[i] == 0 ? Dim.Of(0) : node.Fresh();
        }
        node.SetTensor(0, x.Element, dims);
    }

    static void Pad(ShapeContext node)
    {
        var x = node.Input(0);
        if (!x.HasRank)
        {
            node.SetTensor(0, x.Element, null);
            return;
        }
        long[]? pads = node.Opset < 11 ? node.Ints(node.Opset < 2 ? "paddings" : "pads") : node.ConstantInts(1);
        long[]? axes = null;
        if (node.Opset >= 18 && node.HasInput(3))
        {
            axes = node.ConstantInts(3);
            if (axes is null) pads = null;
        }
        int count = axes?.Length ?? x.Rank;
        if (pads is null || pads.Length != 2 * count)
        {
            node.SetTensor(0, x.Element, node.FreshDims(x.Rank));
            return;
        }
        var dims = (Dim[])x.Dims!.Clone();
        for (int i = 0; i < count; i++)
        {
            if (ShapeContext.Axis(axes?[i] ?? i, x.Rank) is not { } axis) return;
            long grow = pads[i] + pads[i + count];
            var d = dims[axis];
            dims[axis] = grow == 0 ? d : d.IsKnown ? node.DimOf(d.Value + grow) : node.Fresh();
        }
        node.SetTensor(0, x.Element, dims);
    }

    static void ConstantOfShape(ShapeContext node)
    {
        var element = node.TensorAttribute("value") is { } value ? (ElementType)value.DataType : ElementType.Float;
        var shape = node.ShapeElements(0);
        var shapeDims = node.Input(0).Dims;
        node.SetTensor(0, element, shape ?? (shapeDims is [{ IsKnown: true } n] ? node.FreshDims((int)n.Value) : null));
    }

    static void TopK(ShapeContext node)
    {
        var x = node.Input(0);
        if (!x.HasRank || ShapeContext.Axis(node.Int("axis", -1), x.Rank) is not { } axis)
        {
            node.SetTensor(0, x.Element, null);
            node.SetTensor(1, ElementType.Int64, null);
            return;
        }
        long? k = node.Opset < 10 ? node.Int("k", -1) : node.ConstantInts(1) is [var v] ? v : null;
        var dims = (Dim[])x.Dims!.Clone();
        dims[axis] = node.DimOf(k);
        node.SetTensor(0, x.Element, dims);
        node.SetTensor(1, ElementType.Int64, dims);
    }

    static void Blocks(ShapeContext node, bool toDepth)
    {
        var x = node.Input(0);
        long b = node.Int("blocksize", 0);
        if (x.Dims is not { Length: 4 } d || b <= 0)
        {
            node.SetTensor(0, x.Element, x.HasRank ? node.FreshDims(x.Rank) : null);
            return;
        }
        long area = b * b;
        Dim Scale(Dim dim, bool multiply, long by) =>
            !dim.IsKnown ? node.Fresh() : multiply ? Dim.Of(dim.Value * by) : dim.Value % by == 0 ? Dim.Of(dim.Value / by) : node.Fresh();
        node.SetTensor(0, x.Element, [d[0], Scale(d[1], toDepth, area), Scale(d[2], !toDepth, b), Scale(d[3], !toDepth, b)]);
    }

    static void Range(ShapeContext node)
    {
        var element = node.Input(0).Element;
        Tensor? start = node.Constant(0), limit = node.Constant(1), delta = node.Constant(2);
        if (start is null || limit is null || delta is null || start.Length != 1 || limit.Length != 1 || delta.Length != 1)
        {
            node.SetTensor(0, element, [node.Fresh()]);
            return;
        }
        double s = AsDouble(start), l = AsDouble(limit), d = AsDouble(delta);
        if (d == 0 || double.IsNaN(s) || double.IsNaN(l) || double.IsNaN(d)) return;
        node.SetTensor(0, element, [Dim.Of((long)Math.Max(0, Math.Ceiling((l - s) / d)))]);
    }

    /// <summary>indices' dims with a new axis of size depth, in the values' type; depth is known when constant or shape-computed.</summary>
    static void OneHot(ShapeContext node)
    {
        var indices = node.Input(0);
        var element = node.Input(2).Element;
        if (!indices.HasRank)
        {
            node.SetTensor(0, element, null);
            return;
        }
        int rank = indices.Rank + 1;
        if (ShapeContext.Axis(node.Int("axis", -1), rank) is not { } axis) return;
        Dim depth;
        if (node.ShapeElements(1) is [var e]) depth = e.IsKnown && e.Value < 1 ? node.Fresh() : e;
        else if (node.Constant(1) is { Length: 1 } c && AsDouble(c) is var v && !double.IsNaN(v) && v >= 1) depth = Dim.Of((long)v); // the kernel truncates a float depth
        else depth = node.Fresh();
        var dims = new Dim[rank];
        for (int i = 0, j = 0; i < rank; i++) dims[i] = i == axis ? depth : indices.Dims![j++];
        node.SetTensor(0, element, dims);
    }

    static double AsDouble(Tensor t) => t.Type switch
    {
        ElementType.Float => t.Span<float>()[0],
        ElementType.Double => t.Span<double>()[0],
        ElementType.Int64 => t.Span<long>()[0],
        ElementType.Int32 => t.Span<int>()[0],
        ElementType.Int16 => t.Span<short>()[0],
        _ => double.NaN,
    };
}
