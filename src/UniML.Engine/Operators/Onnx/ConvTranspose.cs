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
    readonly ConvGeometry _geometry;
    readonly PackedMatrix[]? _packedWeights;

    ConvTranspose(ConvGeometry geometry, PackedMatrix[]? packed)
    {
        _geometry = geometry;
        _packedWeights = packed;
    }

    public static Kernel Create(NodeInfo node)
    {
        var geometry = ConvGeometry.Parse(node, transposed: true);
        if (node.InputTypes[0] is { } t && t != ElementType.Float)
            throw node.Unsupported($"ConvTranspose of {ElementTypeInfo.OnnxName(t)} is not implemented (float only)");
        return new ConvTranspose(geometry, geometry.PackWeights(node, transposed: true));
    }

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        var w = context.Input(1);
        var b = context.OptionalInput(2);
        if (x.Type != ElementType.Float || w.Type != ElementType.Float)
            throw new InferenceException($"ConvTranspose supports float tensors, got {x.TypeName} and {w.TypeName}");
        Span<int> storage = stackalloc int[ConvGeometry.StorageLength(x.Rank)];
        var s = _geometry.ResolveTransposed(x.Shape, w.Shape, storage);
        int g = s.Group, cg = s.ChannelsPerGroup, mg = s.FiltersPerGroup, m = s.Filters;
        if (b is not null && b.Length != m)
            throw new InferenceException($"ConvTranspose bias has {b.Length} values for {m} output channels");
        Span<int> yShape = stackalloc int[x.Rank];
        s.OutputShape(yShape);
        var y = context.Output(0, ElementType.Float, yShape);
        var yv = y.Span<float>();
        if (yv.Length == 0) return;

        int inVol = s.InputVolume, outVol = s.OutputVolume, rows = mg * s.KernelVolume;
        var packed = _packedWeights is not null && _packedWeights[0].Outer == rows && _packedWeights[0].K == cg ? _packedWeights : null;
        var ws = context.Scratch<float>(Gemm.WorkspaceSize(rows, inVol, cg, packed is not null, false), 0);
        var col = context.Scratch<float>(rows * inVol, 1);
        var xv = x.Span<float>();
        var wv = w.Span<float>();
        for (int n = 0; n < s.Batch; n++)
        {
            for (int gi = 0; gi < g; gi++)
            {
                var aOperand = packed is not null ? new GemmOperand(packed[gi]) : new GemmOperand(wv.Slice(gi * cg * rows, cg * rows), rows, true);
                Gemm.Multiply(rows, inVol, cg, 1f, aOperand, new GemmOperand(xv.Slice((n * s.Channels + gi * cg) * inVol, cg * inVol), inVol, false), 0f, col, inVol, ws);
                var yg = yv.Slice((n * m + gi * mg) * outVol, mg * outVol);
                if (b is null) yg.Clear();
                else
                {
                    var bias = b.Span<float>();
                    for (int i = 0; i < mg; i++) yg.Slice(i * outVol, outVol).Fill(bias[gi * mg + i]);
                }
                Im2Col.Accumulate(col, yg, s.Output, mg, s.Kernel, s.Strides, s.Dilations, s.PadBegin, s.Input);
            }
        }
    }
}
