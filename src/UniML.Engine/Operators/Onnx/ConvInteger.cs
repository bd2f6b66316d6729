using System.Numerics.Tensors;
using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// ConvInteger (int32 = Σ (x − x_zp)(w − w_zp)) and QLinearConv (that sum plus the int32 bias B, rescaled
/// by x_scale·w_scale[m] / y_scale, rounded half to even, plus y_zp, saturated to 8 bits). The input minus
/// its zero point is expanded by im2col (padding contributes 0, i.e. the zero point) and multiplied in
/// exact int32 arithmetic. w_zero_point and w_scale may be per output channel.
/// </summary>
internal sealed class ConvInteger : Kernel
{
    readonly ConvGeometry _geometry;
    readonly bool _quantizedOutput;

    ConvInteger(ConvGeometry geometry, bool quantized)
    {
        _geometry = geometry;
        _quantizedOutput = quantized;
    }

    public static Kernel Create(NodeInfo node) => Make(node, false);

    public static Kernel QLinear(NodeInfo node) => Make(node, true);

    static Kernel Make(NodeInfo node, bool quantized)
    {
        if (quantized) CheckTypes(node, 0, 3, 7); else CheckTypes(node, 0, 1);
        return new ConvInteger(ConvGeometry.Parse(node), quantized);
    }

    static void CheckTypes(NodeInfo node, params int[] inputs)
    {
        foreach (var i in inputs)
            if (i < node.InputTypes.Length && node.InputTypes[i] is { } t && t is not (ElementType.UInt8 or ElementType.Int8))
                throw node.Unsupported($"{node.OpType} of {ElementTypeInfo.OnnxName(t)} is not implemented (uint8 and int8)");
    }

    static int At(Tensor t, int i) => t.Type == ElementType.UInt8 ? t.Span<byte>()[i] : t.Span<sbyte>()[i];

    public override void Run(KernelContext context)
    {
        bool q = _quantizedOutput;
        var x = context.Input(0);
        var w = context.Input(q ? 3 : 1);
        var xZero = context.OptionalInput(2);
        var wZero = context.OptionalInput(q ? 5 : 3);
        if (x.Type is not (ElementType.UInt8 or ElementType.Int8) || w.Type is not (ElementType.UInt8 or ElementType.Int8))
            throw new InferenceException($"integer convolution needs uint8/int8 x and w, got {x.TypeName} and {w.TypeName}");
        Span<int> storage = stackalloc int[ConvGeometry.StorageLength(x.Rank)];
        var s = _geometry.Resolve(x.Shape, w.Shape, storage);
        int batch = s.Batch, channels = s.Channels, m = s.Filters, g = s.Group;
        if (wZero is not null && wZero.Length != 1 && wZero.Length != m)
            throw new InferenceException($"w_zero_point {wZero.ShapeString} must be a scalar or have {m} values");
        int outVol = s.OutputVolume, inVol = s.InputVolume;
        Span<int> yShape = stackalloc int[x.Rank];
        s.OutputShape(yShape);
        Tensor? yZero = q ? context.OptionalInput(7) : null;
        var y = context.Output(0, q ? yZero?.Type ?? ElementType.UInt8 : ElementType.Int32, yShape);
        if (y.Length == 0) return;

        int cg = s.ChannelsPerGroup, mg = s.FiltersPerGroup, kdim = cg * s.KernelVolume;
        var image = context.Scratch<int>(cg * inVol, 0);
        var col = context.Scratch<int>(kdim * outVol, 1);
        var acc = context.Scratch<int>(mg * outVol, 2);
        int xz = xZero is null ? 0 : At(xZero, 0);
        var bias = q ? context.OptionalInput(8) : null;
        for (int n = 0; n < batch; n++)
            for (int gi = 0; gi < g; gi++)
            {
                int xBase = (n * channels + gi * cg) * inVol;
                for (int i = 0; i < image.Length; i++) image[i] = At(x, xBase + i) - xz;
                Im2Col.Expand<int>(image, s.Input, cg, s.Kernel, s.Strides, s.Dilations, s.PadBegin, s.Output, col);
                acc.Clear();
                for (int oc = 0; oc < mg; oc++)
                {
                    int mo = gi * mg + oc;
                    int wz = wZero is null ? 0 : At(wZero, wZero.Length == 1 ? 0 : mo);
                    var row = acc.Slice(oc * outVol, outVol);
                    for (int p = 0; p < kdim; p++)
                    {
                        int wv = At(w, mo * kdim + p) - wz;
                        if (wv != 0) TensorPrimitives.MultiplyAdd<int>(col.Slice(p * outVol, outVol), wv, row, row);
                    }
                }
                int yBase = (n * m + gi * mg) * outVol;
                if (!q)
                {
                    acc.CopyTo(y.Span<int>().Slice(yBase, mg * outVol));
                    continue;
                }
                float xs = context.Input(1).Span<float>()[0], ys = context.Input(6).Span<float>()[0];
                var wScale = context.Input(4);
                int yz = yZero is null ? 0 : At(yZero, 0);
                bool unsigned = y.Type == ElementType.UInt8;
                for (int oc = 0; oc < mg; oc++)
                {
                    int mo = gi * mg + oc;
                    float multiplier = xs * wScale.Span<float>()[wScale.Length == 1 ? 0 : mo] / ys;
                    int b = bias is null ? 0 : bias.Span<int>()[mo];
                    for (int i = 0; i < outVol; i++)
                    {
                        double v = Math.Round((acc[oc * outVol + i] + b) * (double)multiplier, MidpointRounding.ToEven) + yz;
                        int at = yBase + oc * outVol + i;
                        if (unsigned) y.Span<byte>()[at] = (byte)Math.Clamp(v, 0, 255);
                        else y.Span<sbyte>()[at] = (sbyte)Math.Clamp(v, -128, 127);
                    }
                }
            }
    }
}
