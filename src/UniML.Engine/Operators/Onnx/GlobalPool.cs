using System.Numerics.Tensors;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>GlobalAveragePool and GlobalMaxPool: one value per (batch, channel) plane, spatial dims become 1.</summary>
internal sealed class GlobalPool : Kernel
{
    readonly bool _max;

    GlobalPool(bool max) => _max = max;

    public static Kernel Average(NodeInfo node) => Create(node, false);

    public static Kernel Max(NodeInfo node) => Create(node, true);

    static Kernel Create(NodeInfo node, bool max)
    {
        if (node.InputTypes[0] is { } t && t is not (ElementType.Float or ElementType.Double))
            throw node.Unsupported($"{node.OpType} of {ElementTypeInfo.OnnxName(t)} is not implemented");
        return new GlobalPool(max);
    }

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        if (x.Rank < 2)
            throw new InferenceException($"global pooling needs rank 2 or more, got {x.ShapeString}");
        Span<int> shape = stackalloc int[x.Rank];
        shape[0] = x.Shape[0];
        shape[1] = x.Shape[1];
        shape[2..].Fill(1);
        var y = context.Output(0, x.Type, shape);
        int planes = x.Shape[0] * x.Shape[1];
        int size = planes == 0 ? 0 : x.Length / planes;
        if (x.Type == ElementType.Float)
        {
            var xv = x.Span<float>();
            var yv = y.Span<float>();
            for (int p = 0; p < planes; p++)
            {
                var plane = xv.Slice(p * size, size);
                yv[p] = size == 0 ? float.NaN : _max ? TensorPrimitives.Max(plane) : TensorPrimitives.Sum(plane) / size;
            }
        }
        else if (x.Type == ElementType.Double)
        {
            var xv = x.Span<double>();
            var yv = y.Span<double>();
            for (int p = 0; p < planes; p++)
            {
                var plane = xv.Slice(p * size, size);
                yv[p] = size == 0 ? double.NaN : _max ? TensorPrimitives.Max(plane) : TensorPrimitives.Sum(plane) / size;
            }
        }
        else throw new InferenceException($"global pooling does not support {x.TypeName}");
    }
}
