using System.Numerics;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Einsum: any number of operands, explicit or implicit output (labels used once, in alphabetical
/// order), "..." broadcast dimensions, repeated labels (diagonals). Evaluated directly as a loop over
/// every label, output labels outermost, each operand addressed by per-label strides (summed over a
/// repeated label, 0 for a broadcast dimension).
/// </summary>
internal sealed class Einsum : Kernel
{
    const int MaxLabels = 64;
    /// <summary>Ellipsis dimensions get labels after the letters: index 52 + k.</summary>
    const int EllipsisBase = 52;

    readonly string[] _inputs;
    readonly string? _output;

    Einsum(string[] inputs, string? output)
    {
        _inputs = inputs;
        _output = output;
    }

    public static Kernel Create(NodeInfo node)
    {
        var equation = node.GetString("equation", "");
        var compact = new string(equation.Where(c => !char.IsWhiteSpace(c)).ToArray());
        int arrow = compact.IndexOf("->", StringComparison.Ordinal);
        var lhs = arrow >= 0 ? compact[..arrow] : compact;
        string? output = arrow >= 0 ? compact[(arrow + 2)..] : null;
        var inputs = lhs.Split(',');
        foreach (var term in inputs.Append(output ?? ""))
        {
            var letters = term.Replace("...", "", StringComparison.Ordinal);
            if (letters.Any(c => !char.IsAsciiLetter(c)))
                throw node.Invalid($"equation '{equation}' has a term '{term}' with characters other than letters and '...'");
        }
        if (inputs.Length != node.FormalInputCount)
            throw node.Invalid($"equation '{equation}' names {inputs.Length} operands but the node has {node.FormalInputCount} inputs");
        if (node.InputTypes[0] is { } t && t is not (ElementType.Float or ElementType.Double or ElementType.Int32 or ElementType.Int64))
            throw node.Unsupported($"Einsum of {ElementTypeInfo.OnnxName(t)} is not implemented");
        return new Einsum(inputs, output);
    }

    static int LabelOf(char c) => c >= 'a' ? c - 'a' + 26 : c - 'A';

    /// <summary>Labels of a term for an operand of the given rank; ellipsis dims right-aligned to <paramref name="ellipsisRank"/>.</summary>
    static int Expand(string term, int rank, int ellipsisRank, Span<int> labels)
    {
        int n = 0;
        int dots = term.IndexOf("...", StringComparison.Ordinal);
        int explicitCount = term.Length - (dots >= 0 ? 3 : 0);
        for (int i = 0; i < term.Length; i++)
        {
            if (i == dots)
            {
                int k = rank - explicitCount;
                for (int e = 0; e < k; e++) labels[n++] = EllipsisBase + ellipsisRank - k + e;
                i += 2;
                continue;
            }
            labels[n++] = LabelOf(term[i]);
        }
        return n;
    }

    public override void Run(KernelContext context)
    {
        int count = _inputs.Length;
        var first = context.Input(0);
        Span<int> size = stackalloc int[MaxLabels + 16];
        size.Fill(-1);
        int ellipsisRank = 0;
        for (int i = 0; i < count; i++)
        {
            var x = context.Input(i);
            if (x.Type != first.Type) throw new InferenceException("Einsum operands must share one element type");
            int explicitCount = _inputs[i].Replace("...", "", StringComparison.Ordinal).Length;
            bool hasDots = _inputs[i].Contains("...", StringComparison.Ordinal);
            if (hasDots ? x.Rank < explicitCount : x.Rank != explicitCount)
                throw new InferenceException($"Einsum term '{_inputs[i]}' does not fit operand {i} of shape {x.ShapeString}");
            if (hasDots) ellipsisRank = Math.Max(ellipsisRank, x.Rank - explicitCount);
        }
        if (EllipsisBase + ellipsisRank > size.Length) throw new InferenceException("Einsum has too many ellipsis dimensions");

        Span<int> labels = stackalloc int[32];
        Span<bool> used = stackalloc bool[size.Length];
        Span<int> uses = stackalloc int[size.Length];
        uses.Clear();
        for (int i = 0; i < count; i++)
        {
            var x = context.Input(i);
            int n = Expand(_inputs[i], x.Rank, ellipsisRank, labels);
            for (int a = 0; a < n; a++)
            {
                int l = labels[a], d = x.Shape[a];
                uses[l]++;
                if (size[l] == -1 || size[l] == 1) size[l] = d;
                else if (d != 1 && d != size[l])
                    throw new InferenceException($"Einsum label '{LabelName(l)}' has sizes {size[l]} and {d}");
                else if (d == 1 && l < EllipsisBase)
                    throw new InferenceException($"Einsum label '{LabelName(l)}' has sizes {size[l]} and {d}");
            }
        }

        // Output labels: explicit, or ellipsis dims then letters used exactly once in alphabetical order.
        Span<int> outLabels = stackalloc int[size.Length];
        int outCount = 0;
        if (_output is not null)
        {
            int dots = _output.IndexOf("...", StringComparison.Ordinal);
            for (int i = 0; i < _output.Length; i++)
            {
                if (i == dots)
                {
                    for (int e = 0; e < ellipsisRank; e++) outLabels[outCount++] = EllipsisBase + e;
                    i += 2;
                    continue;
                }
                int l = LabelOf(_output[i]);
                if (size[l] < 0) throw new InferenceException($"Einsum output label '{_output[i]}' does not appear in the inputs");
                outLabels[outCount++] = l;
            }
        }
        else
        {
            for (int e = 0; e < ellipsisRank; e++) outLabels[outCount++] = EllipsisBase + e;
            // Labels 0..51 are A..Z then a..z: character-code order, as numpy sorts the implicit output.
            for (int l = 0; l < 52; l++)
                if (uses[l] == 1) outLabels[outCount++] = l;
        }
        used.Clear();
        Span<int> order = stackalloc int[size.Length];
        int total = 0;
        for (int i = 0; i < outCount; i++) { order[total++] = outLabels[i]; used[outLabels[i]] = true; }
        for (int l = 0; l < size.Length; l++)
            if (size[l] >= 0 && !used[l]) { order[total++] = l; used[l] = true; }

        Span<int> yShape = stackalloc int[outCount];
        for (int i = 0; i < outCount; i++) yShape[i] = size[outLabels[i]];
        var y = context.Output(0, first.Type, yShape);

        // strides[input * total + position in order]
        Span<int> strides = stackalloc int[count * total];
        strides.Clear();
        for (int i = 0; i < count; i++)
        {
            var x = context.Input(i);
            int n = Expand(_inputs[i], x.Rank, ellipsisRank, labels);
            int stride = 1;
            for (int a = n - 1; a >= 0; a--)
            {
                if (x.Shape[a] != 1)
                    for (int p = 0; p < total; p++) if (order[p] == labels[a]) strides[i * total + p] += stride;
                stride *= x.Shape[a];
            }
        }
        Span<int> dims = stackalloc int[total];
        for (int p = 0; p < total; p++) dims[p] = size[order[p]];

        switch (first.Type)
        {
            case ElementType.Float: Compute<float>(context, y, dims, outCount, strides); break;
            case ElementType.Double: Compute<double>(context, y, dims, outCount, strides); break;
            case ElementType.Int32: Compute<int>(context, y, dims, outCount, strides); break;
            case ElementType.Int64: Compute<long>(context, y, dims, outCount, strides); break;
            default: throw new InferenceException($"Einsum does not support {first.TypeName}");
        }
    }

    static string LabelName(int l) => l >= EllipsisBase ? "..." : l >= 26 ? ((char)('a' + l - 26)).ToString() : ((char)('A' + l)).ToString();

    void Compute<T>(KernelContext context, Tensor y, ReadOnlySpan<int> dims, int outCount, ReadOnlySpan<int> strides) where T : unmanaged, INumber<T>
    {
        int count = _inputs.Length, total = dims.Length;
        var yv = y.Span<T>();
        if (yv.Length == 0) return;
        int inner = 1;
        for (int p = outCount; p < total; p++) inner *= dims[p];
        Span<int> index = stackalloc int[Math.Max(total, 1)];
        Span<int> offsets = stackalloc int[count];
        index.Clear();
        offsets.Clear();
        for (int o = 0; o < yv.Length; o++)
        {
            T sum = T.Zero;
            for (int j = 0; j < inner; j++)
            {
                T product = T.One;
                for (int i = 0; i < count; i++) product *= context.Input(i).Span<T>()[offsets[i]];
                sum += product;
                Advance(index, dims, strides, offsets, outCount, total);
            }
            yv[o] = sum;
            if (inner == 0) Advance(index, dims, strides, offsets, outCount, outCount); // nothing was summed: step the output index alone
        }
    }

    /// <summary>Odometer step over positions [0, limit), updating each operand's element offset.</summary>
    static void Advance(Span<int> index, ReadOnlySpan<int> dims, ReadOnlySpan<int> strides, Span<int> offsets, int outCount, int limit)
    {
        int total = dims.Length;
        for (int p = limit - 1; p >= 0; p--)
        {
            for (int i = 0; i < offsets.Length; i++) offsets[i] += strides[i * total + p];
            if (++index[p] < dims[p]) return;
            for (int i = 0; i < offsets.Length; i++) offsets[i] -= strides[i * total + p] * dims[p];
            index[p] = 0;
        }
        _ = outCount;
    }
}
