using System.Numerics;
using System.Numerics.Tensors;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// ArgMax and ArgMin: int64 indices of the extreme value along one axis (keepdims, select_last_index from
/// opset 12). Ties give the first index unless select_last_index=1; a NaN counts as the extreme, as in numpy.
/// </summary>
internal static class ArgMax
{
    public static Kernel Max(NodeInfo node) => Create(node, true);
    public static Kernel Min(NodeInfo node) => Create(node, false);

    static Kernel Create(NodeInfo node, bool max)
    {
        ElementTypes.Require(node, 0, ElementTypes.IsNumeric, "numeric types");
        return new ArgKernel(max, node.GetInt("axis", 0), node.GetInt("keepdims", 1) != 0, node.GetInt("select_last_index", 0) != 0);
    }

    sealed class ArgKernel(bool max, long axisAttribute, bool keepdims, bool last) : Kernel
    {
        public override void Run(KernelContext context)
        {
            var x = context.Input(0);
            int rank = x.Rank;
            long a = axisAttribute < 0 ? axisAttribute + rank : axisAttribute;
            if (a < 0 || a >= Math.Max(rank, 1)) throw new InferenceException($"axis {axisAttribute} is out of range for rank {rank}");
            int axis = (int)a;
            var dims = x.Shape;
            int outer = 1, inner = 1, n = rank == 0 ? 1 : dims[axis];
            for (int i = 0; i < axis; i++) outer *= dims[i];
            for (int i = axis + 1; i < rank; i++) inner *= dims[i];
            if (n == 0) throw new InferenceException("cannot take the arg-extreme of an empty axis");
            Span<int> shape = stackalloc int[Math.Max(rank, 1)];
            int outRank = 0;
            for (int i = 0; i < rank; i++)
                if (i != axis) shape[outRank++] = dims[i];
                else if (keepdims) shape[outRank++] = 1;
            var y = context.Output(0, ElementType.Int64, shape[..outRank]);
            if (x.Type == ElementType.Float) Find<float>(x.Span<float>(), outer, n, inner, y.Span<long>()); // the common case, inline (see ElementTypes)
            else ElementTypes.VisitNumeric(x, new FindAll(this, x, outer, n, inner, y));
        }

        /// <summary>
        /// TensorPrimitives.IndexOfMax's rules (the first NaN wins, else the first largest, with +0 above -0), or with
        /// <see cref="Smallest"/> IndexOfMin's (the first smallest, with -0 below +0).
        /// </summary>
        static int IndexOfShort<TOrder>(ReadOnlySpan<float> row) where TOrder : IOrder
        {
            float best = row[0];
            if (float.IsNaN(best)) return 0;
            int index = 0;
            for (int k = 1; k < row.Length; k++)
            {
                float v = row[k];
                if (TOrder.Beats(v, best)) { best = v; index = k; }
                else if (float.IsNaN(v)) return k;
            }
            return index;
        }

        interface IOrder
        {
            /// <summary>True when <paramref name="v"/> replaces <paramref name="best"/> as the extreme so far.</summary>
            static abstract bool Beats(float v, float best);
        }

        readonly struct Largest : IOrder
        {
            public static bool Beats(float v, float best) => v > best || (v == best && v == 0 && float.IsNegative(best) && !float.IsNegative(v));
        }

        readonly struct Smallest : IOrder
        {
            public static bool Beats(float v, float best) => Largest.Beats(best, v);
        }

        readonly struct FindAll(ArgKernel kernel, Tensor x, int outer, int n, int inner, Tensor y) : INumericVisitor
        {
            public void Visit<T>() where T : unmanaged, INumber<T> => kernel.Find(x.Span<T>(), outer, n, inner, y.Span<long>());
        }

        void Find<T>(ReadOnlySpan<T> x, int outer, int n, int inner, Span<long> y) where T : unmanaged, INumber<T>
        {
            for (int o = 0; o < outer; o++)
            {
                var block = x.Slice(o * n * inner, n * inner);
                if (inner == 1 && !last && n <= 32 && typeof(T) == typeof(float))
                {
                    // Short rows (class scores): a scalar scan beats TensorPrimitives' call and setup per row.
                    var row = System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(block);
                    y[o] = max ? IndexOfShort<Largest>(row) : IndexOfShort<Smallest>(row);
                    continue;
                }
                if (inner == 1 && !last)
                {
                    y[o] = max ? TensorPrimitives.IndexOfMax(block) : TensorPrimitives.IndexOfMin(block);
                    continue;
                }
                for (int j = 0; j < inner; j++)
                {
                    T best = block[j];
                    int bestIndex = 0;
                    if (!T.IsNaN(best))
                    {
                        for (int k = 1; k < n; k++)
                        {
                            T v = block[k * inner + j];
                            if (T.IsNaN(v)) { bestIndex = k; break; }
                            bool better = max ? (last ? v >= best : v > best) : (last ? v <= best : v < best);
                            if (better) { best = v; bestIndex = k; }
                        }
                    }
                    y[o * inner + j] = bestIndex;
                }
            }
        }
    }
}
