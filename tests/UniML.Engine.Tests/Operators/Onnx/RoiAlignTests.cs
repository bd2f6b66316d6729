using UniML.Onnx;
using static UniML.Engine.Tests.Operators.Onnx.TensorOpsTestRunner;

namespace UniML.Engine.Tests.Operators.Onnx;

public class RoiAlignTests
{
    static Tensor Align(Tensor x, float[] rois, long[] batch, int opset = 16, string mode = "avg", string coordinates = "output_half_pixel",
        long outH = 1, long outW = 1, long sampling = 1, float scale = 1f)
    {
        var g = new GraphBuilder(opset).Input("x", ElementType.Float, x.Shape.ToArray()).Input("rois", ElementType.Float, batch.Length, 4)
            .Input("idx", ElementType.Int64, batch.Length).Output("y");
        var node = g.Node("RoiAlign", ["x", "rois", "idx"], ["y"]).Attr("mode", mode).Attr("output_height", outH).Attr("output_width", outW)
            .Attr("sampling_ratio", sampling).Attr("spatial_scale", scale);
        if (opset >= 16) node.Attr("coordinate_transformation_mode", coordinates);
        return RunSingle(g, ("x", x), ("rois", F32([batch.Length, 4], rois)), ("idx", I64(batch)));
    }

    static readonly Tensor Square = F32([1, 1, 2, 2], 1, 2, 3, 4);

    [Fact]
    public void OneSampleAtTheRegionCentre()
    {
        // Region [0,1]² without the half-pixel shift: one sample at (0.5, 0.5), the mean of the four pixels.
        Assert.Equal(2.5f, Align(Square, [0, 0, 1, 1], [0]).ToArray<float>()[0], 5);
        // Opset 10 has no coordinate_transformation_mode and behaves as output_half_pixel.
        Assert.Equal(2.5f, Align(Square, [0, 0, 1, 1], [0], opset: 10).ToArray<float>()[0], 5);
        // spatial_scale maps the region from input coordinates.
        Assert.Equal(2.5f, Align(Square, [0, 0, 2, 2], [0], scale: 0.5f).ToArray<float>()[0], 5);
    }

    [Fact]
    public void MaxTakesTheLargestWeightedCorner()
    {
        // Each corner weighs ¼ at the centre sample; "max" keeps max(¼·v), as the reference and ONNX Runtime do.
        Assert.Equal(1f, Align(Square, [0, 0, 1, 1], [0], mode: "max").ToArray<float>()[0], 5);
    }

    [Fact]
    public void RegionsFarOutsideTheImageAreZeroAndIndicesAreChecked()
    {
        Assert.Equal(0f, Align(Square, [10, 10, 11, 11], [0]).ToArray<float>()[0]);
        Assert.Throws<InferenceException>(() => Align(Square, [0, 0, 1, 1], [1]));
    }

    [Fact]
    public void AdaptiveSamplingAveragesTheBin()
    {
        // sampling_ratio 0: ceil(2 / 1) = 2 samples per axis at 0.5 and 1.5 (clamped to pixel 1): mean of bilinear reads.
        var y = Align(Square, [0, 0, 2, 2], [0], sampling: 0);
        float expected = (2.5f + 3f + 3.5f + 4f) / 4;
        Assert.Equal(expected, y.ToArray<float>()[0], 5);
        Assert.Equal([1, 1, 1, 1], y.Shape.ToArray());
    }
}
