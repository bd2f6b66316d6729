using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Multinomial (opset 7): for each row of the [batch, classes] input of unnormalised log-probabilities,
/// sample_size independent class indices (with replacement), output [batch, sample_size] as int32 (the
/// default dtype) or int64. A row's weights are exp(x − max x), so a class at −inf is never drawn; a row
/// with no finite or +inf entry (all −inf, or any NaN) has no distribution and is an error.
/// </summary>
internal sealed class Multinomial(NodeInfo node, ElementType type, int samples) : RandomKernel(node)
{
    public static Kernel Create(NodeInfo node)
    {
        var type = (ElementType)node.GetInt("dtype", (long)ElementType.Int32);
        if (type is not (ElementType.Int32 or ElementType.Int64))
            throw node.Invalid($"dtype {ElementTypeInfo.OnnxName(type)} is not allowed: the output must be int32 or int64");
        long samples = node.GetInt("sample_size", 1);
        if (samples is < 1 or > int.MaxValue)
            throw node.Invalid($"sample_size {samples} must be at least 1");
        if (node.InputTypes[0] is { } inputType && !IsFloat(inputType))
            throw node.Invalid($"the input is {ElementTypeInfo.OnnxName(inputType)}; log-probabilities must be float16, float, double or bfloat16");
        return new Multinomial(node, type, (int)samples);
    }

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        if (x.Rank != 2 || !IsFloat(x.Type))
            throw new InferenceException($"Multinomial needs a 2-D float input [batch, classes], got {x.TypeName} {x.ShapeString}");
        int batch = x.Shape[0], classes = x.Shape[1];
        var output = context.Output(0, type, [batch, samples]);
        if (output.Length == 0) return;
        if (classes == 0)
            throw new InferenceException("the input has no classes to draw from");

        var logits = InputAsDoubles(context, x);
        var cumulative = context.Scratch<double>(classes);
        var rng = Generator();
        for (int b = 0; b < batch; b++)
        {
            var row = logits.Slice(b * classes, classes);
            double total = CumulativeWeights(row, cumulative, b);
            for (int s = 0; s < samples; s++)
            {
                int drawn = FirstAbove(cumulative, rng.NextDouble() * total);
                if (type == ElementType.Int32) output.Span<int>()[b * samples + s] = drawn;
                else output.Span<long>()[b * samples + s] = drawn;
            }
        }
    }

    /// <summary>Running sums of exp(x − max x) along the row; returns the total (≥ 1: the largest class weighs 1).</summary>
    static double CumulativeWeights(ReadOnlySpan<double> row, Span<double> cumulative, int rowIndex)
    {
        double max = double.NegativeInfinity;
        foreach (var v in row)
        {
            if (double.IsNaN(v)) throw new InferenceException($"row {rowIndex} holds NaN");
            max = Math.Max(max, v);
        }
        if (max == double.NegativeInfinity)
            throw new InferenceException($"every class of row {rowIndex} is -inf (probability 0)");
        double sum = 0;
        for (int c = 0; c < row.Length; c++)
        {
            // A class equal to the maximum weighs exactly 1, which also covers +inf (where x − max is NaN).
            sum += row[c] == max ? 1 : Math.Exp(row[c] - max);
            cumulative[c] = sum;
        }
        return sum;
    }

    /// <summary>The first class whose running sum exceeds <paramref name="target"/> (in [0, total)), by binary search.</summary>
    static int FirstAbove(ReadOnlySpan<double> cumulative, double target)
    {
        int lo = 0, hi = cumulative.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > target) hi = mid;
            else lo = mid + 1;
        }
        return lo;
    }
}
