using System.Numerics;
using System.Numerics.Tensors;
using UniML.Engine.Primitives;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Mod with broadcasting. fmod=1: the C fmod/remainder, whose sign follows the dividend; fmod=0 (integers):
/// the Python/numpy mod, whose sign follows the divisor. Integer division by zero is an error.
/// </summary>
internal static class Mod
{
    public static Kernel Create(NodeInfo node)
    {
        long fmod = node.GetInt("fmod", 0);
        if (fmod is not (0 or 1)) throw node.Invalid($"fmod must be 0 or 1, not {fmod}");
        if (fmod == 0 && node.InputTypes.Length > 0 && node.InputTypes[0] is { } t && ElementTypes.IsFloat(t))
            throw node.Invalid("floating-point Mod requires fmod=1");
        return fmod == 1 ? NumericBinaryKernel<TruncatedFamily>.Create(node) : NumericBinaryKernel<FlooredFamily>.Create(node);
    }

    readonly struct TruncatedFamily : INumericBinary
    {
        public static void Run<T>(ReadOnlySpan<T> a, ReadOnlySpan<int> sa, ReadOnlySpan<T> b, ReadOnlySpan<int> sb, Span<T> y, ReadOnlySpan<int> s)
            where T : unmanaged, INumber<T> => Broadcast.Binary<T, T, TruncatedMod<T>>(a, sa, b, sb, y, s);
    }

    readonly struct FlooredFamily : INumericBinary
    {
        public static void Run<T>(ReadOnlySpan<T> a, ReadOnlySpan<int> sa, ReadOnlySpan<T> b, ReadOnlySpan<int> sb, Span<T> y, ReadOnlySpan<int> s)
            where T : unmanaged, INumber<T> => Broadcast.Binary<T, T, ScalarLoops<T, T, FlooredMod<T>>>(a, sa, b, sb, y, s);
    }

    readonly struct TruncatedMod<T> : IBinaryOperation<T, T> where T : INumber<T>
    {
        public static T Apply(T a, T b) => a % b;
        public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> dest) => TensorPrimitives.Remainder(a, b, dest);
        public static void Apply(ReadOnlySpan<T> a, T b, Span<T> dest) => TensorPrimitives.Remainder(a, b, dest);
        public static void Apply(T a, ReadOnlySpan<T> b, Span<T> dest) => TensorPrimitives.Remainder(a, b, dest);
    }

    readonly struct FlooredMod<T> : IScalarOperation<T, T> where T : INumber<T>
    {
        public static T Apply(T a, T b)
        {
            var r = a % b;
            return r != T.Zero && (r < T.Zero) != (b < T.Zero) ? r + b : r;
        }
    }
}
