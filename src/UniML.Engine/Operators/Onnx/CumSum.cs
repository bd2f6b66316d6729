using System.Numerics;
using System.Numerics.Tensors;
using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// CumSum along the axis given by a scalar input; exclusive=1 leaves out the current element, reverse=1
/// sums from the end. Rows along the axis are added with TensorPrimitives (vectorised over the inner dimensions).
/// </summary>
internal static class CumSum
{
    public static Kernel Create(NodeInfo node)
    {
        ElementTypes.Require(node, 0, ElementTypes.IsNumeric, "numeric types");
        return new CumSumKernel(node.GetInt("exclusive", 0) != 0, node.GetInt("reverse", 0) != 0);
    }

    sealed class CumSumKernel(bool exclusive, bool reverse) : Kernel
    {
        public override void Run(KernelContext context)
        {
            var x = context.Input(0);
            int rank = x.Rank;
            int a = ShapeInputs.Axis(Indices.Scalar(context.Input(1), "axis"), rank);
            int outer = ShapeInputs.Product(x.Shape, 0, a), inner = ShapeInputs.Product(x.Shape, a + 1, rank);
            var y = context.Output(0, x.Type, x);
            if (x.Type == ElementType.Float) Scan<float>(x.Span<float>(), y.Span<float>(), outer, x.Shape[a], inner); // the common case, inline (see ElementTypes)
            else ElementTypes.VisitNumeric(x, new ScanAll(this, x, y, outer, x.Shape[a], inner));
        }

        readonly struct ScanAll(CumSumKernel kernel, Tensor x, Tensor y, int outer, int n, int inner) : INumericVisitor
        {
            public void Visit<T>() where T : unmanaged, INumber<T> => kernel.Scan<T>(x.Span<T>(), y.Span<T>(), outer, n, inner);
        }

        void Scan<T>(ReadOnlySpan<T> x, Span<T> y, int outer, int n, int inner) where T : unmanaged, INumber<T>
        {
            if (n == 0) return;
            for (int o = 0; o < outer; o++)
            {
                var xb = x.Slice(o * n * inner, n * inner);
                var yb = y.Slice(o * n * inner, n * inner);
                int first = reverse ? n - 1 : 0, step = reverse ? -1 : 1;
                var row0 = yb.Slice(first * inner, inner);
                if (exclusive) row0.Clear();
                else xb.Slice(first * inner, inner).CopyTo(row0);
                for (int i = 1; i < n; i++)
                {
                    int k = first + i * step, prev = k - step;
                    // inclusive: y[k] = y[prev] + x[k]; exclusive: y[k] = y[prev] + x[prev]
                    TensorPrimitives.Add(yb.Slice(prev * inner, inner), xb.Slice((exclusive ? prev : k) * inner, inner), yb.Slice(k * inner, inner));
                }
            }
        }
    }
}
