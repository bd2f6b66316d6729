using UniML.Engine.Primitives;

namespace UniML.Engine.Operators.Onnx;

/// <summary>Det: determinants of the trailing [M, M] matrices, by LU decomposition with partial pivoting in double precision.</summary>
internal static class Det
{
    public static Kernel Create(NodeInfo node)
    {
        ElementTypes.Require(node, 0, ElementTypes.IsFloat, "float, double and float16");
        return new DetKernel();
    }

    sealed class DetKernel : Kernel
    {
        public override void Run(KernelContext context)
        {
            var x = context.Input(0);
            int rank = x.Rank;
            if (rank < 2 || x.Shape[rank - 1] != x.Shape[rank - 2])
                throw new InferenceException($"input must be [*, M, M], not {x.ShapeString}");
            int m = x.Shape[rank - 1];
            var y = context.Output(0, x.Type, x.Shape[..(rank - 2)]);
            if (!ElementTypes.IsFloat(x.Type)) throw ElementTypes.NotImplemented(x);
            var values = context.Scratch<double>(x.Length, 0);
            Conversion.ToDouble(x, values);
            var a = context.Scratch<double>(m * m, 1);
            var dets = context.Scratch<double>(y.Length, 2);
            for (int b = 0; b < dets.Length; b++)
            {
                values.Slice(b * m * m, m * m).CopyTo(a);
                dets[b] = Determinant(a, m);
            }
            Conversion.From<double>(dets, y);
        }

        static double Determinant(Span<double> a, int m)
        {
            double det = 1;
            for (int c = 0; c < m; c++)
            {
                int pivot = c;
                for (int r = c + 1; r < m; r++)
                    if (Math.Abs(a[r * m + c]) > Math.Abs(a[pivot * m + c])) pivot = r;
                if (a[pivot * m + c] == 0) return 0;
                if (pivot != c)
                {
                    for (int k = 0; k < m; k++) (a[c * m + k], a[pivot * m + k]) = (a[pivot * m + k], a[c * m + k]);
                    det = -det;
                }
                double p = a[c * m + c];
                det *= p;
                for (int r = c + 1; r < m; r++)
                {
                    double f = a[r * m + c] / p;
                    if (f == 0) continue;
                    for (int k = c + 1; k < m; k++) a[r * m + k] -= f * a[c * m + k];
                }
            }
            return det;
        }
    }
}
