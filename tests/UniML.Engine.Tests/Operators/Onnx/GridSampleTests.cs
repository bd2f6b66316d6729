using UniML.Onnx;
using static UniML.Engine.Tests.Operators.Onnx.TensorOpsTestRunner;

namespace UniML.Engine.Tests.Operators.Onnx;

public class GridSampleTests
{
    static Tensor Sample(Tensor x, Tensor grid, string mode, string padding, long alignCorners, int opset = 16)
    {
        var g = new GraphBuilder(opset).Input("x", x.Type, x.Shape.ToArray()).Input("grid", grid.Type, grid.Shape.ToArray()).Output("y");
        g.Node("GridSample", ["x", "grid"], ["y"]).Attr("mode", mode).Attr("padding_mode", padding).Attr("align_corners", alignCorners);
        return RunSingle(g, ("x", x), ("grid", grid));
    }

    /// <summary>A grid of one row of x coordinates (y = 0) over a 1×W image.</summary>
    static Tensor Row(params float[] xs)
    {
        var v = new float[xs.Length * 2];
        for (int i = 0; i < xs.Length; i++) v[2 * i] = xs[i];
        return F32([1, 1, xs.Length, 2], v);
    }

    [Theory]
    [InlineData("bilinear")]
    [InlineData("nearest")]
    [InlineData("bicubic")]
    public void PixelCentresReproduceTheImage(string mode)
    {
        // Without align_corners, pixel i's centre is at (2i + 1) / size - 1.
        int h = 2, w = 3;
        var grid = new float[h * w * 2];
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++)
            {
                grid[(i * w + j) * 2] = (2f * j + 1) / w - 1;
                grid[(i * w + j) * 2 + 1] = (2f * i + 1) / h - 1;
            }
        var y = Sample(F32([1, 1, h, w], 1, 2, 3, 4, 5, 6), F32([1, h, w, 2], grid), mode, "zeros", 0);
        Assert.Equal([1, 1, h, w], y.Shape.ToArray());
        Assert.Equal([1f, 2, 3, 4, 5, 6], y.ToArray<float>(), (a, b) => Math.Abs(a - b) < 1e-5);
    }

    [Theory]
    [InlineData("zeros", 1.5f)]      // taps at 2 (weight ½) and 3 (outside: zero)
    [InlineData("border", 3f)]       // clamped to the last pixel
    [InlineData("reflection", 2.5f)] // 2.5 mirrors about pixel 2 to 1.5
    public void PaddingModesOutsideTheImage(string padding, float expected)
    {
        // align_corners: x = (g + 1) / 2 · (W - 1), so g = 1.5 is x = 2.5 on [1, 2, 3].
        var y = Sample(F32([1, 1, 1, 3], 1, 2, 3), Row(1.5f), "bilinear", padding, 1);
        Assert.Equal(expected, y.ToArray<float>()[0], 5);
    }

    [Fact]
    public void NearestRoundsHalfToEven()
    {
        // align_corners on 3 pixels: x = g + 1, so -0.5 and 0.5 land on 0.5 and 1.5 exactly.
        var y = Sample(F32([1, 1, 1, 3], 10, 20, 30), Row(-0.5f, 0.5f), "nearest", "zeros", 1);
        Assert.Equal([10f, 30f], y.ToArray<float>());
    }

    [Theory]
    [InlineData("zeros", 0.40625f)]
    [InlineData("border", 0.40625f)]
    [InlineData("reflection", 0.3125f)]
    public void BicubicPadsEachTap(string padding, float expected)
    {
        // x = 0.5 on [0, 1, 2, 3] (align_corners): taps -1..2 with Keys weights (-3/32, 19/32, 19/32, -3/32).
        // Tap -1 reads 0 (zeros), pixel 0 (border: 0) or pixel 1 (reflection: 1).
        var y = Sample(F32([1, 1, 1, 4], 0, 1, 2, 3), Row(0.5f / 3 * 2 - 1), "bicubic", padding, 1);
        Assert.InRange(y.ToArray<float>()[0], expected - 1e-5f, expected + 1e-5f);
    }

    [Fact]
    public void DoubleAndTheOpset20ModeNames()
    {
        var x = Tensor.FromArray(new[] { 1.0, 2, 3 }, [1, 1, 1, 3]);
        var grid = Tensor.FromArray(new[] { 0.0, 0 }, [1, 1, 1, 2]);
        var y = Sample(x, grid, "linear", "zeros", 1, opset: 20);
        Assert.Equal(ElementType.Double, y.Type);
        Assert.Equal(2.0, y.ToArray<double>()[0], 6);
        Assert.Throws<ModelLoadException>(() => Sample(x, grid, "bilinear", "zeros", 1, opset: 20));
    }

    [Fact]
    public void NonFiniteGridReadsZeroAndBatchesUseTheirOwnGrid()
    {
        var grid = F32([2, 1, 1, 2], float.NaN, 0, 0, 0);
        var y = Sample(F32([2, 1, 1, 1], 7, 9), grid, "bilinear", "border", 1);
        Assert.Equal([0f, 9f], y.ToArray<float>());
    }

    [Fact]
    public void VolumetricInputsAreRefusedAtLoad()
    {
        var g = new GraphBuilder(16).Input("x", ElementType.Float, 1, 1, 2, 2, 2).Input("grid", ElementType.Float, 1, 1, 1, 1, 3).Output("y");
        g.Node("GridSample", ["x", "grid"], ["y"]);
        var e = Assert.Throws<UnsupportedOperatorException>(() => g.Build());
        Assert.Contains("4-D", e.Message);
    }
}
