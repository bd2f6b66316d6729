using System.Numerics;
using System.Numerics.Tensors;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// BatchNormalization. Inference mode: y = (x − mean)/√(var + ε)·scale + B per channel, folded into one
/// multiply-add per element. Training mode (opset 14+, training_mode = 1) normalises with the batch's
/// own mean and (population) variance and also returns the updated running statistics
/// running = stored·momentum + batch·(1 − momentum), as the ONNX reference does.
/// </summary>
internal sealed class BatchNormalization : Kernel
{
    readonly float _epsilon, _momentum;
    readonly bool _training;

    BatchNormalization(float epsilon, float momentum, bool training)
    {
        _epsilon = epsilon;
        _momentum = momentum;
        _training = training;
    }

    public static Kernel Create(NodeInfo node)
    {
        if (node.Opset < 9 && node.GetInt("spatial", 1) == 0)
            throw node.Unsupported("spatial = 0 (per-activation statistics) is not implemented");
        if (node.Opset < 7 && node.GetInt("is_test", 0) == 0 && node.OutputCount > 1)
            throw node.Unsupported("training-mode outputs of BatchNormalization before opset 7 are not implemented");
        bool training = node.Opset >= 14 && node.GetInt("training_mode", 0) != 0;
        if (node.InputTypes[0] is { } t && t is not (ElementType.Float or ElementType.Double))
            throw node.Unsupported($"BatchNormalization of {ElementTypeInfo.OnnxName(t)} is not implemented");
        return new BatchNormalization(node.GetFloat("epsilon", 1e-5f), node.GetFloat("momentum", 0.9f), training);
    }

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        switch (x.Type)
        {
            case ElementType.Float: Run<float>(context, x); break;
            case ElementType.Double: Run<double>(context, x); break;
            default: throw new InferenceException($"BatchNormalization does not support {x.TypeName}");
        }
    }

    void Run<T>(KernelContext context, Tensor x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Rank < 2)
            throw new InferenceException($"BatchNormalization needs rank 2 or more, got {x.ShapeString}");
        int n = x.Shape[0], c = x.Shape[1];
        int size = n * c == 0 ? 0 : x.Length / (n * c);
        var scale = Param<T>(context, 1, c);
        var bias = Param<T>(context, 2, c);
        var mean = Param<T>(context, 3, c);
        var variance = Param<T>(context, 4, c);
        var y = context.Output(0, x.Type, x);
        var xv = x.Span<T>();
        var yv = y.Span<T>();
        var factors = context.Scratch<T>(2 * c);
        var a = factors[..c];
        var b = factors[c..];
        T eps = T.CreateTruncating(_epsilon);

        if (_training)
        {
            // Batch statistics over all axes but the channel.
            var stats = context.Scratch<T>(2 * c, 1);
            var batchMean = stats[..c];
            var batchVar = stats[c..];
            T count = T.CreateTruncating(n * size);
            for (int ch = 0; ch < c; ch++)
            {
                T sum = T.Zero;
                for (int i = 0; i < n; i++) sum += TensorPrimitives.Sum<T>(xv.Slice((i * c + ch) * size, size));
                T mu = sum / count;
                T sq = T.Zero;
                for (int i = 0; i < n; i++)
                    foreach (var v in xv.Slice((i * c + ch) * size, size)) sq += (v - mu) * (v - mu);
                batchMean[ch] = mu;
                batchVar[ch] = sq / count;
            }
            T momentum = T.CreateTruncating(_momentum);
            if (context.OutputCount > 1 && context.IsOutputUsed(1))
            {
                var rm = context.Output(1, x.Type, [c]).Span<T>();
                for (int ch = 0; ch < c; ch++) rm[ch] = mean[ch] * momentum + batchMean[ch] * (T.One - momentum);
            }
            if (context.OutputCount > 2 && context.IsOutputUsed(2))
            {
                var rv = context.Output(2, x.Type, [c]).Span<T>();
                for (int ch = 0; ch < c; ch++) rv[ch] = variance[ch] * momentum + batchVar[ch] * (T.One - momentum);
            }
            mean = batchMean;
            variance = batchVar;
        }
        for (int ch = 0; ch < c; ch++)
        {
            a[ch] = scale[ch] / T.Sqrt(variance[ch] + eps);
            b[ch] = bias[ch] - mean[ch] * a[ch];
        }
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
            {
                int off = (i * c + ch) * size;
                var dst = yv.Slice(off, size);
                TensorPrimitives.Multiply<T>(xv.Slice(off, size), a[ch], dst);
                TensorPrimitives.Add<T>(dst, b[ch], dst);
            }
    }

    static ReadOnlySpan<T> Param<T>(KernelContext context, int index, int c) where T : unmanaged
    {
        var t = context.Input(index);
        if (t.Length != c)
            throw new InferenceException($"BatchNormalization input {index} has shape {t.ShapeString}, expected {c} values (one per channel)");
        return t.Span<T>();
    }
}
