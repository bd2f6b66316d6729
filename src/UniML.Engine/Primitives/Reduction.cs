using System.Numerics;
using System.Numerics.Tensors;

namespace UniML.Engine.Primitives;

/// <summary>An associative reduction: an identity, a scalar combine, a whole-span reduce and an element-wise span combine.</summary>
internal interface IReduction<T>
{
    static abstract T Identity { get; }
    static abstract T Combine(T a, T b);

    /// <summary>The reduction of a contiguous run of elements.</summary>
    static abstract T Reduce(ReadOnlySpan<T> x);

    /// <summary>acc[i] = Combine(acc[i], x[i]).</summary>
    static abstract void Combine(Span<T> acc, ReadOnlySpan<T> x);
}

internal readonly struct SumReduction<T> : IReduction<T> where T : INumber<T>
{
    public static T Identity => T.Zero;
    public static T Combine(T a, T b) => a + b;
    public static T Reduce(ReadOnlySpan<T> x) => TensorPrimitives.Sum(x);
    public static void Combine(Span<T> acc, ReadOnlySpan<T> x) => TensorPrimitives.Add(acc, x, acc);
}

internal readonly struct ProductReduction<T> : IReduction<T> where T : INumber<T>
{
    public static T Identity => T.One;
    public static T Combine(T a, T b) => a * b;
    public static T Reduce(ReadOnlySpan<T> x) => TensorPrimitives.Product(x);
    public static void Combine(Span<T> acc, ReadOnlySpan<T> x) => TensorPrimitives.Multiply(acc, x, acc);
}

/// <summary>Maximum; NaN propagates (as numpy.max). The identity is -inf (the lowest value for integers).</summary>
internal readonly struct MaxReduction<T> : IReduction<T> where T : INumber<T>
{
    public static T Identity => T.CreateSaturating(double.NegativeInfinity);
    public static T Combine(T a, T b) => T.IsNaN(a) || T.IsNaN(b) ? a + b : T.Max(a, b);
    public static T Reduce(ReadOnlySpan<T> x) => TensorPrimitives.Max(x);
    public static void Combine(Span<T> acc, ReadOnlySpan<T> x) => TensorPrimitives.Max(acc, x, acc);
}

internal readonly struct MinReduction<T> : IReduction<T> where T : INumber<T>
{
    public static T Identity => T.CreateSaturating(double.PositiveInfinity);
    public static T Combine(T a, T b) => T.IsNaN(a) || T.IsNaN(b) ? a + b : T.Min(a, b);
    public static T Reduce(ReadOnlySpan<T> x) => TensorPrimitives.Min(x);
    public static void Combine(Span<T> acc, ReadOnlySpan<T> x) => TensorPrimitives.Min(acc, x, acc);
}

/// <summary>Reduction of a dense tensor over a set of axes, without transposing.</summary>
internal static class Reduction
{
    /// <summary>
    /// y = reduce of x over the axes flagged in <paramref name="reduced"/>; y holds the kept dimensions in
    /// order (its length is their product). Adjacent dimensions with the same flag are merged; a reduced
    /// innermost run is reduced with one span call per output element, a kept innermost run is combined
    /// into the output with one span call per outer index.
    /// </summary>
    public static void Run<T, TOp>(ReadOnlySpan<T> x, ReadOnlySpan<int> dims, ReadOnlySpan<bool> reduced, Span<T> y) where TOp : IReduction<T>
    {
        y.Fill(TOp.Identity);
        if (x.IsEmpty || y.IsEmpty) return;
        Span<int> size = stackalloc int[Broadcast.MaxRank];
        Span<bool> isReduced = stackalloc bool[Broadcast.MaxRank];
        int n = 0;
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i] == 1) continue;
            if (n > 0 && isReduced[n - 1] == reduced[i]) { size[n - 1] *= dims[i]; continue; }
            size[n] = dims[i];
            isReduced[n] = reduced[i];
            n++;
        }
        if (n == 0)
        {
            y[0] = TOp.Combine(y[0], x[0]);
            return;
        }
        int inner = size[n - 1];
        bool innerReduced = isReduced[n - 1];
        // Output strides of the outer groups: kept groups are laid out in order; reduced ones do not move the output.
        Span<int> outStride = stackalloc int[Broadcast.MaxRank];
        int acc = innerReduced ? 1 : inner;
        for (int g = n - 2; g >= 0; g--)
        {
            outStride[g] = isReduced[g] ? 0 : acc;
            if (!isReduced[g]) acc *= size[g];
        }
        Span<int> index = stackalloc int[Broadcast.MaxRank];
        index.Clear();
        int inOff = 0, outOff = 0;
        while (inOff < x.Length)
        {
            var run = x.Slice(inOff, inner);
            if (innerReduced) y[outOff] = TOp.Combine(y[outOff], TOp.Reduce(run));
            else TOp.Combine(y.Slice(outOff, inner), run);
            inOff += inner;
            for (int g = n - 2; g >= 0; g--)
            {
                outOff += outStride[g];
                if (++index[g] < size[g]) break;
                outOff -= outStride[g] * size[g];
                index[g] = 0;
            }
        }
    }
}
