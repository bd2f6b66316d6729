using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using UniML.Engine.Primitives;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Element-wise math: Neg, Abs, Sign (any numeric type); Reciprocal, Sqrt, Exp, Log, Ceil, Floor, Round,
/// the trigonometric and hyperbolic functions and Erf (floating point). Computed with TensorPrimitives.
/// </summary>
internal static class UnaryMath
{
    public static Kernel Neg(NodeInfo node) => NumericUnaryKernel<NegOp>.Create(node, default);
    public static Kernel Abs(NodeInfo node) => NumericUnaryKernel<AbsOp>.Create(node, default);
    public static Kernel Sign(NodeInfo node) => NumericUnaryKernel<SignOp>.Create(node, default);
    public static Kernel Reciprocal(NodeInfo node) => FloatUnaryKernel<ReciprocalOp>.Create(node, default);
    public static Kernel Sqrt(NodeInfo node) => FloatUnaryKernel<SqrtOp>.Create(node, default);
    public static Kernel Exp(NodeInfo node) => FloatUnaryKernel<ExpOp>.Create(node, default);
    public static Kernel Log(NodeInfo node) => FloatUnaryKernel<LogOp>.Create(node, default);
    public static Kernel Ceil(NodeInfo node) => FloatUnaryKernel<CeilOp>.Create(node, default);
    public static Kernel Floor(NodeInfo node) => FloatUnaryKernel<FloorOp>.Create(node, default);
    public static Kernel Round(NodeInfo node) => FloatUnaryKernel<RoundOp>.Create(node, default);
    public static Kernel Sin(NodeInfo node) => FloatUnaryKernel<SinOp>.Create(node, default);
    public static Kernel Cos(NodeInfo node) => FloatUnaryKernel<CosOp>.Create(node, default);
    public static Kernel Tan(NodeInfo node) => FloatUnaryKernel<TanOp>.Create(node, default);
    public static Kernel Asin(NodeInfo node) => FloatUnaryKernel<AsinOp>.Create(node, default);
    public static Kernel Acos(NodeInfo node) => FloatUnaryKernel<AcosOp>.Create(node, default);
    public static Kernel Atan(NodeInfo node) => FloatUnaryKernel<AtanOp>.Create(node, default);
    public static Kernel Sinh(NodeInfo node) => FloatUnaryKernel<SinhOp>.Create(node, default);
    public static Kernel Cosh(NodeInfo node) => FloatUnaryKernel<CoshOp>.Create(node, default);
    public static Kernel Asinh(NodeInfo node) => FloatUnaryKernel<AsinhOp>.Create(node, default);
    public static Kernel Acosh(NodeInfo node) => FloatUnaryKernel<AcoshOp>.Create(node, default);
    public static Kernel Atanh(NodeInfo node) => FloatUnaryKernel<AtanhOp>.Create(node, default);
    public static Kernel Erf(NodeInfo node) => FloatUnaryKernel<ErfOp>.Create(node, default);

