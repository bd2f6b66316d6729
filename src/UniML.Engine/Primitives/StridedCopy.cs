using System.Runtime.CompilerServices;

namespace UniML.Engine.Primitives;

/// <summary>
/// Gathers a strided view of a buffer into a dense destination: dst (in row-major order of
/// <c>shape</c>) = src[offset + Σ index_k · stride_k]. Transpose, Slice (negative steps too), Expand
/// (stride 0), Tile and Depth/SpaceToDepth are all such views. Dimensions that can be walked as one are
/// merged first, and contiguous innermost runs are copied with <see cref="Span{T}.CopyTo"/>.
/// </summary>
internal static class StridedCopy
{
    public const int MaxRank = 64;

    public static void Copy<T>(ReadOnlySpan<T> src, long offset, ReadOnlySpan<int> shape, ReadOnlySpan<long> strides, Span<T> dst)
    {
        if (dst.Length == 0) return;
        if (shape.Length > MaxRank)
            throw new InferenceException($"rank {shape.Length} is over the supported {MaxRank}");
        Span<int> dims = stackalloc int[Math.Max(shape.Length, 1)];
        Span<long> step = stackalloc long[Math.Max(shape.Length, 1)];
        int n = 0;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == 1) continue;
            if (n > 0 && step[n - 1] == strides[i] * shape[i])
            {
                dims[n - 1] *= shape[i];
                step[n - 1] = strides[i];
                continue;
            }
            dims[n] = shape[i];
            step[n] = strides[i];
            n++;
        }
        if (n == 0)
        {
            dst[0] = src[(int)offset];
            return;
        }
        int inner = dims[n - 1];
        long innerStride = step[n - 1];
        if (n == 1)
        {
            Run(src, offset, inner, innerStride, dst);
            return;
        }
        Span<int> index = stackalloc int[n];
        index.Clear();
        long off = offset;
        for (int d = 0; d < dst.Length; d += inner)
        {
            Run(src, off, inner, innerStride, dst.Slice(d, inner));
            for (int k = n - 2; k >= 0; k--)
            {
                off += step[k];
                if (++index[k] < dims[k]) break;
                off -= step[k] * dims[k];
                index[k] = 0;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Run<T>(ReadOnlySpan<T> src, long offset, int count, long stride, Span<T> dst)
    {
        if (stride == 1)
            src.Slice((int)offset, count).CopyTo(dst);
        else if (stride == 0)
            dst.Slice(0, count).Fill(src[(int)offset]);
        else
        {
            int s = (int)stride, o = (int)offset;
            for (int i = 0; i < count; i++, o += s)
                dst[i] = src[o];
        }
    }

    /// <summary>Row-major element strides of <paramref name="shape"/>.</summary>
    public static void DenseStrides(ReadOnlySpan<int> shape, Span<long> strides)
    {
        long acc = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = acc;
            acc *= shape[i];
        }
    }
}
