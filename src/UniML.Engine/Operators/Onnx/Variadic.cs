using System.Numerics;
using System.Numerics.Tensors;
using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Max, Min, Sum, Mean of one or more inputs with numpy broadcasting (opset 8+; earlier versions required
/// equal shapes, a special case). The first pair is combined into the output, then each further input in place.
/// </summary>
internal static class Variadic
{
    public static Kernel Max(NodeInfo node) => Create<MaxFamily>(node, false);
    public static Kernel Min(NodeInfo node) => Create<MinFamily>(node, false);
    public static Kernel Sum(NodeInfo node) => Create<SumFamily>(node, false);
    public static Kernel Mean(NodeInfo node) => Create<SumFamily>(node, true);

    static Kernel Create<TFamily>(NodeInfo node, bool mean) where TFamily : INumericBinary
    {
        if (node.FormalInputCount == 0) throw node.Invalid("needs at least one input");
        for (int i = 0; i < node.FormalInputCount; i++)
            ElementTypes.Require(node, i, mean ? ElementTypes.IsFloat : ElementTypes.IsNumeric, mean ? "float, double and float16" : "numeric types");
        return new VariadicKernel<TFamily>(mean);
    }

    readonly struct MaxFamily : INumericBinary
    {
        public static void Run<T>(ReadOnlySpan<T> a, ReadOnlySpan<int> sa, ReadOnlySpan<T> b, ReadOnlySpan<int> sb, Span<T> y, ReadOnlySpan<int> s)
            where T : unmanaged, INumber<T> => Broadcast.Binary<T, T, MaxOp<T>>(a, sa, b, sb, y, s);
    }

    readonly struct MinFamily : INumericBinary
    {
        public static void Run<T>(ReadOnlySpan<T> a, ReadOnlySpan<int> sa, ReadOnlySpan<T> b, ReadOnlySpan<int> sb, Span<T> y, ReadOnlySpan<int> s)
            where T : unmanaged, INumber<T> => Broadcast.Binary<T, T, MinOp<T>>(a, sa, b, sb, y, s);
    }

    readonly struct SumFamily : INumericBinary
    {
        public static void Run<T>(ReadOnlySpan<T> a, ReadOnlySpan<int> sa, ReadOnlySpan<T> b, ReadOnlySpan<int> sb, Span<T> y, ReadOnlySpan<int> s)
            where T : unmanaged, INumber<T> => Broadcast.Binary<T, T, AddOp<T>>(a, sa, b, sb, y, s);
    }

    sealed class VariadicKernel<TFamily>(bool mean) : Kernel where TFamily : INumericBinary
    {
        public override void Run(KernelContext context)
        {
            int n = context.InputCount;
            var first = context.Input(0);
            Span<int> shape = stackalloc int[Broadcast.MaxRank];
            Span<int> next = stackalloc int[Broadcast.MaxRank];
            int rank = first.Rank;
            first.Shape.CopyTo(shape);
            for (int i = 1; i < n; i++)
            {
                var t = context.Input(i);
                if (t.Type != first.Type) throw new InferenceException($"input {i} is {t.TypeName}, input 0 is {first.TypeName}");
                rank = Broadcast.Shape(shape[..rank], t.Shape, next);
                next[..rank].CopyTo(shape);
            }
            shape = shape[..rank];
            var y = context.Output(0, first.Type, shape);
            if (first.Type == ElementType.Float) CombineInputs<float>(context, y); // the common case, inline (see ElementTypes)
            else ElementTypes.VisitNumeric(first, new Combine(this, context, y));
        }

        readonly struct Combine(VariadicKernel<TFamily> kernel, KernelContext context, Tensor y) : INumericVisitor
        {
            public void Visit<T>() where T : unmanaged, INumber<T> => kernel.CombineInputs<T>(context, y);
        }

        void CombineInputs<T>(KernelContext context, Tensor y) where T : unmanaged, INumber<T>
        {
            int n = context.InputCount;
            var shape = y.Shape;
            var dest = y.Span<T>();
            var a = context.Input(0);
            if (n == 1)
            {
                // A lone input is copied, broadcast to itself.
                a.Span<T>().CopyTo(dest);
            }
            else
            {
                var b = context.Input(1);
                TFamily.Run<T>(a.Span<T>(), a.Shape, b.Span<T>(), b.Shape, dest, shape);
                for (int i = 2; i < n; i++)
                {
                    var t = context.Input(i);
                    TFamily.Run<T>(dest, shape, t.Span<T>(), t.Shape, dest, shape);
                }
            }
            if (mean) TensorPrimitives.Divide(dest, T.CreateChecked(n), dest);
        }
    }
}
