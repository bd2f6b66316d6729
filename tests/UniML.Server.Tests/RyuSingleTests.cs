using System.Buffers;
using System.Numerics;
using System.Text.Json;
using UniML.Server.Internals.Protocol;

namespace UniML.Server.Tests;

/// <summary>
/// Float text for JSON responses: the same bytes as <see cref="Utf8JsonWriter"/> writes. (All 2,139,095,040 positive
/// finite floats were also compared with the runtime's "R" formatting once, offline: bench/results/bodies-2026-11-28.md.)
/// </summary>
public sealed class RyuSingleTests
{
    static void AssertSameAsUtf8JsonWriter(float value, ArrayBufferWriter<byte> expected, Span<byte> actual)
    {
        if (!float.IsFinite(value)) return; // written as strings by the response writer, not here
        expected.ResetWrittenCount();
        using (var w = new Utf8JsonWriter(expected)) w.WriteNumberValue(value);
        int n = RyuSingle.Format(value, actual);
        Assert.True(n <= RyuSingle.MaxLength);
        if (!expected.WrittenSpan.SequenceEqual(actual[..n]))
            Assert.Fail($"0x{BitConverter.SingleToUInt32Bits(value):X8}: Utf8JsonWriter writes {System.Text.Encoding.ASCII.GetString(expected.WrittenSpan)}, RyuSingle {System.Text.Encoding.ASCII.GetString(actual[..n])}");
    }

    [Fact]
    public void Edge_values_are_written_as_utf8_json_writer_writes_them()
    {
        var expected = new ArrayBufferWriter<byte>();
        Span<byte> actual = stackalloc byte[32];
        float[] edges =
        [
            0f, -0f, 1f, -1f, 0.1f, 0.5f, 2f / 3, 1e-5f, 1.5e-5f, 1e-4f, 0.001234f, 123456789f, 1e8f, 1e9f, 1.5e9f, 1e10f, 16777216f,
            float.MaxValue, -float.MaxValue, float.Epsilon, 1.17549435e-38f, 1.1754942e-38f, 3.4e38f, 7.038531e-26f, 9.9999999e-1f,
            BitConverter.UInt32BitsToSingle(0x00000001), BitConverter.UInt32BitsToSingle(0x007FFFFF), BitConverter.UInt32BitsToSingle(0x00800000),
            BitConverter.UInt32BitsToSingle(0x7F7FFFFF), BitConverter.UInt32BitsToSingle(0x3F800001), BitConverter.UInt32BitsToSingle(0x4B7FFFFF),
        ];
        foreach (var f in edges) AssertSameAsUtf8JsonWriter(f, expected, actual);
        for (int e = -45; e <= 38; e++)
        {
            AssertSameAsUtf8JsonWriter(float.Parse($"1e{e}", System.Globalization.CultureInfo.InvariantCulture), expected, actual);
            AssertSameAsUtf8JsonWriter(float.Parse($"9.87654321e{e}", System.Globalization.CultureInfo.InvariantCulture), expected, actual);
        }
        for (uint exponent = 0; exponent < 255; exponent++)
        {
            AssertSameAsUtf8JsonWriter(BitConverter.UInt32BitsToSingle(exponent << 23), expected, actual); // powers of two
            AssertSameAsUtf8JsonWriter(BitConverter.UInt32BitsToSingle((exponent << 23) | 0x7FFFFF), expected, actual);
        }
    }

    [Fact]
    public void Random_floats_are_written_as_utf8_json_writer_writes_them()
    {
        var random = new Random(6);
        var expected = new ArrayBufferWriter<byte>();
        Span<byte> actual = stackalloc byte[32];
        for (int i = 0; i < 300_000; i++)
        {
            float f = BitConverter.UInt32BitsToSingle((uint)random.NextInt64(0, 1L << 32));
            if (float.IsFinite(f)) AssertSameAsUtf8JsonWriter(f, expected, actual);
            AssertSameAsUtf8JsonWriter((float)(random.NextDouble() * 2 - 1), expected, actual);
        }
    }

    [Fact]
    public void Tables_are_the_scaled_powers_of_five()
    {
        for (int q = 0; q < RyuSingle.Pow5InverseSplit.Length; q++)
        {
            var exact = BigInteger.Pow(2, RyuSingle.Pow5Bits(q) - 1 + 59) / BigInteger.Pow(5, q) + 1;
            Assert.Equal(exact, new BigInteger(RyuSingle.Pow5InverseSplit[q]));
        }
        for (int i = 0; i < RyuSingle.Pow5Split.Length; i++)
        {
            var power = BigInteger.Pow(5, i);
            int shift = RyuSingle.Pow5Bits(i) - 61;
            Assert.Equal(shift >= 0 ? power >> shift : power << -shift, new BigInteger(RyuSingle.Pow5Split[i]));
        }
    }
}
