using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// RandomNormal (shape and dtype from attributes, float by default) and RandomNormalLike (shape from the
/// input, dtype from the attribute or the input): independent normal draws of the given mean and scale
/// (standard deviation; defaults 0 and 1), made in double and rounded to the output type.
/// </summary>
internal sealed class RandomNormal : RandomKernel
{
    public static Kernel Create(NodeInfo node) => new RandomNormal(node, ShapeAttribute(node), FloatDType(node, ElementType.Float));

    public static Kernel CreateLike(NodeInfo node)
    {
        var type = FloatDType(node, null);
        CheckLikeType(node, type);
        return new RandomNormal(node, null, type);
    }

    readonly int[]? _shape;
    readonly ElementType? _type;
    readonly double _mean, _scale;

    RandomNormal(NodeInfo node, int[]? shape, ElementType? type) : base(Seed(node))
    {
        _shape = shape;
        _type = type;
        _mean = node.GetFloat("mean", 0f);
        _scale = node.GetFloat("scale", 1f);
        if (!double.IsFinite(_mean) || !double.IsFinite(_scale) || _scale < 0)
            throw node.Invalid($"mean {_mean:R} and scale {_scale:R} must be finite, with scale >= 0");
    }

    public override void Run(KernelContext context)
    {
        var output = BindFloatOutput(context, _shape, _type, "RandomNormalLike");
        var draws = DrawBuffer(context, output);
        var rng = Generator();
        rng.FillStandardNormal(draws);
        for (int i = 0; i < draws.Length; i++)
            draws[i] = _mean + _scale * draws[i];
        Store(draws, output);
    }
}
