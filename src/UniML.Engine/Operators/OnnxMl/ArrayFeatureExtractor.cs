using UniML.Onnx;

namespace UniML.Engine.Operators.OnnxMl;

/// <summary>
/// ArrayFeatureExtractor (ai.onnx.ml 1): selects elements of X's last dimension by index:
/// output X.shape[:-1] + [k] (a 1-D X gives [1, k]), for numeric and string X.
/// </summary>
internal sealed class ArrayFeatureExtractor : Kernel
{
    public static Kernel Create(NodeInfo node)
    {
        MlAttributes.RejectUnknown(node);
        return new ArrayFeatureExtractor();
    }

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        var indicesTensor = context.Input(1);
        if (indicesTensor.Type != ElementType.Int64) throw new InferenceException($"indices must be int64, got {indicesTensor.TypeName}");
        var indices = indicesTensor.Span<long>();
        if (x.Rank == 0) throw new InferenceException("X must have at least one dimension");
        int columns = x.Shape[^1];
        int k = indices.Length;
        foreach (var i in indices)
            if (i < 0 || i >= columns) throw new InferenceException($"index {i} is outside [0, {columns})");
        Span<int> shape = stackalloc int[Math.Max(x.Rank, 2)];
        if (x.Rank == 1) { shape[0] = 1; shape[1] = k; }
        else { x.Shape.CopyTo(shape); shape[^1] = k; }
        int rows = columns == 0 ? 0 : x.Length / columns;
        var y = context.Output(0, x.Type, shape);
        if (x.Type == ElementType.String)
        {
            var s = x.Strings(); var d = y.Strings();
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < k; j++) d[r * k + j] = s[r * columns + (int)indices[j]];
            return;
        }
        int size = Tensor.ElementSize(x.Type);
        if (size == 4)
        {
            Gather(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(x.Bytes()), System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(y.Bytes()), indices, rows, columns, k);
            return;
        }
        if (size == 8)
        {
            Gather(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(x.Bytes()), System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(y.Bytes()), indices, rows, columns, k);
            return;
        }
        var sb = x.Bytes(); var db = y.Bytes();
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < k; j++)
                sb.Slice((r * columns + (int)indices[j]) * size, size).CopyTo(db.Slice((r * k + j) * size, size));
    }

    /// <summary>Element moves for 4- and 8-byte types (most models' float and int64 features), without a memmove per element.</summary>
    static void Gather<T>(ReadOnlySpan<T> source, Span<T> dest, ReadOnlySpan<long> indices, int rows, int columns, int k) where T : unmanaged
    {
        for (int r = 0; r < rows; r++)
        {
            var from = source.Slice(r * columns, columns);
            var to = dest.Slice(r * k, k);
            for (int j = 0; j < to.Length; j++) to[j] = from[(int)indices[j]];
        }
    }
}
