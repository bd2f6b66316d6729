using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>Size: the input's element count as an int64 scalar.</summary>
internal sealed class Size : Kernel
{
    public static Kernel Create(NodeInfo node) => new Size();

    public override void Run(KernelContext context)
    {
        long n = context.Input(0).Length;
        context.Output(0, ElementType.Int64, []).Span<long>()[0] = n;
    }
}
