using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>ConstantOfShape: a tensor of the input shape filled with the one-element 'value' attribute (float 0 by default).</summary>
internal sealed class ConstantOfShape(Tensor value) : ElementMoveKernel
{
    public static Kernel Create(NodeInfo node)
    {
        var value = node.GetTensor("value") ?? Tensor.Scalar(0f);
        if (value.Length != 1)
            throw node.Invalid($"'value' must hold one element, it has shape {value.ShapeString}");
        return new ConstantOfShape(value);
    }

    protected override ElementType DataType(KernelContext context) => value.Type;

    protected override void Run<T>(KernelContext context)
    {
        var shapeInput = context.Input(0);
        Span<long> dims = stackalloc long[shapeInput.Length];
        ShapeInputs.ReadInt64(shapeInput, dims);
        Span<int> shape = stackalloc int[dims.Length];
        for (int i = 0; i < dims.Length; i++) shape[i] = ShapeInputs.Dim(dims[i]);
        var y = context.Output(0, value.Type, shape);
        ElementView.Of<T>(y).Fill(ElementView.Of<T>(value)[0]);
    }
}
