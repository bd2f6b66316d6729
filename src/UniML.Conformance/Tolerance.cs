namespace UniML.Conformance;

/// <summary>
/// How closely an output must match: |actual - expected| ≤ Absolute + Relative·|expected|, the rule the
/// ONNX backend tests use. Integers, bools and strings must match exactly; NaN matches NaN and an
/// infinity matches only the same infinity.
/// </summary>
public sealed record Tolerance(double Relative, double Absolute)
{
    /// <summary>float32/float64: rtol 1e-3 as in ONNX's backend tests; atol 1e-5 (ONNX uses 1e-7 but
    /// that is below float32 rounding of values near 1 after a few operations).</summary>
    public static readonly Tolerance Default = new(1e-3, 1e-5);

    /// <summary>float16/bfloat16 carry 11/8 significant bits.</summary>
    public static readonly Tolerance HalfPrecision = new(1e-2, 1e-3);

    public bool Accepts(double actual, double expected)
    {
        if (double.IsNaN(expected)) return double.IsNaN(actual);
        if (double.IsInfinity(expected)) return actual == expected;
        if (double.IsNaN(actual) || double.IsInfinity(actual)) return false;
        return Math.Abs(actual - expected) <= Absolute + Relative * Math.Abs(expected);
    }

    public override string ToString() => $"rtol {Relative:g}, atol {Absolute:g}";
}
