using UniML.Engine;
using UniML.Onnx;

namespace UniML.Conformance;

/// <summary>Compares an actual output with the expected one; returns null when they match, else what differs.</summary>
public static class ValueComparer
{
    public static string? Compare(Value? actual, Value? expected, Tolerance tolerance)
    {
        if (expected is null || actual is null)
            return expected is null && actual is null ? null : $"got {actual?.TypeName ?? "no value"}, expected {expected?.TypeName ?? "no value (empty optional)"}";
        switch (expected)
        {
            case Tensor e when actual is Tensor a:
                return CompareTensors(a, e, tolerance);
            case SequenceValue e when actual is SequenceValue a:
                if (a.Items.Count != e.Items.Count)
                    return $"sequence has {a.Items.Count} items, expected {e.Items.Count}";
                for (int i = 0; i < e.Items.Count; i++)
                    if (Compare(a.Items[i], e.Items[i], tolerance) is { } diff)
                        return $"item {i}: {diff}";
                return null;
            case MapValue e when actual is MapValue a:
                return CompareMaps(a, e, tolerance);
            default:
                return $"got {actual.TypeName}, expected {expected.TypeName}";
        }
    }

    static string? CompareMaps(MapValue a, MapValue e, Tolerance tolerance)
    {
        if (a.Keys.Length != e.Keys.Length)
            return $"map has {a.Keys.Length} keys, expected {e.Keys.Length}";
        if (CompareTensors(a.Keys, e.Keys, tolerance) is { } keyDiff)
            return $"keys: {keyDiff}";
        return CompareTensors(a.Values, e.Values, tolerance) is { } valueDiff ? $"values: {valueDiff}" : null;
    }

    /// <summary>
    /// Compares kinds, element types and shapes only (sequence lengths and items, map sizes), for outputs
    /// whose values are random draws; null when they match.
    /// </summary>
    public static string? CompareLayout(Value? actual, Value? expected)
    {
        if (expected is null || actual is null)
            return expected is null && actual is null ? null : $"got {actual?.TypeName ?? "no value"}, expected {expected?.TypeName ?? "no value (empty optional)"}";
        switch (expected)
        {
            case Tensor e when actual is Tensor a:
                return CompareLayout(a, e);
            case SequenceValue e when actual is SequenceValue a:
                if (a.Items.Count != e.Items.Count)
                    return $"sequence has {a.Items.Count} items, expected {e.Items.Count}";
                for (int i = 0; i < e.Items.Count; i++)
                    if (CompareLayout(a.Items[i], e.Items[i]) is { } diff)
                        return $"item {i}: {diff}";
                return null;
            case MapValue e when actual is MapValue a:
                return CompareLayout(a.Keys, e.Keys) is { } keyDiff ? $"keys: {keyDiff}"
                    : CompareLayout(a.Values, e.Values) is { } valueDiff ? $"values: {valueDiff}" : null;
            default:
                return $"got {actual.TypeName}, expected {expected.TypeName}";
        }
    }

    static string? CompareLayout(Tensor a, Tensor e)
    {
        if (a.Type != e.Type)
            return $"element type {a.TypeName}, expected {e.TypeName}";
        // A scalar and a one-element 1-D tensor are the same result for exporters that disagree on rank.
        if (!a.Shape.SequenceEqual(e.Shape) && !(a.Length == 1 && e.Length == 1 && a.Rank + e.Rank == 1))
            return $"shape {a.ShapeString}, expected {e.ShapeString}";
        return null;
    }

    public static string? CompareTensors(Tensor a, Tensor e, Tolerance tolerance)
    {
        if (CompareLayout(a, e) is { } layout)
            return layout;
        switch (e.Type)
        {
            case ElementType.String:
            {
                var x = a.Strings(); var y = e.Strings();
                for (int i = 0; i < y.Length; i++)
                    if (!string.Equals(x[i], y[i], StringComparison.Ordinal)) return $"element {i}: \"{x[i]}\", expected \"{y[i]}\"";
                return null;
            }
            case ElementType.Float: return Floats(a.Span<float>(), e.Span<float>(), tolerance);
            case ElementType.Double: return Doubles(a.Span<double>(), e.Span<double>(), tolerance);
            case ElementType.Float16:
            {
                var x = a.Span<Half>(); var y = e.Span<Half>();
                var half = tolerance == Tolerance.Default ? Tolerance.HalfPrecision : tolerance;
                for (int i = 0; i < y.Length; i++)
                    if (!half.Accepts((double)x[i], (double)y[i])) return Mismatch(i, (double)x[i], (double)y[i], half);
                return null;
            }
            case ElementType.BFloat16:
            {
                var x = a.Span<ushort>(); var y = e.Span<ushort>();
                var half = tolerance == Tolerance.Default ? Tolerance.HalfPrecision : tolerance;
                for (int i = 0; i < y.Length; i++)
                {
                    double xv = BitConverter.Int32BitsToSingle(x[i] << 16), yv = BitConverter.Int32BitsToSingle(y[i] << 16);
                    if (!half.Accepts(xv, yv)) return Mismatch(i, xv, yv, half);
                }
                return null;
            }
            default:
            {
                var x = a.Bytes(); var y = e.Bytes();
                if (x.SequenceEqual(y)) return null;
                int size = Tensor.ElementSize(e.Type);
                for (int i = 0; i < y.Length; i++)
                    if (x[i] != y[i]) return $"element {i / size} differs (exact match required for {e.TypeName})";
                return "values differ";
            }
        }
    }


    static string? Floats(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Tolerance t)
    {
        for (int i = 0; i < y.Length; i++)
            if (!t.Accepts(x[i], y[i])) return Mismatch(i, x[i], y[i], t);
        return null;
    }

    static string? Doubles(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Tolerance t)
    {
        for (int i = 0; i < y.Length; i++)
            if (!t.Accepts(x[i], y[i])) return Mismatch(i, x[i], y[i], t);
        return null;
    }

    static string Mismatch(int i, double actual, double expected, Tolerance t) =>
        $"element {i}: {actual:R}, expected {expected:R} (|diff| {Math.Abs(actual - expected):g3} over {t})";
}
