using UniML.Onnx;

namespace UniML.Engine.Operators.OnnxMl;

/// <summary>
/// Normalizer (ai.onnx.ml 1): each row divided by its MAX (largest magnitude), L1 or L2 norm; a row whose
/// norm is 0 is left as it is. Computed in double after scaling by the largest magnitude, as the reference does.
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
            double scale = 0;
            foreach (var v in row) scale = Math.Max(scale, Math.Abs((double)v));
            if (scale == 0 || double.IsNaN(scale)) { row.CopyTo(dst); continue; }
            double norm = 1;
            if (_norm != Norm.Max)
            {
                double s = 0;
                foreach (var v in row)
                {
                    double a = v / scale;
                    s += _norm == Norm.L1 ? Math.Abs(a) : a * a;
                }
                norm = _norm == Norm.L1 ? s : Math.Sqrt(s);
                if (norm == 0) norm = 1;
            }
            for (int c = 0; c < columns; c++) dst[c] = (float)(row[c] / scale / norm);
        }
    }
}
