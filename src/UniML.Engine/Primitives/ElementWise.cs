using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace UniML.Engine.Primitives;

/// <summary>
/// An element-wise function with a scalar form and a <see cref="Vector{T}"/> form, for the functions
/// TensorPrimitives has no span operation for (LeakyRelu, HardSigmoid, Erf...). A struct, so parameters
/// such as alpha travel in fields and the driver is specialised per operation.
/// </summary>
internal interface IVectorUnary<T> where T : unmanaged
{
    T Apply(T x);
    Vector<T> Apply(Vector<T> x);
}

/// <summary>Drivers for element-wise operations and conversions shared by the element-wise operator family.</summary>
internal static class ElementWise
{
    /// <summary>y[i] = op(x[i]); x and y may be the same span. Vectorised where the hardware has <see cref="Vector{T}"/> for T.</summary>
    public static void Map<T, TOp>(ReadOnlySpan<T> x, Span<T> y, in TOp op) where T : unmanaged where TOp : struct, IVectorUnary<T>
    {
        int n = x.Length;
        if (y.Length < n) ThrowShort();
        int width = Vector<T>.Count;
        if (!Vector.IsHardwareAccelerated || !Vector<T>.IsSupported || n < width)
        {
            for (int i = 0; i < n; i++) y[i] = op.Apply(x[i]);
            return;
        }
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T yr = ref MemoryMarshal.GetReference(y);
        int last = n - width;
        // Read the last (possibly overlapping) vector first, so in-place use stays correct.
        var tail = op.Apply(Vector.LoadUnsafe(ref xr, (nuint)last));
        for (int i = 0; i < last; i += width)
            op.Apply(Vector.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
        tail.StoreUnsafe(ref yr, (nuint)last);
    }

    /// <summary>Runs a float function over a float16 tensor through float scratch memory (float16 has too few bits to compute in).</summary>
    public static void MapHalf<TOp>(ReadOnlySpan<Half> x, Span<Half> y, Span<float> scratch, in TOp op) where TOp : struct, IVectorUnary<float>
    {
        var f = scratch[..x.Length];
        TensorPrimitives.ConvertToSingle(x, f);
        Map(f, f, op);
        TensorPrimitives.ConvertToHalf(f, y);
    }

    /// <summary>e^x lane-wise for float or double vectors (the only T the float kernels use).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Exp<T>(Vector<T> x) where T : unmanaged =>
        typeof(T) == typeof(float) ? Vector.Exp(x.As<T, float>()).As<float, T>() : Vector.Exp(x.As<T, double>()).As<double, T>();

    /// <summary>Natural logarithm lane-wise for float or double vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Log<T>(Vector<T> x) where T : unmanaged =>
        typeof(T) == typeof(float) ? Vector.Log(x.As<T, float>()).As<float, T>() : Vector.Log(x.As<T, double>()).As<double, T>();

    /// <summary>float to bfloat16 bits, rounding to nearest even (NaN stays a quiet NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort ToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x0040);
        uint rounding = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float FromBFloat16(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void ThrowShort() => throw new ArgumentException("destination is shorter than the source");
}
