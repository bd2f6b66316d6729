using System.Numerics;
using System.Numerics.Tensors;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Softmax, LogSoftmax and Hardmax. From opset 13 they work along one axis (default -1); before, the input
/// is coerced to 2-D [prod(dims before axis), prod(dims from axis)] (default axis 1) and each row is normalised.
/// The maximum is subtracted before exponentiating, so large inputs do not overflow.
/// </summary>
internal static class Softmax
{
    enum Kind { Softmax, LogSoftmax, Hardmax }

    public static Kernel Create(NodeInfo node) => Create(node, Kind.Softmax);
    public static Kernel Log(NodeInfo node) => Create(node, Kind.LogSoftmax);
    public static Kernel Hardmax(NodeInfo node) => Create(node, Kind.Hardmax);

    static Kernel Create(NodeInfo node, Kind kind)
    {
        ElementTypes.Require(node, 0, ElementTypes.IsFloat, "float, double and float16");
        bool coerce2D = node.Opset < 13;
        return new SoftmaxKernel(kind, node.GetInt("axis", coerce2D ? 1 : -1), coerce2D);
    }

    sealed class SoftmaxKernel(Kind kind, long axisAttribute, bool coerce2D) : Kernel
    {
        public override void Run(KernelContext context)
        {
            var x = context.Input(0);
            int rank = x.Rank;
            long a = axisAttribute < 0 ? axisAttribute + rank : axisAttribute;
            if (a < 0 || a > rank || (!coerce2D && a == rank && rank > 0))
                throw new InferenceException($"axis {axisAttribute} is out of range for rank {rank}");
            int axis = (int)a;
            var dims = x.Shape;
            int outer = 1, n = 1, inner = 1;
            for (int i = 0; i < axis; i++) outer *= dims[i];
            if (coerce2D)
                for (int i = axis; i < rank; i++) n *= dims[i];
            else if (rank > 0)
            {
                n = dims[axis];
                for (int i = axis + 1; i < rank; i++) inner *= dims[i];
            }
            var y = context.Output(0, x.Type, x);
            switch (x.Type)
            {
                case ElementType.Float: Compute<float>(context, x.Span<float>(), y.Span<float>(), outer, n, inner); break;
                case ElementType.Double: Compute<double>(context, x.Span<double>(), y.Span<double>(), outer, n, inner); break;
                case ElementType.Float16:
                    var f = context.Scratch<float>(x.Length, 2);
                    TensorPrimitives.ConvertToSingle(x.Span<Half>(), f);
                    var g = context.Scratch<float>(x.Length, 3);
                    Compute<float>(context, f, g, outer, n, inner);
                    TensorPrimitives.ConvertToHalf(g, y.Span<Half>());
                    break;
                default: throw ElementTypes.NotImplemented(x);
            }
        }

        void Compute<T>(KernelContext context, ReadOnlySpan<T> x, Span<T> y, int outer, int n, int inner) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (n == 0 || x.Length == 0) return;
            if (inner == 1 && kind == Kind.Softmax && typeof(T) == typeof(float))
            {
                x.Slice(0, outer * n).CopyTo(y);
                Primitives.PostTransforms.SoftmaxRows(System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(y), outer, n, guardInfinite: true);
                return;
            }
            if (inner == 1)
            {
                var exp = kind == Kind.LogSoftmax ? context.Scratch<T>(n, 0) : default;
                for (int o = 0; o < outer; o++)
                    Row(x.Slice(o * n, n), y.Slice(o * n, n), exp);
                return;
            }
            var max = context.Scratch<T>(inner, 0);
            var sum = context.Scratch<T>(inner, 1);
            for (int o = 0; o < outer; o++)
            {
                var xb = x.Slice(o * n * inner, n * inner);
                var yb = y.Slice(o * n * inner, n * inner);
                if (kind == Kind.Hardmax) { HardmaxColumns(xb, yb, n, inner); continue; }
                xb[..inner].CopyTo(max);
                for (int k = 1; k < n; k++) TensorPrimitives.Max(max, xb.Slice(k * inner, inner), max);
                sum.Clear();
                for (int k = 0; k < n; k++)
                {
                    var yk = yb.Slice(k * inner, inner);
                    TensorPrimitives.Subtract(xb.Slice(k * inner, inner), max, yk);
                    if (kind == Kind.Softmax)
                    {
                        TensorPrimitives.Exp(yk, yk);
                        TensorPrimitives.Add(sum, yk, sum);
                    }
                    else
                    {
                        // sum += exp(x - max), keeping y = x - max for the final shift.
                        for (int j = 0; j < inner; j++) sum[j] += T.Exp(yk[j]);
                    }
                }
                if (kind == Kind.Softmax)
                {
                    for (int k = 0; k < n; k++) TensorPrimitives.Divide(yb.Slice(k * inner, inner), sum, yb.Slice(k * inner, inner));
                }
                else
                {
                    TensorPrimitives.Log(sum, sum);
                    for (int k = 0; k < n; k++) TensorPrimitives.Subtract(yb.Slice(k * inner, inner), sum, yb.Slice(k * inner, inner));
                }
            }
        }

        void Row<T>(ReadOnlySpan<T> x, Span<T> y, Span<T> exp) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (kind == Kind.Hardmax)
            {
                int index = TensorPrimitives.IndexOfMax(x);
                y.Clear();
                y[index] = T.One;
                return;
            }
            T max = TensorPrimitives.Max(x);
            if (!T.IsFinite(max)) max = T.IsNaN(max) ? max : T.Zero;
            TensorPrimitives.Subtract(x, max, y);
            if (kind == Kind.Softmax)
            {
                TensorPrimitives.Exp(y, y);
                TensorPrimitives.Divide(y, TensorPrimitives.Sum<T>(y), y);
            }
            else
            {
                TensorPrimitives.Exp(y, exp);
                TensorPrimitives.Subtract(y, T.Log(TensorPrimitives.Sum<T>(exp)), y);
            }
        }

        static void HardmaxColumns<T>(ReadOnlySpan<T> x, Span<T> y, int n, int inner) where T : unmanaged, IFloatingPointIeee754<T>
        {
            y.Clear();
            for (int j = 0; j < inner; j++)
            {
                int best = 0;
                for (int k = 1; k < n; k++)
                    if (x[k * inner + j] > x[best * inner + j]) best = k;
                y[best * inner + j] = T.One;
            }
        }
    }
}
