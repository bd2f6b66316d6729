using System.Numerics;
using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// PRelu: y = x &lt; 0 ? slope * x : x, slope broadcast to x (opset 7+). Before opset 7 a 1-D slope holds one
/// value per channel (x's dimension 1), which is how PyTorch exported PReLU at opset 6.
/// </summary>
internal static class PRelu
{
    public static Kernel Create(NodeInfo node)
    {
        ElementTypes.Require(node, 0, ElementTypes.IsNumeric, "numeric types");
        return new PReluKernel(node.Opset < 7);
    }

    readonly struct Op<T> : IBinaryOperation<T, T> where T : unmanaged, INumber<T>
    {
        public static T Apply(T x, T slope) => x < T.Zero ? x * slope : x;

        public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> dest)
        {
            int i = 0;
            if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
            {
                for (; i <= dest.Length - Vector<T>.Count; i += Vector<T>.Count)
                {
                    var x = new Vector<T>(a[i..]);
                    Vector.ConditionalSelect(Vector.LessThan(x, Vector<T>.Zero), x * new Vector<T>(b[i..]), x).CopyTo(dest[i..]);
                }
            }
            for (; i < dest.Length; i++) dest[i] = Apply(a[i], b[i]);
        }

        public static void Apply(ReadOnlySpan<T> a, T b, Span<T> dest)
        {
            int i = 0;
            if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
            {
                var s = new Vector<T>(b);
                for (; i <= dest.Length - Vector<T>.Count; i += Vector<T>.Count)
                {
                    var x = new Vector<T>(a[i..]);
                    Vector.ConditionalSelect(Vector.LessThan(x, Vector<T>.Zero), x * s, x).CopyTo(dest[i..]);
                }
            }
            for (; i < dest.Length; i++) dest[i] = Apply(a[i], b);
        }

        public static void Apply(T a, ReadOnlySpan<T> b, Span<T> dest)
        {
            for (int i = 0; i < dest.Length; i++) dest[i] = Apply(a, b[i]);
        }
    }

    sealed class PReluKernel(bool perChannel) : Kernel
    {
        public override void Run(KernelContext context)
        {
            var x = context.Input(0);
            var slope = context.Input(1);
            if (x.Type != slope.Type) throw new InferenceException($"X and slope have different types: {x.TypeName} and {slope.TypeName}");
            scoped ReadOnlySpan<int> ss = slope.Shape;
            Span<int> channel = stackalloc int[Broadcast.MaxRank];
            if (perChannel && ss.Length == 1 && x.Rank >= 2 && ss[0] == x.Shape[1] && ss[0] != 1)
            {
                channel.Fill(1);
                channel[0] = ss[0];
                ss = channel[..(x.Rank - 1)];
            }
            Span<int> shape = stackalloc int[Broadcast.MaxRank];
            shape = shape[..Broadcast.Shape(x.Shape, ss, shape)];
            if (!shape.SequenceEqual(x.Shape))
                throw new InferenceException($"slope {slope.ShapeString} does not broadcast to X {x.ShapeString}");
            var y = context.Output(0, x.Type, shape);
            var sx = x.Shape;
            switch (x.Type)
            {
                case ElementType.Float: Broadcast.Binary<float, float, Op<float>>(x.Span<float>(), sx, slope.Span<float>(), ss, y.Span<float>(), shape); break;
                case ElementType.Double: Broadcast.Binary<double, double, Op<double>>(x.Span<double>(), sx, slope.Span<double>(), ss, y.Span<double>(), shape); break;
                case ElementType.Float16: Broadcast.Binary<Half, Half, Op<Half>>(x.Span<Half>(), sx, slope.Span<Half>(), ss, y.Span<Half>(), shape); break;
                case ElementType.Int8: Broadcast.Binary<sbyte, sbyte, Op<sbyte>>(x.Span<sbyte>(), sx, slope.Span<sbyte>(), ss, y.Span<sbyte>(), shape); break;
                case ElementType.Int16: Broadcast.Binary<short, short, Op<short>>(x.Span<short>(), sx, slope.Span<short>(), ss, y.Span<short>(), shape); break;
                case ElementType.Int32: Broadcast.Binary<int, int, Op<int>>(x.Span<int>(), sx, slope.Span<int>(), ss, y.Span<int>(), shape); break;
                case ElementType.Int64: Broadcast.Binary<long, long, Op<long>>(x.Span<long>(), sx, slope.Span<long>(), ss, y.Span<long>(), shape); break;
                case ElementType.UInt8: Broadcast.Binary<byte, byte, Op<byte>>(x.Span<byte>(), sx, slope.Span<byte>(), ss, y.Span<byte>(), shape); break;
                case ElementType.UInt16: Broadcast.Binary<ushort, ushort, Op<ushort>>(x.Span<ushort>(), sx, slope.Span<ushort>(), ss, y.Span<ushort>(), shape); break;
                case ElementType.UInt32: Broadcast.Binary<uint, uint, Op<uint>>(x.Span<uint>(), sx, slope.Span<uint>(), ss, y.Span<uint>(), shape); break;
                case ElementType.UInt64: Broadcast.Binary<ulong, ulong, Op<ulong>>(x.Span<ulong>(), sx, slope.Span<ulong>(), ss, y.Span<ulong>(), shape); break;
                default: throw ElementTypes.NotImplemented(x);
            }
        }
    }
}
