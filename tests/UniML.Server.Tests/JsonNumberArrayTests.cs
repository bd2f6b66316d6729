using System.Globalization;
using System.Text;
using UniML.Server.Internals.Protocol;

namespace UniML.Server.Tests;

/// <summary>The one-pass decoder of JSON tensor data: exact values, JSON's grammar, and refusing what it leaves to Utf8JsonReader.</summary>
public sealed class JsonNumberArrayTests
{
    static bool Parse<T>(string text, out T value) where T : unmanaged => JsonNumberArray.TryParse(Encoding.UTF8.GetBytes(text), out value);

    static T[]? Read<T>(string json, int count) where T : unmanaged
    {
        var into = new T[count];
        var bytes = Encoding.UTF8.GetBytes(json);
        if (!JsonNumberArray.TryRead(bytes, 0, into.AsSpan(), out int end)) return null;
        Assert.Equal(json.TrimEnd().Length, end);
        return into;
    }

    static T[] Decoded<T>(string json, int count) where T : unmanaged =>
        Read<T>(json, count) ?? throw new Xunit.Sdk.XunitException($"{json} was refused");

    [Fact]
    public void Floats_are_the_correctly_rounded_float_of_the_decimal_not_of_the_double()
    {
        // 1.0000000596046448 rounds to the double 1 + 2^-24, exactly halfway between the floats 1 and 1 + 2^-23;
        // the decimal itself lies above that halfway point, so its float is 1 + 2^-23 (rounding the double gives 1).
        Assert.True(Parse("1.0000000596046448", out float f));
        Assert.Equal(BitConverter.UInt32BitsToSingle(0x3F800001), f);
        Assert.Equal(float.Parse("1.0000000596046448", CultureInfo.InvariantCulture), f);
        Assert.NotEqual((float)double.Parse("1.0000000596046448", CultureInfo.InvariantCulture), f);
    }

    [Fact]
    public void Random_floats_and_doubles_read_back_bit_for_bit()
    {
        var random = new Random(5);
        for (int i = 0; i < 200_000; i++)
        {
            float f = BitConverter.UInt32BitsToSingle((uint)random.NextInt64(0, 1L << 32));
            double d = BitConverter.Int64BitsToDouble(random.NextInt64(long.MinValue, long.MaxValue));
            if (float.IsFinite(f))
            {
                foreach (var format in new[] { "R", "E9", "F2" })
                {
                    string text = f.ToString(format, CultureInfo.InvariantCulture);
                    Assert.True(Parse(text, out float back), text);
                    Assert.True(BitConverter.SingleToUInt32Bits(float.Parse(text, CultureInfo.InvariantCulture)) == BitConverter.SingleToUInt32Bits(back), text);
                }
            }
            if (double.IsFinite(d))
            {
                string text = d.ToString("R", CultureInfo.InvariantCulture);
                Assert.True(Parse(text, out double back), text);
                Assert.True(BitConverter.DoubleToInt64Bits(d) == BitConverter.DoubleToInt64Bits(back), text);
            }
        }
    }

    [Theory]
    [InlineData("0", 0.0)]
    [InlineData("-0", -0.0)]
    [InlineData("1e22", 1e22)]
    [InlineData("123456789012345678901234567890", 1.2345678901234568e29)]
    [InlineData("0.000000000000000000000000000001", 1e-30)]
    [InlineData("4.9e-324", double.Epsilon)]
    [InlineData("1E+2", 100.0)]
    [InlineData("2.5e-3", 0.0025)]
    [InlineData("0e999", 0.0)]
    [InlineData("1e999", double.PositiveInfinity)] // as Utf8JsonReader.TryGetDouble reads it
    [InlineData("-1e999", double.NegativeInfinity)]
    public void Doubles_follow_json_number_syntax(string text, double expected)
    {
        Assert.True(Parse(text, out double value));
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(value));
    }

    [Theory]
    [InlineData("+1")]
    [InlineData(".5")]
    [InlineData("5.")]
    [InlineData("01")]
    [InlineData("1e")]
    [InlineData("1e+")]
    [InlineData("-")]
    [InlineData("0x10")]
    [InlineData("1_000")]
    [InlineData("NaN")]
    [InlineData("true")]
    public void Not_json_numbers_are_refused(string text) => Assert.False(Parse(text, out double _));

    [Fact]
    public void Integers_take_their_types_whole_range_and_nothing_more()
    {
        Assert.True(Parse("-9223372036854775808", out long min) && min == long.MinValue);
        Assert.True(Parse("9223372036854775807", out long max) && max == long.MaxValue);
        Assert.False(Parse("9223372036854775808", out long _));
        Assert.True(Parse("18446744073709551615", out ulong umax) && umax == ulong.MaxValue);
        Assert.False(Parse("18446744073709551616", out ulong _));
        Assert.False(Parse("-1", out ulong _));
        Assert.False(Parse("-0", out ulong _)); // as Utf8JsonReader.TryGetUInt64 reads it
        Assert.True(Parse("-128", out sbyte s8) && s8 == sbyte.MinValue);
        Assert.False(Parse("128", out sbyte _));
        Assert.True(Parse("65535", out ushort u16) && u16 == ushort.MaxValue);
        Assert.False(Parse("-1", out uint _));
        Assert.False(Parse("1.0", out int _));
        Assert.False(Parse("1e2", out int _));
        Assert.False(Parse("true", out int _));
    }

    [Fact]
    public void Booleans_are_true_and_false_only()
    {
        Assert.Equal([true, false, true], Decoded<bool>("[true,false,true]", 3));
        Assert.Null(Read<bool>("[1,0,1]", 3));
        Assert.Null(Read<bool>("[truex]", 1));
    }

    [Fact]
    public void Arrays_nest_in_any_shape_with_any_whitespace_and_are_read_row_major()
    {
        Assert.Equal([1f, 2f, 3f, 4f], Decoded<float>(" [ [1, 2] ,\n\t[3,\r\n4] ] ", 4));
        Assert.Equal([1, 2, 3], Decoded<int>("[[[1]],[2,[3]]]", 3));
        Assert.Equal([], Decoded<int>("[[],[]]", 0));
        Assert.Equal([float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.PositiveInfinity], Decoded<float>("[\"NaN\",\"Infinity\",\"-Infinity\",\"inf\"]", 4));
    }

    [Theory]
    [InlineData("[1,2,3]", 4)] // too few
    [InlineData("[1,2,3,4,5]", 4)] // too many
    [InlineData("[1,2,,3]", 3)]
    [InlineData("[1,2,3,]", 3)]
    [InlineData("[1 2 3]", 3)]
    [InlineData("[[1,2],[3]", 3)]
    [InlineData("1", 1)] // a scalar: the reader's
    [InlineData("[\"N\\u0061N\"]", 1)] // an escape: the reader's
    [InlineData("[\"1\"]", 1)]
    [InlineData("[null]", 1)]
    [InlineData("[{}]", 1)]
    public void Anything_else_is_left_to_the_reader(string json, int count) => Assert.Null(Read<float>(json, count));

    [Fact]
    public void The_array_may_start_after_whitespace_and_end_before_more_json()
    {
        var bytes = "\"data\": [1.5, -2] , \"name\": \"x\""u8.ToArray();
        var into = new double[2];
        Assert.True(JsonNumberArray.TryRead(bytes, 7, into.AsSpan(), out int end));
        Assert.Equal([1.5, -2.0], into);
        Assert.Equal("\"data\": [1.5, -2]".Length, end);
    }
}
