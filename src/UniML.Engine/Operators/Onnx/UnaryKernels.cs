using System.Numerics;
using System.Numerics.Tensors;
using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>A function of floating-point spans (float and double); float16 inputs are computed in float.</summary>
internal interface IFloatFunction
{
    void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>A function of numeric spans of any ONNX numeric element type (integers included).</summary>
internal interface INumericFunction
{
    void Apply<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, INumber<T>;
}

/// <summary>Runs an <see cref="IFloatFunction"/> over a float, double or float16 tensor.</summary>
internal sealed class FloatUnaryKernel<TOp>(TOp op) : Kernel where TOp : struct, IFloatFunction
{
    public static Kernel Create(NodeInfo node, TOp op)
    {
        ElementTypes.Require(node, 0, ElementTypes.IsFloat, "float, double and float16");
        return new FloatUnaryKernel<TOp>(op);
    }

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        var y = context.Output(0, x.Type, x);
        switch (x.Type)
        {
            case ElementType.Float: op.Apply<float>(x.Span<float>(), y.Span<float>()); break;
            case ElementType.Double: op.Apply<double>(x.Span<double>(), y.Span<double>()); break;
            case ElementType.Float16:
                var f = context.Scratch<float>(x.Length);
                TensorPrimitives.ConvertToSingle(x.Span<Half>(), f);
                op.Apply<float>(f, f);
                TensorPrimitives.ConvertToHalf(f, y.Span<Half>());
                break;
            default: throw ElementTypes.NotImplemented(x);
        }
    }
}

/// <summary>Runs an <see cref="INumericFunction"/> over any numeric tensor.</summary>
internal sealed class NumericUnaryKernel<TOp>(TOp op) : Kernel where TOp : struct, INumericFunction
{
    public static Kernel Create(NodeInfo node, TOp op)
    {
        ElementTypes.Require(node, 0, ElementTypes.IsNumeric, "numeric types");
        return new NumericUnaryKernel<TOp>(op);
    }

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        var apply = new Apply(op, x, context.Output(0, x.Type, x));
        if (x.Type == ElementType.Float) apply.Visit<float>(); // the common case, inline (see ElementTypes)
        else ElementTypes.VisitNumeric(x, apply);
    }

    readonly struct Apply(TOp op, Tensor x, Tensor y) : INumericVisitor
    {
        public void Visit<T>() where T : unmanaged, INumber<T> => op.Apply<T>(x.Span<T>(), y.Span<T>());
    }
}
