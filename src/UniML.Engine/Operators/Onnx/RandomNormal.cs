using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// RandomNormal and RandomNormalLike (shape and type: see <see cref="RandomFill"/>): independent normal draws
/// of the given mean and scale (standard deviation; defaults 0 and 1), rounded to the output type.
/// </summary>
internal sealed class RandomNormal : RandomFill
{
    public static Kernel Create(NodeInfo node) => new RandomNormal(node, like: false);

    public static Kernel CreateLike(NodeInfo node) => new RandomNormal(node, like: true);

    readonly double _mean, _scale;

    RandomNormal(NodeInfo node, bool like) : base(node, like)
    {
        _mean = node.GetFloat("mean", 0f);
        _scale = node.GetFloat("scale", 1f);
        if (!double.IsFinite(_mean) || !double.IsFinite(_scale) || _scale < 0)
            throw node.Invalid($"mean {_mean:R} and scale {_scale:R} must be finite, with scale >= 0");
    }

    protected override void Draw(ref Xoshiro256 rng, Span<double> draws, ElementType type)
    {
        rng.FillStandardNormal(draws);
        for (int i = 0; i < draws.Length; i++)
            draws[i] = _mean + _scale * draws[i];
    }
}
