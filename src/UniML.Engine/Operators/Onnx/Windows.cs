using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// HannWindow, HammingWindow and BlackmanWindow (opset 17): generalised cosine windows of the given
/// size, periodic (denominator N, the default) or symmetric (N - 1), in output_datatype (float by default).
/// </summary>
internal sealed class Windows(double a0, double a1, double a2, bool periodic, ElementType type) : Kernel
{
    public static Kernel Hann(NodeInfo node) => Create(node, 0.5, 0.5, 0);

    public static Kernel Hamming(NodeInfo node) => Create(node, 25.0 / 46, 1 - 25.0 / 46, 0);

    public static Kernel Blackman(NodeInfo node) => Create(node, 0.42, 0.5, 0.08);

    static Kernel Create(NodeInfo node, double a0, double a1, double a2)
    {
        var type = (ElementType)node.GetInt("output_datatype", (long)ElementType.Float);
        if (type is ElementType.String or ElementType.Bool || !Tensor.IsSupported(type))
            throw node.Unsupported($"output_datatype {ElementTypeInfo.OnnxName(type)} is not supported");
        return new Windows(a0, a1, a2, node.GetInt("periodic", 1) != 0, type);
    }

    public override void Run(KernelContext context)
    {
        long size = ShapeInputs.ScalarInt64(context.Input(0));
        int n = ShapeInputs.Dim(size);
        var y = context.Output(0, type, [n]).Bytes();
        int width = Tensor.ElementSize(type);
        double denominator = periodic ? n : n - 1;
        for (int i = 0; i < n; i++)
        {
            double phase = denominator > 0 ? 2 * Math.PI * i / denominator : 0;
            double w = a0 - a1 * Math.Cos(phase) + a2 * Math.Cos(2 * phase);
            ElementView.WriteScalar(type, w, y.Slice(i * width, width));
        }
    }
}
