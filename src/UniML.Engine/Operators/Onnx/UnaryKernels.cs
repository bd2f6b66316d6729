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
        var y = context.Output(0, x.Type, x);
        switch (x.Type)
        {
            case ElementType.Float: op.Apply<float>(x.Span<float>(), y.Span<float>()); break;
            case ElementType.Double: op.Apply<double>(x.Span<double>(), y.Span<double>()); break;
            case ElementType.Float16: op.Apply<Half>(x.Span<Half>(), y.Span<Half>()); break;
            case ElementType.Int8: op.Apply<sbyte>(x.Span<sbyte>(), y.Span<sbyte>()); break;
            case ElementType.Int16: op.Apply<short>(x.Span<short>(), y.Span<short>()); break;
            case ElementType.Int32: op.Apply<int>(x.Span<int>(), y.Span<int>()); break;
            case ElementType.Int64: op.Apply<long>(x.Span<long>(), y.Span<long>()); break;
            case ElementType.UInt8: op.Apply<byte>(x.Span<byte>(), y.Span<byte>()); break;
            case ElementType.UInt16: op.Apply<ushort>(x.Span<ushort>(), y.Span<ushort>()); break;
            case ElementType.UInt32: op.Apply<uint>(x.Span<uint>(), y.Span<uint>()); break;
            case ElementType.UInt64: op.Apply<ulong>(x.Span<ulong>(), y.Span<ulong>()); break;
            default: throw ElementTypes.NotImplemented(x);
        }
    }
}

/// <summary>Element-type sets of the element-wise family, checked at load when the input type is known.</summary>
internal static class ElementTypes
{
    public static bool IsFloat(ElementType t) => t is ElementType.Float or ElementType.Double or ElementType.Float16;

    public static bool IsInteger(ElementType t) => t is ElementType.Int8 or ElementType.Int16 or ElementType.Int32 or ElementType.Int64
        or ElementType.UInt8 or ElementType.UInt16 or ElementType.UInt32 or ElementType.UInt64;

    public static bool IsNumeric(ElementType t) => IsFloat(t) || IsInteger(t);

    /// <summary>Refuses the node at load when input <paramref name="index"/> has a known type outside the set.</summary>
    public static void Require(NodeInfo node, int index, Func<ElementType, bool> accepts, string description)
    {
        if (index < node.InputTypes.Length && node.InputTypes[index] is { } t && !accepts(t))
            throw node.Unsupported($"input {index} is tensor({ElementTypeInfo.OnnxName(t)}); UniML implements {description}");
    }

    public static InferenceException NotImplemented(Tensor t) => new($"element type {ElementTypeInfo.OnnxName(t.Type)} is not implemented for this operator");
}
