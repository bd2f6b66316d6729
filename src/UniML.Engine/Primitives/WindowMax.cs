using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace UniML.Engine.Primitives;

/// <summary>
/// Max pooling of 2×2 windows at column stride 2 (LeNet/VGG-style downsampling), vectorised. Each output is
/// computed exactly as MaxPool's general loop does: the four values are taken in row order (r0[2j], r0[2j+1],
/// r1[2j], r1[2j+1]) and a value replaces the best so far when it is larger, or when it is the first NaN.
/// </summary>
internal static class WindowMax
{
    /// <summary>dst[j] = max of r0[2j], r0[2j+1], r1[2j], r1[2j+1] for j in [0, count).</summary>
    public static unsafe void Pairs2x2(float* r0, float* r1, float* dst, int count)
    {
        if (!Avx2.IsSupported)
        {
            for (int j = 0; j < count; j++)
            {
                float best = r0[2 * j];
                best = Better(best, r0[2 * j + 1]);
                best = Better(best, r1[2 * j]);
                best = Better(best, r1[2 * j + 1]);
                dst[j] = best;
            }
            return;
        }
        if (count < 8)
        {
            Block(r0, r1, dst, count);
            return;
        }
        // The last block overlaps the previous one instead of falling back to scalar code.
        for (int j = 0; ; j += 8)
        {
            if (j > count - 8) j = count - 8;
            Block(r0 + 2 * j, r1 + 2 * j, dst + j, 8);
            if (j == count - 8) return;
        }
    }

    /// <summary>Eight outputs, or the first <paramref name="valid"/> of them with masked loads (short rows, e.g. 5 outputs).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void Block(float* r0, float* r1, float* dst, int valid)
    {
        Vector256<float> a0, a1, b0, b1;
        if (valid == 8)
        {
            a0 = Avx.LoadVector256(r0);
            a1 = Avx.LoadVector256(r0 + 8);
            b0 = Avx.LoadVector256(r1);
            b1 = Avx.LoadVector256(r1 + 8);
        }
        else
        {
            // Lanes past the 2·valid inputs are not read (they load as 0) and their outputs are not stored.
            var lane = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
            var low = Vector256.LessThan(lane, Vector256.Create(2 * valid)).AsSingle();
            var high = Vector256.LessThan(lane, Vector256.Create(2 * valid - 8)).AsSingle();
            a0 = Avx.MaskLoad(r0, low);
            a1 = Avx.MaskLoad(r0 + 8, high);
            b0 = Avx.MaskLoad(r1, low);
            b1 = Avx.MaskLoad(r1 + 8, high);
        }
        // Even and odd columns of 16 values, as [0 2 8 10 | 4 6 12 14] and [1 3 9 11 | 5 7 13 15].
        var best = Avx.Shuffle(a0, a1, 0b10_00_10_00);
        best = Better(best, Avx.Shuffle(a0, a1, 0b11_01_11_01));
        best = Better(best, Avx.Shuffle(b0, b1, 0b10_00_10_00));
        best = Better(best, Avx.Shuffle(b0, b1, 0b11_01_11_01));
        var ordered = Avx2.Permute4x64(best.AsDouble(), 0b11_01_10_00).AsSingle();
        if (valid == 8)
        {
            ordered.Store(dst);
            return;
        }
        float* lanes = (float*)&ordered;
        for (int j = 0; j < valid; j++) dst[j] = lanes[j];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Better(float best, float v) => v > best || (float.IsNaN(v) && !float.IsNaN(best)) ? v : best;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Better(Vector256<float> best, Vector256<float> v)
    {
        var take = Vector256.GreaterThan(v, best) | (~Vector256.Equals(v, v) & Vector256.Equals(best, best));
        return Vector256.ConditionalSelect(take, v, best);
    }
}
