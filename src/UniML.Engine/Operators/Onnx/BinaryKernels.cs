using System.Numerics;
using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>A binary operation family over every numeric element type, broadcast with <see cref="Broadcast"/>.</summary>
internal interface INumericBinary
{
    static abstract void Run<T>(ReadOnlySpan<T> a, ReadOnlySpan<int> shapeA, ReadOnlySpan<T> b, ReadOnlySpan<int> shapeB,
        Span<T> y, ReadOnlySpan<int> shape) where T : unmanaged, INumber<T>;
}

/// <summary>A comparison family: numeric inputs, bool output.</summary>
internal interface IComparison
{
    static abstract void Run<T>(ReadOnlySpan<T> a, ReadOnlySpan<int> shapeA, ReadOnlySpan<T> b, ReadOnlySpan<int> shapeB,
        Span<bool> y, ReadOnlySpan<int> shape) where T : unmanaged, INumber<T>;
}

/// <summary>
/// Before opset 7, binary operators broadcast only when the attribute broadcast=1 says so, and then align
/// B's dimensions with A's starting at 'axis' (or at the end when axis is absent), not numpy-style.
/// </summary>
internal readonly struct LegacyBroadcast
{
    readonly bool _atAxis;
    readonly int _axis;

    LegacyBroadcast(bool atAxis, int axis)
    {
        _atAxis = atAxis;
        _axis = axis;
    }

    public static LegacyBroadcast For(NodeInfo node)
    {
        if (node.Opset >= 7 || node.GetInt("broadcast", 0) == 0 || !node.Has("axis")) return default;
        long axis = node.GetInt("axis");
        if (axis < -Broadcast.MaxRank || axis >= Broadcast.MaxRank) throw node.Invalid($"axis {axis} is out of range");
        return new(true, (int)axis);
    }

    /// <summary>B's shape right-padded with 1s so that numpy broadcasting aligns it with A at the axis.</summary>
    public ReadOnlySpan<int> Align(ReadOnlySpan<int> shapeA, ReadOnlySpan<int> shapeB, Span<int> buffer)
    {
        if (!_atAxis) return shapeB;
        int axis = _axis < 0 ? _axis + shapeA.Length : _axis;
        int pad = shapeA.Length - axis - shapeB.Length;
        if (axis < 0 || pad < 0)
            throw new InferenceException($"cannot align B {Tensor.ShapeText(shapeB)} with A {Tensor.ShapeText(shapeA)} at axis {_axis}");
        shapeB.CopyTo(buffer);
        buffer.Slice(shapeB.Length, pad).Fill(1);
        return buffer[..(shapeB.Length + pad)];
    }
}

/// <summary>y = op(a, b) with broadcasting, for every numeric type; the output has the inputs' type.</summary>
internal sealed class NumericBinaryKernel<TOp>(LegacyBroadcast legacy) : Kernel where TOp : INumericBinary
{
    public static Kernel Create(NodeInfo node)
    {
        ElementTypes.Require(node, 0, ElementTypes.IsNumeric, "numeric types");
        ElementTypes.Require(node, 1, ElementTypes.IsNumeric, "numeric types");
        return new NumericBinaryKernel<TOp>(LegacyBroadcast.For(node));
    }

    public override void Run(KernelContext context)
    {
        var a = context.Input(0);
        var b = context.Input(1);
        if (a.Type != b.Type)
            throw new InferenceException($"inputs have different types: {a.TypeName} and {b.TypeName}");
        Span<int> alignBuffer = stackalloc int[Broadcast.MaxRank];
        var shapeB = legacy.Align(a.Shape, b.Shape, alignBuffer);
        Span<int> shape = stackalloc int[Broadcast.MaxRank];
        shape = shape[..Broadcast.Shape(a.Shape, shapeB, shape)];
        var y = context.Output(0, a.Type, shape);
        switch (a.Type)
        {
            case ElementType.Float: TOp.Run(a.Span<float>(), a.Shape, b.Span<float>(), shapeB, y.Span<float>(), shape); break;
            case ElementType.Double: TOp.Run(a.Span<double>(), a.Shape, b.Span<double>(), shapeB, y.Span<double>(), shape); break;
            case ElementType.Float16: TOp.Run(a.Span<Half>(), a.Shape, b.Span<Half>(), shapeB, y.Span<Half>(), shape); break;
            case ElementType.Int8: TOp.Run(a.Span<sbyte>(), a.Shape, b.Span<sbyte>(), shapeB, y.Span<sbyte>(), shape); break;
            case ElementType.Int16: TOp.Run(a.Span<short>(), a.Shape, b.Span<short>(), shapeB, y.Span<short>(), shape); break;
            case ElementType.Int32: TOp.Run(a.Span<int>(), a.Shape, b.Span<int>(), shapeB, y.Span<int>(), shape); break;
            case ElementType.Int64: TOp.Run(a.Span<long>(), a.Shape, b.Span<long>(), shapeB, y.Span<long>(), shape); break;
            case ElementType.UInt8: TOp.Run(a.Span<byte>(), a.Shape, b.Span<byte>(), shapeB, y.Span<byte>(), shape); break;
            case ElementType.UInt16: TOp.Run(a.Span<ushort>(), a.Shape, b.Span<ushort>(), shapeB, y.Span<ushort>(), shape); break;
            case ElementType.UInt32: TOp.Run(a.Span<uint>(), a.Shape, b.Span<uint>(), shapeB, y.Span<uint>(), shape); break;
            case ElementType.UInt64: TOp.Run(a.Span<ulong>(), a.Shape, b.Span<ulong>(), shapeB, y.Span<ulong>(), shape); break;
            default: throw ElementTypes.NotImplemented(a);
        }
    }
}
