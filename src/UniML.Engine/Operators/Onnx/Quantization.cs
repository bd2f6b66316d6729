using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Linear (de)quantisation between float and 8-bit integers: QuantizeLinear y = sat(round(x / scale) + zp),
/// DequantizeLinear y = (x − zp)·scale (per tensor, or per slice along <c>axis</c> from opset 13), and
/// DynamicQuantizeLinear, which derives a uint8 scale and zero point from the range of x (including 0).
/// Rounding is half to even, as the specification requires.
/// </summary>
internal sealed class Quantization : Kernel
{
    enum Kind { Quantize, Dequantize, Dynamic }

    readonly Kind _kind;
    readonly long _axis;
    readonly ElementType _defaultOutput;

    Quantization(Kind kind, long axis, ElementType defaultOutput)
    {
        _kind = kind;
        _axis = axis;
        _defaultOutput = defaultOutput;
    }

    public static Kernel QuantizeLinear(NodeInfo node)
    {
        if (node.InputTypes.Length > 2 && node.InputTypes[2] is { } zt && zt is not (ElementType.UInt8 or ElementType.Int8))
            throw node.Unsupported($"QuantizeLinear to {ElementTypeInfo.OnnxName(zt)} is not implemented (uint8 and int8)");
        if (node.InputTypes[0] is { } t && t != ElementType.Float)
            throw node.Unsupported($"QuantizeLinear of {ElementTypeInfo.OnnxName(t)} is not implemented (float input)");
        CheckSaturate(node);
        var outputType = (ElementType)node.GetInt("output_dtype", 0);
        if (outputType is not (ElementType.Undefined or ElementType.UInt8 or ElementType.Int8))
            throw node.Unsupported($"QuantizeLinear to {ElementTypeInfo.OnnxName(outputType)} is not implemented (uint8 and int8)");
        return new Quantization(Kind.Quantize, node.GetInt("axis", 1), outputType == ElementType.Undefined ? ElementType.UInt8 : outputType);
    }

    public static Kernel DequantizeLinear(NodeInfo node)
    {
        if (node.InputTypes[0] is { } t && t is not (ElementType.UInt8 or ElementType.Int8 or ElementType.Int32))
            throw node.Unsupported($"DequantizeLinear of {ElementTypeInfo.OnnxName(t)} is not implemented (uint8, int8, int32)");
        CheckSaturate(node);
        return new Quantization(Kind.Dequantize, node.GetInt("axis", 1), ElementType.Float);
    }

    public static Kernel DynamicQuantizeLinear(NodeInfo node) => new Quantization(Kind.Dynamic, 0, ElementType.UInt8);

    static void CheckSaturate(NodeInfo node)
    {
        if (node.Has("block_size") && node.GetInt("block_size", 0) != 0)
            throw node.Unsupported("blocked quantisation (block_size) is not implemented");
    }

    public override void Run(KernelContext context)
    {
        switch (_kind)
        {
            case Kind.Quantize: Quantize(context); break;
            case Kind.Dequantize: Dequantize(context); break;
            default: Dynamic(context); break;
        }
    }

    /// <summary>The number of consecutive elements sharing one scale and the count of scales, for per-axis parameters.</summary>
    void Layout(Tensor x, Tensor scale, out int inner, out int channels)
    {
        if (scale.Length == 1) { inner = x.Length; channels = 1; return; }
        if (scale.Rank != 1)
            throw new InferenceException($"scale of shape {scale.ShapeString} must be a scalar or 1-D");
        int axis = (int)(_axis < 0 ? _axis + x.Rank : _axis);
        if (axis < 0 || axis >= x.Rank || x.Shape[axis] != scale.Length)
            throw new InferenceException($"scale of {scale.Length} values does not match axis {_axis} of {x.ShapeString}");
        inner = 1;
        for (int i = axis + 1; i < x.Rank; i++) inner *= x.Shape[i];
        channels = scale.Length;
    }

