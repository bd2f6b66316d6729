using System.Numerics.Tensors;
using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// And, Or, Xor (broadcast) and Not over bool tensors. Bools are stored as bytes 0/1, so the byte-wise
/// bitwise operations of TensorPrimitives compute them and keep the 0/1 encoding.
/// </summary>
internal static class Logical
{
    public static Kernel And(NodeInfo node) => Create<AndOp>(node);
    public static Kernel Or(NodeInfo node) => Create<OrOp>(node);
    public static Kernel Xor(NodeInfo node) => Create<XorOp>(node);

    public static Kernel Not(NodeInfo node)
    {
        ElementTypes.Require(node, 0, t => t == ElementType.Bool, "bool");
        return new NotKernel();
    }

    static Kernel Create<TOp>(NodeInfo node) where TOp : IBinaryOperation<byte, byte>
    {
        ElementTypes.Require(node, 0, t => t == ElementType.Bool, "bool");
        ElementTypes.Require(node, 1, t => t == ElementType.Bool, "bool");
        return new LogicalKernel<TOp>(LegacyBroadcast.For(node));
    }

    sealed class LogicalKernel<TOp>(LegacyBroadcast legacy) : Kernel where TOp : IBinaryOperation<byte, byte>
    {
        public override void Run(KernelContext context)
        {
            var a = context.Input(0);
            var b = context.Input(1);
            if (a.Type != ElementType.Bool || b.Type != ElementType.Bool)
                throw new InferenceException($"inputs must be bool, not {a.TypeName} and {b.TypeName}");
            Span<int> shapes = stackalloc int[2 * Broadcast.MaxRank];
            var shape = legacy.OutputShape(a.Shape, b.Shape, shapes, out var sb);
            var y = context.Output(0, ElementType.Bool, shape);
            Broadcast.Binary<byte, byte, TOp>(a.Bytes(), a.Shape, b.Bytes(), sb, y.Bytes(), shape);
        }
    }

    sealed class NotKernel : Kernel
    {
        public override void Run(KernelContext context)
        {
            var x = context.Input(0);
            if (x.Type != ElementType.Bool) throw ElementTypes.NotImplemented(x);
            TensorPrimitives.Xor(x.Bytes(), (byte)1, context.Output(0, ElementType.Bool, x).Bytes());
        }
    }

    readonly struct AndOp : IBinaryOperation<byte, byte>
    {
        public static byte Apply(byte a, byte b) => (byte)(a & b);
        public static void Apply(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> dest) => TensorPrimitives.BitwiseAnd(a, b, dest);
        public static void Apply(ReadOnlySpan<byte> a, byte b, Span<byte> dest) => TensorPrimitives.BitwiseAnd(a, b, dest);
        public static void Apply(byte a, ReadOnlySpan<byte> b, Span<byte> dest) => TensorPrimitives.BitwiseAnd(b, a, dest);
    }

    readonly struct OrOp : IBinaryOperation<byte, byte>
    {
        public static byte Apply(byte a, byte b) => (byte)(a | b);
        public static void Apply(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> dest) => TensorPrimitives.BitwiseOr(a, b, dest);
        public static void Apply(ReadOnlySpan<byte> a, byte b, Span<byte> dest) => TensorPrimitives.BitwiseOr(a, b, dest);
        public static void Apply(byte a, ReadOnlySpan<byte> b, Span<byte> dest) => TensorPrimitives.BitwiseOr(b, a, dest);
    }

    readonly struct XorOp : IBinaryOperation<byte, byte>
    {
        public static byte Apply(byte a, byte b) => (byte)(a ^ b);
        public static void Apply(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> dest) => TensorPrimitives.Xor(a, b, dest);
        public static void Apply(ReadOnlySpan<byte> a, byte b, Span<byte> dest) => TensorPrimitives.Xor(a, b, dest);
        public static void Apply(byte a, ReadOnlySpan<byte> b, Span<byte> dest) => TensorPrimitives.Xor(b, a, dest);
    }
}
