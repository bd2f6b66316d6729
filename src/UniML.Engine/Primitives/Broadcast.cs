using System.Runtime.CompilerServices;

namespace UniML.Engine.Primitives;

/// <summary>An element-wise binary operation with a scalar form and vectorisable span forms.</summary>
internal interface IBinaryOperation<TIn, TOut>
{
    static abstract TOut Apply(TIn a, TIn b);

    /// <summary>dest[i] = op(a[i], b[i]).</summary>
    static abstract void Apply(ReadOnlySpan<TIn> a, ReadOnlySpan<TIn> b, Span<TOut> dest);

    /// <summary>dest[i] = op(a[i], b).</summary>
    static abstract void Apply(ReadOnlySpan<TIn> a, TIn b, Span<TOut> dest);

    /// <summary>dest[i] = op(a, b[i]).</summary>
    static abstract void Apply(TIn a, ReadOnlySpan<TIn> b, Span<TOut> dest);
}

/// <summary>An element-wise binary operation given only in scalar form (no vectorised span form).</summary>
internal interface IScalarOperation<TIn, TOut>
{
    static abstract TOut Apply(TIn a, TIn b);
}

/// <summary>The span forms of a scalar-only operation as plain loops, so it can run through <see cref="Broadcast.Binary"/>.</summary>
internal readonly struct ScalarLoops<TIn, TOut, TOp> : IBinaryOperation<TIn, TOut> where TOp : IScalarOperation<TIn, TOut>
{
    public static TOut Apply(TIn a, TIn b) => TOp.Apply(a, b);

    public static void Apply(ReadOnlySpan<TIn> a, ReadOnlySpan<TIn> b, Span<TOut> dest)
    {
        for (int i = 0; i < dest.Length; i++) dest[i] = TOp.Apply(a[i], b[i]);
    }

    public static void Apply(ReadOnlySpan<TIn> a, TIn b, Span<TOut> dest)
    {
        for (int i = 0; i < dest.Length; i++) dest[i] = TOp.Apply(a[i], b);
    }

    public static void Apply(TIn a, ReadOnlySpan<TIn> b, Span<TOut> dest)
    {
        for (int i = 0; i < dest.Length; i++) dest[i] = TOp.Apply(a, b[i]);
    }
}

/// <summary>
/// Numpy-style (multidirectional) broadcasting. Shapes are right-aligned and padded with 1s; adjacent
/// dimensions with the same broadcast pattern are merged so the innermost loop is as long as possible,
/// and that loop runs through the operation's span form.
/// </summary>
internal static class Broadcast
{
    public const int MaxRank = 16;

