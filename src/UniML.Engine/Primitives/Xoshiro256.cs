using System.Numerics;

namespace UniML.Engine.Primitives;

/// <summary>
/// xoshiro256** (Blackman and Vigna, 2018): a small, fast 64-bit generator with a 2^256 − 1 period, used
/// by the random-generator kernels. The state is expanded from a 64-bit key with SplitMix64, as its authors
/// recommend, so one key always gives the same stream. A value type carried by reference through one
/// kernel run: kernels keep no generator between runs.
/// </summary>
internal struct Xoshiro256
{
    ulong _s0, _s1, _s2, _s3;

    /// <summary>The stream for <paramref name="key"/>.</summary>
    public Xoshiro256(ulong key)
    {
        _s0 = SplitMix64(ref key);
        _s1 = SplitMix64(ref key);
        _s2 = SplitMix64(ref key);
        _s3 = SplitMix64(ref key);
    }

    /// <summary>The stream of an ONNX 'seed' attribute (a float for the Random* family, an int for Dropout): its value, as a double, keys the stream.</summary>
    public static Xoshiro256 FromSeed(double seed) => new(BitConverter.DoubleToUInt64Bits(seed));

    /// <summary>A fresh stream for an unseeded node (<see cref="Random.Shared"/> is thread-safe and allocation-free).</summary>
    public static Xoshiro256 FromEntropy() => new((ulong)Random.Shared.NextInt64(long.MinValue, long.MaxValue));

    static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform on [0, 1): the top 53 bits, so every value is a multiple of 2^-53 and 1 is never reached.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>
    /// Fills <paramref name="destination"/> with independent standard normal draws (Box–Muller: two per pair of
    /// uniforms; the radius uses 1 − u, in (0, 1], so the logarithm is finite).
    /// </summary>
    public void FillStandardNormal(Span<double> destination)
    {
        int i = 0;
        for (; i + 1 < destination.Length; i += 2)
        {
            var (z0, z1) = NextNormalPair();
            destination[i] = z0;
            destination[i + 1] = z1;
        }
        if (i < destination.Length) destination[i] = NextNormalPair().Item1;
    }

    (double, double) NextNormalPair()
    {
        double radius = Math.Sqrt(-2 * Math.Log(1 - NextDouble()));
        var (sin, cos) = Math.SinCos(2 * Math.PI * NextDouble());
        return (radius * cos, radius * sin);
    }
}
