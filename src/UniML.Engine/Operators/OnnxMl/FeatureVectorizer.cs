using UniML.Onnx;

namespace UniML.Engine.Operators.OnnxMl;

/// <summary>
/// FeatureVectorizer (ai.onnx.ml 1): concatenates the inputs' columns into one float [N, Σ inputdimensions];
/// an input with fewer columns than its declared dimension is zero-padded, one with more is truncated.
/// </summary>
internal sealed class FeatureVectorizer : Kernel
{
    readonly int[] _dims;

    FeatureVectorizer(int[] dims) => _dims = dims;

    public static Kernel Create(NodeInfo node)
    {
        MlAttributes.RejectUnknown(node, "inputdimensions");
        var dims = MlAttributes.ToInts(node, node.GetInts("inputdimensions") ?? [], "inputdimensions");
        if (dims.Length != node.FormalInputCount) throw node.Invalid($"inputdimensions has {dims.Length} values for {node.FormalInputCount} inputs");
        foreach (var d in dims) if (d < 0) throw node.Invalid("inputdimensions must not be negative");
        for (int i = 0; i < node.FormalInputCount; i++) MlInput.CheckNumeric(node, i);
        return new FeatureVectorizer(dims);
    }

    public override void Run(KernelContext context)
    {
        int total = 0;
        foreach (var d in _dims) total += d;
        int rows = -1;
        for (int i = 0; i < _dims.Length; i++)
        {
            MlInput.Matrix(context.Input(i), out int n, out _);
            if (rows >= 0 && n != rows) throw new InferenceException($"input {i} has {n} rows, input 0 has {rows}");
            rows = n;
        }
        rows = Math.Max(rows, 0);
        var y = context.Output(0, ElementType.Float, [rows, total]).Span<float>();
        int offset = 0;
        for (int i = 0; i < _dims.Length; i++)
        {
            var xt = context.Input(i);
            MlInput.Matrix(xt, out _, out int columns);
            var x = MlInput.Floats(context, xt);
            int copy = Math.Min(columns, _dims[i]);
            for (int r = 0; r < rows; r++)
            {
                var dst = y.Slice(r * total + offset, _dims[i]);
                x.Slice(r * columns, copy).CopyTo(dst);
                dst.Slice(copy).Clear();
            }
            offset += _dims[i];
        }
    }
}
