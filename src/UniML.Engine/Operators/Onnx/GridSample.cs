using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

internal enum GridSampleMode { Bilinear, Nearest, Bicubic }

internal enum GridSamplePadding { Zeros, Border, Reflection }

/// <summary>
/// GridSample (opsets 16, 20, 22) for 4-D inputs: Y[n, c, h, w] samples X[n, c] at the normalised position
/// grid[n, h, w] = (x, y) in [-1, 1]. The specification follows PyTorch's grid_sample, and so does this
/// kernel: bilinear and nearest map the unnormalised coordinate through the padding mode first (border
/// clamps, reflection mirrors then clamps) and read taps outside the image as zero; bicubic applies the
/// padding mode to each of its 16 taps instead (so a reflected neighbourhood stays a neighbourhood), with
/// Keys' cubic coefficient A = -0.75; nearest rounds half to even (PyTorch's nearbyint). Since the taps and
/// weights depend on the grid only, they are computed once per image and shared by all channels. Computes in
/// float (double and float16 are converted); a non-finite grid coordinate reads zero.
/// </summary>
internal sealed class GridSample : Kernel
{
    const float CubicA = -0.75f;

    readonly GridSampleMode _mode;
    readonly GridSamplePadding _padding;
    readonly bool _alignCorners;

    GridSample(GridSampleMode mode, GridSamplePadding padding, bool alignCorners)
    {
        _mode = mode;
        _padding = padding;
        _alignCorners = alignCorners;
    }

    public static Kernel Create(NodeInfo node)
    {
        // Opset 20 renamed bilinear/bicubic to linear/cubic (and allowed any rank, which UniML does not implement).
        bool renamed = node.Opset >= 20;
        var modeName = node.GetString("mode", renamed ? "linear" : "bilinear");
        var mode = modeName switch
        {
            "bilinear" when !renamed => GridSampleMode.Bilinear,
            "linear" when renamed => GridSampleMode.Bilinear,
            "nearest" => GridSampleMode.Nearest,
            "bicubic" when !renamed => GridSampleMode.Bicubic,
            "cubic" when renamed => GridSampleMode.Bicubic,
            _ => throw node.Invalid($"mode '{modeName}' is not defined at opset {node.Opset}"),
        };
        var paddingName = node.GetString("padding_mode", "zeros");
        var padding = paddingName switch
        {
            "zeros" => GridSamplePadding.Zeros,
            "border" => GridSamplePadding.Border,
            "reflection" => GridSamplePadding.Reflection,
            _ => throw node.Invalid($"padding_mode '{paddingName}' is not defined"),
        };
        if (node.InputShapes[0] is { } xs && xs.Length != 4)
            throw node.Unsupported($"GridSample of a rank-{xs.Length} input is not implemented (4-D N,C,H,W only)");
        for (int i = 0; i < 2; i++)
            if (node.InputTypes[i] is { } t && t is not (ElementType.Float or ElementType.Double or ElementType.Float16))
                throw node.Unsupported($"GridSample of {ElementTypeInfo.OnnxName(t)} is not implemented (float, double, float16)");
        return new GridSample(mode, padding, node.GetInt("align_corners", 0) != 0);
    }

    int Taps => _mode switch { GridSampleMode.Nearest => 1, GridSampleMode.Bilinear => 4, _ => 16 };

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        var grid = context.Input(1);
        if (x.Rank != 4 || grid.Rank != 4 || grid.Shape[0] != x.Shape[0] || grid.Shape[3] != 2)
            throw new InferenceException($"GridSample needs X [N,C,H,W] and grid [N,H_out,W_out,2], got {x.ShapeString} and {grid.ShapeString}");
        int batch = x.Shape[0], channels = x.Shape[1], height = x.Shape[2], width = x.Shape[3];
        int outH = grid.Shape[1], outW = grid.Shape[2], points = outH * outW;
        var y = context.Output(0, x.Type, [batch, channels, outH, outW]);
        if (y.Length == 0) return;

