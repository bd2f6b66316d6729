using UniML.Onnx;

namespace UniML.Engine.Operators.OnnxMl;

/// <summary>
/// ZipMap (ai.onnx.ml 1): turns [N, C] float scores into a sequence of N maps from class label
/// (int64 or string) to score. The maps share one immutable key tensor.
/// </summary>
internal sealed class ZipMap : Kernel
{
    readonly Tensor _keys;

    ZipMap(Tensor keys) => _keys = keys;

    public static Kernel Create(NodeInfo node)
    {
        MlAttributes.RejectUnknown(node, "classlabels_int64s", "classlabels_strings");
        var ints = node.GetInts("classlabels_int64s");
        var strings = node.GetStrings("classlabels_strings");
        if (ints is { Length: 0 }) ints = null;
        if (strings is { Length: 0 }) strings = null;
        if ((ints is null) == (strings is null)) throw node.Invalid("exactly one of classlabels_int64s and classlabels_strings must be set");
        var keys = ints is not null ? Tensor.FromArray(ints, [ints.Length]) : Tensor.FromStrings(strings!, [strings!.Length]);
        return new ZipMap(keys);
    }

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        if (x.Type != ElementType.Float) throw new InferenceException($"ZipMap needs tensor(float), got {x.TypeName}");
        MlInput.Matrix(x, out int rows, out int columns);
        if (columns != _keys.Length) throw new InferenceException($"input has {columns} columns for {_keys.Length} class labels");
        var data = x.Span<float>();
        var items = new List<Value>(rows);
        for (int r = 0; r < rows; r++)
            items.Add(new MapValue(_keys, Tensor.FromArray(data.Slice(r * columns, columns).ToArray(), [columns])));
        string typeName = $"map({ElementTypeInfo.OnnxName(_keys.Type)},tensor(float))";
        context.SetOutput(0, new SequenceValue(items, typeName));
    }
}