    /// <summary>The broadcast shape of a and b, or false when some dimension pair is incompatible.</summary>
    public static bool TryShape(ReadOnlySpan<int> a, ReadOnlySpan<int> b, Span<int> result, out int rank)
    {
        rank = Math.Max(a.Length, b.Length);
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da == db || db == 1) result[i] = da;
            else if (da == 1) result[i] = db;
            else return false;
        }
        return true;
    }

    /// <summary>The broadcast shape, or an <see cref="InferenceException"/> naming both shapes.</summary>
    public static int Shape(ReadOnlySpan<int> a, ReadOnlySpan<int> b, Span<int> result)
    {
        if (a.Length > MaxRank || b.Length > MaxRank)
            throw new InferenceException($"rank over {MaxRank} is not supported");
        if (!TryShape(a, b, result, out int rank))
            throw new InferenceException($"shapes {Tensor.ShapeText(a)} and {Tensor.ShapeText(b)} cannot be broadcast together");
        return rank;
    }

    /// <summary>dest = op(a, b) with broadcasting; <paramref name="outShape"/> must be the broadcast shape.</summary>
    public static void Binary<TIn, TOut, TOp>(ReadOnlySpan<TIn> a, ReadOnlySpan<int> shapeA, ReadOnlySpan<TIn> b, ReadOnlySpan<int> shapeB,
        Span<TOut> dest, ReadOnlySpan<int> outShape) where TOp : IBinaryOperation<TIn, TOut>
    {
        if (dest.Length == 0) return;
        if (a.Length == dest.Length && b.Length == dest.Length) { TOp.Apply(a, b, dest); return; }
        if (b.Length == 1 && a.Length == dest.Length) { TOp.Apply(a, b[0], dest); return; }
        if (a.Length == 1 && b.Length == dest.Length) { TOp.Apply(a[0], b, dest); return; }
        General<TIn, TOut, TOp>(a, shapeA, b, shapeB, dest, outShape);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void General<TIn, TOut, TOp>(ReadOnlySpan<TIn> a, ReadOnlySpan<int> shapeA, ReadOnlySpan<TIn> b, ReadOnlySpan<int> shapeB,
        Span<TOut> dest, ReadOnlySpan<int> outShape) where TOp : IBinaryOperation<TIn, TOut>
    {
        Span<int> dims = stackalloc int[MaxRank];
        Span<int> strideA = stackalloc int[MaxRank];
        Span<int> strideB = stackalloc int[MaxRank];
        int rank = Coalesce(shapeA, shapeB, outShape, dims, strideA, strideB);

        int inner = dims[rank - 1];
        int sa = strideA[rank - 1], sb = strideB[rank - 1];
        Span<int> index = stackalloc int[MaxRank];
        index.Clear();
        int offA = 0, offB = 0, offD = 0;
        int total = dest.Length;
        while (offD < total)
        {
            var d = dest.Slice(offD, inner);
            if (sa != 0 && sb != 0) TOp.Apply(a.Slice(offA, inner), b.Slice(offB, inner), d);
            else if (sa != 0) TOp.Apply(a.Slice(offA, inner), b[offB], d);
            else if (sb != 0) TOp.Apply(a[offA], b.Slice(offB, inner), d);
            else d.Fill(TOp.Apply(a[offA], b[offB]));
            offD += inner;
            // Odometer over the outer dimensions.
            for (int k = rank - 2; k >= 0; k--)
            {
                offA += strideA[k];
                offB += strideB[k];
                if (++index[k] < dims[k]) break;
                offA -= strideA[k] * dims[k];
                offB -= strideB[k] * dims[k];
                index[k] = 0;
            }
        }
    }

    /// <summary>
    /// Right-aligns both input shapes to the output, computes element strides (0 where broadcast), and
    /// merges adjacent dimensions that can be walked as one. Returns the merged rank (at least 1).
    /// </summary>
    public static int Coalesce(ReadOnlySpan<int> shapeA, ReadOnlySpan<int> shapeB, ReadOnlySpan<int> outShape,
        Span<int> dims, Span<int> strideA, Span<int> strideB)
    {
        int rank = outShape.Length;
        Span<int> fullA = stackalloc int[MaxRank];
        Span<int> fullB = stackalloc int[MaxRank];
        for (int i = 0; i < rank; i++)
        {
            fullA[i] = i < rank - shapeA.Length ? 1 : shapeA[i - (rank - shapeA.Length)];
            fullB[i] = i < rank - shapeB.Length ? 1 : shapeB[i - (rank - shapeB.Length)];
        }
        int n = 0;
        for (int i = 0; i < rank; i++)
        {
            if (outShape[i] == 1) continue; // size-1 dims do not affect iteration
            bool bcA = fullA[i] == 1, bcB = fullB[i] == 1;
            if (n > 0 && (strideA[n - 1] == 0) == bcA && (strideB[n - 1] == 0) == bcB)
            {
                dims[n - 1] *= outShape[i];
                continue;
            }
            dims[n] = outShape[i];
            strideA[n] = bcA ? 0 : 1;
            strideB[n] = bcB ? 0 : 1;
            n++;
        }
        if (n == 0)
        {
            dims[0] = 1; strideA[0] = 1; strideB[0] = 1;
            return 1;
        }
        // Turn the "broadcast or not" flags into element strides of the merged layout.
        int accA = 1, accB = 1;
        for (int i = n - 1; i >= 0; i--)
        {
            if (strideA[i] != 0) { strideA[i] = accA; accA *= dims[i]; }
            if (strideB[i] != 0) { strideB[i] = accB; accB *= dims[i]; }
        }
        return n;
    }

    /// <summary>dest = cond ? x : y with three-way numpy broadcasting (Where); <paramref name="outShape"/> is the broadcast of all three.</summary>
    public static void Select<T>(ReadOnlySpan<bool> cond, ReadOnlySpan<int> shapeC, ReadOnlySpan<T> x, ReadOnlySpan<int> shapeX,
        ReadOnlySpan<T> y, ReadOnlySpan<int> shapeY, Span<T> dest, ReadOnlySpan<int> outShape)
    {
        int total = dest.Length;
        if (total == 0) return;
        if (cond.Length == total && x.Length == total && y.Length == total)
        {
            for (int i = 0; i < total; i++) dest[i] = cond[i] ? x[i] : y[i];
            return;
        }
        int rank = outShape.Length;
        if (rank == 0) { dest[0] = cond[0] ? x[0] : y[0]; return; }
        Span<int> sc = stackalloc int[MaxRank];
        Span<int> sx = stackalloc int[MaxRank];
        Span<int> sy = stackalloc int[MaxRank];
        Strides(shapeC, outShape, sc);
        Strides(shapeX, outShape, sx);
        Strides(shapeY, outShape, sy);
        Span<int> index = stackalloc int[MaxRank];
        index.Clear();
        int inner = outShape[rank - 1];
        int ic = sc[rank - 1], ix = sx[rank - 1], iy = sy[rank - 1];
        int offC = 0, offX = 0, offY = 0, offD = 0;
        while (offD < total)
        {
            for (int j = 0, c = offC, a = offX, b = offY; j < inner; j++, c += ic, a += ix, b += iy)
                dest[offD + j] = cond[c] ? x[a] : y[b];
            offD += inner;
            for (int k = rank - 2; k >= 0; k--)
            {
                offC += sc[k]; offX += sx[k]; offY += sy[k];
                if (++index[k] < outShape[k]) break;
                offC -= sc[k] * outShape[k]; offX -= sx[k] * outShape[k]; offY -= sy[k] * outShape[k];
                index[k] = 0;
            }
        }
    }

    /// <summary>Element strides of a right-aligned input in the output's rank, 0 along broadcast dimensions.</summary>
    public static void Strides(ReadOnlySpan<int> shape, ReadOnlySpan<int> outShape, Span<int> strides)
    {
        int rank = outShape.Length, offset = rank - shape.Length, acc = 1;
        for (int i = rank - 1; i >= 0; i--)
        {
            int d = i < offset ? 1 : shape[i - offset];
            strides[i] = d == 1 ? 0 : acc;
            acc *= d;
        }
    }
}
