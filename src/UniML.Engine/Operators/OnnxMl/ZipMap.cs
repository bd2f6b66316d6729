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

    /// <summary>Per-frame output objects: the sequence and one map per row seen so far.</summary>
    sealed class ZipMapState(SequenceValue sequence)
    {
        public SequenceValue Sequence { get; } = sequence;
        public List<MapValue> Maps { get; } = new();
    }

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
        // The sequence and its maps live in the run's frame and are reused by the next run on that frame (like
        // planned tensor buffers), so steady-state runs allocate nothing; only a larger batch adds maps.
        var state = context.StepState as ZipMapState ?? new ZipMapState(new SequenceValue(new List<Value>(rows), $"map({ElementTypeInfo.OnnxName(_keys.Type)},tensor(float))"));
        context.StepState = state;
        while (state.Maps.Count < rows)
            state.Maps.Add(new MapValue(_keys, Tensor.FromArray(new float[columns], [columns])));
        var items = state.Sequence.Items;
        items.Clear();
        for (int r = 0; r < rows; r++)
        {
            var map = state.Maps[r];
            data.Slice(r * columns, columns).CopyTo(map.Values.Span<float>());
            items.Add(map);
        }
        context.SetOutput(0, state.Sequence);
    }
}
