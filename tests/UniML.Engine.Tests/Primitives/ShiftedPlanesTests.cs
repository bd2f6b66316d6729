using UniML.Engine.Primitives;

namespace UniML.Engine.Tests.Primitives;

public class ShiftedPlanesTests
{
    /// <summary>
    /// Shapes as (input dims, kernel, pads begin then end, strides, dilations, channels); strides are 1 in every
    /// dimension but the last, where ShiftedPlanes applies.
    /// </summary>
    public static TheoryData<int[], int[], int[], int[], int[], int> Shapes() => new()
    {
        { [9], [3], [2, 1], [2], [2], 3 },                                  // 1-D: padding, last-dimension stride and dilation
        { [28, 28], [5, 5], [2, 2, 2, 2], [1, 1], [1, 1], 1 },              // LeNet's first layer
        { [14, 14], [5, 5], [0, 0, 0, 0], [1, 1], [1, 1], 6 },              // LeNet's second layer
        { [7, 6], [3, 2], [1, 0, 2, 1], [1, 2], [2, 1], 2 },                // asymmetric pads, column stride, row dilation
        { [3, 3], [3, 3], [2, 2, 2, 2], [1, 1], [1, 1], 2 },                // windows wholly in the padding
        { [5, 4], [1, 3], [0, 1, 0, 1], [1, 3], [1, 2], 4 },                // 1-row kernel
        { [4, 5, 6], [2, 3, 2], [1, 0, 1, 0, 1, 1], [1, 1, 3], [1, 2, 1], 2 }, // 3-D: several column blocks
        { [2, 3, 2, 4], [2, 2, 1, 2], [0, 1, 0, 1, 1, 0, 0, 0], [1, 1, 1, 1], [1, 1, 1, 2], 1 }, // 4-D
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void RowsMatchTheIm2ColMatrix(int[] input, int[] kernel, int[] pads, int[] strides, int[] dilations, int channels)
    {
        int r = input.Length;
        var output = new int[r];
        for (int d = 0; d < r; d++)
            output[d] = (input[d] + pads[d] + pads[d + r] - ((kernel[d] - 1) * dilations[d] + 1)) / strides[d] + 1;
        int[] xShape = [1, channels, .. input];
        Span<int> storage = stackalloc int[5 * r];
        var shape = new ConvShape(xShape, kernel, 1, 1, storage);
        output.CopyTo(shape.Output);
        pads.AsSpan(0, r).CopyTo(shape.PadBegin);
        pads.AsSpan(r).CopyTo(shape.PadEnd);
        strides.CopyTo(shape.Strides);
        dilations.CopyTo(shape.Dilations);
        shape.ComputeVolumes();
        Assert.True(ShiftedPlanes.Applies(shape));

        var image = new float[channels * shape.InputVolume];
        for (int i = 0; i < image.Length; i++) image[i] = i + 1;
        Span<int> planeStorage = stackalloc int[r];
        var planes = new ShiftedPlanes(shape, channels, planeStorage);
        var data = new float[planes.Length];
        Array.Fill(data, float.NaN); // every float the GEMM may read must be written
        planes.Expand(image, data);
        var offsets = new int[channels * shape.KernelVolume];
        planes.RowOffsets(offsets);
        Assert.All(data, v => Assert.False(float.IsNaN(v)));

        Assert.Equal(shape.OutputVolume, planes.Blocks * planes.Columns);
        var o = new int[r];
        var k = new int[r];
        for (int block = 0; block < planes.Blocks; block++)
        {
            int blockOffset = planes.BlockOffset(block);
            for (int p = 0; p < offsets.Length; p++)
            {
                Assert.True(blockOffset + offsets[p] + Gemm.RowReadLength(planes.Columns) <= planes.Length);
                Unravel(p % shape.KernelVolume, kernel, k);
                for (int j = 0; j < planes.Columns; j++)
                {
                    Unravel(block * planes.Columns + j, output, o);
                    float expected = Im2Col(image, input, p / shape.KernelVolume, k, o, pads, strides, dilations);
                    Assert.True(expected == data[blockOffset + offsets[p] + j], $"block {block}, row {p}, column {j}: {data[blockOffset + offsets[p] + j]} vs {expected}");
                }
            }
        }
    }

    static void Unravel(int index, int[] dims, int[] result)
    {
        for (int d = dims.Length - 1; d >= 0; d--)
        {
            result[d] = index % dims[d];
            index /= dims[d];
        }
    }

    /// <summary>The im2col matrix's value for channel c, kernel index k and output index o: the image value the window reads, or 0 in the padding.</summary>
    static float Im2Col(float[] image, int[] input, int c, int[] k, int[] o, int[] pads, int[] strides, int[] dilations)
    {
        int offset = c;
        for (int d = 0; d < input.Length; d++)
        {
            int i = o[d] * strides[d] - pads[d] + k[d] * dilations[d];
            if (i < 0 || i >= input[d]) return 0;
            offset = offset * input[d] + i;
        }
        return image[offset];
    }
}
