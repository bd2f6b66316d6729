using System.Globalization;
using System.Runtime.CompilerServices;

namespace UniML.Server.Internals.Protocol;

/// <summary>
/// JSON tensor data decoded in one pass over the UTF-8 text, straight into typed storage: a (nested) array
/// of numbers, of <c>true</c>/<c>false</c> for BOOL, or, for floating types, also the strings "NaN",
/// "Infinity", "-Infinity". No tokens and no allocation per element: numbers are checked against JSON's
/// grammar and converted while they are scanned (exact decimal-to-double conversion for up to 19 digits and
/// small exponents, the runtime's correctly rounded parser otherwise). Anything it does not take (another
/// token, an escape, a malformed number, a value outside the element type, a count not matching the
/// shape) returns false: the caller then decodes the value with <see cref="System.Text.Json.Utf8JsonReader"/>,
/// which reports the precise error, and which uses <see cref="TryParse{T}"/> for its elements, so both
/// paths give the same values.
/// </summary>
internal static class JsonNumberArray
{
    /// <summary>Deepest nesting taken here; deeper data goes to the reader (and its depth limit).</summary>
    const int MaxDepth = 32;

    /// <summary>Mantissas below this take one more digit without overflowing 64 bits.</summary>
    const ulong MantissaLimit = 1_000_000_000_000_000_000;

