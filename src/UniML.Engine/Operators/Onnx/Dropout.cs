using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Dropout at inference: the output is a copy of the input and the optional mask is all true. Training
/// mode (opset 12+ input training_mode = true) with a non-zero ratio drops at random, which UniML does
/// not do: it is refused at load.
/// </summary>
internal sealed class Dropout : Kernel
{
    public static Kernel Create(NodeInfo node)
    {
        if (node.Opset < 7 && node.GetInt("is_test", 0) == 0)
            throw node.Unsupported("training-mode Dropout (is_test = 0) is random; UniML runs inference only");
        // training_mode = true drops at random. A constant false (or no flag) is inference; a flag that is a
        // run-time input could turn training on, so it is refused at load unless the ratio is a constant 0.
        bool ratioZero = node.ConstantInput(1) is { } ratio && RatioIsZero(ratio);
        if (node.HasInput(2) && !ratioZero
            && (node.ConstantInput(2) is not { Type: ElementType.Bool } training || training.Span<bool>()[0]))
            throw node.Unsupported("training-mode Dropout (training_mode input true or not a constant) is random; UniML runs inference only");
        return new Dropout(node.Opset < 10);
    }

    readonly bool _maskIsInputType;

    /// <param name="maskIsInputType">Before opset 10 the mask has the input's type (1 = kept), since then it is bool.</param>
    Dropout(bool maskIsInputType) => _maskIsInputType = maskIsInputType;

    static bool RatioIsZero(Tensor ratio) => ratio.Type switch
    {
        ElementType.Float => ratio.Span<float>()[0] == 0,
        ElementType.Double => ratio.Span<double>()[0] == 0,
        _ => false,
    };

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        if (context.OptionalInput(2) is { } training && training.Span<bool>()[0]
            && !(context.OptionalInput(1) is { } ratio && RatioIsZero(ratio)))
            throw new InferenceException("training-mode Dropout is random; UniML runs inference only");
        var y = context.Output(0, x.Type, x);
        x.Bytes().CopyTo(y.Bytes());
        if (context.OutputCount > 1 && context.IsOutputUsed(1))
        {
            if (!_maskIsInputType) context.Output(1, ElementType.Bool, x).Span<bool>().Fill(true);
            else if (x.Type == ElementType.Float) context.Output(1, x.Type, x).Span<float>().Fill(1f);
            else if (x.Type == ElementType.Double) context.Output(1, x.Type, x).Span<double>().Fill(1d);
            else throw new InferenceException($"Dropout mask of {x.TypeName} is not implemented");
        }
    }
}
