using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// RandomUniform and RandomUniformLike (shape and type: see <see cref="RandomFill"/>): independent draws
/// uniform on [low, high) (defaults 0 and 1). Draws are clamped to the output type's values inside
/// [low, high), so rounding to a narrower type can never produce <c>high</c>.
/// </summary>
internal sealed class RandomUniform : RandomFill
{
    public static Kernel Create(NodeInfo node) => new RandomUniform(node, like: false);

    public static Kernel CreateLike(NodeInfo node) => new RandomUniform(node, like: true);

    readonly double _low, _high;

    RandomUniform(NodeInfo node, bool like) : base(node, like)
    {
        _low = node.GetFloat("low", 0f);
        _high = node.GetFloat("high", 1f);
        if (!double.IsFinite(_low) || !double.IsFinite(_high) || !(_low < _high))
            throw node.Invalid($"low {_low:R} and high {_high:R} must be finite with low < high");
        if (FixedType is { } t && !Bounds(t, out _, out _))
            throw node.Invalid($"no {ElementTypeInfo.OnnxName(t)} value lies in [low {_low:R}, high {_high:R})");
    }

    protected override void Draw(ref Xoshiro256 rng, Span<double> draws, ElementType type)
    {
        if (!Bounds(type, out double lowest, out double highest))
            throw new InferenceException($"no {ElementTypeInfo.OnnxName(type)} value lies in [low {_low:R}, high {_high:R})");
        double width = _high - _low;
        for (int i = 0; i < draws.Length; i++)
            draws[i] = Math.Clamp(_low + width * rng.NextDouble(), lowest, highest);
    }

    /// <summary>The smallest and largest values of <paramref name="type"/> in [low, high): conversion rounds monotonically, so draws clamped to them stay inside.</summary>
    bool Bounds(ElementType type, out double lowest, out double highest)
    {
        lowest = Representable(type, _low);
        highest = Representable(type, _high);
        if (lowest < _low) lowest = Step(type, lowest, up: true);
        if (highest >= _high) highest = Step(type, highest, up: false);
        return lowest <= highest;
    }

    /// <summary>The value of <paramref name="type"/> nearest to <paramref name="value"/>.</summary>
    static double Representable(ElementType type, double value) => type switch
    {
        ElementType.Float => (float)value,
        ElementType.Float16 => (double)(Half)value,
        ElementType.BFloat16 => ElementWise.FromBFloat16(ElementWise.ToBFloat16((float)value)),
        _ => value,
    };

    /// <summary>The next value of <paramref name="type"/> above or below <paramref name="value"/> (itself a value of that type).</summary>
    static double Step(ElementType type, double value, bool up)
    {
        switch (type)
        {
            case ElementType.Float: return up ? MathF.BitIncrement((float)value) : MathF.BitDecrement((float)value);
            case ElementType.Float16: return (double)(up ? Half.BitIncrement((Half)value) : Half.BitDecrement((Half)value));
            case ElementType.BFloat16:
                // bfloat16 is the top half of a float: step the 16-bit pattern by one unit of its last place.
                uint bits = BitConverter.SingleToUInt32Bits((float)value) >> 16;
                bool negative = (bits & 0x8000) != 0, magnitudeUp = up != negative;
                if ((bits & 0x7FFF) == 0) bits = up ? 0x0001u : 0x8001u;
                else bits = magnitudeUp ? bits + 1 : bits - 1;
                return ElementWise.FromBFloat16((ushort)bits);
            default: return up ? Math.BitIncrement(value) : Math.BitDecrement(value);
        }
    }
}
