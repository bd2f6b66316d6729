using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// ConvTranspose (N-D; groups, strides, dilations, pads, output_padding, output_shape, auto_pad): per image
/// and group, col[M/g·kernel, in] = W_gᵀ · X_g by GEMM, then col2im adds each column into the output
/// window it came from. Output size s·(in − 1) + output_padding + (k − 1)·d + 1 − pads, or as given by
/// output_shape with the pads derived from it (split as the specification's formula says).
/// </summary>
internal sealed class ConvTranspose : Kernel
{
    readonly WindowGeometry _window;
    readonly int _group;
    readonly int[]? _outputPadding, _outputShape;
    readonly PackedMatrix[]? _packedWeights;

    ConvTranspose(WindowGeometry window, int group, int[]? outputPadding, int[]? outputShape, PackedMatrix[]? packed)
    {
        _window = window;
        _group = group;
        _outputPadding = outputPadding;
        _outputShape = outputShape;
        _packedWeights = packed;
    }

    public static Kernel Create(NodeInfo node)
    {
        var window = WindowGeometry.Parse(node, kernelRequired: false);
        long group = node.GetInt("group", 1);
        if (group < 1 || group > int.MaxValue) throw node.Invalid($"group {group} must be positive");
        if (node.InputTypes[0] is { } t && t != ElementType.Float)
            throw node.Unsupported($"ConvTranspose of {ElementTypeInfo.OnnxName(t)} is not implemented (float only)");
        var outputPadding = node.GetInts("output_padding")?.Select(v => (int)v).ToArray();
        var outputShape = node.GetInts("output_shape")?.Select(v => (int)v).ToArray();
        PackedMatrix[]? packed = null;
        if (node.ConstantInput(1) is { Type: ElementType.Float } w && w.Rank >= 3 && w.Shape[0] % group == 0)
        {
            int g = (int)group, cg = w.Shape[0] / g, rows = w.Length / Math.Max(w.Shape[0], 1);
            packed = new PackedMatrix[g];
            for (int i = 0; i < g; i++)
                packed[i] = Gemm.PackA(w.Span<float>().Slice(i * cg * rows, cg * rows), rows, true, rows, cg);
        }
        return new ConvTranspose(window, (int)group, outputPadding, outputShape, packed);
    }

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        var w = context.Input(1);
        var b = context.OptionalInput(2);
        if (x.Type != ElementType.Float || w.Type != ElementType.Float)
            throw new InferenceException($"ConvTranspose supports float tensors, got {x.TypeName} and {w.TypeName}");
        int r = x.Rank - 2;
        if (r < 1 || w.Rank != x.Rank)
            throw new InferenceException($"ConvTranspose needs X of rank 3 or more and W of the same rank, got {x.ShapeString} and {w.ShapeString}");
        int g = _group;
        int batch = x.Shape[0], channels = x.Shape[1];
        if (w.Shape[0] != channels || channels % g != 0)
            throw new InferenceException($"ConvTranspose channels do not match: X {x.ShapeString}, W {w.ShapeString}, group {g}");
        int cg = channels / g, mg = w.Shape[1], m = mg * g;
        if (b is not null && b.Length != m)
            throw new InferenceException($"ConvTranspose bias has {b.Length} values for {m} output channels");
        var kernel = w.Shape[2..];
        var input = x.Shape[2..];

        Span<int> outDims = stackalloc int[r];
        Span<int> padBegin = stackalloc int[r];
        Span<int> padEnd = stackalloc int[r];
        Span<int> strides = stackalloc int[r];
        Span<int> dilations = stackalloc int[r];
        int kVol = 1, inVol = 1, outVol = 1;
        for (int i = 0; i < r; i++)
        {
            int s = strides[i] = _window.Stride(i);
            int d = dilations[i] = _window.Dilation(i);
            int extent = (kernel[i] - 1) * d + 1;
            int outPad = _outputPadding is { } op && op.Length == r ? op[i] : 0;
            int natural = s * (input[i] - 1) + outPad + extent;
            int? target = _outputShape is { } os ? os[os.Length - r + i] : _window.AutoPad is AutoPad.SameUpper or AutoPad.SameLower ? input[i] * s : null;
            if (target is int t)
            {
                // Floor division as in the specification's formula: a negative total (output_shape larger
                // than the natural size) becomes extra rows at the end, like output_padding.
                int total = natural - t, half = (int)Math.Floor(total / 2.0);
                padBegin[i] = _window.AutoPad == AutoPad.SameUpper ? half : total - half;
                padEnd[i] = total - padBegin[i];
                outDims[i] = t;
            }
            else
            {
                padBegin[i] = _window.AutoPad == AutoPad.Valid ? 0 : _window.Pads?[i] ?? 0;
                padEnd[i] = _window.AutoPad == AutoPad.Valid ? 0 : _window.Pads?[i + r] ?? 0;
                outDims[i] = natural - padBegin[i] - padEnd[i];
            }
            if (outDims[i] < 0)
                throw new InferenceException($"ConvTranspose output dimension {i} would be negative");
            kVol *= kernel[i];
            inVol *= input[i];
            outVol *= outDims[i];
        }
        Span<int> yShape = stackalloc int[x.Rank];
        yShape[0] = batch;
        yShape[1] = m;
        outDims.CopyTo(yShape[2..]);
        var y = context.Output(0, ElementType.Float, yShape);
        var yv = y.Span<float>();
        if (yv.Length == 0) return;

        int rows = mg * kVol;
        var packed = _packedWeights is not null && _packedWeights[0].Outer == rows && _packedWeights[0].K == cg ? _packedWeights : null;
        var ws = context.Scratch<float>(Gemm.WorkspaceSize(rows, inVol, cg, packed is not null, false), 0);
        var col = context.Scratch<float>(rows * inVol, 1);
        var xv = x.Span<float>();
        var wv = w.Span<float>();
        for (int n = 0; n < batch; n++)
        {
            for (int gi = 0; gi < g; gi++)
            {
                var aOperand = packed is not null ? new GemmOperand(packed[gi]) : new GemmOperand(wv.Slice(gi * cg * rows, cg * rows), rows, true);
                Gemm.Multiply(rows, inVol, cg, 1f, aOperand, new GemmOperand(xv.Slice((n * channels + gi * cg) * inVol, cg * inVol), inVol, false), 0f, col, inVol, ws);
                var yg = yv.Slice((n * m + gi * mg) * outVol, mg * outVol);
                if (b is null) yg.Clear();
                else
                {
                    var bias = b.Span<float>();
                    for (int i = 0; i < mg; i++) yg.Slice(i * outVol, outVol).Fill(bias[gi * mg + i]);
                }
                Im2Col.Accumulate(col, yg, outDims, mg, kernel, strides, dilations, padBegin, input);
            }
        }
    }
}
