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
        int j = 0;
        if (Avx2.IsSupported && count >= 8)
        {
            for (; ; j += 8)
            {
                // The last block overlaps the previous one instead of falling back to scalar code.
                if (j > count - 8) j = count - 8;
                var a0 = Avx.LoadVector256(r0 + 2 * j);
                var a1 = Avx.LoadVector256(r0 + 2 * j + 8);
                var b0 = Avx.LoadVector256(r1 + 2 * j);
                var b1 = Avx.LoadVector256(r1 + 2 * j + 8);
                // Even and odd columns of 16 values, as [0 2 8 10 | 4 6 12 14] and [1 3 9 11 | 5 7 13 15].
                var best = Avx.Shuffle(a0, a1, 0b10_00_10_00);
                best = Better(best, Avx.Shuffle(a0, a1, 0b11_01_11_01));
                best = Better(best, Avx.Shuffle(b0, b1, 0b10_00_10_00));
                best = Better(best, Avx.Shuffle(b0, b1, 0b11_01_11_01));
                Avx2.Permute4x64(best.AsDouble(), 0b11_01_10_00).AsSingle().Store(dst + j);
                if (j == count - 8) return;
            }
        }
        if (Sse.IsSupported && count >= 4)
        {
            // Short rows (e.g. 10 wide): 4 outputs per step, in order without a permute.
            for (; ; j += 4)
            {
                if (j > count - 4) j = count - 4;
                var a0 = Sse.LoadVector128(r0 + 2 * j);
                var a1 = Sse.LoadVector128(r0 + 2 * j + 4);
                var b0 = Sse.LoadVector128(r1 + 2 * j);
                var b1 = Sse.LoadVector128(r1 + 2 * j + 4);
                var best = Sse.Shuffle(a0, a1, 0b10_00_10_00);
                best = Better(best, Sse.Shuffle(a0, a1, 0b11_01_11_01));
                best = Better(best, Sse.Shuffle(b0, b1, 0b10_00_10_00));
                best = Better(best, Sse.Shuffle(b0, b1, 0b11_01_11_01));
                best.Store(dst + j);
                if (j == count - 4) return;
            }
        }
        for (; j < count; j++)
        {
            float best = r0[2 * j];
            best = Better(best, r0[2 * j + 1]);
            best = Better(best, r1[2 * j]);
            best = Better(best, r1[2 * j + 1]);
            dst[j] = best;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Better(float best, float v) => v > best || (float.IsNaN(v) && !float.IsNaN(best)) ? v : best;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Better(Vector256<float> best, Vector256<float> v)
    {
        var take = Vector256.GreaterThan(v, best) | (~Vector256.Equals(v, v) & Vector256.Equals(best, best));
        return Vector256.ConditionalSelect(take, v, best);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector128<float> Better(Vector128<float> best, Vector128<float> v)
    {
        var take = Vector128.GreaterThan(v, best) | (~Vector128.Equals(v, v) & Vector128.Equals(best, best));
        return Vector128.ConditionalSelect(take, v, best);
    }
}
