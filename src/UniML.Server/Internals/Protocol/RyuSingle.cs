using System.Runtime.CompilerServices;

namespace UniML.Server.Internals.Protocol;

/// <summary>
/// The shortest decimal text that reads back as the same float (Ulf Adams, "Ryū: fast float-to-string
/// conversion", PLDI 2018, its 32-bit variant), written as .NET writes a float for JSON
/// (<c>float.ToString("R")</c>, <see cref="System.Text.Json.Utf8JsonWriter"/>): plain digits while the decimal
/// exponent is from -5 to 8, else <c>d.dddE±XX</c>. The runtime's formatter takes ~60 ns per float, most of a
/// large FP32 JSON response; this takes a few multiplications. Its tables are 5^q and 2^k/5^q scaled to
/// 61 and 59 bits (checked against exact arithmetic by the tests).
/// </summary>
internal static class RyuSingle
{
    /// <summary>The longest text of a finite float: <c>-1.2345678E-38</c>, <c>-0.000123456789</c>.</summary>
    public const int MaxLength = 15;

    const int MantissaBits = 23;
    const int ExponentBias = 127;
    const int Pow5InverseBitCount = 59;
    const int Pow5BitCount = 61;

    /// <summary>floor(2^(Pow5Bits(q) - 1 + 59) / 5^q) + 1 for q = 0..30.</summary>
    internal static ReadOnlySpan<ulong> Pow5InverseSplit =>
    [
        576460752303423489UL, 461168601842738791UL, 368934881474191033UL, 295147905179352826UL,
        472236648286964522UL, 377789318629571618UL, 302231454903657294UL, 483570327845851670UL,
        386856262276681336UL, 309485009821345069UL, 495176015714152110UL, 396140812571321688UL,
        316912650057057351UL, 507060240091291761UL, 405648192073033409UL, 324518553658426727UL,
        519229685853482763UL, 415383748682786211UL, 332306998946228969UL, 531691198313966350UL,
        425352958651173080UL, 340282366920938464UL, 544451787073501542UL, 435561429658801234UL,
        348449143727040987UL, 557518629963265579UL, 446014903970612463UL, 356811923176489971UL,
        570899077082383953UL, 456719261665907162UL, 365375409332725730UL,
    ];

    /// <summary>5^i scaled to 61 bits, floor(5^i / 2^(Pow5Bits(i) - 61)), for i = 0..47.</summary>
    internal static ReadOnlySpan<ulong> Pow5Split =>
    [
        1152921504606846976UL, 1441151880758558720UL, 1801439850948198400UL, 2251799813685248000UL,
        1407374883553280000UL, 1759218604441600000UL, 2199023255552000000UL, 1374389534720000000UL,
        1717986918400000000UL, 2147483648000000000UL, 1342177280000000000UL, 1677721600000000000UL,
        2097152000000000000UL, 1310720000000000000UL, 1638400000000000000UL, 2048000000000000000UL,
        1280000000000000000UL, 1600000000000000000UL, 2000000000000000000UL, 1250000000000000000UL,
        1562500000000000000UL, 1953125000000000000UL, 1220703125000000000UL, 1525878906250000000UL,
        1907348632812500000UL, 1192092895507812500UL, 1490116119384765625UL, 1862645149230957031UL,
        1164153218269348144UL, 1455191522836685180UL, 1818989403545856475UL, 2273736754432320594UL,
        1421085471520200371UL, 1776356839400250464UL, 2220446049250313080UL, 1387778780781445675UL,
        1734723475976807094UL, 2168404344971008868UL, 1355252715606880542UL, 1694065894508600678UL,
        2117582368135750847UL, 1323488980084844279UL, 1654361225106055349UL, 2067951531382569187UL,
        1292469707114105741UL, 1615587133892632177UL, 2019483917365790221UL, 1262177448353618888UL,
    ];

