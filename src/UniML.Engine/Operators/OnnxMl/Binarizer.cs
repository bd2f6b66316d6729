using System.Numerics;
using UniML.Onnx;

namespace UniML.Engine.Operators.OnnxMl;

/// <summary>Binarizer (ai.onnx.ml 1): 1 where X > threshold, else 0 (NaN gives 0), in X's type.</summary>
internal sealed class Binarizer : Kernel
{
    readonly float _threshold;

    Binarizer(float threshold) => _threshold = threshold;

    public static Kernel Create(NodeInfo node)
    {
        MlAttributes.RejectUnknown(node, "threshold");
        MlInput.CheckNumeric(node);
        return new Binarizer(node.GetFloat("threshold", 0f));
    }

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        var y = context.Output(0, x.Type, x);
        switch (x.Type)
        {
            case ElementType.Float: Binarize(x.Span<float>(), y.Span<float>()); break;
            case ElementType.Double: Binarize(x.Span<double>(), y.Span<double>()); break;
            case ElementType.Int64: Binarize(x.Span<long>(), y.Span<long>()); break;
            case ElementType.Int32: Binarize(x.Span<int>(), y.Span<int>()); break;
            default: throw new InferenceException($"Binarizer does not support {x.TypeName}");
        }
    }

    void Binarize<T>(ReadOnlySpan<T> s, Span<T> d) where T : unmanaged, INumber<T>
    {
        // Compared as C# compares a T with the float threshold: doubles in double, the rest in float.
        for (int i = 0; i < s.Length; i++)
        {
            bool above = typeof(T) == typeof(double) ? double.CreateTruncating(s[i]) > _threshold : float.CreateTruncating(s[i]) > _threshold;
            d[i] = above ? T.One : T.Zero;
        }
    }
}
