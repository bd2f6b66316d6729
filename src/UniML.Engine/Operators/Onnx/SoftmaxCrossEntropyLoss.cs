using System.Numerics;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// SoftmaxCrossEntropyLoss: log-softmax of scores [N, C, d1...] over the class axis (optional second output
/// log_prob), then <see cref="NegativeLogLikelihoodLoss"/> on it with the same weight / ignore_index / reduction rules.
/// </summary>
internal static class SoftmaxCrossEntropyLoss
{
    public static Kernel Create(NodeInfo node)
    {
        ElementTypes.Require(node, 0, t => t is ElementType.Float or ElementType.Double, "float and double");
        return new SceKernel(NegativeLogLikelihoodLoss.ParseReduction(node), node.Has("ignore_index") ? node.GetInt("ignore_index") : null);
    }

    sealed class SceKernel(NegativeLogLikelihoodLoss.Reduction reduction, long? ignoreIndex) : Kernel
    {
        public override void Run(KernelContext context)
        {
            var x = context.Input(0);
            switch (x.Type)
            {
                case ElementType.Float: Compute<float>(context, x); break;
                case ElementType.Double: Compute<double>(context, x); break;
                default: throw ElementTypes.NotImplemented(x);
            }
        }

        void Compute<T>(KernelContext context, Tensor x) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var shape = x.Shape;
            if (shape.Length < 2) throw new InferenceException($"scores must be [N, C, ...], not {x.ShapeString}");
            int n = shape[0], c = shape[1], d = 1;
            for (int i = 2; i < shape.Length; i++) d *= shape[i];
            Span<T> logProb = context.OutputCount > 1 && context.IsOutputUsed(1)
                ? context.Output(1, x.Type, x).Span<T>()
                : context.Scratch<T>(x.Length);
            var s = x.Span<T>();
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < d; j++)
                {
                    int b = i * c * d + j;
                    T max = s[b];
                    for (int k = 1; k < c; k++) max = T.Max(max, s[b + k * d]);
                    T sum = T.Zero;
                    for (int k = 0; k < c; k++) sum += T.Exp(s[b + k * d] - max);
                    T lse = max + T.Log(sum);
                    for (int k = 0; k < c; k++) logProb[b + k * d] = s[b + k * d] - lse;
                }
            }
            NegativeLogLikelihoodLoss.Loss<T>(context, logProb, shape, context.Input(1), context.OptionalInput(2), reduction, ignoreIndex, 0);
        }
    }
}
