using UniML.Onnx;

namespace UniML.Engine.Operators.OnnxMl;

/// <summary>
/// LabelEncoder (ai.onnx.ml 1, 2, 4). Version 1: classes_strings maps strings to their index (int64) and
/// int64 indices back to strings. Versions 2 and 4: keys_* → values_* (floats, int64s, strings; version 4
/// also keys_tensor/values_tensor of any of these plus double, int32, int16), default_* for unknown keys.
/// Float keys match NaN to NaN.
/// </summary>
internal sealed class LabelEncoder : Kernel
{
    enum KeyKind { String, Integer, Real }

    readonly KeyKind _keyKind;
    readonly Dictionary<string, int>? _stringKeys;
    readonly Dictionary<long, int>? _intKeys;
    readonly Dictionary<double, int>? _realKeys;
    readonly ElementType _valueType;
    readonly string[]? _stringValues;
    readonly long[]? _intValues;
    readonly double[]? _realValues;
    readonly string _defaultString;
    readonly long _defaultInt;
    readonly double _defaultReal;

    LabelEncoder(KeyKind keyKind, Dictionary<string, int>? s, Dictionary<long, int>? i, Dictionary<double, int>? r,
        ElementType valueType, string[]? sv, long[]? iv, double[]? rv, string ds, long di, double dr)
    {
        _keyKind = keyKind; _stringKeys = s; _intKeys = i; _realKeys = r;
        _valueType = valueType; _stringValues = sv; _intValues = iv; _realValues = rv;
        _defaultString = ds; _defaultInt = di; _defaultReal = dr;
    }

