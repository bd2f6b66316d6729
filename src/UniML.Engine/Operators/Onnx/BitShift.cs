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

    readonly struct ShiftOp<T, TFamily> : IScalarOperation<T, T> where T : IBinaryInteger<T>, IUnsignedNumber<T> where TFamily : IShiftFamily
    {
        public static T Apply(T a, T b) => TFamily.Shift(a, b);
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
                case ElementType.UInt8: Shift<byte>(a, b, y); break;
                case ElementType.UInt16: Shift<ushort>(a, b, y); break;
                case ElementType.UInt32: Shift<uint>(a, b, y); break;
                case ElementType.UInt64: Shift<ulong>(a, b, y); break;
                default: throw ElementTypes.NotImplemented(a);
            }
        }

        static void Shift<T>(Tensor a, Tensor b, Tensor y) where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T> =>
            Broadcast.Binary<T, T, ScalarLoops<T, T, ShiftOp<T, TFamily>>>(a.Span<T>(), a.Shape, b.Span<T>(), b.Shape, y.Span<T>(), y.Shape);
    }
}