    void Quantize(KernelContext context)
    {
        var x = context.Input(0);
        var scale = context.Input(1);
        var zp = context.OptionalInput(2);
        if (x.Type != ElementType.Float || scale.Type != ElementType.Float)
            throw new InferenceException($"QuantizeLinear needs float x and scale, got {x.TypeName} and {scale.TypeName}");
        var type = zp?.Type ?? _defaultOutput;
        Layout(x, scale, out int inner, out int channels);
        if (zp is not null && zp.Length != scale.Length)
            throw new InferenceException($"y_zero_point {zp.ShapeString} must match y_scale {scale.ShapeString}");
        var y = context.Output(0, type, x);
        var xv = x.Span<float>();
        var sv = scale.Span<float>();
        (int lo, int hi) = type == ElementType.UInt8 ? (0, 255) : (-128, 127);
        for (int i = 0; i < xv.Length; i++)
        {
            int c = (i / inner) % channels;
            int z = zp is null ? 0 : type == ElementType.UInt8 ? zp.Span<byte>()[c] : zp.Span<sbyte>()[c];
            float q = MathF.Round(xv[i] / sv[c], MidpointRounding.ToEven) + z;
            int v = float.IsNaN(q) ? 0 : (int)Math.Clamp(q, lo, hi);
            if (type == ElementType.UInt8) y.Span<byte>()[i] = (byte)v;
            else y.Span<sbyte>()[i] = (sbyte)v;
        }
    }

    void Dequantize(KernelContext context)
    {
        var x = context.Input(0);
        var scale = context.Input(1);
        var zp = context.OptionalInput(2);
        if (scale.Type != ElementType.Float)
            throw new InferenceException($"DequantizeLinear scale must be float, got {scale.TypeName}");
        if (zp is not null && (zp.Type != x.Type || zp.Length != scale.Length))
            throw new InferenceException($"x_zero_point {zp.TypeName} {zp.ShapeString} must match x's type and x_scale's shape");
        Layout(x, scale, out int inner, out int channels);
        var y = context.Output(0, ElementType.Float, x);
        var yv = y.Span<float>();
        var sv = scale.Span<float>();
        for (int i = 0; i < yv.Length; i++)
        {
            int c = (i / inner) % channels;
            long value, z;
            switch (x.Type)
            {
                case ElementType.UInt8: value = x.Span<byte>()[i]; z = zp is null ? 0 : zp.Span<byte>()[c]; break;
                case ElementType.Int8: value = x.Span<sbyte>()[i]; z = zp is null ? 0 : zp.Span<sbyte>()[c]; break;
                case ElementType.Int32: value = x.Span<int>()[i]; z = zp is null ? 0 : zp.Span<int>()[c]; break;
                default: throw new InferenceException($"DequantizeLinear does not support {x.TypeName}");
            }
            yv[i] = (value - z) * sv[c];
        }
    }

    static void Dynamic(KernelContext context)
    {
        var x = context.Input(0);
        if (x.Type != ElementType.Float)
            throw new InferenceException($"DynamicQuantizeLinear needs float input, got {x.TypeName}");
        var xv = x.Span<float>();
        float min = 0, max = 0;
        foreach (var v in xv)
        {
            if (v < min) min = v;
            if (v > max) max = v;
        }
        float scale = (max - min) / 255f;
        float zpf = scale == 0 ? 0 : Math.Clamp(MathF.Round((0 - min) / scale, MidpointRounding.ToEven), 0, 255);
        byte zp = (byte)zpf;
        var y = context.Output(0, ElementType.UInt8, x).Span<byte>();
        for (int i = 0; i < xv.Length; i++)
            y[i] = scale == 0 ? zp : (byte)Math.Clamp(MathF.Round(xv[i] / scale, MidpointRounding.ToEven) + zp, 0, 255);
        context.Output(1, ElementType.Float, []).Span<float>()[0] = scale;
        context.Output(2, ElementType.UInt8, []).Span<byte>()[0] = zp;
    }
}
