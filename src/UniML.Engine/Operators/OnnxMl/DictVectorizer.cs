using UniML.Onnx;

namespace UniML.Engine.Operators.OnnxMl;

/// <summary>
/// DictVectorizer (ai.onnx.ml 1): a map (string or int64 keys) becomes a [1, vocabulary] tensor of its
/// values in vocabulary order, zero (or "") where the map has no entry.
/// </summary>
internal sealed class DictVectorizer : Kernel
{
    readonly Dictionary<string, int>? _strings;
    readonly Dictionary<long, int>? _ints;
    readonly int _count;

    DictVectorizer(Dictionary<string, int>? strings, Dictionary<long, int>? ints, int count)
    {
        _strings = strings;
        _ints = ints;
        _count = count;
    }

    public static Kernel Create(NodeInfo node)
    {
        MlAttributes.RejectUnknown(node, "int64_vocabulary", "string_vocabulary");
        var ints = node.GetInts("int64_vocabulary");
        var strings = node.GetStrings("string_vocabulary");
        if (ints is { Length: 0 }) ints = null;
        if (strings is { Length: 0 }) strings = null;
        if ((ints is null) == (strings is null)) throw node.Invalid("exactly one of int64_vocabulary and string_vocabulary must be set");
        if (ints is not null)
        {
            var map = new Dictionary<long, int>();
            for (int i = 0; i < ints.Length; i++) map.TryAdd(ints[i], i);
            return new DictVectorizer(null, map, ints.Length);
        }
        var smap = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < strings!.Length; i++) smap.TryAdd(strings[i], i);
        return new DictVectorizer(smap, null, strings.Length);
    }

    public override void Run(KernelContext context)
    {
        if (context.InputValue(0) is not MapValue map)
            throw new InferenceException($"DictVectorizer needs a map input, got {context.InputValue(0)?.TypeName ?? "nothing"}");
        var values = map.Values;
        var y = context.Output(0, values.Type, [1, _count]);
        if (values.Type == ElementType.String) y.Strings().Fill(string.Empty);
        else y.Bytes().Clear();
        int size = values.Type == ElementType.String ? 0 : Tensor.ElementSize(values.Type);
        for (int i = 0; i < map.Keys.Length; i++)
        {
            int k;
            if (map.Keys.Type == ElementType.String)
                k = _strings is not null && _strings.TryGetValue(map.Keys.Strings()[i], out var s) ? s : -1;
            else if (map.Keys.Type == ElementType.Int64)
                k = _ints is not null && _ints.TryGetValue(map.Keys.Span<long>()[i], out var v) ? v : -1;
            else throw new InferenceException($"map keys of type {map.Keys.TypeName} are not supported");
            if (k < 0) continue;
            if (size == 0) y.Strings()[k] = values.Strings()[i];
            else values.Bytes().Slice(i * size, size).CopyTo(y.Bytes().Slice(k * size, size));
        }
    }
}
