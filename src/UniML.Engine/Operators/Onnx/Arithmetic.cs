using System.Numerics;
using System.Numerics.Tensors;
using UniML.Engine.Primitives;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Add, Sub, Mul, Div with numpy broadcasting (opset 7+) or the legacy broadcast/axis attributes (before 7),
/// for every numeric type; the inner loops are TensorPrimitives. Integer Div truncates toward zero.
/// </summary>
internal static class Arithmetic
{
    public static Kernel Add(NodeInfo node) => NumericBinaryKernel<AddFamily>.Create(node);
    public static Kernel Sub(NodeInfo node) => NumericBinaryKernel<SubFamily>.Create(node);
    public static Kernel Mul(NodeInfo node) => NumericBinaryKernel<MulFamily>.Create(node);
    public static Kernel Div(NodeInfo node) => NumericBinaryKernel<DivFamily>.Create(node);

    readonly struct AddFamily : INumericBinary
    {
        public static void Run<T>(ReadOnlySpan<T> a, ReadOnlySpan<int> sa, ReadOnlySpan<T> b, ReadOnlySpan<int> sb, Span<T> y, ReadOnlySpan<int> s)
            where T : unmanaged, INumber<T> => Broadcast.Binary<T, T, AddOp<T>>(a, sa, b, sb, y, s);
    }

    readonly struct SubFamily : INumericBinary
    {
        public static void Run<T>(ReadOnlySpan<T> a, ReadOnlySpan<int> sa, ReadOnlySpan<T> b, ReadOnlySpan<int> sb, Span<T> y, ReadOnlySpan<int> s)
            where T : unmanaged, INumber<T> => Broadcast.Binary<T, T, SubOp<T>>(a, sa, b, sb, y, s);
    }

    readonly struct MulFamily : INumericBinary
    {
        public static void Run<T>(ReadOnlySpan<T> a, ReadOnlySpan<int> sa, ReadOnlySpan<T> b, ReadOnlySpan<int> sb, Span<T> y, ReadOnlySpan<int> s)
            where T : unmanaged, INumber<T> => Broadcast.Binary<T, T, MulOp<T>>(a, sa, b, sb, y, s);
    }

    readonly struct DivFamily : INumericBinary
    {
        public static void Run<T>(ReadOnlySpan<T> a, ReadOnlySpan<int> sa, ReadOnlySpan<T> b, ReadOnlySpan<int> sb, Span<T> y, ReadOnlySpan<int> s)
            where T : unmanaged, INumber<T> => Broadcast.Binary<T, T, DivOp<T>>(a, sa, b, sb, y, s);
    }
}

internal readonly struct AddOp<T> : IBinaryOperation<T, T> where T : INumber<T>
{
    public static T Apply(T a, T b) => a + b;
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> dest) => TensorPrimitives.Add(a, b, dest);
    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> dest) => TensorPrimitives.Add(a, b, dest);
    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> dest) => TensorPrimitives.Add(b, a, dest);
}

internal readonly struct SubOp<T> : IBinaryOperation<T, T> where T : INumber<T>
{
    public static T Apply(T a, T b) => a - b;
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> dest) => TensorPrimitives.Subtract(a, b, dest);
    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> dest) => TensorPrimitives.Subtract(a, b, dest);
    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> dest) => TensorPrimitives.Subtract(a, b, dest);
}

internal readonly struct MulOp<T> : IBinaryOperation<T, T> where T : INumber<T>
{
    public static T Apply(T a, T b) => a * b;
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> dest) => TensorPrimitives.Multiply(a, b, dest);
    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> dest) => TensorPrimitives.Multiply(a, b, dest);
    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> dest) => TensorPrimitives.Multiply(b, a, dest);
}

internal readonly struct DivOp<T> : IBinaryOperation<T, T> where T : INumber<T>
{
    public static T Apply(T a, T b) => a / b;
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> dest) => TensorPrimitives.Divide(a, b, dest);
    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> dest) => TensorPrimitives.Divide(a, b, dest);
    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> dest) => TensorPrimitives.Divide(a, b, dest);
}

internal readonly struct MaxOp<T> : IBinaryOperation<T, T> where T : INumber<T>
{
    public static T Apply(T a, T b) => T.IsNaN(a) || T.IsNaN(b) ? a + b : T.Max(a, b);
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> dest) => TensorPrimitives.Max(a, b, dest);
    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> dest) => TensorPrimitives.Max(a, b, dest);
    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> dest) => TensorPrimitives.Max(b, a, dest);
}

internal readonly struct MinOp<T> : IBinaryOperation<T, T> where T : INumber<T>
{
    public static T Apply(T a, T b) => T.IsNaN(a) || T.IsNaN(b) ? a + b : T.Min(a, b);
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> dest) => TensorPrimitives.Min(a, b, dest);
    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> dest) => TensorPrimitives.Min(a, b, dest);
    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> dest) => TensorPrimitives.Min(b, a, dest);
}
