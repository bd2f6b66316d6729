using System.Numerics;
using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>BitShift: unsigned integers shifted LEFT or RIGHT by per-element amounts, with broadcasting. Shifts of the full width or more give 0.</summary>
internal static class BitShift
{
    public static Kernel Create(NodeInfo node)
    {
        var direction = node.GetString("direction", "");
        ElementTypes.Require(node, 0, t => t is ElementType.UInt8 or ElementType.UInt16 or ElementType.UInt32 or ElementType.UInt64, "uint8, uint16, uint32 and uint64");
        return direction switch
        {
            "LEFT" => new BitShiftKernel<LeftFamily>(),
            "RIGHT" => new BitShiftKernel<RightFamily>(),
            _ => throw node.Invalid($"direction must be LEFT or RIGHT, not '{direction}'"),
        };
    }

    interface IShiftFamily
    {
        static abstract T Shift<T>(T value, T amount) where T : IBinaryInteger<T>, IUnsignedNumber<T>;
    }

    readonly struct LeftFamily : IShiftFamily
    {
        public static T Shift<T>(T value, T amount) where T : IBinaryInteger<T>, IUnsignedNumber<T> =>
            amount >= T.CreateTruncating(value.GetByteCount() * 8) ? T.Zero : value << int.CreateTruncating(amount);
    }

    readonly struct RightFamily : IShiftFamily
    {
        public static T Shift<T>(T value, T amount) where T : IBinaryInteger<T>, IUnsignedNumber<T> =>
            amount >= T.CreateTruncating(value.GetByteCount() * 8) ? T.Zero : value >>> int.CreateTruncating(amount);
    }

    readonly struct ShiftOp<T, TFamily> : IBinaryOperation<T, T> where T : IBinaryInteger<T>, IUnsignedNumber<T> where TFamily : IShiftFamily
    {
        public static T Apply(T a, T b) => TFamily.Shift(a, b);

        public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> dest)
        {
            for (int i = 0; i < dest.Length; i++) dest[i] = TFamily.Shift(a[i], b[i]);
        }

        public static void Apply(ReadOnlySpan<T> a, T b, Span<T> dest)
        {
            for (int i = 0; i < dest.Length; i++) dest[i] = TFamily.Shift(a[i], b);
        }

        public static void Apply(T a, ReadOnlySpan<T> b, Span<T> dest)
        {
            for (int i = 0; i < dest.Length; i++) dest[i] = TFamily.Shift(a, b[i]);
        }
    }

    sealed class BitShiftKernel<TFamily> : Kernel where TFamily : IShiftFamily
    {
        public override void Run(KernelContext context)
        {
            var a = context.Input(0);
            var b = context.Input(1);
            if (a.Type != b.Type) throw new InferenceException($"inputs have different types: {a.TypeName} and {b.TypeName}");
            Span<int> shape = stackalloc int[Broadcast.MaxRank];
            shape = shape[..Broadcast.Shape(a.Shape, b.Shape, shape)];
            var y = context.Output(0, a.Type, shape);
            switch (a.Type)
            {
                case ElementType.UInt8: Broadcast.Binary<byte, byte, ShiftOp<byte, TFamily>>(a.Span<byte>(), a.Shape, b.Span<byte>(), b.Shape, y.Span<byte>(), shape); break;
                case ElementType.UInt16: Broadcast.Binary<ushort, ushort, ShiftOp<ushort, TFamily>>(a.Span<ushort>(), a.Shape, b.Span<ushort>(), b.Shape, y.Span<ushort>(), shape); break;
                case ElementType.UInt32: Broadcast.Binary<uint, uint, ShiftOp<uint, TFamily>>(a.Span<uint>(), a.Shape, b.Span<uint>(), b.Shape, y.Span<uint>(), shape); break;
                case ElementType.UInt64: Broadcast.Binary<ulong, ulong, ShiftOp<ulong, TFamily>>(a.Span<ulong>(), a.Shape, b.Span<ulong>(), b.Shape, y.Span<ulong>(), shape); break;
                default: throw ElementTypes.NotImplemented(a);
            }
        }
    }
}
