using System.Numerics;
using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// NegativeLogLikelihoodLoss: input [N, C, d1...] of log-probabilities, target [N, d1...] of class indices,
/// optional per-class weight [C]. loss = -input[n, target, d...] * weight[target]; targets equal to
/// ignore_index contribute 0 and no weight. reduction none / sum / mean (sum divided by the total weight).
/// </summary>
internal static class NegativeLogLikelihoodLoss
{
    public enum Reduction { None, Sum, Mean }

    public static Kernel Create(NodeInfo node)
    {
        ElementTypes.Require(node, 0, t => t is ElementType.Float or ElementType.Double, "float and double");
        return new NllKernel(ParseReduction(node), node.Has("ignore_index") ? node.GetInt("ignore_index") : null);
    }

    public static Reduction ParseReduction(NodeInfo node) => node.GetString("reduction", "mean") switch
    {
        "none" => Reduction.None,
        "sum" => Reduction.Sum,
        "mean" => Reduction.Mean,
        var r => throw node.Invalid($"reduction must be none, sum or mean, not '{r}'"),
    };

    sealed class NllKernel(Reduction reduction, long? ignoreIndex) : Kernel
    {
        public override void Run(KernelContext context)
        {
            var x = context.Input(0);
            var target = context.Input(1);
            var weight = context.OptionalInput(2);
            switch (x.Type)
            {
                case ElementType.Float: Loss<float>(context, x.Span<float>(), x.Shape, target, weight, reduction, ignoreIndex, 0); break;
                case ElementType.Double: Loss<double>(context, x.Span<double>(), x.Shape, target, weight, reduction, ignoreIndex, 0); break;
                default: throw ElementTypes.NotImplemented(x);
            }
        }
    }

    /// <summary>Computes the loss from log-probabilities <paramref name="logProb"/> shaped like the scores, into output <paramref name="output"/>.</summary>
    public static void Loss<T>(KernelContext context, ReadOnlySpan<T> logProb, ReadOnlySpan<int> shape, Tensor target, Tensor? weight,
        Reduction reduction, long? ignoreIndex, int output) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (shape.Length < 2) throw new InferenceException($"input must be [N, C, ...], not {Tensor.ShapeText(shape)}");
        int n = shape[0], c = shape[1], d = 1;
        for (int i = 2; i < shape.Length; i++) d *= shape[i];
        if (target.Rank != shape.Length - 1 || target.Shape[0] != n || !target.Shape[1..].SequenceEqual(shape[2..]))
            throw new InferenceException($"target {target.ShapeString} does not match input {Tensor.ShapeText(shape)}");
        if (target.Type is not (ElementType.Int32 or ElementType.Int64)) throw new InferenceException($"target must be int32 or int64, not {target.TypeName}");
        ReadOnlySpan<T> w = default;
        if (weight is not null)
        {
            if (weight.Type != Tensor.TypeOf<T>() || weight.Length != c) throw new InferenceException($"weight must be [{c}] of the input's type");
            w = weight.Span<T>();
        }
        Span<T> perElement = reduction == Reduction.None ? context.Output(output, Tensor.TypeOf<T>(), target.Shape).Span<T>() : default;
        double sum = 0, totalWeight = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++)
            {
                int k = i * d + j;
                long t = Indices.At(target, k, "target");
                double loss = 0, wt = 0;
                if (ignoreIndex is not { } ignored || t != ignored)
                {
                    if (t < 0 || t >= c) throw new InferenceException($"target {t} is out of range for {c} classes");
                    wt = w.IsEmpty ? 1 : double.CreateChecked(w[(int)t]);
                    loss = -double.CreateChecked(logProb[(i * c + (int)t) * d + j]) * wt;
                }
                if (reduction == Reduction.None) perElement[k] = T.CreateChecked(loss);
                sum += loss;
                totalWeight += wt;
            }
        }
        if (reduction == Reduction.None) return;
        var scalar = context.Output(output, Tensor.TypeOf<T>(), []).Span<T>();
        scalar[0] = T.CreateChecked(reduction == Reduction.Sum ? sum : sum / totalWeight);
    }
}
