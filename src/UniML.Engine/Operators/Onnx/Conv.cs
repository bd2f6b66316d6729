using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Conv (1-D, 2-D, 3-D and beyond; groups, strides, dilations, pads, auto_pad) lowered to GEMM: per image
/// and group, Y_g[M/g, out] = W_g[M/g, C/g·kernel] · col[C/g·kernel, out], where col is the im2col
/// expansion of the input (or the input itself for a 1×1, stride-1, unpadded kernel). Constant weights
/// are packed per group at load.
/// </summary>
internal sealed class Conv : Kernel
{
    readonly WindowGeometry _window;
    readonly int _group;
    readonly PackedMatrix[]? _packedWeights;

    Conv(WindowGeometry window, int group, PackedMatrix[]? packedWeights)
    {
        _window = window;
        _group = group;
        _packedWeights = packedWeights;
    }

    public static Kernel Create(NodeInfo node)
    {
        var window = WindowGeometry.Parse(node, kernelRequired: false);
        long group = node.GetInt("group", 1);
        if (group < 1 || group > int.MaxValue) throw node.Invalid($"group {group} must be positive");
        if (node.InputTypes[0] is { } t && t != ElementType.Float)
            throw node.Unsupported($"Conv of {ElementTypeInfo.OnnxName(t)} is not implemented (float only)");
        PackedMatrix[]? packed = null;
        if (node.ConstantInput(1) is { Type: ElementType.Float } w && w.Rank >= 3 && w.Shape[0] % group == 0)
        {
            int g = (int)group, mg = w.Shape[0] / g, kdim = w.Length / Math.Max(w.Shape[0], 1);
            packed = new PackedMatrix[g];
            for (int i = 0; i < g; i++)
                packed[i] = Gemm.PackA(w.Span<float>().Slice(i * mg * kdim, mg * kdim), kdim, false, mg, kdim);
        }
        return new Conv(window, (int)group, packed);
    }

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        var w = context.Input(1);
        var b = context.OptionalInput(2);
        if (x.Type != ElementType.Float || w.Type != ElementType.Float)
            throw new InferenceException($"Conv supports float tensors, got {x.TypeName} and {w.TypeName}");
        int r = x.Rank - 2;
        if (r < 1 || w.Rank != x.Rank)
            throw new InferenceException($"Conv needs X of rank 3 or more and W of the same rank, got {x.ShapeString} and {w.ShapeString}");
        int batch = x.Shape[0], channels = x.Shape[1], m = w.Shape[0];
        int g = _group;
        if (channels != w.Shape[1] * g || m % g != 0)
            throw new InferenceException($"Conv channels do not match: X {x.ShapeString}, W {w.ShapeString}, group {g}");
        var kernel = w.Shape[2..];
        if (_window.KernelShape is { } ks && !ks.AsSpan().SequenceEqual(kernel))
            throw new InferenceException($"Conv kernel_shape {Tensor.ShapeText(ks)} does not match W {w.ShapeString}");
        if (b is not null && b.Length != m)
            throw new InferenceException($"Conv bias has {b.Length} values for {m} output channels");

        Span<int> outDims = stackalloc int[r];
        Span<int> padBegin = stackalloc int[r];
        Span<int> padEnd = stackalloc int[r];
        Span<int> strides = stackalloc int[r];
        Span<int> dilations = stackalloc int[r];
        _window.Resolve(x.Shape[2..], kernel, outDims, padBegin, padEnd);
        bool pointwise = true;
        int kVol = 1, outVol = 1, inVol = 1;
        for (int i = 0; i < r; i++)
        {
            strides[i] = _window.Stride(i);
            dilations[i] = _window.Dilation(i);
            kVol *= kernel[i];
            outVol *= outDims[i];
            inVol *= x.Shape[2 + i];
            if (kernel[i] != 1 || strides[i] != 1 || padBegin[i] != 0 || padEnd[i] != 0) pointwise = false;
        }
        Span<int> yShape = stackalloc int[x.Rank];
        yShape[0] = batch;
        yShape[1] = m;
        outDims.CopyTo(yShape[2..]);
        var y = context.Output(0, ElementType.Float, yShape);
        var yv = y.Span<float>();
        if (yv.Length == 0) return;

        int cg = channels / g, mg = m / g, kdim = cg * kVol;
        var packed = _packedWeights is not null && _packedWeights[0].Outer == mg && _packedWeights[0].K == kdim ? _packedWeights : null;
        var ws = context.Scratch<float>(Gemm.WorkspaceSize(mg, outVol, kdim, packed is not null, false), 0);
        // 2-D windows are expanded straight into the SGEMM's packed layout.
        bool packedCol = !pointwise && r == 2;
        var col = pointwise ? default : context.Scratch<float>(packedCol ? Gemm.PackedBLength(kdim, outVol) : kdim * outVol, 1);
        var xv = x.Span<float>();
        var wv = w.Span<float>();
        var bias = b is null ? default : b.Span<float>();
        for (int n = 0; n < batch; n++)
        {
            for (int gi = 0; gi < g; gi++)
            {
                var image = xv.Slice((n * channels + gi * cg) * inVol, cg * inVol);
                var yg = yv.Slice((n * m + gi * mg) * outVol, mg * outVol);
                if (b is not null)
                    for (int i = 0; i < mg; i++) yg.Slice(i * outVol, outVol).Fill(bias[gi * mg + i]);
                var aOperand = packed is not null ? new GemmOperand(packed[gi]) : new GemmOperand(wv.Slice(gi * mg * kdim, mg * kdim), kdim, false);
                if (packedCol)
                {
                    Im2Col.ExpandPacked2D(image, x.Shape[2], x.Shape[3], cg, kernel[0], kernel[1], strides[0], strides[1], dilations[0], dilations[1],
                        padBegin[0], padBegin[1], outDims[0], outDims[1], col);
                    Gemm.Multiply(mg, outVol, kdim, 1f, aOperand, GemmOperand.PackedB(col), b is null ? 0f : 1f, yg, outVol, ws);
                    continue;
                }
                ReadOnlySpan<float> bMatrix;
                if (pointwise) bMatrix = image;
                else
                {
                    Im2Col.Expand(image, x.Shape[2..], cg, kernel, strides, dilations, padBegin, outDims, col);
                    bMatrix = col;
                }
                Gemm.Multiply(mg, outVol, kdim, 1f, aOperand, new GemmOperand(bMatrix, outVol, false), b is null ? 0f : 1f, yg, outVol, ws);
            }
        }
    }
}
