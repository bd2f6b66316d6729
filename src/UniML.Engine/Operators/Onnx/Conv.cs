using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Conv (1-D, 2-D, 3-D and beyond; groups, strides, dilations, pads, auto_pad) lowered to SGEMM: per image
/// and group, Y_g[M/g, out] = W_g[M/g, C/g·kernel] · col[C/g·kernel, out], where col is the im2col matrix
/// of the input. Constant weights are packed per group at load; bias and a fused Relu are applied to each
/// output tile as the SGEMM stores it. col is never written out when it can be read in place: a 1×1,
/// stride-1, unpadded kernel reads the image itself, and a kernel with stride 1 in every dimension but the
/// last reads shifted planes of the image (<see cref="ShiftedPlanes"/>). Other 2-D windows are expanded
/// straight into the SGEMM's packed layout, the rest by the general im2col.
/// </summary>
internal sealed class Conv : Kernel
{
    readonly ConvGeometry _geometry;
    readonly PackedMatrix[]? _packedWeights;
    bool _relu;

    /// <summary>This Conv followed by a Relu applied in the GEMM's epilogue (<see cref="Internals.Fusion"/>).</summary>
    internal Conv WithRelu() => new(_geometry, _packedWeights) { _relu = true };

    Conv(ConvGeometry geometry, PackedMatrix[]? packedWeights)
    {
        _geometry = geometry;
        _packedWeights = packedWeights;
    }

    public static Kernel Create(NodeInfo node)
    {
        var geometry = ConvGeometry.Parse(node);
        if (node.InputTypes[0] is { } t && t != ElementType.Float)
            throw node.Unsupported($"Conv of {ElementTypeInfo.OnnxName(t)} is not implemented (float only)");
        return new Conv(geometry, geometry.PackWeights(node, transposed: false));
    }

    enum Lowering { Pointwise, Shifted, Packed2D, General }

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        var w = context.Input(1);
        var b = context.OptionalInput(2);
        if (x.Type != ElementType.Float || w.Type != ElementType.Float)
            throw new InferenceException($"Conv supports float tensors, got {x.TypeName} and {w.TypeName}");
        Span<int> storage = stackalloc int[ConvGeometry.StorageLength(x.Rank)];
        var s = _geometry.Resolve(x.Shape, w.Shape, storage);
        if (b is not null && b.Length != s.Filters)
            throw new InferenceException($"Conv bias has {b.Length} values for {s.Filters} output channels");
        Span<int> yShape = stackalloc int[x.Rank];
        s.OutputShape(yShape);
        var y = context.Output(0, ElementType.Float, yShape);
        var yv = y.Span<float>();
        if (yv.Length == 0) return;

        int g = s.Group, cg = s.ChannelsPerGroup, mg = s.FiltersPerGroup, kdim = cg * s.KernelVolume;
        int inVol = s.InputVolume, outVol = s.OutputVolume;
        var packed = _packedWeights is not null && _packedWeights[0].Outer == mg && _packedWeights[0].K == kdim ? _packedWeights : null;
        var lowering = s.IsPointwise ? Lowering.Pointwise : ShiftedPlanes.Applies(s) ? Lowering.Shifted : s.Rank == 2 ? Lowering.Packed2D : Lowering.General;
        Span<int> planeStorage = stackalloc int[s.Rank];
        var planes = lowering == Lowering.Shifted ? new ShiftedPlanes(s, cg, planeStorage) : default;
        var ws = context.Scratch<float>(Gemm.WorkspaceSize(mg, outVol, kdim, packed is not null, lowering is Lowering.Shifted or Lowering.Packed2D), 0);
        var col = lowering switch
        {
            Lowering.Shifted => context.Scratch<float>(planes.Length, 1),
            Lowering.Packed2D => context.Scratch<float>(Gemm.PackedBLength(kdim, outVol), 1),
            Lowering.General => context.Scratch<float>(kdim * outVol, 1),
            _ => default,
        };
        var rowOffsets = lowering == Lowering.Shifted ? context.Scratch<int>(kdim, 2) : default;
        if (lowering == Lowering.Shifted) planes.RowOffsets(rowOffsets);
        var xv = x.Span<float>();
        var wv = w.Span<float>();
        var bias = b is null ? default : b.Span<float>();
        for (int n = 0; n < s.Batch; n++)
        {
            for (int gi = 0; gi < g; gi++)
            {
                var image = xv.Slice((n * s.Channels + gi * cg) * inVol, cg * inVol);
                var yg = yv.Slice((n * s.Filters + gi * mg) * outVol, mg * outVol);
                // Bias (per output channel = row of the product) and a fused Relu are applied to each tile as it is stored.
                var epilogue = new GemmEpilogue(default, b is null ? default : bias.Slice(gi * mg, mg), _relu);
                var a = packed is not null ? new GemmOperand(packed[gi]) : new GemmOperand(wv.Slice(gi * mg * kdim, mg * kdim), kdim, false);
                switch (lowering)
                {
                    case Lowering.Pointwise:
                        Gemm.Multiply(mg, outVol, kdim, 1f, a, new GemmOperand(image, outVol, false), 0f, yg, outVol, ws, epilogue);
                        break;
                    case Lowering.Shifted:
                        planes.Expand(image, col);
                        for (int block = 0; block < planes.Blocks; block++)
                            Gemm.Multiply(mg, planes.Columns, kdim, 1f, a, GemmOperand.Rows(col[planes.BlockOffset(block)..], rowOffsets), 0f,
                                yg[(block * planes.Columns)..], outVol, ws, epilogue);
                        break;
                    case Lowering.Packed2D:
                        Im2Col.ExpandPacked2D(image, s.Input[0], s.Input[1], cg, s.Kernel[0], s.Kernel[1], s.Strides[0], s.Strides[1],
                            s.Dilations[0], s.Dilations[1], s.PadBegin[0], s.PadBegin[1], s.Output[0], s.Output[1], col);
                        Gemm.Multiply(mg, outVol, kdim, 1f, a, GemmOperand.PackedB(col), 0f, yg, outVol, ws, epilogue);
                        break;
                    default:
                        Im2Col.Expand(image, s.Input, cg, s.Kernel, s.Strides, s.Dilations, s.PadBegin, s.Output, col);
                        Gemm.Multiply(mg, outVol, kdim, 1f, a, new GemmOperand(col, outVol, false), 0f, yg, outVol, ws, epilogue);
                        break;
                }
            }
        }
    }
}
