using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// RoiAlign (opsets 10, 16, 22): pools each region of interest rois[r] = (x1, y1, x2, y2) of image
/// X[batch_indices[r]] into an output_height × output_width grid of bins. Each bin averages (or takes the
/// max of) a sampling_ratio² grid of bilinear samples (sampling_ratio 0: ceil(bin size) samples per axis).
/// Coordinates are scaled by spatial_scale and, in half_pixel mode (opset 16's default), shifted by half a
/// pixel; output_half_pixel (opset 10's only behaviour) does not shift and grows regions to at least 1×1.
/// Samples more than one pixel outside the image contribute zero; others are clamped to it. "max" takes the
/// largest weighted corner of each sample, as the reference implementation and ONNX Runtime do (not the
/// largest interpolated value). Sample positions and weights depend on the region only, so they are
/// computed once per region and shared by all channels. Computes in float (double and float16 are converted).
/// </summary>
internal sealed class RoiAlign : Kernel
{
    readonly bool _max;
    readonly bool _halfPixel;
    readonly int _outputHeight;
    readonly int _outputWidth;
    readonly int _samplingRatio;
    readonly float _spatialScale;

    RoiAlign(bool max, bool halfPixel, int outputHeight, int outputWidth, int samplingRatio, float spatialScale)
    {
        _max = max;
        _halfPixel = halfPixel;
        _outputHeight = outputHeight;
        _outputWidth = outputWidth;
        _samplingRatio = samplingRatio;
        _spatialScale = spatialScale;
    }

    public static Kernel Create(NodeInfo node)
    {
        var mode = node.GetString("mode", "avg");
        if (mode is not ("avg" or "max")) throw node.Invalid($"mode '{mode}' is not defined (avg or max)");
        bool halfPixel = false;
        if (node.Opset >= 16)
        {
            var coordinates = node.GetString("coordinate_transformation_mode", "half_pixel");
            halfPixel = coordinates switch
            {
                "half_pixel" => true,
                "output_half_pixel" => false,
                _ => throw node.Invalid($"coordinate_transformation_mode '{coordinates}' is not defined (half_pixel or output_half_pixel)"),
            };
        }
        long height = node.GetInt("output_height", 1), width = node.GetInt("output_width", 1), sampling = node.GetInt("sampling_ratio", 0);
        if (height < 1 || width < 1 || height > int.MaxValue || width > int.MaxValue)
            throw node.Invalid($"output_height {height} and output_width {width} must be positive");
        if (sampling < 0 || sampling > int.MaxValue) throw node.Invalid($"sampling_ratio {sampling} must not be negative");
        for (int i = 0; i < 2; i++)
            if (node.InputTypes[i] is { } t && t is not (ElementType.Float or ElementType.Double or ElementType.Float16))
                throw node.Unsupported($"RoiAlign of {ElementTypeInfo.OnnxName(t)} is not implemented (float, double, float16)");
        return new RoiAlign(mode == "max", halfPixel, (int)height, (int)width, (int)sampling, node.GetFloat("spatial_scale", 1f));
    }

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        var rois = context.Input(1);
        var batchIndices = context.Input(2);
        if (x.Rank != 4) throw new InferenceException($"RoiAlign needs X [N,C,H,W], got {x.ShapeString}");
        if (rois.Rank != 2 || rois.Shape[1] != 4) throw new InferenceException($"RoiAlign needs rois [num_rois,4], got {rois.ShapeString}");
        if (batchIndices.Rank != 1 || batchIndices.Shape[0] != rois.Shape[0])
            throw new InferenceException($"RoiAlign batch_indices {batchIndices.ShapeString} must have one entry per region ({rois.Shape[0]})");
        if (batchIndices.Type is not (ElementType.Int64 or ElementType.Int32))
            throw new InferenceException($"RoiAlign batch_indices must be int64, got {batchIndices.TypeName}");
        int batch = x.Shape[0], channels = x.Shape[1], height = x.Shape[2], width = x.Shape[3];
        int regions = rois.Shape[0], bins = _outputHeight * _outputWidth;
        var y = context.Output(0, x.Type, [regions, channels, _outputHeight, _outputWidth]);
        if (y.Length == 0) return;

