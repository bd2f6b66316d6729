using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// OneHot: a new axis of size depth holding values[1] where it equals the index (negative indices count
/// from depth) and values[0] elsewhere; out-of-range indices give an all-off row.
/// </summary>
internal sealed class OneHot(long axis) : ElementMoveKernel
{
    public static Kernel Create(NodeInfo node) => new OneHot(node.GetInt("axis", -1));

    protected override ElementType DataType(KernelContext context) => context.Input(2).Type;

    protected override void Run<T>(KernelContext context)
    {
        var indices = context.Input(0);
        long depthValue = ShapeInputs.ScalarInt64(context.Input(1));
        if (depthValue < 1) throw new InferenceException($"depth must be positive, got {depthValue}");
        int depth = ShapeInputs.Dim(depthValue);
        var values = context.Input(2);
        if (values.Length != 2) throw new InferenceException($"values must hold [off, on], got shape {values.ShapeString}");
        var v = ElementView.Of<T>(values);
        T off = v[0], on = v[1];

        int rank = indices.Rank + 1;
        int a = ShapeInputs.Axis(axis, rank);
        Span<int> shape = stackalloc int[rank];
        indices.Shape[..a].CopyTo(shape);
        shape[a] = depth;
        indices.Shape[a..].CopyTo(shape[(a + 1)..]);
        var y = context.Output(0, values.Type, shape);
        var dst = ElementView.Of<T>(y);
        dst.Fill(off);
        int inner = ShapeInputs.Product(indices.Shape, a, indices.Rank);
        int outer = ShapeInputs.Product(indices.Shape, 0, a);
        var numbers = context.Scratch<double>(indices.Length);
        Conversion.ToDouble(indices, numbers);
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                long k = (long)numbers[o * inner + i];
                if (k < 0) k += depth;
                if (k < 0 || k >= depth) continue;
                dst[(o * depth + (int)k) * inner + i] = on;
            }
        }
    }
}
