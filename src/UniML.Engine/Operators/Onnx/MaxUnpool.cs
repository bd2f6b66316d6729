using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// MaxUnpool: a zero tensor with each X value written at its flat index from MaxPool's Indices. The output
/// shape is the optional output_shape input, else (in − 1)·stride + kernel − pads per spatial dimension.
/// </summary>
internal sealed class MaxUnpool : Kernel
{
    readonly WindowGeometry _window;

    MaxUnpool(WindowGeometry window) => _window = window;

    public static Kernel Create(NodeInfo node)
    {
        var window = WindowGeometry.Parse(node, kernelRequired: true);
        if (node.InputTypes[0] is { } t && t is not (ElementType.Float or ElementType.Double))
            throw node.Unsupported($"MaxUnpool of {ElementTypeInfo.OnnxName(t)} is not implemented");
        return new MaxUnpool(window);
    }

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        var indices = context.Input(1);
        var outputShape = context.OptionalInput(2);
        int r = x.Rank - 2;
        var kernel = _window.KernelShape!;
        if (r < 1 || kernel.Length != r)
            throw new InferenceException($"MaxUnpool kernel_shape {Tensor.ShapeText(kernel)} does not fit input {x.ShapeString}");
        if (indices.Type != ElementType.Int64 || indices.Length != x.Length)
            throw new InferenceException($"MaxUnpool indices {indices.TypeName} {indices.ShapeString} must be int64 with X's shape {x.ShapeString}");
        // Indices address the default-size output; an explicit output_shape keeps each value at the same
        // spatial coordinates (as the ONNX test expects), so indices are re-based when the sizes differ.
        Span<int> natural = stackalloc int[x.Rank];
        natural[0] = x.Shape[0];
        natural[1] = x.Shape[1];
        for (int i = 0; i < r; i++)
            natural[2 + i] = (x.Shape[2 + i] - 1) * _window.Stride(i) + kernel[i] - (_window.Pads?[i] ?? 0) - (_window.Pads?[i + r] ?? 0);
        Span<int> shape = stackalloc int[x.Rank];
        natural.CopyTo(shape);
        if (outputShape is not null)
        {
            var os = outputShape.Span<long>();
            if (os.Length != x.Rank) throw new InferenceException($"MaxUnpool output_shape has {os.Length} values for rank {x.Rank}");
            for (int i = 0; i < os.Length; i++) shape[i] = checked((int)os[i]);
            if (shape[0] != natural[0] || shape[1] != natural[1])
                throw new InferenceException($"MaxUnpool output_shape {Tensor.ShapeText(shape)} must keep X's batch and channel dimensions");
        }
        var y = context.Output(0, x.Type, shape);
        y.Bytes().Clear();
        var iv = indices.Span<long>();
        if (x.Type == ElementType.Float) Scatter(x.Span<float>(), iv, y.Span<float>(), natural, shape);
        else if (x.Type == ElementType.Double) Scatter(x.Span<double>(), iv, y.Span<double>(), natural, shape);
        else throw new InferenceException($"MaxUnpool does not support {x.TypeName}");
    }

    static void Scatter<T>(ReadOnlySpan<T> x, ReadOnlySpan<long> indices, Span<T> y, ReadOnlySpan<int> natural, ReadOnlySpan<int> shape)
    {
        long naturalCount = 1;
        foreach (var d in natural) naturalCount *= d;
        bool same = natural.SequenceEqual(shape);
        for (int i = 0; i < x.Length; i++)
        {
            long at = indices[i];
            if ((ulong)at >= (ulong)naturalCount)
                throw new InferenceException($"MaxUnpool index {at} is outside the unpooled tensor of {naturalCount} elements");
            if (same) { y[(int)at] = x[i]; continue; }
            // Decompose in the natural shape, recompose in the requested one; drop positions outside it.
            long rest = at, target = 0, stride = 1;
            bool inside = true;
            for (int d = natural.Length - 1; d >= 0; d--)
            {
                long coord = rest % natural[d];
                rest /= natural[d];
                if (coord >= shape[d]) inside = false;
                target += coord * stride;
                stride *= shape[d];
            }
            if (inside) y[(int)target] = x[i];
        }
    }
}
