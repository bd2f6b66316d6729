using System.Numerics;
using System.Numerics.Tensors;
using UniML.Engine.Primitives;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Activation functions: Sigmoid, Tanh, Relu, LeakyRelu, Elu, Selu, Celu, HardSigmoid, HardSwish,
/// Softplus, Softsign, ThresholdedRelu, Shrink. TensorPrimitives where it has the function; otherwise a
/// <see cref="Vector{T}"/> formula run by <see cref="ElementWise.Map"/>. (PRelu has two inputs: PRelu.cs.)
/// </summary>
internal static class Activation
{
    public static Kernel Sigmoid(NodeInfo node) => FloatUnaryKernel<SigmoidOp>.Create(node, default);
    public static Kernel Tanh(NodeInfo node) => FloatUnaryKernel<TanhOp>.Create(node, default);
    public static Kernel Relu(NodeInfo node) => NumericUnaryKernel<ReluOp>.Create(node, default);
    public static Kernel LeakyRelu(NodeInfo node) => FloatUnaryKernel<LeakyReluOp>.Create(node, new(node.GetFloat("alpha", 0.01f)));
    public static Kernel Elu(NodeInfo node) => FloatUnaryKernel<EluOp>.Create(node, new(node.GetFloat("alpha", 1f)));

    public static Kernel Selu(NodeInfo node) =>
        FloatUnaryKernel<SeluOp>.Create(node, new(node.GetFloat("alpha", 1.67326319217681884765625f), node.GetFloat("gamma", 1.05070102214813232421875f)));

    public static Kernel Celu(NodeInfo node)
    {
        float alpha = node.GetFloat("alpha", 1f);
        if (alpha == 0) throw node.Invalid("alpha must not be 0");
        return FloatUnaryKernel<CeluOp>.Create(node, new(alpha));
    }

    public static Kernel HardSigmoid(NodeInfo node) => FloatUnaryKernel<HardSigmoidOp>.Create(node, new(node.GetFloat("alpha", 0.2f), node.GetFloat("beta", 0.5f)));
    public static Kernel HardSwish(NodeInfo node) => FloatUnaryKernel<HardSigmoidOp>.Create(node, new(1f / 6, 0.5f, timesX: true));
    public static Kernel Softplus(NodeInfo node) => FloatUnaryKernel<SoftplusOp>.Create(node, default);
    public static Kernel Softsign(NodeInfo node) => FloatUnaryKernel<SoftsignOp>.Create(node, default);
    public static Kernel ThresholdedRelu(NodeInfo node) => FloatUnaryKernel<ThresholdedReluOp>.Create(node, new(node.GetFloat("alpha", 1f)));

    public static Kernel Shrink(NodeInfo node)
    {
        float lambd = node.GetFloat("lambd", 0.5f);
        if (lambd < 0) throw node.Invalid("lambd must not be negative");
        return FloatUnaryKernel<ShrinkOp>.Create(node, new(node.GetFloat("bias", 0f), lambd));
    }

