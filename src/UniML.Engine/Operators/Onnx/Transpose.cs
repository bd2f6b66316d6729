using UniML.Engine.Primitives;

namespace UniML.Engine.Operators.Onnx;

/// <summary>Transpose: permutes axes (reversed by default) as a strided copy of the input.</summary>
internal sealed class Transpose(int[]? perm) : ElementMoveKernel
{
    public static Kernel Create(NodeInfo node)
    {
        var p = node.GetInts("perm");
        if (p is null) return new Transpose(null);
        var perm = new int[p.Length];
        var seen = new bool[p.Length];
        for (int i = 0; i < p.Length; i++)
        {
            if (p[i] < 0 || p[i] >= p.Length || seen[p[i]])
                throw node.Invalid($"perm [{string.Join(",", p)}] is not a permutation");
            seen[p[i]] = true;
            perm[i] = (int)p[i];
        }
        return new Transpose(perm);
    }

    protected override void Run<T>(KernelContext context)
    {
        var x = context.Input(0);
        int rank = x.Rank;
        if (perm is not null && perm.Length != rank)
            throw new InferenceException($"perm has {perm.Length} axes but the input has rank {rank}");
        Span<long> inStrides = stackalloc long[rank];
        StridedCopy.DenseStrides(x.Shape, inStrides);
        Span<int> shape = stackalloc int[rank];
        Span<long> strides = stackalloc long[rank];
        for (int i = 0; i < rank; i++)
        {
            int a = perm is null ? rank - 1 - i : perm[i];
            shape[i] = x.Shape[a];
            strides[i] = inStrides[a];
        }
        var y = context.Output(0, x.Type, shape);
        StridedCopy.Copy<T>(ElementView.Of<T>(x), 0, shape, strides, ElementView.Of<T>(y));
    }
}
