using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Dropout. At inference the output is a copy of the input and the optional mask is all true. In training
/// mode — opset 1–6 with is_test = 0 (the default), or opset 12+ with the training_mode input true — each
/// element is kept when a uniform draw in [0, 1) is at least the ratio, and output = x / (1 − ratio) where
/// kept, 0 elsewhere (the mask marks the kept elements); ratio 0 keeps everything. Opset 7–11 has no
/// training switch. The draws come from a <see cref="Xoshiro256"/> stream keyed by the int 'seed'
/// attribute (opset 12+), restarted every run, or from a fresh key per run without one.
/// </summary>
internal sealed class Dropout : Kernel
{
    enum Training { Never, Always, FromInput }

    public static Kernel Create(NodeInfo node)
    {
        var training = Training.Never;
        double ratio = 0.5;
        if (node.Opset < 7)
        {
            if (node.GetInt("is_test", 0) == 0) training = Training.Always;
            ratio = node.GetFloat("ratio", 0.5f);
            if (training == Training.Always && !ValidRatio(ratio))
                throw node.Invalid($"ratio {ratio:R} must be in [0, 1)");
        }
        else if (node.Opset >= 12 && node.HasInput(2)
            && !(node.ConstantInput(2) is { Type: ElementType.Bool, Length: 1 } constant && !constant.Span<bool>()[0]))
            training = Training.FromInput;
        double? seed = node.Opset >= 12 && node.Has("seed") ? node.GetInt("seed") : null;
        return new Dropout(training, ratio, seed, node.Opset < 10);
    }

    readonly Training _training;
    readonly double _ratioAttribute;
    readonly double? _seed;
    readonly bool _maskIsInputType;

    /// <param name="maskIsInputType">Before opset 10 the mask has the input's type (1 = kept), since then it is bool.</param>
    Dropout(Training training, double ratioAttribute, double? seed, bool maskIsInputType)
    {
        _training = training;
        _ratioAttribute = ratioAttribute;
        _seed = seed;
        _maskIsInputType = maskIsInputType;
    }

    public override bool IsDeterministic => _training == Training.Never;

    static bool ValidRatio(double ratio) => ratio is >= 0 and < 1;

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        double ratio = _ratioAttribute;
        bool training = _training == Training.Always;
        if (_training == Training.FromInput && context.OptionalInput(2) is { } flag)
        {
            if (flag is not { Type: ElementType.Bool, Length: 1 })
                throw new InferenceException($"training_mode must be one bool, got {flag.TypeName} {flag.ShapeString}");
            training = flag.Span<bool>()[0];
            ratio = context.OptionalInput(1) is { } r ? Ratio(r) : 0.5;
        }
        if (training && !ValidRatio(ratio))
            throw new InferenceException($"ratio {ratio:R} must be in [0, 1) in training mode");
        if (training && ratio > 0) Drop(context, x, ratio);
        else KeepAll(context, x);
    }

    static double Ratio(Tensor ratio)
    {
        if (ratio.Length != 1 || !(ratio.Type is ElementType.Float or ElementType.Double or ElementType.Float16 or ElementType.BFloat16))
            throw new InferenceException($"ratio must be one float, got {ratio.TypeName} {ratio.ShapeString}");
        Span<double> value = stackalloc double[1];
        Conversion.ToDouble(ratio, value);
        return value[0];
    }

    void KeepAll(KernelContext context, Tensor x)
    {
        var y = context.Output(0, x.Type, x);
        x.Bytes().CopyTo(y.Bytes());
        if (context.OutputCount > 1 && context.IsOutputUsed(1))
        {
            var mask = context.Output(1, _maskIsInputType ? x.Type : ElementType.Bool, x);
            if (!_maskIsInputType) mask.Span<bool>().Fill(true);
            else if (x.Type == ElementType.Float) mask.Span<float>().Fill(1f);
            else if (x.Type == ElementType.Double) mask.Span<double>().Fill(1d);
            else throw new InferenceException($"Dropout mask of {x.TypeName} is not implemented");
        }
    }

    void Drop(KernelContext context, Tensor x, double ratio)
    {
        var rng = _seed is { } s ? Xoshiro256.FromSeed(s) : Xoshiro256.FromEntropy();
        var keep = context.Scratch<byte>(x.Length);
        for (int i = 0; i < keep.Length; i++)
            keep[i] = rng.NextDouble() >= ratio ? (byte)1 : (byte)0;

        double scale = 1 / (1 - ratio);
        var y = context.Output(0, x.Type, x);
        switch (x.Type)
        {
            case ElementType.Float:
            {
                ReadOnlySpan<float> xs = x.Span<float>();
                var ys = y.Span<float>();
                for (int i = 0; i < ys.Length; i++) ys[i] = keep[i] != 0 ? (float)(xs[i] * scale) : 0f;
                break;
            }
            case ElementType.Double:
            {
                ReadOnlySpan<double> xs = x.Span<double>();
                var ys = y.Span<double>();
                for (int i = 0; i < ys.Length; i++) ys[i] = keep[i] != 0 ? xs[i] * scale : 0d;
                break;
            }
            case ElementType.Float16:
            {
                ReadOnlySpan<Half> xs = x.Span<Half>();
                var ys = y.Span<Half>();
                for (int i = 0; i < ys.Length; i++) ys[i] = keep[i] != 0 ? (Half)((double)xs[i] * scale) : Half.Zero;
                break;
            }
            case ElementType.BFloat16:
            {
                ReadOnlySpan<ushort> xs = x.Span<ushort>();
                var ys = y.Span<ushort>();
                for (int i = 0; i < ys.Length; i++) ys[i] = keep[i] != 0 ? ElementWise.ToBFloat16((float)(ElementWise.FromBFloat16(xs[i]) * scale)) : (ushort)0;
                break;
            }
            default:
                throw new InferenceException($"Dropout in training mode needs a float input, got {x.TypeName}");
        }
        if (context.OutputCount > 1 && context.IsOutputUsed(1))
            Conversion.From<byte>(keep, context.Output(1, _maskIsInputType ? x.Type : ElementType.Bool, x));
    }
}