        int taps = Taps;
        var offsets = context.Scratch<int>(points * taps, 0);
        var weights = context.Scratch<float>(points * taps, 1);
        var xf = Conversion.AsFloats(x, x.Type == ElementType.Float ? default : context.Scratch<float>(x.Length, 2));
        var gf = Conversion.AsFloats(grid, grid.Type == ElementType.Float ? default : context.Scratch<float>(grid.Length, 3));
        var yf = y.Type == ElementType.Float ? y.Span<float>() : context.Scratch<float>(y.Length, 4);
        int plane = height * width;
        if (plane == 0)
        {
            // An empty image has no pixel to sample: every tap is outside it.
            yf.Clear();
            if (y.Type != ElementType.Float) Conversion.From<float>(yf, y);
            return;
        }
        for (int n = 0; n < batch; n++)
        {
            ComputeTaps(gf.Slice(n * points * 2, points * 2), height, width, offsets, weights);
            for (int c = 0; c < channels; c++)
            {
                int image = n * channels + c;
                Gather(xf.Slice(image * plane, plane), offsets, weights, taps, yf.Slice(image * points, points));
            }
        }
        if (y.Type != ElementType.Float) Conversion.From<float>(yf, y);
    }

    /// <summary>y[p] = Σ_k weights[p, k] · x[offsets[p, k]]; an offset of -1 is a tap outside the image (zero).</summary>
    static void Gather(ReadOnlySpan<float> x, ReadOnlySpan<int> offsets, ReadOnlySpan<float> weights, int taps, Span<float> y)
    {
        for (int p = 0, k = 0; p < y.Length; p++)
        {
            float sum = 0;
            for (int end = k + taps; k < end; k++)
            {
                int o = offsets[k];
                if (o >= 0) sum += weights[k] * x[o];
            }
            y[p] = sum;
        }
    }

    /// <summary>Fills each output point's taps (offsets into an H×W plane, or -1) and weights from the grid's (x, y) pairs.</summary>
    void ComputeTaps(ReadOnlySpan<float> grid, int height, int width, Span<int> offsets, Span<float> weights)
    {
        Span<int> cols = stackalloc int[4];
        Span<int> rows = stackalloc int[4];
        Span<float> wx = stackalloc float[4];
        Span<float> wy = stackalloc float[4];
        int taps = Taps;
        for (int p = 0; p < grid.Length / 2; p++)
        {
            var o = offsets.Slice(p * taps, taps);
            var w = weights.Slice(p * taps, taps);
            float gx = Unnormalize(grid[2 * p], width), gy = Unnormalize(grid[2 * p + 1], height);
            if (!float.IsFinite(gx) || !float.IsFinite(gy))
            {
                o.Fill(-1);
                w.Clear();
                continue;
            }
            switch (_mode)
            {
                case GridSampleMode.Nearest:
                {
                    int ix = (int)MathF.Round(Pad(gx, width)), iy = (int)MathF.Round(Pad(gy, height));
                    o[0] = (uint)ix < (uint)width && (uint)iy < (uint)height ? iy * width + ix : -1;
                    w[0] = 1;
                    break;
                }
                case GridSampleMode.Bilinear:
                {
                    float fx = Pad(gx, width), fy = Pad(gy, height);
                    float x0 = MathF.Floor(fx), y0 = MathF.Floor(fy);
                    float tx = fx - x0, ty = fy - y0;
                    cols[0] = InBounds((int)x0, width); cols[1] = InBounds((int)x0 + 1, width);
                    rows[0] = InBounds((int)y0, height); rows[1] = InBounds((int)y0 + 1, height);
                    wx[0] = 1 - tx; wx[1] = tx;
                    wy[0] = 1 - ty; wy[1] = ty;
                    Combine(rows, cols, wy, wx, 2, width, o, w);
                    break;
                }
                default:
                {
                    // Taps at floor-1 .. floor+2; the padding mode maps each tap's index, not the coordinate.
                    float x0 = MathF.Floor(gx), y0 = MathF.Floor(gy);
                    CubicWeights(gx - x0, wx);
                    CubicWeights(gy - y0, wy);
                    for (int i = 0; i < 4; i++)
                    {
                        cols[i] = InBounds((int)Pad(x0 - 1 + i, width), width);
                        rows[i] = InBounds((int)Pad(y0 - 1 + i, height), height);
                    }
                    Combine(rows, cols, wy, wx, 4, width, o, w);
                    break;
                }
            }
        }
    }

    static int InBounds(int index, int size) => (uint)index < (uint)size ? index : -1;

    static void Combine(ReadOnlySpan<int> rows, ReadOnlySpan<int> cols, ReadOnlySpan<float> wy, ReadOnlySpan<float> wx, int n, int width, Span<int> o, Span<float> w)
    {
        for (int i = 0, k = 0; i < n; i++)
            for (int j = 0; j < n; j++, k++)
            {
                o[k] = rows[i] < 0 || cols[j] < 0 ? -1 : rows[i] * width + cols[j];
                w[k] = wy[i] * wx[j];
            }
    }

    /// <summary>Keys' cubic convolution weights for the taps at distance t+1, t, 1-t, 2-t (0 ≤ t &lt; 1).</summary>
    static void CubicWeights(float t, Span<float> w)
    {
        const float a = CubicA;
        float t1 = t + 1, t2 = 1 - t, t3 = 2 - t;
        w[0] = ((a * t1 - 5 * a) * t1 + 8 * a) * t1 - 4 * a;
        w[1] = ((a + 2) * t - (a + 3)) * t * t + 1;
        w[2] = ((a + 2) * t2 - (a + 3)) * t2 * t2 + 1;
        w[3] = ((a * t3 - 5 * a) * t3 + 8 * a) * t3 - 4 * a;
    }

    /// <summary>[-1, 1] to pixel coordinates: -1 and 1 are the corner pixels' centres (align_corners) or their outer edges.</summary>
    float Unnormalize(float g, int size) => _alignCorners ? (g + 1) / 2 * (size - 1) : ((g + 1) * size - 1) / 2;

    /// <summary>Maps a pixel coordinate by the padding mode: unchanged (zeros), clamped (border), or mirrored then clamped (reflection).</summary>
    float Pad(float coordinate, int size)
    {
        switch (_padding)
        {
            case GridSamplePadding.Border:
                return Math.Clamp(coordinate, 0, size - 1);
            case GridSamplePadding.Reflection:
                // Mirror about the corner pixels' centres (align_corners) or their outer edges.
                float reflected = _alignCorners ? Reflect(coordinate, 0, size - 1) : Reflect(coordinate, -0.5f, size - 0.5f);
                return Math.Clamp(reflected, 0, size - 1);
            default:
                return coordinate;
        }
    }

    static float Reflect(float coordinate, float low, float high)
    {
        float span = high - low;
        if (span <= 0) return 0;
        float distance = MathF.Abs(coordinate - low);
        float flips = MathF.Floor(distance / span);
        float extra = distance - flips * span;
        return ((long)flips & 1) == 0 ? low + extra : high - extra;
    }
}
