using System.Numerics.Tensors;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>IsNaN: a bool tensor marking the NaN elements of a floating-point tensor.</summary>
internal static class IsNaN
{
    public static Kernel Create(NodeInfo node)
    {
        ElementTypes.Require(node, 0, ElementTypes.IsFloat, "float, double and float16");
        return new IsNaNKernel();
    }

    sealed class IsNaNKernel : Kernel
    {
        public override void Run(KernelContext context)
        {
            var x = context.Input(0);
            var y = context.Output(0, ElementType.Bool, x).Span<bool>();
            switch (x.Type)
            {
                case ElementType.Float: TensorPrimitives.IsNaN<float>(x.Span<float>(), y); break;
                case ElementType.Double: TensorPrimitives.IsNaN<double>(x.Span<double>(), y); break;
                case ElementType.Float16: TensorPrimitives.IsNaN<Half>(x.Span<Half>(), y); break;
                default: throw ElementTypes.NotImplemented(x);
            }
        }
    }
}
