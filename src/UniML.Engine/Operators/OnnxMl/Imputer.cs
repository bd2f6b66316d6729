using UniML.Onnx;

namespace UniML.Engine.Operators.OnnxMl;

/// <summary>
/// Imputer (ai.onnx.ml 1): replaces elements equal to replaced_value_* (NaN matches NaN) with the
/// imputed value of their column (the last dimension), or the single imputed value. Output has X's type.
/// </summary>
internal sealed class Imputer : Kernel
{
    readonly float[]? _floats;
    readonly long[]? _ints;
    readonly float _replacedFloat;
    readonly long _replacedInt;

    Imputer(float[]? floats, long[]? ints, float replacedFloat, long replacedInt)
    {
        _floats = floats;
        _ints = ints;
        _replacedFloat = replacedFloat;
        _replacedInt = replacedInt;
    }

    public static Kernel Create(NodeInfo node)
    {
        MlAttributes.RejectUnknown(node, "imputed_value_floats", "imputed_value_int64s", "replaced_value_float", "replaced_value_int64");
        MlInput.CheckNumeric(node);
        var floats = node.GetFloats("imputed_value_floats");
        var ints = node.GetInts("imputed_value_int64s");
        if (floats is { Length: 0 }) floats = null;
        if (ints is { Length: 0 }) ints = null;
        if ((floats is null) == (ints is null)) throw node.Invalid("exactly one of imputed_value_floats and imputed_value_int64s must be set");
        return new Imputer(floats, ints, node.GetFloat("replaced_value_float", 0f), node.GetInt("replaced_value_int64", 0));
    }

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        int columns = x.Rank == 0 ? 1 : x.Shape[^1];
        int count = _floats?.Length ?? _ints!.Length;
        if (count != 1 && count != columns)
            throw new InferenceException($"{count} imputed values for {columns} columns");
        var y = context.Output(0, x.Type, x);
        switch (x.Type)
        {
            case ElementType.Float: Floats<float>(x.Span<float>(), y.Span<float>(), columns); break;
            case ElementType.Double: Floats<double>(x.Span<double>(), y.Span<double>(), columns); break;
            case ElementType.Int64: Ints<long>(x.Span<long>(), y.Span<long>(), columns, "int64"); break;
            case ElementType.Int32: Ints<int>(x.Span<int>(), y.Span<int>(), columns, "int32"); break;
            default: throw new InferenceException($"Imputer does not support {x.TypeName}");
        }
    }

    void Ints<T>(ReadOnlySpan<T> s, Span<T> d, int columns, string typeName) where T : unmanaged, System.Numerics.IBinaryInteger<T>
    {
        if (_ints is null) throw new InferenceException($"{typeName} input needs imputed_value_int64s");
        for (int i = 0; i < s.Length; i++)
            d[i] = long.CreateTruncating(s[i]) == _replacedInt ? T.CreateTruncating(_ints[_ints.Length == 1 ? 0 : i % columns]) : s[i];
    }

    void Floats<T>(ReadOnlySpan<T> s, Span<T> d, int columns) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        if (_floats is null) throw new InferenceException("floating-point input needs imputed_value_floats");
        bool nan = float.IsNaN(_replacedFloat);
        T replaced = T.CreateTruncating(_replacedFloat);
        for (int i = 0; i < s.Length; i++)
        {
            bool hit = nan ? T.IsNaN(s[i]) : s[i] == replaced;
            d[i] = hit ? T.CreateTruncating(_floats[_floats.Length == 1 ? 0 : i % columns]) : s[i];
        }
    }
}