    public static Kernel Create(NodeInfo node)
    {
        if (node.Opset < 2)
        {
            MlAttributes.RejectUnknown(node, "classes_strings", "default_int64", "default_string");
            var classes = node.GetStrings("classes_strings") ?? [];
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            var ids = new Dictionary<long, int>();
            var positions = new long[classes.Length];
            for (int k = 0; k < classes.Length; k++) { index.TryAdd(classes[k], k); ids.TryAdd(k, k); positions[k] = k; }
            var inputType = node.InputTypes.Length > 0 ? node.InputTypes[0] : null;
            long defaultInt = node.GetInt("default_int64", -1);
            string defaultString = node.GetString("default_string", "_Unused");
            // string → int64 (the class's index) or int64 → string (the class at that index), by input type.
            if (inputType == ElementType.Int64)
                return new LabelEncoder(KeyKind.Integer, null, ids, null, ElementType.String, classes, null, null, defaultString, defaultInt, 0);
            return new LabelEncoder(KeyKind.String, index, null, null, ElementType.Int64, null, positions, null, defaultString, defaultInt, 0);
        }

        MlAttributes.RejectUnknown(node, "default_float", "default_int64", "default_string", "default_tensor", "keys_floats", "keys_int64s",
            "keys_strings", "keys_tensor", "values_floats", "values_int64s", "values_strings", "values_tensor");
        // Keys.
        KeyKind kind;
        Dictionary<string, int>? sk = null;
        Dictionary<long, int>? ik = null;
        Dictionary<double, int>? rk = null;
        int keyCount;
        var keysTensor = node.GetTensor("keys_tensor");
        string[]? keyStrings = node.GetStrings("keys_strings");
        long[]? keyInts = node.GetInts("keys_int64s");
        float[]? keyFloats = node.GetFloats("keys_floats");
        double[]? keyReals = keyFloats?.Select(f => (double)f).ToArray();
        if (keysTensor is not null)
        {
            switch (keysTensor.Type)
            {
                case ElementType.String: keyStrings = keysTensor.Strings().ToArray(); break;
                case ElementType.Int64: keyInts = keysTensor.ToArray<long>(); break;
                case ElementType.Int32: keyInts = keysTensor.ToArray<int>().Select(v => (long)v).ToArray(); break;
                case ElementType.Int16: keyInts = keysTensor.ToArray<short>().Select(v => (long)v).ToArray(); break;
                case ElementType.Float: keyReals = keysTensor.ToArray<float>().Select(v => (double)v).ToArray(); break;
                case ElementType.Double: keyReals = keysTensor.ToArray<double>(); break;
                default: throw node.Unsupported($"keys_tensor of type {keysTensor.TypeName} is not supported");
            }
        }
        if (keyStrings is { Length: > 0 })
        {
            kind = KeyKind.String;
            sk = new(StringComparer.Ordinal);
            for (int k = 0; k < keyStrings.Length; k++) sk.TryAdd(keyStrings[k], k);
            keyCount = keyStrings.Length;
        }
        else if (keyInts is { Length: > 0 })
        {
            kind = KeyKind.Integer;
            ik = new();
            for (int k = 0; k < keyInts.Length; k++) ik.TryAdd(keyInts[k], k);
            keyCount = keyInts.Length;
        }
        else if (keyReals is { Length: > 0 })
        {
            kind = KeyKind.Real;
            rk = new(); // double.Equals treats NaN as equal to NaN, so a NaN key matches NaN inputs
            for (int k = 0; k < keyReals.Length; k++) rk.TryAdd(keyReals[k], k);
            keyCount = keyReals.Length;
        }
        else throw node.Invalid("no keys (keys_strings, keys_int64s, keys_floats or keys_tensor)");

        // Values and defaults.
        ElementType valueType;
        string[]? sv = null;
        long[]? iv = null;
        double[]? rv = null;
        var valuesTensor = node.GetTensor("values_tensor");
        var defaultTensor = node.GetTensor("default_tensor");
        if (valuesTensor is not null)
        {
            valueType = valuesTensor.Type;
            switch (valueType)
            {
                case ElementType.String: sv = valuesTensor.Strings().ToArray(); break;
                case ElementType.Int64: iv = valuesTensor.ToArray<long>(); break;
                case ElementType.Int32: iv = valuesTensor.ToArray<int>().Select(v => (long)v).ToArray(); break;
                case ElementType.Int16: iv = valuesTensor.ToArray<short>().Select(v => (long)v).ToArray(); break;
                case ElementType.Float: rv = valuesTensor.ToArray<float>().Select(v => (double)v).ToArray(); break;
                case ElementType.Double: rv = valuesTensor.ToArray<double>(); break;
                default: throw node.Unsupported($"values_tensor of type {valuesTensor.TypeName} is not supported");
            }
        }
        else if (node.GetStrings("values_strings") is { Length: > 0 } vs) { valueType = ElementType.String; sv = vs; }
        else if (node.GetInts("values_int64s") is { Length: > 0 } vi) { valueType = ElementType.Int64; iv = vi; }
        else if (node.GetFloats("values_floats") is { Length: > 0 } vf) { valueType = ElementType.Float; rv = vf.Select(f => (double)f).ToArray(); }
        else throw node.Invalid("no values (values_strings, values_int64s, values_floats or values_tensor)");
        int valueCount = sv?.Length ?? iv?.Length ?? rv!.Length;
        if (valueCount != keyCount) throw node.Invalid($"{keyCount} keys but {valueCount} values");

        string ds = node.GetString("default_string", "_Unused");
        long di = node.GetInt("default_int64", -1);
        double dr = node.GetFloat("default_float", -0f);
        if (defaultTensor is not null)
        {
            if (defaultTensor.Length != 1 || defaultTensor.Type != valueType)
                throw node.Invalid("default_tensor must hold one value of the values' type");
            switch (valueType)
            {
                case ElementType.String: ds = defaultTensor.Strings()[0]; break;
                case ElementType.Int64: di = defaultTensor.Span<long>()[0]; break;
                case ElementType.Int32: di = defaultTensor.Span<int>()[0]; break;
                case ElementType.Int16: di = defaultTensor.Span<short>()[0]; break;
                case ElementType.Float: dr = defaultTensor.Span<float>()[0]; break;
                case ElementType.Double: dr = defaultTensor.Span<double>()[0]; break;
            }
        }
        return new LabelEncoder(kind, sk, ik, rk, valueType, sv, iv, rv, ds, di, dr);
    }

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        var y = context.Output(0, _valueType, x);
        for (int i = 0; i < x.Length; i++)
        {
            int k = Lookup(x, i);
            switch (_valueType)
            {
                case ElementType.String: y.Strings()[i] = k >= 0 ? _stringValues![k] : _defaultString; break;
                case ElementType.Int64: y.Span<long>()[i] = k >= 0 ? _intValues![k] : _defaultInt; break;
                case ElementType.Int32: y.Span<int>()[i] = (int)(k >= 0 ? _intValues![k] : _defaultInt); break;
                case ElementType.Int16: y.Span<short>()[i] = (short)(k >= 0 ? _intValues![k] : _defaultInt); break;
                case ElementType.Float: y.Span<float>()[i] = (float)(k >= 0 ? _realValues![k] : _defaultReal); break;
                default: y.Span<double>()[i] = k >= 0 ? _realValues![k] : _defaultReal; break;
            }
        }
    }

    int Lookup(Tensor x, int i)
    {
        switch (_keyKind)
        {
            case KeyKind.String:
                if (x.Type != ElementType.String) break;
                return _stringKeys!.TryGetValue(x.Strings()[i], out var s) ? s : -1;
            case KeyKind.Integer:
            {
                long v;
                switch (x.Type)
                {
                    case ElementType.Int64: v = x.Span<long>()[i]; break;
                    case ElementType.Int32: v = x.Span<int>()[i]; break;
                    case ElementType.Int16: v = x.Span<short>()[i]; break;
                    default: throw new InferenceException($"input {x.TypeName} does not match integer keys");
                }
                return _intKeys!.TryGetValue(v, out var k) ? k : -1;
            }
            case KeyKind.Real:
            {
                double v;
                switch (x.Type)
                {
                    // Float keys were widened from float, so a float input widened the same way matches exactly.
                    case ElementType.Float: v = x.Span<float>()[i]; break;
                    case ElementType.Double: v = x.Span<double>()[i]; break;
                    default: throw new InferenceException($"input {x.TypeName} does not match floating-point keys");
                }
                if (double.IsNaN(v)) v = double.NaN; // one NaN payload for lookup
                return _realKeys!.TryGetValue(v, out var k) ? k : -1;
            }
        }
        throw new InferenceException($"input {x.TypeName} does not match the encoder's string keys");
    }
}