    /// <summary>The powers of ten a double holds exactly: m·10^e and m/10^e are then correctly rounded for m ≤ 2^53 (Clinger's fast path).</summary>
    static ReadOnlySpan<double> ExactPowersOf10 =>
        [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

    /// <summary>
    /// Decodes the array that starts at <paramref name="start"/> (after optional whitespace) into every element
    /// of <paramref name="into"/>; <paramref name="end"/> is the index after its closing bracket.
    /// </summary>
    public static bool TryRead<T>(ReadOnlySpan<byte> json, int start, Span<T> into, out int end) where T : unmanaged
    {
        end = 0;
        int pos = SkipWhiteSpace(json, start);
        if (pos >= json.Length || json[pos] != '[') return false;
        int depth = 0, n = 0;
        while (true)
        {
            // A value: an array or an element.
            pos = SkipWhiteSpace(json, pos);
            if (pos >= json.Length) return false;
            if (json[pos] == '[')
            {
                if (++depth > MaxDepth) return false;
                pos = SkipWhiteSpace(json, pos + 1);
                if (pos >= json.Length || json[pos] != ']') continue;
                pos++;
                depth--;
            }
            else
            {
                if (n == into.Length || !TryReadElement(json, ref pos, out into[n])) return false;
                n++;
            }
            // After a value: a comma and the next value, or brackets closing arrays.
            while (true)
            {
                if (depth == 0)
                {
                    end = pos;
                    return n == into.Length;
                }
                pos = SkipWhiteSpace(json, pos);
                if (pos >= json.Length) return false;
                byte c = json[pos++];
                if (c == ',') break;
                if (c != ']') return false;
                depth--;
            }
        }
    }

    /// <summary>One element's whole token text (a number, or <c>true</c>/<c>false</c> for bool).</summary>
    public static bool TryParse<T>(ReadOnlySpan<byte> text, out T value) where T : unmanaged
    {
        int pos = 0;
        if (text.IsEmpty || !TryReadElement(text, ref pos, out value))
        {
            value = default;
            return false;
        }
        return pos == text.Length;
    }

    /// <summary>The strings that stand for the floats JSON cannot write (and the short forms some clients send).</summary>
    public static bool TryParseSpecial(ReadOnlySpan<byte> text, out double value)
    {
        if (text.SequenceEqual("NaN"u8)) value = double.NaN;
        else if (text.SequenceEqual("Infinity"u8) || text.SequenceEqual("inf"u8)) value = double.PositiveInfinity;
        else if (text.SequenceEqual("-Infinity"u8) || text.SequenceEqual("-inf"u8)) value = double.NegativeInfinity;
        else
        {
            value = 0;
            return false;
        }
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int SkipWhiteSpace(ReadOnlySpan<byte> json, int pos)
    {
        while ((uint)pos < (uint)json.Length && json[pos] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
            pos++;
        return pos;
    }

    /// <summary>Reads the element at <paramref name="pos"/> (which is within the text) and moves past it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static bool TryReadElement<T>(ReadOnlySpan<byte> json, ref int pos, out T value) where T : unmanaged
    {
        value = default;
        if (typeof(T) == typeof(bool))
        {
            var rest = json[pos..];
            if (rest.StartsWith("true"u8)) { value = (T)(object)true; pos += 4; return true; }
            if (rest.StartsWith("false"u8)) { pos += 5; return true; }
            return false;
        }
        if (typeof(T) == typeof(float) || typeof(T) == typeof(double) || typeof(T) == typeof(Half) || typeof(T) == typeof(BFloat16Bits))
        {
            int start = pos;
            if (!TryReadFloating(json, ref pos, out double d)) return false;
            if (typeof(T) == typeof(double)) value = (T)(object)d;
            else if (typeof(T) == typeof(float)) value = (T)(object)ToSingle(d, json[start..pos]);
            else if (typeof(T) == typeof(Half)) value = (T)(object)(Half)d;
            else value = (T)(object)BFloat16Bits.FromSingle((float)d);
            return true;
        }
        if (!TryReadInteger(json, ref pos, out ulong magnitude, out bool negative)) return false;
        if (typeof(T) == typeof(ulong))
        {
            if (negative) return false; // even -0, as Utf8JsonReader.TryGetUInt64 has it
            value = (T)(object)magnitude;
            return true;
        }
        if (magnitude > (negative ? 1UL << 63 : long.MaxValue)) return false;
        long v = negative ? (long)(0UL - magnitude) : (long)magnitude;
        if (typeof(T) == typeof(long)) { value = (T)(object)v; return true; }
        if (typeof(T) == typeof(int)) { if (v is < int.MinValue or > int.MaxValue) return false; value = (T)(object)(int)v; return true; }
        if (typeof(T) == typeof(uint)) { if (v is < 0 or > uint.MaxValue) return false; value = (T)(object)(uint)v; return true; }
        if (typeof(T) == typeof(short)) { if (v is < short.MinValue or > short.MaxValue) return false; value = (T)(object)(short)v; return true; }
        if (typeof(T) == typeof(ushort)) { if (v is < 0 or > ushort.MaxValue) return false; value = (T)(object)(ushort)v; return true; }
        if (typeof(T) == typeof(sbyte)) { if (v is < sbyte.MinValue or > sbyte.MaxValue) return false; value = (T)(object)(sbyte)v; return true; }
        if (typeof(T) == typeof(byte)) { if (v is < 0 or > byte.MaxValue) return false; value = (T)(object)(byte)v; return true; }
        return false;
    }

    /// <summary>A JSON integer (<c>-?(0|[1-9][0-9]*)</c>, no fraction or exponent) as sign and magnitude.</summary>
    static bool TryReadInteger(ReadOnlySpan<byte> json, ref int pos, out ulong magnitude, out bool negative)
    {
        magnitude = 0;
        negative = json[pos] == '-';
        if (negative && ++pos >= json.Length) return false;
        uint digit = (uint)(json[pos] - '0');
        if (digit > 9) return false;
        pos++;
        if (digit != 0)
        {
            magnitude = digit;
            while (pos < json.Length && (digit = (uint)(json[pos] - '0')) <= 9)
            {
                // ulong.MaxValue is 1844674407370955161·10 + 5.
                if (magnitude >= 1844674407370955161UL && (magnitude > 1844674407370955161UL || digit > 5)) return false;
                magnitude = magnitude * 10 + digit;
                pos++;
            }
        }
        return pos >= json.Length || (json[pos] != '.' && (json[pos] | 0x20) != 'e');
    }

    /// <summary>A JSON number (<c>-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</c>) or a special float string, as the nearest double.</summary>
    static bool TryReadFloating(ReadOnlySpan<byte> json, ref int pos, out double value)
    {
        value = 0;
        int start = pos;
        if (json[pos] == '"')
        {
            // Only the plain special strings; an escape or anything else is the reader's to judge.
            int length = json[(pos + 1)..].IndexOfAny((byte)'"', (byte)'\\');
            if (length < 0 || json[pos + 1 + length] != '"' || !TryParseSpecial(json.Slice(pos + 1, length), out value)) return false;
            pos += length + 2;
            return true;
        }
        bool negative = json[pos] == '-';
        if (negative && ++pos >= json.Length) return false;
        ulong mantissa = 0;
        int exponent = 0;
        bool exact = true; // every significant digit is in the mantissa
        uint digit = (uint)(json[pos] - '0');
        if (digit > 9) return false;
        pos++;
        if (digit != 0)
        {
            mantissa = digit;
            while (pos < json.Length && (digit = (uint)(json[pos] - '0')) <= 9)
            {
                if (mantissa < MantissaLimit) mantissa = mantissa * 10 + digit;
                else { exponent++; exact &= digit == 0; }
                pos++;
            }
        }
        if (pos < json.Length && json[pos] == '.')
        {
            if (++pos >= json.Length || (uint)(json[pos] - '0') > 9) return false;
            while (pos < json.Length && (digit = (uint)(json[pos] - '0')) <= 9)
            {
                if (mantissa < MantissaLimit) { mantissa = mantissa * 10 + digit; exponent--; }
                else exact &= digit == 0;
                pos++;
            }
        }
        if (pos < json.Length && (json[pos] | 0x20) == 'e')
        {
            if (++pos >= json.Length) return false;
            bool negativeExponent = json[pos] == '-';
            if ((negativeExponent || json[pos] == '+') && ++pos >= json.Length) return false;
            if ((uint)(json[pos] - '0') > 9) return false;
            int e = 0;
            while (pos < json.Length && (digit = (uint)(json[pos] - '0')) <= 9)
            {
                if (e < 100_000) e = e * 10 + (int)digit;
                pos++;
            }
            exponent += negativeExponent ? -e : e;
        }
        if (mantissa == 0)
        {
            value = negative ? -0.0 : 0.0;
            return true;
        }
        if (exact && mantissa <= 1UL << 53 && exponent is >= -22 and <= 22)
        {
            double m = mantissa;
            value = exponent >= 0 ? m * ExactPowersOf10[exponent] : m / ExactPowersOf10[-exponent];
            if (negative) value = -value;
            return true;
        }
        // Long or far-out numbers: the runtime's correctly rounded parser, on the text whose grammar was checked above
        // (beyond double's range it gives an infinity, as Utf8JsonReader.TryGetDouble does).
        return double.TryParse(json[start..pos], NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>
    /// The float nearest to the decimal <paramref name="text"/>, given the double <paramref name="d"/> nearest to it.
    /// Rounding d to float gives the same float unless d lies exactly halfway between two floats (the decimal
    /// may not), or among float's subnormals (whose halfway points sit elsewhere): those rare cases parse the
    /// text again, straight to float.
    /// </summary>
    static float ToSingle(double d, ReadOnlySpan<byte> text)
    {
        ulong bits = BitConverter.DoubleToUInt64Bits(d);
        bool halfway = (bits & 0x1FFF_FFFF) == 0x1000_0000; // the 29 mantissa bits a float drops are exactly one half
        if (!double.IsFinite(d) || d == 0 || (!halfway && Math.Abs(d) >= 1.1754943508222875e-38))
            return (float)d;
        return float.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }
}
