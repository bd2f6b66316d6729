using System.Numerics;
using UniML.Engine.Primitives;

namespace UniML.Engine.Operators.Onnx;

/// <summary>How a scatter combines an update with the value already in the output.</summary>
internal enum ScatterReduction { None, Add, Mul, Max, Min }

/// <summary>
/// ScatterElements (and the deprecated Scatter, opset 9): a copy of data where
/// out[i with the axis coordinate replaced by indices[i]] = updates[i], optionally combined by
/// add/mul (opset 16) or max/min (opset 18). ScatterND lives beside it and shares the reductions.
/// </summary>
internal sealed class ScatterElements(long axis, ScatterReduction reduction) : Kernel
{
    public static Kernel Create(NodeInfo node) => new ScatterElements(node.GetInt("axis", 0), Scatter.ParseReduction(node));

    public override void Run(KernelContext context)
    {
        var data = context.Input(0);
        var indices = context.Input(1);
        var updates = context.Input(2);
        int rank = data.Rank;
        if (indices.Rank != rank || updates.Rank != rank)
            throw new InferenceException($"data, indices and updates must have the same rank: {data.ShapeString}, {indices.ShapeString}, {updates.ShapeString}");
        for (int k = 0; k < rank; k++)
            if (indices.Shape[k] != updates.Shape[k])
                throw new InferenceException($"indices {indices.ShapeString} and updates {updates.ShapeString} must have the same shape");
        int a = ShapeInputs.Axis(axis, rank);
        var y = context.Output(0, data.Type, data);
        ElementView.Copy(data, y);
        if (indices.Length == 0) return;

        // Output offset for every update, computed once, then applied in order (later duplicates win for 'none').
        var targets = context.Scratch<int>(indices.Length);
        Indices.AlongAxis(indices, data.Shape, a, targets);
        Scatter.Apply(y, updates, targets, 1, reduction);
    }
}

/// <summary>ScatterND: out[indices[j...]] (a slice of the trailing dimensions) = updates[j...], with optional reductions.</summary>
internal sealed class ScatterND(ScatterReduction reduction) : Kernel
{
    public static Kernel Create(NodeInfo node) => new ScatterND(Scatter.ParseReduction(node));

    public override void Run(KernelContext context)
    {
        var data = context.Input(0);
        var indices = context.Input(1);
        var updates = context.Input(2);
        int r = data.Rank, q = indices.Rank;
        if (q < 1) throw new InferenceException("indices must have rank 1 or more");
        int k = indices.Shape[q - 1];
        if (k > r) throw new InferenceException($"index tuples of length {k} exceed data rank {r}");
        // updates.shape must be indices.shape[:-1] + data.shape[k:]
        bool ok = updates.Rank == q - 1 + r - k;
        for (int i = 0; ok && i < q - 1; i++) ok = updates.Shape[i] == indices.Shape[i];
        for (int i = 0; ok && i < r - k; i++) ok = updates.Shape[q - 1 + i] == data.Shape[k + i];
        if (!ok) throw new InferenceException($"updates {updates.ShapeString} do not match indices {indices.ShapeString} and data {data.ShapeString}");
        var y = context.Output(0, data.Type, data);
        ElementView.Copy(data, y);
        int block = ShapeInputs.Product(data.Shape, k, r);
        int tuples = ShapeInputs.Product(indices.Shape, 0, q - 1);
        if (tuples == 0 || block == 0) return;
        Span<long> strides = stackalloc long[r];
        StridedCopy.DenseStrides(data.Shape, strides);
        var targets = context.Scratch<int>(tuples);
        for (int t = 0; t < tuples; t++)
        {
            long offset = 0;
            for (int m = 0; m < k; m++)
                offset += Indices.Resolve(Indices.At(indices, t * k + m), data.Shape[m], m) * strides[m];
            targets[t] = (int)offset;
        }
        Scatter.Apply(y, updates, targets, block, reduction);
    }
}

/// <summary>Shared scatter machinery: reduction parsing and typed application of updates.</summary>
internal static class Scatter
{
    /// <summary>The deprecated Scatter (opset 9) is ScatterElements without reduction.</summary>
    public static Kernel Create(NodeInfo node) => new ScatterElements(node.GetInt("axis", 0), ScatterReduction.None);

    public static ScatterReduction ParseReduction(NodeInfo node)
    {
        var name = node.GetString("reduction", "none");
        return name switch
        {
            "none" => ScatterReduction.None,
            "add" => ScatterReduction.Add,
            "mul" => ScatterReduction.Mul,
            "max" when node.Opset >= 18 => ScatterReduction.Max,
            "min" when node.Opset >= 18 => ScatterReduction.Min,
            _ => throw node.Invalid($"reduction '{name}' is not defined at opset {node.Opset}"),
        };
    }

    /// <summary>Writes block j of updates to y at element offset targets[j], combining with the reduction.</summary>
    public static void Apply(Tensor y, Tensor updates, ReadOnlySpan<int> targets, int block, ScatterReduction reduction)
    {
        if (updates.Type != y.Type) throw new InferenceException($"updates are {updates.TypeName}, data is {y.TypeName}");
        if (reduction == ScatterReduction.None)
        {
            switch (ElementView.Width(y.Type))
            {
                case 1: Assign<byte>(y, updates, targets, block); break;
                case 2: Assign<ushort>(y, updates, targets, block); break;
                case 4: Assign<uint>(y, updates, targets, block); break;
                case 8: Assign<ulong>(y, updates, targets, block); break;
                default: Assign<string>(y, updates, targets, block); break;
            }
            return;
        }
        if (!ElementTypes.TryVisitNumeric(y.Type, new Combine(y, updates, targets, block, reduction)))
            throw new InferenceException($"reduction {reduction} is not defined for {y.TypeName}");
    }

    readonly ref struct Combine(Tensor y, Tensor updates, ReadOnlySpan<int> targets, int block, ScatterReduction reduction) : INumericVisitor
    {
        readonly ReadOnlySpan<int> _targets = targets;

        public void Visit<T>() where T : unmanaged, INumber<T> => Reduce(y.Span<T>(), updates.Span<T>(), _targets, block, reduction);
    }

    static void Assign<T>(Tensor y, Tensor updates, ReadOnlySpan<int> targets, int block)
    {
        var dst = ElementView.Of<T>(y);
        var src = ElementView.Of<T>(updates);
        for (int j = 0; j < targets.Length; j++)
            src.Slice(j * block, block).CopyTo(dst.Slice(targets[j], block));
    }

    static void Reduce<T>(Span<T> dst, ReadOnlySpan<T> src, ReadOnlySpan<int> targets, int block, ScatterReduction reduction) where T : INumber<T>
    {
        for (int j = 0; j < targets.Length; j++)
        {
            var d = dst.Slice(targets[j], block);
            var s = src.Slice(j * block, block);
            for (int i = 0; i < block; i++)
            {
                d[i] = reduction switch
                {
                    ScatterReduction.Add => d[i] + s[i],
                    ScatterReduction.Mul => d[i] * s[i],
                    ScatterReduction.Max => T.Max(d[i], s[i]),
                    _ => T.Min(d[i], s[i]),
                };
            }
        }
    }
}
