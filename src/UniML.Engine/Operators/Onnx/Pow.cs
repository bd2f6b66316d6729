using System.Numerics;
using System.Numerics.Tensors;
using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Pow: x ** y with broadcasting; the output has x's type. Same-type float/double inputs run through
/// TensorPrimitives.Pow (a scalar exponent of 2 as a multiply); mixed types (opset 12+: int base with float
/// exponent, float base with int exponent...) are computed in double and converted back.
/// </summary>
internal static class Pow
{
    public static Kernel Create(NodeInfo node)
    {
        ElementTypes.Require(node, 0, ElementTypes.IsNumeric, "numeric types");
        ElementTypes.Require(node, 1, ElementTypes.IsNumeric, "numeric types");
        return new PowKernel(LegacyBroadcast.For(node));
    }

    sealed class PowKernel(LegacyBroadcast legacy) : Kernel
    {
        public override void Run(KernelContext context)
        {
            var a = context.Input(0);
            var b = context.Input(1);
            Span<int> shapes = stackalloc int[2 * Broadcast.MaxRank];
            var shape = legacy.OutputShape(a.Shape, b.Shape, shapes, out var shapeB);
            var y = context.Output(0, a.Type, shape);
            if (a.Type == b.Type && a.Type == ElementType.Float)
            {
                Broadcast.Binary<float, float, PowOp<float>>(a.Span<float>(), a.Shape, b.Span<float>(), shapeB, y.Span<float>(), shape);
                return;
            }
            if (a.Type == b.Type && a.Type == ElementType.Double)
            {
                Broadcast.Binary<double, double, PowOp<double>>(a.Span<double>(), a.Shape, b.Span<double>(), shapeB, y.Span<double>(), shape);
                return;
            }
            if (!ElementTypes.IsNumeric(a.Type)) throw ElementTypes.NotImplemented(a);
            if (!ElementTypes.IsNumeric(b.Type)) throw ElementTypes.NotImplemented(b);
            var da = context.Scratch<double>(a.Length, 0);
            var db = context.Scratch<double>(b.Length, 1);
            var dy = context.Scratch<double>(y.Length, 2);
            Conversion.ToDouble(a, da);
            Conversion.ToDouble(b, db);
            Broadcast.Binary<double, double, PowOp<double>>(da, a.Shape, db, shapeB, dy, shape);
            Conversion.From<double>(dy, y);
        }
    }

    readonly struct PowOp<T> : IBinaryOperation<T, T> where T : IFloatingPointIeee754<T>
    {
        public static T Apply(T a, T b) => T.Pow(a, b);
        public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> dest) => TensorPrimitives.Pow(a, b, dest);

        public static void Apply(ReadOnlySpan<T> a, T b, Span<T> dest)
        {
            if (b == T.CreateTruncating(2)) TensorPrimitives.Multiply(a, a, dest);
            else TensorPrimitives.Pow(a, b, dest);
        }

        public static void Apply(T a, ReadOnlySpan<T> b, Span<T> dest) => TensorPrimitives.Pow(a, b, dest);
    }
}
