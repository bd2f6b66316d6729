using UniML.Onnx;
using static UniML.Engine.Tests.Operators.Onnx.ElementWiseTestGraph;

namespace UniML.Engine.Tests.Operators.Onnx;

public class ComparisonTests
{
    [Fact]
    public void ComparisonsBroadcastToBool()
    {
        var a = F([1f, 2f, 3f, 4f], 2, 2);
        var b = F([2f, 3f], 2);
        Assert.Equal([true, true, false, false], Run("Less", 13, null, a, b).ToArray<bool>());
        Assert.Equal([false, false, true, true], Run("Greater", 13, null, a, b).ToArray<bool>());
        Assert.Equal([false, true], Run("Equal", 13, null, F([float.NaN, 1f], 2), F([float.NaN, 1f], 2)).ToArray<bool>());
        Assert.Equal([true, false], Run("Equal", 19, null, Tensor.FromStrings(["a", "b"], [2]), Tensor.FromStrings(["a"], [1])).ToArray<bool>());
    }

    [Fact]
    public void LogicAndNot()
    {
        var a = Tensor.FromArray(new[] { true, true, false, false }, [2, 2]);
        var b = Tensor.FromArray(new[] { true, false }, [2]);
        Assert.Equal([true, false, false, false], Run("And", 7, null, a, b).ToArray<bool>());
        Assert.Equal([false, true, true, false], Run("Xor", 7, null, a, b).ToArray<bool>());
        Assert.Equal([false, false, true, true], Run("Not", 1, null, a).ToArray<bool>());
    }

    [Fact]
    public void WhereBroadcastsThreeWaysForAnyType()
    {
        var c = Tensor.FromArray(new[] { true, false }, [2, 1]);
        var y = Run("Where", 16, null, c, I64([1, 2, 3], 3), I64([-1], 1));
        Assert.Equal([2, 3], y.Shape.ToArray());
        Assert.Equal([1L, 2L, 3L, -1L, -1L, -1L], y.ToArray<long>());
        var s = Run("Where", 16, null, c, Tensor.FromStrings(["x"], [1]), Tensor.FromStrings(["y"], [1]));
        Assert.Equal(["x", "y"], s.Strings().ToArray());
    }

    [Fact]
    public void BitShiftBeyondTheWidthGivesZero()
    {
        var x = Tensor.FromArray(new byte[] { 1, 128, 255 }, [3]);
        var n = Tensor.FromArray(new byte[] { 7, 1, 8 }, [3]);
        Assert.Equal([(byte)128, (byte)0, (byte)0], Run("BitShift", 11, a => a.Attr("direction", "LEFT"), x, n).ToArray<byte>());
        Assert.Equal([(byte)0, (byte)64, (byte)0], Run("BitShift", 11, a => a.Attr("direction", "RIGHT"), x, n).ToArray<byte>());
    }

    [Fact]
    public void IsInfRespectsSignFlagsAndIsNaN()
    {
        var x = F([float.NegativeInfinity, float.PositiveInfinity, float.NaN, 1f], 4);
        Assert.Equal([false, true, false, false], Run("IsInf", 10, a => a.Attr("detect_negative", 0L), x).ToArray<bool>());
        Assert.Equal([false, false, true, false], Run("IsNaN", 13, null, x).ToArray<bool>());
        Assert.Equal([1f, 0f, -1f], Run("Sign", 13, null, F([3f, 0f, -2f], 3)).ToArray<float>());
    }
}
