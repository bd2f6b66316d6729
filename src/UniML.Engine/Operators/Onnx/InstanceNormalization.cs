using System.Numerics;
using System.Numerics.Tensors;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>InstanceNormalization: each (batch, channel) plane normalised by its own mean and variance, then scale·x̂ + B.</summary>
internal sealed class InstanceNormalization : Kernel
{
    readonly float _epsilon;

    InstanceNormalization(float epsilon) => _epsilon = epsilon;

    public static Kernel Create(NodeInfo node)
    {
        if (node.InputTypes[0] is { } t && t is not (ElementType.Float or ElementType.Double))
            throw node.Unsupported($"InstanceNormalization of {ElementTypeInfo.OnnxName(t)} is not implemented");
        return new InstanceNormalization(node.GetFloat("epsilon", 1e-5f));
    }

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        switch (x.Type)
        {
            case ElementType.Float: Run<float>(context, x); break;
            case ElementType.Double: Run<double>(context, x); break;
            default: throw new InferenceException($"InstanceNormalization does not support {x.TypeName}");
        }
    }

    void Run<T>(KernelContext context, Tensor x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Rank < 3)
            throw new InferenceException($"InstanceNormalization needs rank 3 or more, got {x.ShapeString}");
        int n = x.Shape[0], c = x.Shape[1];
        int size = x.Length / Math.Max(n * c, 1);
        var scale = context.Input(1);
        var bias = context.Input(2);
        if (scale.Length != c || bias.Length != c)
            throw new InferenceException($"InstanceNormalization scale {scale.ShapeString} and B {bias.ShapeString} must have {c} values");
        var sv = scale.Span<T>();
        var bv = bias.Span<T>();
        var y = context.Output(0, x.Type, x);
        var xv = x.Span<T>();
        var yv = y.Span<T>();
        T eps = T.CreateTruncating(_epsilon);
        for (int i = 0; i < n * c; i++)
        {
            var plane = xv.Slice(i * size, size);
            T mean = TensorPrimitives.Sum<T>(plane) / T.CreateTruncating(size);
            T sq = T.Zero;
            foreach (var v in plane) sq += (v - mean) * (v - mean);
            T variance = sq / T.CreateTruncating(size);
            T a = sv[i % c] / T.Sqrt(variance + eps);
            var dst = yv.Slice(i * size, size);
            TensorPrimitives.Multiply<T>(plane, a, dst);
            TensorPrimitives.Add<T>(dst, bv[i % c] - mean * a, dst);
        }
    }
}
