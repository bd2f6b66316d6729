using System.Numerics;
using System.Numerics.Tensors;
using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2, ReduceLogSum,
/// ReduceLogSumExp, ReduceSumSquare. Axes are an attribute before opset 13 (ReduceSum) / 18 (the others)
/// and an optional int64 input after; no axes means all axes, unless noop_with_empty_axes=1, which reduces
/// over none (the element-wise part, e.g. |x| for ReduceL1, still applies, as in numpy with axis=()).
/// </summary>
internal static class Reduce
{
    enum Kind { Sum, Mean, Max, Min, Prod, L1, L2, LogSum, LogSumExp, SumSquare }

    public static Kernel Sum(NodeInfo node) => Create(node, Kind.Sum, axesInputSince: 13);
    public static Kernel Mean(NodeInfo node) => Create(node, Kind.Mean, 18);
    public static Kernel Max(NodeInfo node) => Create(node, Kind.Max, 18);
    public static Kernel Min(NodeInfo node) => Create(node, Kind.Min, 18);
    public static Kernel Prod(NodeInfo node) => Create(node, Kind.Prod, 18);
    public static Kernel L1(NodeInfo node) => Create(node, Kind.L1, 18);
    public static Kernel L2(NodeInfo node) => Create(node, Kind.L2, 18);
    public static Kernel LogSum(NodeInfo node) => Create(node, Kind.LogSum, 18);
    public static Kernel LogSumExp(NodeInfo node) => Create(node, Kind.LogSumExp, 18);
    public static Kernel SumSquare(NodeInfo node) => Create(node, Kind.SumSquare, 18);

    static Kernel Create(NodeInfo node, Kind kind, int axesInputSince)
    {
        bool floatOnly = IsFloatOnly(kind);
        ElementTypes.Require(node, 0, floatOnly ? ElementTypes.IsFloat : ElementTypes.IsNumeric, floatOnly ? "float, double and float16" : "numeric types");
        bool axesInput = node.Opset >= axesInputSince;
        long[]? axes = axesInput ? null : node.GetInts("axes");
        if (axesInput && node.Has("axes")) throw node.Invalid($"axes is an input since opset {axesInputSince}, not an attribute");
        return new ReduceKernel(kind, axes, axesInput, node.GetInt("keepdims", 1) != 0, node.GetInt("noop_with_empty_axes", 0) != 0);
    }

    /// <summary>The reductions defined with a square root, logarithm or exponential, so for floating-point types only.</summary>
    static bool IsFloatOnly(Kind kind) => kind is Kind.L2 or Kind.LogSum or Kind.LogSumExp;

    sealed class ReduceKernel(Kind kind, long[]? axesAttribute, bool axesInput, bool keepdims, bool noopWithEmptyAxes) : Kernel
    {
        public override void Run(KernelContext context)
        {
            var x = context.Input(0);
            int rank = x.Rank;
            Span<bool> reduced = stackalloc bool[Math.Max(rank, 1)];
            reduced = reduced[..rank];
            int count = 0;
            if (axesInput)
            {
                var t = context.OptionalInput(1);
                if (t is not null && t.Type != ElementType.Int64) throw new InferenceException($"axes must be int64, not {t.TypeName}");
                count = t is null ? 0 : Mark(t.Span<long>(), reduced);
            }
            else if (axesAttribute is not null)
                count = Mark(axesAttribute, reduced);
            if (count == 0 && !noopWithEmptyAxes) reduced.Fill(true);

            Span<int> shape = stackalloc int[Math.Max(rank, 1)];
            int outRank = 0;
            for (int i = 0; i < rank; i++)
            {
                if (!reduced[i]) shape[outRank++] = x.Shape[i];
                else if (keepdims) shape[outRank++] = 1;
            }
            var y = context.Output(0, x.Type, shape[..outRank]);
            if (x.Type == ElementType.Float) FloatCompute<float>(context, x, reduced, y); // the common case, inline (see ElementTypes)
            else if (IsFloatOnly(kind)) ElementTypes.VisitFloat(x, new FloatReduce(this, context, x, reduced, y));
            else ElementTypes.VisitNumeric(x, new NumericReduce(this, context, x, reduced, y));
        }

        readonly ref struct NumericReduce(ReduceKernel kernel, KernelContext context, Tensor x, ReadOnlySpan<bool> reduced, Tensor y) : INumericVisitor
        {
            readonly ReadOnlySpan<bool> _reduced = reduced;

            public void Visit<T>() where T : unmanaged, INumber<T> => kernel.Compute<T>(context, x, _reduced, y);
        }

