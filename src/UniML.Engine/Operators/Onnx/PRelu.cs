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

    readonly ref struct Apply(Tensor x, Tensor slope, ReadOnlySpan<int> slopeShape, Tensor y) : INumericVisitor
    {
        readonly ReadOnlySpan<int> _slopeShape = slopeShape;

        public void Visit<T>() where T : unmanaged, INumber<T> =>
            Broadcast.Binary<T, T, Op<T>>(x.Span<T>(), x.Shape, slope.Span<T>(), _slopeShape, y.Span<T>(), y.Shape);
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
            var apply = new Apply(x, slope, ss, y);
            if (x.Type == ElementType.Float) apply.Visit<float>(); // the common case, inline (see ElementTypes)
            else ElementTypes.VisitNumeric(x, apply);
        }
    }
}
