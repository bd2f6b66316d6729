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
            case ElementType.Float:
            {
                var s = x.Span<float>(); var d = y.Span<float>();
                for (int i = 0; i < s.Length; i++) d[i] = s[i] > _threshold ? 1f : 0f;
                break;
            }
            case ElementType.Double:
            {
                var s = x.Span<double>(); var d = y.Span<double>();
                for (int i = 0; i < s.Length; i++) d[i] = s[i] > _threshold ? 1d : 0d;
                break;
            }
            case ElementType.Int64:
            {
                var s = x.Span<long>(); var d = y.Span<long>();
                for (int i = 0; i < s.Length; i++) d[i] = s[i] > _threshold ? 1 : 0;
                break;
            }
            case ElementType.Int32:
            {
                var s = x.Span<int>(); var d = y.Span<int>();
                for (int i = 0; i < s.Length; i++) d[i] = s[i] > _threshold ? 1 : 0;
                break;
            }
            default: throw new InferenceException($"Binarizer does not support {x.TypeName}");
        }
    }
}
