using UniML.Onnx;
using static UniML.Engine.Tests.Operators.Onnx.ElementWiseTestGraph;

namespace UniML.Engine.Tests.Operators.Onnx;

public class ArithmeticTests
{
    [Fact]
    public void LegacyBroadcastAlignsBAtAxis()
    {
        // Opset 6: B [3] aligned with A [2,3,2] at axis 1, which numpy broadcasting would reject.
        var a = F(Enumerable.Range(0, 12).Select(i => (float)i).ToArray(), 2, 3, 2);
        var b = F([100f, 200f, 300f], 3);
        var y = Run("Add", 6, n => n.Attr("broadcast", 1L).Attr("axis", 1L), a, b);
        Assert.Equal([2, 3, 2], y.Shape.ToArray());
        Assert.Equal([100f, 101f, 202f, 203f, 304f, 305f, 106f, 107f, 208f, 209f, 310f, 311f], y.ToArray<float>());
    }

    [Fact]
    public void LegacyBroadcastWithoutAxisAlignsTrailingDimensions()
    {
        var y = Run("Mul", 6, n => n.Attr("broadcast", 1L), F([1f, 2f, 3f, 4f], 2, 2), F([10f, 100f], 2));
        Assert.Equal([10f, 200f, 30f, 400f], y.ToArray<float>());
    }

    [Fact]
    public void IntegerDivisionTruncatesTowardZero()
    {
        var y = Run("Div", 14, null, I32([7, -7, 7, -7], 4), I32([2, 2, -2, -2], 4));
        Assert.Equal([3, -3, -3, 3], y.ToArray<int>());
    }

    [Fact]
    public void ModFollowsDivisorSignUnlessFmod()
    {
        var a = I64([5, -5, 5, -5], 4);
        var b = I64([3, 3, -3, -3], 4);
        Assert.Equal([2L, 1L, -1L, -2L], Run("Mod", 13, null, a, b).ToArray<long>());
        Assert.Equal([2L, -2L, 2L, -2L], Run("Mod", 13, n => n.Attr("fmod", 1L), a, b).ToArray<long>());
    }

    [Fact]
    public void FloatModWithoutFmodIsRefusedAtLoad()
    {
        var g = new GraphBuilder(13).Input("a", ElementType.Float, 2).Input("b", ElementType.Float, 2).Output("y");
        g.Node("Mod", ["a", "b"], ["y"]);
        Assert.Throws<ModelLoadException>(() => g.Build());
    }

    [Fact]
    public void PowOfIntegerBaseWithFloatExponentKeepsTheBaseType()
    {
        var y = Run("Pow", 15, null, I32([2, 3, -2], 3), F([3f, 0.5f, 2f], 3));
        Assert.Equal(ElementType.Int32, y.Type);
        Assert.Equal([8, 1, 4], y.ToArray<int>());
    }

    [Fact]
    public void VariadicSumBroadcastsEveryInput()
    {
        var y = Run("Sum", 13, null, F([1f], 1), F([1f, 2f], 2, 1), F([10f, 20f, 30f], 3));
        Assert.Equal([2, 3], y.Shape.ToArray());
        Assert.Equal([12f, 22f, 32f, 13f, 23f, 33f], y.ToArray<float>());
    }

    [Fact]
    public void MaxPropagatesNaN()
    {
        var y = Run("Max", 13, null, F([float.NaN, 1f], 2), F([0f, float.NaN], 2));
        Assert.True(float.IsNaN(y.ToArray<float>()[0]) && float.IsNaN(y.ToArray<float>()[1]));
    }

    [Fact]
    public void IncompatibleShapesAreARunError()
    {
        Assert.Throws<InferenceException>(() => Run("Add", 14, null, F([1f, 2f], 2), F([1f, 2f, 3f], 3)));
    }
}