        readonly ref struct FloatReduce(ReduceKernel kernel, KernelContext context, Tensor x, ReadOnlySpan<bool> reduced, Tensor y) : IFloatVisitor
        {
            readonly ReadOnlySpan<bool> _reduced = reduced;

            public void Visit<T>() where T : unmanaged, IFloatingPointIeee754<T> => kernel.FloatCompute<T>(context, x, _reduced, y);
        }

        static int Mark(ReadOnlySpan<long> axes, Span<bool> reduced)
        {
            int rank = reduced.Length;
            foreach (var a in axes)
            {
                long axis = a < 0 ? a + rank : a;
                if (axis < 0 || axis >= rank) throw new InferenceException($"axis {a} is out of range for rank {rank}");
                reduced[(int)axis] = true;
            }
            return axes.Length;
        }

        void Compute<T>(KernelContext context, Tensor x, ReadOnlySpan<bool> reduced, Tensor y) where T : unmanaged, INumber<T>
        {
            var src = x.Span<T>();
            var dst = y.Span<T>();
            var dims = x.Shape;
            switch (kind)
            {
                case Kind.Sum: Reduction.Run<T, SumReduction<T>>(src, dims, reduced, dst); break;
                case Kind.Max: Reduction.Run<T, MaxReduction<T>>(src, dims, reduced, dst); break;
                case Kind.Min: Reduction.Run<T, MinReduction<T>>(src, dims, reduced, dst); break;
                case Kind.Prod: Reduction.Run<T, ProductReduction<T>>(src, dims, reduced, dst); break;
                case Kind.Mean:
                    Reduction.Run<T, SumReduction<T>>(src, dims, reduced, dst);
                    if (dst.Length > 0) TensorPrimitives.Divide(dst, T.CreateChecked(src.Length / dst.Length), dst);
                    break;
                case Kind.L1:
                    var abs = context.Scratch<T>(src.Length);
                    TensorPrimitives.Abs(src, abs);
                    Reduction.Run<T, SumReduction<T>>(abs, dims, reduced, dst);
                    break;
                case Kind.SumSquare:
                    var squares = context.Scratch<T>(src.Length);
                    TensorPrimitives.Multiply(src, src, squares);
                    Reduction.Run<T, SumReduction<T>>(squares, dims, reduced, dst);
                    break;
                default: throw ElementTypes.NotImplemented(x);
            }
        }

        void FloatCompute<T>(KernelContext context, Tensor x, ReadOnlySpan<bool> reduced, Tensor y) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var src = x.Span<T>();
            var dst = y.Span<T>();
            var dims = x.Shape;
            switch (kind)
            {
                case Kind.L2:
                    var squares = context.Scratch<T>(src.Length);
                    TensorPrimitives.Multiply(src, src, squares);
                    Reduction.Run<T, SumReduction<T>>(squares, dims, reduced, dst);
                    TensorPrimitives.Sqrt(dst, dst);
                    break;
                case Kind.LogSum:
                    Reduction.Run<T, SumReduction<T>>(src, dims, reduced, dst);
                    TensorPrimitives.Log(dst, dst);
                    break;
                case Kind.LogSumExp:
                    LogSumExp(context, src, dims, reduced, dst);
                    break;
                default: Compute<T>(context, x, reduced, y); break;
            }
        }

        /// <summary>log(sum(exp(x))) computed as m + log(sum(exp(x - m))) with m the maximum, so large inputs do not overflow.</summary>
        static void LogSumExp<T>(KernelContext context, ReadOnlySpan<T> x, ReadOnlySpan<int> dims, ReadOnlySpan<bool> reduced, Span<T> y)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var max = context.Scratch<T>(y.Length, 1);
            Reduction.Run<T, MaxReduction<T>>(x, dims, reduced, max);
            for (int i = 0; i < max.Length; i++)
                if (!T.IsFinite(max[i])) max[i] = T.Zero;
            Span<int> keptShape = stackalloc int[dims.Length];
            for (int i = 0; i < dims.Length; i++) keptShape[i] = reduced[i] ? 1 : dims[i];
            var shifted = context.Scratch<T>(x.Length, 0);
            Broadcast.Binary<T, T, SubOp<T>>(x, dims, max, keptShape, shifted, dims);
            TensorPrimitives.Exp(shifted, shifted);
            Reduction.Run<T, SumReduction<T>>(shifted, dims, reduced, y);
            TensorPrimitives.Log(y, y);
            TensorPrimitives.Add(y, max, y);
        }
    }
}
