using System.Globalization;
using System.Numerics;
using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Cast (target type from the 'to' attribute) and CastLike (from the second input's type) between numeric,
/// bool, float16, bfloat16 and string tensors. Numbers convert as numpy's astype (see <see cref="Conversion"/>);
/// numbers print as the shortest text that reads back to the same value; text parses as invariant-culture
/// numbers, with NaN/INF/+INF/-INF accepted in any case. float8 and 4-bit types are not implemented.
/// </summary>
internal static class Cast
{
    public static Kernel Create(NodeInfo node)
    {
        if (node.Opset < 6) throw node.Unsupported("Cast-1 names the target type as a string; UniML implements Cast from opset 6");
        var to = (ElementType)node.GetInt("to");
        if (!IsCastable(to)) throw node.Unsupported($"casting to {ElementTypeInfo.OnnxName(to)} is not implemented");
        if (node.InputTypes.Length > 0 && node.InputTypes[0] is { } from && !IsCastable(from))
            throw node.Unsupported($"casting from {ElementTypeInfo.OnnxName(from)} is not implemented");
        return new CastKernel(to);
    }

    public static Kernel CreateLike(NodeInfo node)
    {
        for (int i = 0; i < 2; i++)
            if (node.InputTypes.Length > i && node.InputTypes[i] is { } t && !IsCastable(t))
                throw node.Unsupported($"casting {(i == 0 ? "from" : "to")} {ElementTypeInfo.OnnxName(t)} is not implemented");
        return new CastKernel(null);
    }

    static bool IsCastable(ElementType t) => Conversion.IsConvertible(t) || t == ElementType.String;

    sealed class CastKernel(ElementType? to) : Kernel
    {
        public override void Run(KernelContext context)
        {
            var x = context.Input(0);
            var type = to ?? context.Input(1).Type;
            if (!IsCastable(x.Type)) throw ElementTypes.NotImplemented(x);
            if (!IsCastable(type)) throw new InferenceException($"casting to {ElementTypeInfo.OnnxName(type)} is not implemented");
            var y = context.Output(0, type, x);
            if (x.Type == ElementType.String && type == ElementType.String) x.Strings().CopyTo(y.Strings());
            else if (type == ElementType.String) ToText(x, y.Strings());
            else if (x.Type == ElementType.String) FromText(x.Strings(), y);
            else Conversion.Convert(x, y);
        }

        static void ToText(Tensor x, Span<string> y)
        {
            switch (x.Type)
            {
                case ElementType.Bool: { var s = x.Bytes(); for (int i = 0; i < s.Length; i++) y[i] = s[i] != 0 ? "True" : "False"; break; }
                case ElementType.BFloat16: { var s = x.Span<ushort>(); for (int i = 0; i < s.Length; i++) y[i] = FloatText(ElementWise.FromBFloat16(s[i])); break; }
                default: ElementTypes.VisitNumeric(x, new Format(x, y)); break;
            }
        }

        readonly ref struct Format(Tensor x, Span<string> y) : INumericVisitor
        {
            readonly Span<string> _y = y;

            public void Visit<T>() where T : unmanaged, INumber<T>
            {
                var s = x.Span<T>();
                bool isFloat = ElementTypes.IsFloat(x.Type);
                for (int i = 0; i < s.Length; i++) _y[i] = isFloat ? FloatText(s[i]) : s[i].ToString(null, CultureInfo.InvariantCulture);
            }
        }

        /// <summary>Shortest round-trip text, spelled as numpy does: NaN, inf, -inf, 1e-05.</summary>
        static string FloatText<T>(T v) where T : INumber<T>
        {
            if (T.IsNaN(v)) return "NaN";
            if (T.IsInfinity(v)) return T.IsNegative(v) ? "-inf" : "inf";
            var text = v.ToString("R", CultureInfo.InvariantCulture);
            return text.Contains('E') ? text.Replace("E", "e") : text;
        }

        static void FromText(ReadOnlySpan<string> x, Tensor y)
        {
            if (y.Type == ElementType.Bool)
            {
                var b = y.Bytes();
                for (int i = 0; i < x.Length; i++) b[i] = ParseNumber(x[i]) != 0 ? (byte)1 : (byte)0;
                return;
            }
            if (ElementTypes.IsInteger(y.Type))
            {
                // Integers parse exactly (int64 beyond 2^53 would not survive a double).
                var longs = new long[x.Length];
                for (int i = 0; i < x.Length; i++)
                    longs[i] = long.TryParse(x[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l : (long)ParseNumber(x[i]);
                Conversion.From<long>(longs, y);
                return;
            }
            var doubles = new double[x.Length];
            for (int i = 0; i < x.Length; i++) doubles[i] = ParseNumber(x[i]);
            if (y.Type == ElementType.Float)
            {
                // Parse as float directly so the value is rounded once, as numpy does.
                var f = y.Span<float>();
                for (int i = 0; i < x.Length; i++) f[i] = (float)ParseFloat(x[i]);
                return;
            }
            Conversion.From<double>(doubles, y);
        }

        static float ParseFloat(string s) =>
            float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : (float)ParseNumber(s);

        static double ParseNumber(string s)
        {
            var t = s.Trim();
            if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) return v;
            var upper = t.ToUpperInvariant();
            return upper switch
            {
                "NAN" or "+NAN" or "-NAN" => double.NaN,
                "INF" or "+INF" or "INFINITY" or "+INFINITY" => double.PositiveInfinity,
                "-INF" or "-INFINITY" => double.NegativeInfinity,
                "TRUE" => 1,
                "FALSE" => 0,
                _ => throw new InferenceException($"cannot parse '{s}' as a number"),
            };
        }
    }
}