    readonly struct SigmoidOp : IFloatFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Sigmoid(x, y);
    }

    readonly struct TanhOp : IFloatFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Tanh(x, y);
    }

    readonly struct ReluOp : INumericFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, INumber<T> => TensorPrimitives.Max(x, T.Zero, y);
    }

    readonly struct LeakyReluOp(float alpha) : IFloatFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> =>
            ElementWise.Map(x, y, new Formula<T>(T.CreateChecked(alpha)));

        readonly struct Formula<T>(T alpha) : IVectorUnary<T> where T : unmanaged, IFloatingPointIeee754<T>
        {
            public T Apply(T x) => x >= T.Zero ? x : alpha * x;
            public Vector<T> Apply(Vector<T> x) => Vector.ConditionalSelect(Vector.GreaterThanOrEqual(x, Vector<T>.Zero), x, x * alpha);
        }
    }

    readonly struct EluOp(float alpha) : IFloatFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> =>
            ElementWise.Map(x, y, new Formula<T>(T.CreateChecked(alpha)));

        readonly struct Formula<T>(T alpha) : IVectorUnary<T> where T : unmanaged, IFloatingPointIeee754<T>
        {
            public T Apply(T x) => x > T.Zero ? x : alpha * (T.Exp(x) - T.One);
            public Vector<T> Apply(Vector<T> x) =>
                Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<T>.Zero), x, (ElementWise.Exp(x) - Vector<T>.One) * alpha);
        }
    }

    readonly struct SeluOp(float alpha, float gamma) : IFloatFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> =>
            ElementWise.Map(x, y, new Formula<T>(T.CreateChecked(alpha), T.CreateChecked(gamma)));

        readonly struct Formula<T>(T alpha, T gamma) : IVectorUnary<T> where T : unmanaged, IFloatingPointIeee754<T>
        {
            public T Apply(T x) => gamma * (x > T.Zero ? x : alpha * T.Exp(x) - alpha);
            public Vector<T> Apply(Vector<T> x) =>
                gamma * Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<T>.Zero), x, ElementWise.Exp(x) * alpha - new Vector<T>(alpha));
        }
    }

    readonly struct CeluOp(float alpha) : IFloatFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> =>
            ElementWise.Map(x, y, new Formula<T>(T.CreateChecked(alpha)));

        // max(0, x) + min(0, alpha * (exp(x / alpha) - 1))
        readonly struct Formula<T>(T alpha) : IVectorUnary<T> where T : unmanaged, IFloatingPointIeee754<T>
        {
            public T Apply(T x) => x > T.Zero ? x : alpha * (T.Exp(x / alpha) - T.One);
            public Vector<T> Apply(Vector<T> x) =>
                Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<T>.Zero), x, (ElementWise.Exp(x / alpha) - Vector<T>.One) * alpha);
        }
    }

    /// <summary>max(0, min(1, alpha x + beta)), times x for HardSwish (alpha 1/6, beta 1/2).</summary>
    readonly struct HardSigmoidOp(float alpha, float beta, bool timesX = false) : IFloatFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (timesX) ElementWise.Map(x, y, new Formula<T>(T.CreateChecked(alpha), T.CreateChecked(beta), true));
            else ElementWise.Map(x, y, new Formula<T>(T.CreateChecked(alpha), T.CreateChecked(beta), false));
        }

        readonly struct Formula<T>(T alpha, T beta, bool timesX) : IVectorUnary<T> where T : unmanaged, IFloatingPointIeee754<T>
        {
            public T Apply(T x)
            {
                var h = T.Max(T.Zero, T.Min(T.One, alpha * x + beta));
                return timesX ? x * h : h;
            }

            public Vector<T> Apply(Vector<T> x)
            {
                var h = Vector.Max(Vector<T>.Zero, Vector.Min(Vector<T>.One, x * alpha + new Vector<T>(beta)));
                return timesX ? x * h : h;
            }
        }
    }

    /// <summary>log(1 + e^x) as max(x, 0) + log(1 + e^-|x|), which neither overflows nor loses small values.</summary>
    readonly struct SoftplusOp : IFloatFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => ElementWise.Map(x, y, default(Formula<T>));

        readonly struct Formula<T> : IVectorUnary<T> where T : unmanaged, IFloatingPointIeee754<T>
        {
            public T Apply(T x) => T.IsNaN(x) ? x : T.Max(x, T.Zero) + T.LogP1(T.Exp(-T.Abs(x)));
            public Vector<T> Apply(Vector<T> x)
            {
                var r = Vector.Max(x, Vector<T>.Zero) + ElementWise.Log(Vector<T>.One + ElementWise.Exp(-Vector.Abs(x)));
                return Vector.ConditionalSelect(Vector.Equals(x, x), r, x);
            }
        }
    }

    readonly struct SoftsignOp : IFloatFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => ElementWise.Map(x, y, default(Formula<T>));

        readonly struct Formula<T> : IVectorUnary<T> where T : unmanaged, IFloatingPointIeee754<T>
        {
            public T Apply(T x) => x / (T.One + T.Abs(x));
            public Vector<T> Apply(Vector<T> x) => x / (Vector<T>.One + Vector.Abs(x));
        }
    }

    readonly struct ThresholdedReluOp(float alpha) : IFloatFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> =>
            ElementWise.Map(x, y, new Formula<T>(T.CreateChecked(alpha)));

        readonly struct Formula<T>(T alpha) : IVectorUnary<T> where T : unmanaged, IFloatingPointIeee754<T>
        {
            public T Apply(T x) => x > alpha ? x : T.Zero;
            public Vector<T> Apply(Vector<T> x) => Vector.ConditionalSelect(Vector.GreaterThan(x, new Vector<T>(alpha)), x, Vector<T>.Zero);
        }
    }

    readonly struct ShrinkOp(float bias, float lambd) : IFloatFunction
    {
        public void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> =>
            ElementWise.Map(x, y, new Formula<T>(T.CreateChecked(bias), T.CreateChecked(lambd)));

        readonly struct Formula<T>(T bias, T lambd) : IVectorUnary<T> where T : unmanaged, IFloatingPointIeee754<T>
        {
            public T Apply(T x) => x < -lambd ? x + bias : x > lambd ? x - bias : T.Zero;
            public Vector<T> Apply(Vector<T> x)
            {
                var l = new Vector<T>(lambd);
                var b = new Vector<T>(bias);
                return Vector.ConditionalSelect(Vector.LessThan(x, -l), x + b, Vector.ConditionalSelect(Vector.GreaterThan(x, l), x - b, Vector<T>.Zero));
            }
        }
    }
}
