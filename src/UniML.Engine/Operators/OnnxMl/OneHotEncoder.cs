using UniML.Onnx;

namespace UniML.Engine.Operators.OnnxMl;

/// <summary>
/// OneHotEncoder (ai.onnx.ml 1): output shape X.shape + [categories], float 1 at each element's category.
/// Unknown values give all zeros when zeros=1 (default) and are an error when zeros=0.
/// Numeric inputs are matched against cats_int64s after truncation to int64.
/// </summary>
internal sealed class OneHotEncoder : Kernel
{
    readonly Dictionary<long, int>? _ints;
    readonly Dictionary<string, int>? _strings;
    readonly int _count;
    readonly bool _zeros;

    OneHotEncoder(Dictionary<long, int>? ints, Dictionary<string, int>? strings, int count, bool zeros)
    {
        _ints = ints;
        _strings = strings;
        _count = count;
        _zeros = zeros;
    }

    public static Kernel Create(NodeInfo node)
    {
        MlAttributes.RejectUnknown(node, "cats_int64s", "cats_strings", "zeros");
        var ints = node.GetInts("cats_int64s");
        var strings = node.GetStrings("cats_strings");
        if (ints is { Length: 0 }) ints = null;
        if (strings is { Length: 0 }) strings = null;
        if ((ints is null) == (strings is null)) throw node.Invalid("exactly one of cats_int64s and cats_strings must be set");
        Dictionary<long, int>? intMap = null;
        Dictionary<string, int>? stringMap = null;
        if (ints is not null)
        {
            intMap = new();
            for (int i = 0; i < ints.Length; i++) intMap.TryAdd(ints[i], i);
        }
        else
        {
            stringMap = new(StringComparer.Ordinal);
            for (int i = 0; i < strings!.Length; i++) stringMap.TryAdd(strings[i], i);
        }
        return new OneHotEncoder(intMap, stringMap, ints?.Length ?? strings!.Length, node.GetInt("zeros", 1) != 0);
    }

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        Span<int> shape = stackalloc int[x.Rank + 1];
        x.Shape.CopyTo(shape);
        shape[^1] = _count;
        var y = context.Output(0, ElementType.Float, shape).Span<float>();
        y.Clear();
        for (int i = 0; i < x.Length; i++)
        {
            int k;
            if (x.Type == ElementType.String)
                k = _strings is not null && _strings.TryGetValue(x.Strings()[i], out var s) ? s : -1;
            else
            {
                if (_ints is null) throw new InferenceException($"numeric input {x.TypeName} needs cats_int64s");
                long v = x.Type switch
                {
                    ElementType.Int64 => x.Span<long>()[i],
                    ElementType.Int32 => x.Span<int>()[i],
                    ElementType.Float => (long)x.Span<float>()[i],
                    ElementType.Double => (long)x.Span<double>()[i],
                    _ => throw new InferenceException($"OneHotEncoder does not support {x.TypeName}"),
                };
                k = _ints.TryGetValue(v, out var c) ? c : -1;
            }
            if (k >= 0) y[i * _count + k] = 1f;
            else if (!_zeros) throw new InferenceException($"element {i} has no category and zeros=0");
        }
    }
}
