using System.Numerics;
using System.Numerics.Tensors;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>IsInf: a bool tensor marking infinite elements; detect_negative / detect_positive select which signs count.</summary>
internal static class IsInf
{
    public static Kernel Create(NodeInfo node)
    {
        ElementTypes.Require(node, 0, ElementTypes.IsFloat, "float, double and float16");
        return new IsInfKernel(node.GetInt("detect_negative", 1) != 0, node.GetInt("detect_positive", 1) != 0);
    }

    sealed class IsInfKernel(bool negative, bool positive) : Kernel
    {
        public override void Run(KernelContext context)
        {
            var x = context.Input(0);
            var y = context.Output(0, ElementType.Bool, x).Span<bool>();
            switch (x.Type)
            {
                case ElementType.Float: Detect<float>(x.Span<float>(), y); break;
                case ElementType.Double: Detect<double>(x.Span<double>(), y); break;
                case ElementType.Float16: Detect<Half>(x.Span<Half>(), y); break;
                default: throw ElementTypes.NotImplemented(x);
            }
        }

        void Detect<T>(ReadOnlySpan<T> x, Span<bool> y) where T : IFloatingPointIeee754<T>
        {
            if (negative && positive) TensorPrimitives.IsInfinity(x, y);
            else if (negative) TensorPrimitives.IsNegativeInfinity(x, y);
            else if (positive) TensorPrimitives.IsPositiveInfinity(x, y);
            else y.Clear();
        }
    }
}
