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

    /// <summary>
    /// The broadcast output shape of a binary operator with inputs of shapes A and B, written into the first
    /// <see cref="Broadcast.MaxRank"/> ints of <paramref name="buffer"/>; <paramref name="alignedB"/> is B's
    /// shape aligned with A (<see cref="Align"/>), kept in the rest of the buffer.
    /// </summary>
    public ReadOnlySpan<int> OutputShape(ReadOnlySpan<int> shapeA, ReadOnlySpan<int> shapeB, Span<int> buffer, out ReadOnlySpan<int> alignedB)
    {
        var shape = buffer[..Broadcast.MaxRank];
        alignedB = Align(shapeA, shapeB, buffer[Broadcast.MaxRank..]);
        return shape[..Broadcast.Shape(shapeA, alignedB, shape)];
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
        Span<int> shapes = stackalloc int[2 * Broadcast.MaxRank];
        var shape = legacy.OutputShape(a.Shape, b.Shape, shapes, out var shapeB);
        var apply = new Apply(a, b, shapeB, context.Output(0, a.Type, shape));
        // The common cases inline (see ElementTypes): float, and int64 (shape arithmetic).
        if (a.Type == ElementType.Float) apply.Visit<float>();
        else if (a.Type == ElementType.Int64) apply.Visit<long>();
        else ElementTypes.VisitNumeric(a, apply);
    }

    readonly ref struct Apply(Tensor a, Tensor b, ReadOnlySpan<int> shapeB, Tensor y) : INumericVisitor
    {
        readonly ReadOnlySpan<int> _shapeB = shapeB;

        public void Visit<T>() where T : unmanaged, INumber<T> => TOp.Run(a.Span<T>(), a.Shape, b.Span<T>(), _shapeB, y.Span<T>(), y.Shape);
    }
}
