using System.Numerics.Tensors;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>Element-wise float activations and math functions, computed with TensorPrimitives where it has them.</summary>
internal static class Unary
{
    public static Kernel Relu(NodeInfo node) => new FloatUnary(node.OpType, static (x, y) => TensorPrimitives.Max(x, 0f, y), static (x, y) => TensorPrimitives.Max(x, 0d, y));

    /// <summary>A unary kernel over float and double tensors.</summary>
    sealed class FloatUnary(string name, FloatUnary.FloatOp f, FloatUnary.DoubleOp d) : Kernel
    {
        public delegate void FloatOp(ReadOnlySpan<float> x, Span<float> y);
        public delegate void DoubleOp(ReadOnlySpan<double> x, Span<double> y);

        public override void Run(KernelContext context)
        {
            var x = context.Input(0);
            var y = context.Output(0, x.Type, x);
            switch (x.Type)
            {
                case ElementType.Float: f(x.Span<float>(), y.Span<float>()); break;
                case ElementType.Double: d(x.Span<double>(), y.Span<double>()); break;
                default: throw new InferenceException($"{name} does not support {x.TypeName}");
            }
        }
    }
}
