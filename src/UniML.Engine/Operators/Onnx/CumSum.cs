using System.Numerics;
using System.Numerics.Tensors;
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
            var axisTensor = context.Input(1);
            if (axisTensor.Length != 1) throw new InferenceException($"axis must be a scalar, not shape {axisTensor.ShapeString}");
            long axisValue = axisTensor.Type switch
            {
                ElementType.Int32 => axisTensor.Span<int>()[0],
                ElementType.Int64 => axisTensor.Span<long>()[0],
                _ => throw new InferenceException($"axis must be int32 or int64, not {axisTensor.TypeName}"),
            };
            int rank = x.Rank;
            long a = axisValue < 0 ? axisValue + rank : axisValue;
            if (a < 0 || a >= rank) throw new InferenceException($"axis {axisValue} is out of range for rank {rank}");
            var dims = x.Shape;
            int outer = 1, n = dims[(int)a], inner = 1;
            for (int i = 0; i < a; i++) outer *= dims[i];
            for (int i = (int)a + 1; i < rank; i++) inner *= dims[i];
            var y = context.Output(0, x.Type, x);
            switch (x.Type)
            {
                case ElementType.Float: Scan<float>(x.Span<float>(), y.Span<float>(), outer, n, inner); break;
                case ElementType.Double: Scan<double>(x.Span<double>(), y.Span<double>(), outer, n, inner); break;
                case ElementType.Float16: Scan<Half>(x.Span<Half>(), y.Span<Half>(), outer, n, inner); break;
                case ElementType.Int8: Scan<sbyte>(x.Span<sbyte>(), y.Span<sbyte>(), outer, n, inner); break;
                case ElementType.Int16: Scan<short>(x.Span<short>(), y.Span<short>(), outer, n, inner); break;
                case ElementType.Int32: Scan<int>(x.Span<int>(), y.Span<int>(), outer, n, inner); break;
                case ElementType.Int64: Scan<long>(x.Span<long>(), y.Span<long>(), outer, n, inner); break;
                case ElementType.UInt8: Scan<byte>(x.Span<byte>(), y.Span<byte>(), outer, n, inner); break;
                case ElementType.UInt16: Scan<ushort>(x.Span<ushort>(), y.Span<ushort>(), outer, n, inner); break;
                case ElementType.UInt32: Scan<uint>(x.Span<uint>(), y.Span<uint>(), outer, n, inner); break;
                case ElementType.UInt64: Scan<ulong>(x.Span<ulong>(), y.Span<ulong>(), outer, n, inner); break;
                default: throw ElementTypes.NotImplemented(x);
            }
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
