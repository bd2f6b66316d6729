using System.Numerics;
using System.Numerics.Tensors;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Clip: y = min(max(x, min), max). Before opset 11 the bounds are float attributes; from 11 they are
/// optional scalar inputs of x's type (absent: no bound). A minimum above the maximum gives the maximum, as numpy.clip.
/// </summary>
internal static class Clip
{
    public static Kernel Create(NodeInfo node)
    {
        ElementTypes.Require(node, 0, ElementTypes.IsNumeric, "numeric types");
        if (node.Opset < 11)
            return new ClipKernel(true, node.GetFloat("min", float.NegativeInfinity), node.GetFloat("max", float.PositiveInfinity));
        return new ClipKernel(false, 0, 0);
    }

    sealed class ClipKernel(bool attributes, float min, float max) : Kernel
    {
        public override void Run(KernelContext context)
        {
            var x = context.Input(0);
            var y = context.Output(0, x.Type, x);
            if (x.Type == ElementType.Float) Apply<float>(context, x, y); // the common case, inline (see ElementTypes)
            else ElementTypes.VisitNumeric(x, new Clamp(this, context, x, y));
        }

        readonly struct Clamp(ClipKernel kernel, KernelContext context, Tensor x, Tensor y) : INumericVisitor
        {
            public void Visit<T>() where T : unmanaged, INumber<T> => kernel.Apply<T>(context, x, y);
        }

        void Apply<T>(KernelContext context, Tensor x, Tensor y) where T : unmanaged, INumber<T>
        {
            bool hasMin, hasMax;
            T lo = default, hi = default;
            if (attributes)
            {
                hasMin = !float.IsNegativeInfinity(min);
                hasMax = !float.IsPositiveInfinity(max);
                if (hasMin) lo = T.CreateSaturating(min);
                if (hasMax) hi = T.CreateSaturating(max);
            }
            else
            {
                hasMin = Bound(context, 1, x.Type, out lo);
                hasMax = Bound(context, 2, x.Type, out hi);
            }
            var src = x.Span<T>();
            var dst = y.Span<T>();
            if (hasMin) TensorPrimitives.Max(src, lo, dst);
            else src.CopyTo(dst);
            if (hasMax) TensorPrimitives.Min(dst, hi, dst);
        }

        static bool Bound<T>(KernelContext context, int index, ElementType type, out T value) where T : unmanaged, INumber<T>
        {
            value = default;
            var t = context.OptionalInput(index);
            if (t is null) return false;
            if (t.Type != type) throw new InferenceException($"input {index} is {t.TypeName}, expected the type of x");
            if (t.Length != 1) throw new InferenceException($"input {index} must be a scalar, not shape {t.ShapeString}");
            value = t.Span<T>()[0];
            return true;
        }
    }
}
