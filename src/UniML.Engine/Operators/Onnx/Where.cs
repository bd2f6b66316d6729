using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>Where: condition ? X : Y with three-way broadcasting, for any element type (moved by element size).</summary>
internal static class Where
{
    public static Kernel Create(NodeInfo node)
    {
        ElementTypes.Require(node, 0, t => t == ElementType.Bool, "a bool condition");
        return new WhereKernel();
    }

    sealed class WhereKernel : Kernel
    {
        public override void Run(KernelContext context)
        {
            var c = context.Input(0);
            var x = context.Input(1);
            var y = context.Input(2);
            if (c.Type != ElementType.Bool) throw new InferenceException($"condition must be bool, not {c.TypeName}");
            if (x.Type != y.Type) throw new InferenceException($"X and Y have different types: {x.TypeName} and {y.TypeName}");
            Span<int> xy = stackalloc int[Broadcast.MaxRank];
            xy = xy[..Broadcast.Shape(x.Shape, y.Shape, xy)];
            Span<int> shape = stackalloc int[Broadcast.MaxRank];
            shape = shape[..Broadcast.Shape(c.Shape, xy, shape)];
            var output = context.Output(0, x.Type, shape);
            var cond = c.Span<bool>();
            if (x.Type == ElementType.String)
            {
                Broadcast.Select(cond, c.Shape, x.Strings(), x.Shape, y.Strings(), y.Shape, output.Strings(), shape);
                return;
            }
            switch (Tensor.ElementSize(x.Type))
            {
                case 1: Broadcast.Select(cond, c.Shape, x.Bytes(), x.Shape, y.Bytes(), y.Shape, output.Bytes(), shape); break;
                case 2: Broadcast.Select(cond, c.Shape, Cast<ushort>(x), x.Shape, Cast<ushort>(y), y.Shape, Cast<ushort>(output), shape); break;
                case 4: Broadcast.Select(cond, c.Shape, Cast<uint>(x), x.Shape, Cast<uint>(y), y.Shape, Cast<uint>(output), shape); break;
                default: Broadcast.Select(cond, c.Shape, Cast<ulong>(x), x.Shape, Cast<ulong>(y), y.Shape, Cast<ulong>(output), shape); break;
            }
        }

        static Span<T> Cast<T>(Tensor t) where T : unmanaged => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(t.Bytes());
    }
}