    /// <summary>Writes a finite <paramref name="value"/> (at most <see cref="MaxLength"/> bytes); returns the bytes written.</summary>
    public static int Format(float value, Span<byte> destination)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        int pos = 0;
        if ((int)bits < 0) destination[pos++] = (byte)'-';
        uint ieeeMantissa = bits & ((1u << MantissaBits) - 1);
        uint ieeeExponent = (bits >> MantissaBits) & 0xFF;
        if (ieeeExponent == 0 && ieeeMantissa == 0)
        {
            destination[pos++] = (byte)'0';
            return pos;
        }
        uint digits = ShortestDecimal(ieeeMantissa, ieeeExponent, out int exponent);
        while (digits % 10 == 0)
        {
            digits /= 10;
            exponent++;
        }
        int length = DecimalLength(digits);
        int scale = exponent + length; // value = 0.d1d2...dn × 10^scale
        if (scale > 9 || scale < -3)
        {
            pos += WriteDigits(digits, length, 1, destination[pos..]);
            destination[pos++] = (byte)'E';
            int e = scale - 1;
            destination[pos++] = e < 0 ? (byte)'-' : (byte)'+';
            e = Math.Abs(e); // at most 45: always two digits
            destination[pos++] = (byte)('0' + e / 10);
            destination[pos++] = (byte)('0' + e % 10);
        }
        else if (scale <= 0)
        {
            destination[pos++] = (byte)'0';
            destination[pos++] = (byte)'.';
            for (int i = scale; i < 0; i++) destination[pos++] = (byte)'0';
            pos += WriteDigits(digits, length, length, destination[pos..]);
        }
        else
        {
            pos += WriteDigits(digits, length, scale, destination[pos..]);
            for (int i = length; i < scale; i++) destination[pos++] = (byte)'0';
        }
        return pos;
    }

    /// <summary>The digits of <paramref name="digits"/>, with a decimal point after the first <paramref name="pointAfter"/> of them unless that is all of them.</summary>
    static int WriteDigits(uint digits, int length, int pointAfter, Span<byte> destination)
    {
        var pairs = DigitPairs;
        int i = length;
        while (digits >= 100)
        {
            uint rest = digits / 100;
            uint pair = (digits - rest * 100) * 2;
            destination[--i] = pairs[(int)pair + 1];
            destination[--i] = pairs[(int)pair];
            digits = rest;
        }
        if (digits >= 10)
        {
            destination[--i] = pairs[(int)digits * 2 + 1];
            destination[--i] = pairs[(int)digits * 2];
        }
        else
        {
            destination[--i] = (byte)('0' + digits);
        }
        if (pointAfter >= length) return length;
        destination[pointAfter..length].CopyTo(destination[(pointAfter + 1)..]);
        destination[pointAfter] = (byte)'.';
        return length + 1;
    }

    /// <summary>"00", "01", ... "99": two digits per division.</summary>
    static ReadOnlySpan<byte> DigitPairs =>
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"u8;

    static int DecimalLength(uint v) =>
        v >= 100000000 ? 9 : v >= 10000000 ? 8 : v >= 1000000 ? 7 : v >= 100000 ? 6 : v >= 10000 ? 5 : v >= 1000 ? 4 : v >= 100 ? 3 : v >= 10 ? 2 : 1;

    /// <summary>Ryū's steps 2-4: the shortest digits in the float's rounding interval, closest to it; value = digits × 10^exponent.</summary>
    static uint ShortestDecimal(uint ieeeMantissa, uint ieeeExponent, out int exponent)
    {
        int e2;
        uint m2;
        if (ieeeExponent == 0)
        {
            e2 = 1 - ExponentBias - MantissaBits - 2;
            m2 = ieeeMantissa;
        }
        else
        {
            e2 = (int)ieeeExponent - ExponentBias - MantissaBits - 2;
            m2 = (1u << MantissaBits) | ieeeMantissa;
        }
        bool acceptBounds = (m2 & 1) == 0; // round-half-even reading takes the interval's ends for an even mantissa

        // The value and its interval's ends, times 4 (two more bits, so the ends are integers).
        uint mv = 4 * m2;
        uint mp = 4 * m2 + 2;
        uint mmShift = ieeeMantissa != 0 || ieeeExponent <= 1 ? 1u : 0u; // the gap below is half as wide at a power of two
        uint mm = 4 * m2 - 1 - mmShift;

        uint vr, vp, vm;
        int e10;
        bool vmIsTrailingZeros = false, vrIsTrailingZeros = false;
        uint lastRemovedDigit = 0;
        if (e2 >= 0)
        {
            int q = Log10Pow2(e2);
            e10 = q;
            int k = Pow5InverseBitCount + Pow5Bits(q) - 1;
            int i = -e2 + q + k;
            ulong factor = Pow5InverseSplit[q];
            vr = MulShift32(mv, factor, i);
            vp = MulShift32(mp, factor, i);
            vm = MulShift32(mm, factor, i);
            if (q != 0 && (vp - 1) / 10 <= vm / 10)
            {
                // One removed digit is needed even when the loop below removes none.
                int l = Pow5InverseBitCount + Pow5Bits(q - 1) - 1;
                lastRemovedDigit = MulShift32(mv, Pow5InverseSplit[q - 1], -e2 + q - 1 + l) % 10;
            }
            if (q <= 9)
            {
                // Only one of mp, mv, mm can be a multiple of 5, if any.
                if (mv % 5 == 0) vrIsTrailingZeros = IsMultipleOfPowerOf5(mv, q);
                else if (acceptBounds) vmIsTrailingZeros = IsMultipleOfPowerOf5(mm, q);
                else if (IsMultipleOfPowerOf5(mp, q)) vp--;
            }
        }
        else
        {
            int q = Log10Pow5(-e2);
            e10 = q + e2;
            int i = -e2 - q;
            int k = Pow5Bits(i) - Pow5BitCount;
            int j = q - k;
            ulong factor = Pow5Split[i];
            vr = MulShift32(mv, factor, j);
            vp = MulShift32(mp, factor, j);
            vm = MulShift32(mm, factor, j);
            if (q != 0 && (vp - 1) / 10 <= vm / 10)
            {
                j = q - 1 - (Pow5Bits(i + 1) - Pow5BitCount);
                lastRemovedDigit = MulShift32(mv, Pow5Split[i + 1], j) % 10;
            }
            if (q <= 1)
            {
                // mv = 4·m2 has at least two trailing zero bits; mm has one exactly when mmShift is 1; mp = mv + 2 has one.
                vrIsTrailingZeros = true;
                if (acceptBounds) vmIsTrailingZeros = mmShift == 1;
                else vp--;
            }
            else if (q < 31)
            {
                vrIsTrailingZeros = (mv & ((1u << (q - 1)) - 1)) == 0;
            }
        }

        // Step 4: drop digits while the interval still holds a shorter number.
        int removed = 0;
        uint output;
        if (vmIsTrailingZeros || vrIsTrailingZeros)
        {
            // The rare general case (~4 %): exact ties and interval ends.
            while (vp / 10 > vm / 10)
            {
                vmIsTrailingZeros &= vm % 10 == 0;
                vrIsTrailingZeros &= lastRemovedDigit == 0;
                lastRemovedDigit = vr % 10;
                vr /= 10;
                vp /= 10;
                vm /= 10;
                removed++;
            }
            if (vmIsTrailingZeros)
            {
                while (vm % 10 == 0)
                {
                    vrIsTrailingZeros &= lastRemovedDigit == 0;
                    lastRemovedDigit = vr % 10;
                    vr /= 10;
                    vp /= 10;
                    vm /= 10;
                    removed++;
                }
            }
            if (vrIsTrailingZeros && lastRemovedDigit == 5 && vr % 2 == 0)
                lastRemovedDigit = 4; // exactly ...50..0: round half to even
            output = vr + ((vr == vm && (!acceptBounds || !vmIsTrailingZeros)) || lastRemovedDigit >= 5 ? 1u : 0u);
        }
        else
        {
            while (vp / 10 > vm / 10)
            {
                lastRemovedDigit = vr % 10;
                vr /= 10;
                vp /= 10;
                vm /= 10;
                removed++;
            }
            output = vr + (vr == vm || lastRemovedDigit >= 5 ? 1u : 0u);
        }
        exponent = e10 + removed;
        return output;
    }

    /// <summary>(m · factor) >> shift, for a 32-bit m, a 61-bit factor and shift &gt; 32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static uint MulShift32(uint m, ulong factor, int shift)
    {
        ulong low = (ulong)m * (uint)factor;
        ulong high = (ulong)m * (factor >> 32);
        return (uint)(((low >> 32) + high) >> (shift - 32));
    }

    static bool IsMultipleOfPowerOf5(uint value, int p)
    {
        int count = 0;
        while (value % 5 == 0)
        {
            value /= 5;
            count++;
        }
        return count >= p;
    }

    /// <summary>ceil(log2(5^e)) for e ≥ 1 (1 for e = 0).</summary>
    internal static int Pow5Bits(int e) => (int)(((uint)e * 1217359) >> 19) + 1;

    /// <summary>floor(log10(2^e)).</summary>
    static int Log10Pow2(int e) => (int)(((uint)e * 78913) >> 18);

    /// <summary>floor(log10(5^e)).</summary>
    static int Log10Pow5(int e) => (int)(((uint)e * 732923) >> 20);
}