        var xf = Conversion.AsFloats(x, x.Type == ElementType.Float ? default : context.Scratch<float>(x.Length, 0));
        var rf = Conversion.AsFloats(rois, rois.Type == ElementType.Float ? default : context.Scratch<float>(rois.Length, 1));
        var yf = y.Type == ElementType.Float ? y.Span<float>() : context.Scratch<float>(y.Length, 2);
        int plane = height * width;
        if (plane == 0)
        {
            // Every sample of an empty image lies outside it.
            yf.Clear();
            if (y.Type != ElementType.Float) Conversion.From<float>(yf, y);
            return;
        }
        for (int r = 0; r < regions; r++)
        {
            long b = batchIndices.Type == ElementType.Int64 ? batchIndices.Span<long>()[r] : batchIndices.Span<int>()[r];
            if (b < 0 || b >= batch) throw new InferenceException($"RoiAlign batch_indices[{r}] = {b} is outside [0, {batch})");
            var region = rf.Slice(4 * r, 4);
            float offset = _halfPixel ? 0.5f : 0f;
            float startW = region[0] * _spatialScale - offset, startH = region[1] * _spatialScale - offset;
            float roiW = region[2] * _spatialScale - offset - startW, roiH = region[3] * _spatialScale - offset - startH;
            if (!_halfPixel)
            {
                // Malformed regions become 1×1 (the opset-10 behaviour).
                roiW = MathF.Max(roiW, 1);
                roiH = MathF.Max(roiH, 1);
            }
            float binH = roiH / _outputHeight, binW = roiW / _outputWidth;
            int gridH = _samplingRatio > 0 ? _samplingRatio : (int)MathF.Ceiling(roiH / _outputHeight);
            int gridW = _samplingRatio > 0 ? _samplingRatio : (int)MathF.Ceiling(roiW / _outputWidth);
            gridH = Math.Max(gridH, 0);
            gridW = Math.Max(gridW, 0);
            int samples = gridH * gridW;
            var positions = context.Scratch<int>(bins * samples * 4, 3);
            var weights = context.Scratch<float>(bins * samples * 4, 4);
            ComputeSamples(height, width, startH, startW, binH, binW, gridH, gridW, positions, weights);
            float count = Math.Max(samples, 1);
            for (int c = 0; c < channels; c++)
            {
                var image = xf.Slice((int)((b * channels + c) * plane), plane);
                var output = yf.Slice((r * channels + c) * bins, bins);
                for (int bin = 0; bin < bins; bin++)
                {
                    int k = bin * samples * 4;
                    if (_max)
                    {
                        float best = 0;
                        for (int s = 0; s < samples; s++, k += 4)
                        {
                            float v = MathF.Max(MathF.Max(weights[k] * image[positions[k]], weights[k + 1] * image[positions[k + 1]]),
                                MathF.Max(weights[k + 2] * image[positions[k + 2]], weights[k + 3] * image[positions[k + 3]]));
                            best = s == 0 ? v : MathF.Max(best, v);
                        }
                        output[bin] = best;
                    }
                    else
                    {
                        float sum = 0;
                        for (int s = 0; s < samples; s++, k += 4)
                            sum += weights[k] * image[positions[k]] + weights[k + 1] * image[positions[k + 1]]
                                + weights[k + 2] * image[positions[k + 2]] + weights[k + 3] * image[positions[k + 3]];
                        output[bin] = sum / count;
                    }
                }
            }
        }
        if (y.Type != ElementType.Float) Conversion.From<float>(yf, y);
    }

    /// <summary>For every bin and sample, the four corner offsets into an H×W plane and their bilinear weights.</summary>
    void ComputeSamples(int height, int width, float startH, float startW, float binH, float binW, int gridH, int gridW,
        Span<int> positions, Span<float> weights)
    {
        int k = 0;
        for (int ph = 0; ph < _outputHeight; ph++)
            for (int pw = 0; pw < _outputWidth; pw++)
                for (int iy = 0; iy < gridH; iy++)
                {
                    float yy = startH + ph * binH + (iy + 0.5f) * binH / gridH;
                    for (int ix = 0; ix < gridW; ix++, k += 4)
                    {
                        float xx = startW + pw * binW + (ix + 0.5f) * binW / gridW;
                        // A sample more than a pixel outside the image contributes zero.
                        if (yy < -1f || yy > height || xx < -1f || xx > width || !float.IsFinite(xx) || !float.IsFinite(yy))
                        {
                            positions.Slice(k, 4).Clear();
                            weights.Slice(k, 4).Clear();
                            continue;
                        }
                        Corners(MathF.Max(yy, 0), height, out int yLow, out int yHigh, out float ly);
                        Corners(MathF.Max(xx, 0), width, out int xLow, out int xHigh, out float lx);
                        float hy = 1 - ly, hx = 1 - lx;
                        positions[k] = yLow * width + xLow;
                        positions[k + 1] = yLow * width + xHigh;
                        positions[k + 2] = yHigh * width + xLow;
                        positions[k + 3] = yHigh * width + xHigh;
                        weights[k] = hy * hx;
                        weights[k + 1] = hy * lx;
                        weights[k + 2] = ly * hx;
                        weights[k + 3] = ly * lx;
                    }
                }
    }

    /// <summary>The two pixels around a non-negative coordinate and the fraction towards the upper one; clamped at the last pixel.</summary>
    static void Corners(float coordinate, int size, out int low, out int high, out float fraction)
    {
        low = (int)coordinate;
        if (low >= size - 1)
        {
            low = high = size - 1;
            fraction = 0;
            return;
        }
        high = low + 1;
        fraction = coordinate - low;
    }
}
