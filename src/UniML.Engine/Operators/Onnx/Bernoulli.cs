using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Bernoulli (opset 15): each output element is 1 with the probability given by the matching input element
/// and 0 otherwise (a uniform draw u in [0, 1) gives 1 when u &lt; p, so p ≤ 0 always gives 0 and p ≥ 1
/// always 1). The output type is 'dtype' (any numeric type or bool) or, without it, the input's.
/// </summary>
internal sealed class Bernoulli(NodeInfo node, ElementType? type) : RandomKernel(node)
{
    public static Kernel Create(NodeInfo node)
    {
        ElementType? type = null;
        if (node.Has("dtype"))
        {
            var t = (ElementType)node.GetInt("dtype");
            if (!Conversion.IsConvertible(t))
                throw node.Invalid($"dtype {ElementTypeInfo.OnnxName(t)} is not allowed: the output must be a numeric type or bool");
            type = t;
        }
        if (node.InputTypes[0] is { } inputType && !IsFloat(inputType))
            throw node.Invalid($"the input is {ElementTypeInfo.OnnxName(inputType)}; probabilities must be float16, float, double or bfloat16");
        return new Bernoulli(node, type);
    }

    public override void Run(KernelContext context)
    {
        var p = context.Input(0);
        if (!IsFloat(p.Type))
            throw new InferenceException($"the input is {p.TypeName}; probabilities must be float16, float, double or bfloat16");
        var output = context.Output(0, type ?? p.Type, p);
        var probabilities = InputAsDoubles(context, p);
        var draws = DrawBuffer(context, output);
        var rng = Generator();
        for (int i = 0; i < draws.Length; i++)
            draws[i] = rng.NextDouble() < probabilities[i] ? 1 : 0;
        Store(draws, output);
    }
}
