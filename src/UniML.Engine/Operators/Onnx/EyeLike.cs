using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>EyeLike: a 2-D tensor shaped like the input with ones on the k-th diagonal, of the input's type or 'dtype'.</summary>
internal sealed class EyeLike(ElementType? dtype, long k) : ElementMoveKernel
{
    public static Kernel Create(NodeInfo node)
    {
        ElementType? type = node.Has("dtype") ? (ElementType)node.GetInt("dtype") : null;
        if (type is { } t && (t == ElementType.String || !Tensor.IsSupported(t)))
            throw node.Unsupported($"dtype {ElementTypeInfo.OnnxName(t)} is not supported");
        return new EyeLike(type, node.GetInt("k", 0));
    }

    protected override ElementType DataType(KernelContext context) => dtype ?? context.Input(0).Type;

    protected override void Run<T>(KernelContext context)
    {
        var x = context.Input(0);
        if (x.Rank != 2) throw new InferenceException($"EyeLike needs a 2-D input, got {x.ShapeString}");
        var type = DataType(context);
        var dst = ElementView.Of<T>(context.Output(0, type, x.Shape));
        dst.Fill(ElementView.Scalar<T>(type, 0));
        T one = ElementView.Scalar<T>(type, 1);
        int rows = x.Shape[0], cols = x.Shape[1];
        for (int i = 0; i < rows; i++)
        {
            long j = i + k;
            if (j >= 0 && j < cols) dst[i * cols + (int)j] = one;
        }
    }
}
