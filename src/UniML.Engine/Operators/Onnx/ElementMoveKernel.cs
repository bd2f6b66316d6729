using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Base of kernels that move elements without looking at their values (transpose, gather, slice...):
/// <see cref="Run{T}"/> is instantiated once per element width (byte, ushort, uint, ulong) and for
/// strings, so every element type is covered by five specialisations.
/// </summary>
internal abstract class ElementMoveKernel : Kernel
{
    public sealed override void Run(KernelContext context)
    {
        switch (ElementView.Width(DataType(context)))
        {
            case 1: Run<byte>(context); break;
            case 2: Run<ushort>(context); break;
            case 4: Run<uint>(context); break;
            case 8: Run<ulong>(context); break;
            default: Run<string>(context); break;
        }
    }

    /// <summary>The element type being moved; input 0's by default.</summary>
    protected virtual ElementType DataType(KernelContext context) => context.Input(0).Type;

    /// <summary>Runs with <typeparamref name="T"/> the width carrier (see <see cref="ElementView.Of{T}"/>).</summary>
    protected abstract void Run<T>(KernelContext context);
}
