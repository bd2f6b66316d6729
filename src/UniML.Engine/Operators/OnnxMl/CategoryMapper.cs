using UniML.Onnx;

namespace UniML.Engine.Operators.OnnxMl;

/// <summary>
/// CategoryMapper (ai.onnx.ml 1): maps strings to int64 (cats_strings[i] → cats_int64s[i]) or int64 to
/// strings, with default_int64 (−1) / default_string ("_Unused") for unknown values.
/// </summary>
internal sealed class CategoryMapper : Kernel
{
    readonly Dictionary<string, long> _toInt = new(StringComparer.Ordinal);
    readonly Dictionary<long, string> _toString = new();
    readonly long _defaultInt;
    readonly string _defaultString;

    CategoryMapper(long[] ints, string[] strings, long defaultInt, string defaultString)
    {
        for (int i = 0; i < ints.Length; i++)
        {
            _toInt.TryAdd(strings[i], ints[i]);
            _toString.TryAdd(ints[i], strings[i]);
        }
        _defaultInt = defaultInt;
        _defaultString = defaultString;
    }

    public static Kernel Create(NodeInfo node)
    {
        MlAttributes.RejectUnknown(node, "cats_int64s", "cats_strings", "default_int64", "default_string");
        var ints = node.GetInts("cats_int64s") ?? [];
        var strings = node.GetStrings("cats_strings") ?? [];
        if (ints.Length != strings.Length) throw node.Invalid("cats_int64s and cats_strings have different lengths");
        return new CategoryMapper(ints, strings, node.GetInt("default_int64", -1), node.GetString("default_string", "_Unused"));
    }

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        if (x.Type == ElementType.String)
        {
            var s = x.Strings();
            var d = context.Output(0, ElementType.Int64, x).Span<long>();
            for (int i = 0; i < s.Length; i++) d[i] = _toInt.TryGetValue(s[i], out var v) ? v : _defaultInt;
        }
        else if (x.Type == ElementType.Int64)
        {
            var s = x.Span<long>();
            var d = context.Output(0, ElementType.String, x).Strings();
            for (int i = 0; i < s.Length; i++) d[i] = _toString.TryGetValue(s[i], out var v) ? v : _defaultString;
        }
        else throw new InferenceException($"CategoryMapper does not support {x.TypeName} (string or int64)");
    }
}
