using UniML.Engine.Primitives;

namespace UniML.Engine.Operators.Onnx;

/// <summary>Trilu: keeps the upper (j - i ≥ k) or lower (j - i ≤ k) triangle of the last two axes and zeroes the rest.</summary>
internal sealed class Trilu(bool upper) : ElementMoveKernel
{
    public static Kernel Create(NodeInfo node) => new Trilu(node.GetInt("upper", 1) != 0);

    protected override void Run<T>(KernelContext context)
    {
        var x = context.Input(0);
        if (x.Rank < 2) throw new InferenceException($"Trilu needs rank 2 or more, got {x.ShapeString}");
        long k = context.OptionalInput(1) is { } kInput ? ShapeInputs.ScalarInt64(kInput) : 0;
        var y = context.Output(0, x.Type, x);
        var src = ElementView.Of<T>(x);
        var dst = ElementView.Of<T>(y);
        src.CopyTo(dst);
        T zero = ElementView.Scalar<T>(x.Type, 0);
        int rows = x.Shape[x.Rank - 2], cols = x.Shape[x.Rank - 1];
        int matrices = ShapeInputs.Product(x.Shape, 0, x.Rank - 2);
        for (int m = 0; m < matrices; m++)
        {
            for (int i = 0; i < rows; i++)
            {
                var row = dst.Slice((m * rows + i) * cols, cols);
                // Columns kept: upper j >= i + k, lower j <= i + k.
                long edge = i + k;
                if (upper)
                    row[..(int)Math.Clamp(edge, 0, cols)].Fill(zero);
                else
                    row[(int)Math.Clamp(edge + 1, 0, cols)..].Fill(zero);
            }
        }
    }
}