    readonly struct NegOp : INumericFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, INumber<T> => TensorPrimitives.Negate(x, y);
    }

    readonly struct AbsOp : INumericFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, INumber<T> => TensorPrimitives.Abs(x, y);
    }

    readonly struct SignOp : INumericFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, INumber<T>
        {
            // NaN keeps NaN (numpy.sign); T.Sign would throw.
            for (int i = 0; i < x.Length; i++)
            {
                var v = x[i];
                y[i] = T.IsNaN(v) ? v : v > T.Zero ? T.One : v < T.Zero ? -T.One : T.Zero;
            }
        }
    }

    readonly struct ReciprocalOp : IFloatFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Reciprocal(x, y);
    }

    readonly struct SqrtOp : IFloatFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Sqrt(x, y);
    }

    readonly struct ExpOp : IFloatFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Exp(x, y);
    }

    readonly struct LogOp : IFloatFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Log(x, y);
    }

    readonly struct CeilOp : IFloatFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Ceiling(x, y);
    }

    readonly struct FloorOp : IFloatFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Floor(x, y);
    }

    /// <summary>Halves round to even, as the ONNX Round specification (and numpy.round) require.</summary>
    readonly struct RoundOp : IFloatFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Round(x, MidpointRounding.ToEven, y);
    }

    readonly struct SinOp : IFloatFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Sin(x, y);
    }

    readonly struct CosOp : IFloatFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Cos(x, y);
    }

    readonly struct TanOp : IFloatFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Tan(x, y);
    }

    readonly struct AsinOp : IFloatFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Asin(x, y);
    }

    readonly struct AcosOp : IFloatFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Acos(x, y);
    }

    readonly struct AtanOp : IFloatFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Atan(x, y);
    }

    readonly struct SinhOp : IFloatFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Sinh(x, y);
    }

    readonly struct CoshOp : IFloatFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Cosh(x, y);
    }

    readonly struct AsinhOp : IFloatFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Asinh(x, y);
    }

    readonly struct AcoshOp : IFloatFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Acosh(x, y);
    }

    readonly struct AtanhOp : IFloatFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Atanh(x, y);
    }

    readonly struct ErfOp : IFloatFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) == typeof(float))
            {
                ElementWise.Map(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y), default(ErfFloat));
                return;
            }
            var xd = MemoryMarshal.Cast<T, double>(x);
            var yd = MemoryMarshal.Cast<T, double>(y);
            for (int i = 0; i < xd.Length; i++) yd[i] = SpecialFunctions.Erf(xd[i]);
        }
    }

    /// <summary>
    /// erf for float: an odd rational function of x on [-4, 4] (erf is ±1 to float precision beyond),
    /// relative error 7e-8 in exact arithmetic and under 1e-6 (a few ulps) evaluated in float, as the unit
    /// tests check against the double-precision erf.
    /// </summary>
    readonly struct ErfFloat : IVectorUnary<float>
    {
        const float A0 = -2.72614225801306e-10f, A1 = 2.77068142495902e-08f, A2 = -2.10102402082508e-06f, A3 = -5.69250639462346e-05f,
            A4 = -7.34990630326855e-04f, A5 = -2.95459980854025e-03f, A6 = -1.60960333262415e-02f;
        const float B0 = -1.45660718464996e-05f, B1 = -2.13374055278905e-04f, B2 = -1.68282697438203e-03f, B3 = -7.37332916720468e-03f,
            B4 = -1.42647390514189e-02f;

        public float Apply(float x)
        {
            if (float.IsNaN(x)) return x;
            x = Math.Clamp(x, -4f, 4f);
            float x2 = x * x;
            float p = ((((((A0 * x2 + A1) * x2 + A2) * x2 + A3) * x2 + A4) * x2 + A5) * x2 + A6) * x;
            float q = (((B0 * x2 + B1) * x2 + B2) * x2 + B3) * x2 + B4;
            return p / q;
        }

        public Vector<float> Apply(Vector<float> x)
        {
            var c = Vector.Min(Vector.Max(x, new Vector<float>(-4f)), new Vector<float>(4f));
            var x2 = c * c;
            var p = new Vector<float>(A0);
            p = p * x2 + new Vector<float>(A1);
            p = p * x2 + new Vector<float>(A2);
            p = p * x2 + new Vector<float>(A3);
            p = p * x2 + new Vector<float>(A4);
            p = p * x2 + new Vector<float>(A5);
            p = p * x2 + new Vector<float>(A6);
            p *= c;
            var q = new Vector<float>(B0);
            q = q * x2 + new Vector<float>(B1);
            q = q * x2 + new Vector<float>(B2);
            q = q * x2 + new Vector<float>(B3);
            q = q * x2 + new Vector<float>(B4);
            // Vector.Min/Max drop NaN lanes; put them back.
            return Vector.ConditionalSelect(Vector.Equals(x, x), p / q, x);
        }
    }
}

/// <summary>Special functions .NET lacks, in double precision.</summary>
internal static class SpecialFunctions
{
    /// <summary>
    /// The error function to about 1e-14: its Maclaurin series below |x| = 2.5 (at most ~60 terms, losing
    /// three digits to cancellation), and 1 - erfc(x) by Lentz's continued fraction above.
    /// </summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return x;
        double a = Math.Abs(x);
        if (a > 6) return Math.Sign(x);
        if (a <= 2.5)
        {
            // erf x = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
            double x2 = x * x, term = x, sum = x;
            for (int n = 1; n < 100; n++)
            {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
            }
            return sum * (2 / Math.Sqrt(Math.PI));
        }
        // erfc a = exp(-a^2)/sqrt(pi) * 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + 2/(a + ...))))).
        const double tiny = 1e-300;
        double f = a, c = a, d = 0;
        for (int k = 1; k < 200; k++)
        {
            double coefficient = k * 0.5;
            d = a + coefficient * d;
            if (Math.Abs(d) < tiny) d = tiny;
            c = a + coefficient / c;
            if (Math.Abs(c) < tiny) c = tiny;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16) break;
        }
        double erfc = Math.Exp(-a * a) / Math.Sqrt(Math.PI) / f;
        return Math.Sign(x) * (1 - erfc);
    }
}
