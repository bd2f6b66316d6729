using UniML.Onnx;

namespace UniML.Engine.Operators.OnnxMl;

/// <summary>
/// Normalizer (ai.onnx.ml 1): each row divided by its MAX (largest magnitude), L1 or L2 norm; a row whose
/// norm is 0 is left as it is.
/// </summary>
internal sealed class Normalizer : Kernel
{
    enum Norm { Max, L1, L2 }
    readonly Norm _norm;

    Normalizer(Norm norm) => _norm = norm;

    public static Kernel Create(NodeInfo node)
    {
        MlAttributes.RejectUnknown(node, "norm");
        MlInput.CheckNumeric(node);
        var name = node.GetString("norm", "MAX");
        return new Normalizer(name switch
        {
            "MAX" => Norm.Max,
            "L1" => Norm.L1,
            "L2" => Norm.L2,
            _ => throw node.Unsupported($"norm '{name}' is not supported"),
        });
    }

    public override void Run(KernelContext context)
    {
        var xt = context.Input(0);
        MlInput.Matrix(xt, out int n, out int columns);
        var x = MlInput.Floats(context, xt);
        var y = context.Output(0, ElementType.Float, xt).Span<float>();
        for (int r = 0; r < n; r++)
        {
            var row = x.Slice(r * columns, columns);
            var dst = y.Slice(r * columns, columns);
            // Norms accumulate in double, so no float row can overflow them (the reference pre-scales by max|x| for that).
            double norm = 0;
            switch (_norm)
            {
                case Norm.Max: for (int c = 0; c < row.Length; c++) norm = Math.Max(norm, Math.Abs((double)row[c])); break;
                case Norm.L1: for (int c = 0; c < row.Length; c++) norm += Math.Abs((double)row[c]); break;
                default: for (int c = 0; c < row.Length; c++) norm += (double)row[c] * row[c]; norm = Math.Sqrt(norm); break;
            }
            if (norm == 0 || double.IsNaN(norm)) { row.CopyTo(dst); continue; }
            double inverse = 1 / norm;
            for (int c = 0; c < dst.Length; c++) dst[c] = (float)(row[c] * inverse);
        }
    }
}
