using System.Numerics.Tensors;

namespace UniML.Engine.Primitives;

/// <summary>The score transforms of the ai.onnx.ml classifiers and regressors (attribute post_transform).</summary>
internal enum PostTransform { None = 0, Softmax = 1, Logistic = 2, SoftmaxZero = 3, Probit = 4 }

internal static class PostTransforms
{
    /// <summary>Parses the string form (TreeEnsembleClassifier, LinearClassifier, SVM...); null when unknown.</summary>
    public static PostTransform? Parse(string name) => name switch
    {
        "NONE" => PostTransform.None,
        "SOFTMAX" => PostTransform.Softmax,
        "LOGISTIC" => PostTransform.Logistic,
        "SOFTMAX_ZERO" => PostTransform.SoftmaxZero,
        "PROBIT" => PostTransform.Probit,
        _ => null,
    };

    /// <summary>Transforms one row of scores in place.</summary>
    public static void Apply(PostTransform transform, Span<float> row)
    {
        switch (transform)
        {
            case PostTransform.None: break;
            case PostTransform.Logistic: TensorPrimitives.Sigmoid(row, row); break;
            case PostTransform.Softmax: Softmax(row); break;
            case PostTransform.SoftmaxZero: SoftmaxZero(row); break;
            case PostTransform.Probit:
                for (int i = 0; i < row.Length; i++) row[i] = Probit(row[i]);
                break;
        }
    }

    /// <summary>
    /// Transforms each row of a [rows, width] batch in place: element-wise transforms in one pass, and
    /// softmax with its exponentials in one vector pass over the batch (rows are often 2–10 wide, too
    /// short for a vector call per row to pay off).
    /// </summary>
    public static void ApplyRows(PostTransform transform, Span<float> scores, int rows, int width)
    {
        var all = scores.Slice(0, rows * width);
        switch (transform)
        {
            case PostTransform.None: break;
            case PostTransform.Logistic:
            case PostTransform.Probit: Apply(transform, all); break;
            case PostTransform.Softmax: SoftmaxRows(all, rows, width, guardInfinite: false); break;
            default:
                for (int r = 0; r < rows; r++) Apply(transform, all.Slice(r * width, width));
                break;
        }
    }

    /// <summary>
    /// Softmax of each row of a [rows, width] batch in place, shifted by the row maximum. With
    /// <paramref name="guardInfinite"/> an infinite maximum shifts by 0 instead (the Softmax operator's rule).
    /// </summary>
    public static void SoftmaxRows(Span<float> y, int rows, int width, bool guardInfinite)
    {
        if (width == 0 || rows == 0) return;
        if (width >= 32)
        {
            for (int r = 0; r < rows; r++)
            {
                var row = y.Slice(r * width, width);
                float max = TensorPrimitives.Max(row);
                if (guardInfinite && float.IsInfinity(max)) max = 0;
                TensorPrimitives.Subtract(row, max, row);
                TensorPrimitives.Exp(row, row);
                TensorPrimitives.Divide(row, TensorPrimitives.Sum(row), row);
            }
            return;
        }
        for (int r = 0; r < rows; r++)
        {
            var row = y.Slice(r * width, width);
            float max = row[0];
            for (int i = 1; i < row.Length; i++)
            {
                float v = row[i];
                if (v > max || float.IsNaN(v)) max = v;
                if (float.IsNaN(max)) break;
            }
            if (guardInfinite && float.IsInfinity(max)) max = 0;
            for (int i = 0; i < row.Length; i++) row[i] -= max;
        }
        var all = y.Slice(0, rows * width);
        TensorPrimitives.Exp(all, all);
        for (int r = 0; r < rows; r++)
        {
            var row = y.Slice(r * width, width);
            float sum = 0;
            for (int i = 0; i < row.Length; i++) sum += row[i];
            for (int i = 0; i < row.Length; i++) row[i] /= sum;
        }
    }

    /// <summary>Softmax shifted by the row maximum so large scores cannot overflow.</summary>
    public static void Softmax(Span<float> row)
    {
        if (row.Length == 0) return;
        float max = TensorPrimitives.Max(row);
        TensorPrimitives.Subtract(row, max, row);
        TensorPrimitives.Exp(row, row);
        float sum = TensorPrimitives.Sum(row);
        TensorPrimitives.Divide(row, sum, row);
    }

    /// <summary>Softmax that keeps exact zeros at zero (scores within 1e-7 of 0 are "absent"); all-absent rows become 0.5.</summary>
    public static void SoftmaxZero(Span<float> row)
    {
        if (row.Length == 0) return;
        float max = TensorPrimitives.Max(row);
        float expNegMax = MathF.Exp(-max);
        float sum = 0;
        for (int i = 0; i < row.Length; i++)
        {
            float v = row[i];
            row[i] = v > 1e-7f || v < -1e-7f ? MathF.Exp(v - max) : v * expNegMax;
            sum += row[i];
        }
        if (sum == 0) row.Fill(0.5f);
        else TensorPrimitives.Divide(row, sum, row);
    }

    /// <summary>
    /// sqrt(2)·erfinv(2p−1) with the closed-form erfinv approximation (a = 0.147) that the ONNX reference
    /// and ONNX Runtime both use, so PROBIT scores agree with them rather than with an exact inverse.
    /// </summary>
    public static float Probit(float p)
    {
        float x = p * 2 - 1;
        float sign = x < 0 ? -1f : 1f;
        float t = (1 - x) * (1 + x);
        if (t == 0) return 0;
        float ln = MathF.Log(t);
        float v = 2f / (MathF.PI * 0.147f) + 0.5f * ln;
        float v2 = 1f / 0.147f * ln;
        float v3 = -v + MathF.Sqrt(v * v - v2);
        return 1.41421356f * sign * MathF.Sqrt(v3);
    }

    public static float Logistic(float x) => 1f / (1f + MathF.Exp(-x));
}
