using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace UniML.Engine.Primitives;

/// <summary>
/// A few weight rows (at most <see cref="Gemv.MaxRows"/>: a regressor's target, a binary or 3-class linear
/// model) copied once with each row zero padded to a whole number of vectors, for <see cref="Gemv.Multiply"/>.
/// </summary>
internal sealed class PaddedRows
{
    public required float[] Data { get; init; }
    public required int Rows { get; init; }
    public required int Length { get; init; }
    public required int Stride { get; init; }
}

/// <summary>
/// Y[r, c] = bias[c] + X[r, :]·W[c, :] for a batch X and a handful of weight rows W: each X row is loaded
/// once and multiplied by every weight row, then reduced. The SGEMM would compute a full 16-column tile for
/// these one to four columns.
/// </summary>
internal static class Gemv
{
    public const int MaxRows = 4;

    /// <summary>Whether the vector path applies on this CPU (else <see cref="Multiply"/> uses dot products per row).</summary>
    public static bool IsAccelerated => Vector512.IsHardwareAccelerated;

    /// <summary>16 set lanes then 16 clear ones: a window of it masks the first t lanes.</summary>
    static ReadOnlySpan<int> TailMask => [-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    public static PaddedRows Pad(ReadOnlySpan<float> w, int rows, int length)
    {
        int stride = (length + 15) / 16 * 16;
        var data = new float[Math.Max(rows * stride, 1)];
        for (int r = 0; r < rows; r++) w.Slice(r * length, length).CopyTo(data.AsSpan(r * stride));
        return new PaddedRows { Data = data, Rows = rows, Length = length, Stride = stride };
    }

    /// <summary>Y[r·ldy + c] = bias[c] + dot(X row r, W row c) for r &lt; <paramref name="rows"/>, c &lt; W.Rows.</summary>
    public static unsafe void Multiply(ReadOnlySpan<float> x, int rows, PaddedRows w, ReadOnlySpan<float> bias, Span<float> y, int ldy)
    {
        int k = w.Length, n = w.Rows;
        if (n > MaxRows || bias.Length < n) throw new ArgumentException("Gemv takes at most 4 weight rows and one bias per row");
        if ((long)rows * k > x.Length || (rows > 0 && (long)(rows - 1) * ldy + n > y.Length))
            throw new ArgumentException("Gemv operands are smaller than their shapes");
        if (!IsAccelerated)
        {
            var wd = w.Data.AsSpan();
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < n; c++)
                    y[r * ldy + c] = bias[c] + TensorPrimitives.Dot(x.Slice(r * k, k), wd.Slice(c * w.Stride, k));
            return;
        }
        int tail = k % 16;
        int whole = k - tail;
        var mask = tail == 0 ? Vector512<float>.AllBitsSet
            : Vector512.LoadUnsafe(ref Unsafe.Add(ref MemoryMarshal.GetReference(TailMask), 16 - tail)).AsSingle();
        float* spare = stackalloc float[16];
        fixed (float* xBase = x)
        fixed (float* wBase = w.Data)
        fixed (float* yBase = y)
        {
            float b0 = bias[0], b1 = n > 1 ? bias[1] : 0, b2 = n > 2 ? bias[2] : 0, b3 = n > 3 ? bias[3] : 0;
            int stride = w.Stride;
            for (int r = 0; r < rows; r++)
            {
                float* xr = xBase + (long)r * k;
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                int p = 0;
                for (; p < whole; p += 16)
                {
                    var xv = Vector512.Load(xr + p);
                    a0 = Vector512.FusedMultiplyAdd(xv, Vector512.Load(wBase + p), a0);
                    if (n > 1) a1 = Vector512.FusedMultiplyAdd(xv, Vector512.Load(wBase + stride + p), a1);
                    if (n > 2) a2 = Vector512.FusedMultiplyAdd(xv, Vector512.Load(wBase + 2 * stride + p), a2);
                    if (n > 3) a3 = Vector512.FusedMultiplyAdd(xv, Vector512.Load(wBase + 3 * stride + p), a3);
                }
                if (tail != 0)
                {
                    Vector512<float> xv;
                    // Lanes past the row are masked off, not multiplied by zero weights: the next row may hold NaN.
                    if ((long)r * k + p + 16 <= x.Length) xv = Vector512.Load(xr + p) & mask;
                    else
                    {
                        for (int i = 0; i < 16; i++) spare[i] = i < tail ? xr[p + i] : 0f;
                        xv = Vector512.Load(spare);
                    }
                    a0 = Vector512.FusedMultiplyAdd(xv, Vector512.Load(wBase + p), a0);
                    if (n > 1) a1 = Vector512.FusedMultiplyAdd(xv, Vector512.Load(wBase + stride + p), a1);
                    if (n > 2) a2 = Vector512.FusedMultiplyAdd(xv, Vector512.Load(wBase + 2 * stride + p), a2);
                    if (n > 3) a3 = Vector512.FusedMultiplyAdd(xv, Vector512.Load(wBase + 3 * stride + p), a3);
                }
                float* yr = yBase + (long)r * ldy;
                yr[0] = b0 + Vector512.Sum(a0);
                if (n > 1) yr[1] = b1 + Vector512.Sum(a1);
                if (n > 2) yr[2] = b2 + Vector512.Sum(a2);
                if (n > 3) yr[3] = b3 + Vector512.Sum(a3);
            }
        }
    }
}
