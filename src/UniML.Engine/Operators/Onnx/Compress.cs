using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Compress: keeps the slices along an axis (or the elements of the flattened input) whose condition is
/// true; a condition shorter than the axis treats the rest as false.
/// </summary>
internal sealed class Compress(long? axis) : ElementMoveKernel
{
    public static Kernel Create(NodeInfo node) => new Compress(node.Has("axis") ? node.GetInt("axis") : null);

    protected override void Run<T>(KernelContext context)
    {
        var x = context.Input(0);
        var condition = context.Input(1);
        if (condition.Type != ElementType.Bool || condition.Rank != 1)
            throw new InferenceException($"condition must be a 1-D bool tensor, got {condition.TypeName} {condition.ShapeString}");
        var keep = condition.Span<bool>();
        var src = ElementView.Of<T>(x);
        int rank = x.Rank;
        int a = axis is { } ax ? ShapeInputs.Axis(ax, rank) : -1;
        int dim = a < 0 ? x.Length : x.Shape[a];
        if (keep.Length > dim) throw new InferenceException($"condition has {keep.Length} entries, the axis only {dim}");
        int kept = 0;
        foreach (var k in keep) if (k) kept++;
        if (a < 0)
        {
            var flat = ElementView.Of<T>(context.Output(0, x.Type, [kept]));
            for (int i = 0, j = 0; i < keep.Length; i++)
                if (keep[i]) flat[j++] = src[i];
            return;
        }
        Span<int> shape = stackalloc int[rank];
        x.Shape.CopyTo(shape);
        shape[a] = kept;
        var dst = ElementView.Of<T>(context.Output(0, x.Type, shape));
        int outer = ShapeInputs.Product(x.Shape, 0, a);
        int inner = ShapeInputs.Product(x.Shape, a + 1, rank);
        int d = 0;
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < keep.Length; i++)
            {
                if (!keep[i]) continue;
                src.Slice((o * dim + i) * inner, inner).CopyTo(dst.Slice(d, inner));
                d += inner;
            }
    }
}
