using UniML.Onnx;
using static UniML.Engine.Tests.Operators.Onnx.ElementWiseTestGraph;

namespace UniML.Engine.Tests.Operators.Onnx;

public class CastTests
{
    static Action<UniML.Onnx.Protos.NodeProto> To(ElementType t) => n => n.Attr("to", (long)t);

    [Fact]
    public void FloatToIntegerTruncatesAndBoolIsNonZero()
    {
        var x = F([-1.7f, -0.2f, 0f, 2.9f], 4);
        Assert.Equal([-1, 0, 0, 2], Run("Cast", 13, To(ElementType.Int32), x).ToArray<int>());
        Assert.Equal([true, true, false, true], Run("Cast", 13, To(ElementType.Bool), x).ToArray<bool>());
        Assert.Equal([1.0, 0.0], Run("Cast", 13, To(ElementType.Double), Tensor.FromArray(new[] { true, false }, [2])).ToArray<double>());
    }

    [Fact]
    public void TextRoundTripsAndUsesNumpySpelling()
    {
        var x = F([0.1f, 1e-5f, float.NaN, float.NegativeInfinity], 4);
        var s = Run("Cast", 13, To(ElementType.String), x).Strings().ToArray();
        Assert.Equal(["0.1", "1e-05", "NaN", "-inf"], s);
        var back = Run("Cast", 13, To(ElementType.Float), Tensor.FromStrings(["0.1", "+INF", "nan", " 42 "], [4])).ToArray<float>();
        Assert.Equal(0.1f, back[0]);
        Assert.True(float.IsPositiveInfinity(back[1]) && float.IsNaN(back[2]));
        Assert.Equal(42f, back[3]);
        Assert.Equal([9007199254740993L], Run("Cast", 13, To(ElementType.Int64), Tensor.FromStrings(["9007199254740993"], [1])).ToArray<long>());
    }

    [Fact]
    public void BFloat16RoundsToNearestEven()
    {
        // 1 + 2^-8 is halfway between two bfloat16 values and rounds to the even one (1.0); 1 + 3*2^-9 is nearer 1 + 2^-7.
        var y = Run("Cast", 13, To(ElementType.BFloat16), F([1f + 1f / 256, 1f + 3f / 512], 2));
        Assert.Equal([(ushort)0x3F80, (ushort)0x3F81], y.Span<ushort>().ToArray());
        var back = Run("Cast", 13, To(ElementType.Float), y).ToArray<float>();
        Assert.Equal([1f, 1.0078125f], back);
    }

    [Fact]
    public void Float8TargetIsUnsupportedAtLoad()
    {
        var g = new GraphBuilder(19).Input("x", ElementType.Float, 2).Output("y");
        g.Node("Cast", ["x"], ["y"]).Attr("to", (long)ElementType.Float8E4M3FN);
        Assert.Throws<UnsupportedOperatorException>(() => g.Build());
    }

    [Fact]
    public void CastLikeTakesTheSecondInputsType()
    {
        var y = Run("CastLike", 15, null, F([2.5f], 1), I64([0], 1));
        Assert.Equal(ElementType.Int64, y.Type);
        Assert.Equal([2L], y.ToArray<long>());
    }
}
