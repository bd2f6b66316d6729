using UniML.Onnx;

namespace UniML.Engine.Tests.Operators.Onnx;

/// <summary>
/// Conv against a direct (naive) convolution on odd shapes that take each of the kernel's lowerings: pointwise,
/// shifted planes (stride 1 but in the last dimension; 1-D to 4-D), packed 2-D im2col and the general im2col;
/// with groups, depthwise, padding, strides and dilations, weights constant (packed at load) or run-time inputs.
/// </summary>
public class ConvTests
{
    public static TheoryData<string, int[], int[], long, long[]?, long[]?, long[]?, string?> Cases() => new()
    {
        { "pointwise", [2, 4, 5, 6], [3, 4, 1, 1], 1, null, null, null, null },
        { "lenet first layer", [3, 1, 28, 28], [6, 1, 5, 5], 1, [2, 2, 2, 2], null, null, null },
        { "lenet second layer", [2, 6, 14, 14], [16, 6, 5, 5], 1, null, null, null, null },
        { "groups, asymmetric pads, column stride, row dilation", [2, 4, 9, 8], [6, 2, 3, 3], 2, [1, 0, 2, 1], [1, 2], [2, 1], null },
        { "depthwise", [2, 3, 7, 7], [3, 1, 3, 3], 3, [1, 1, 1, 1], null, null, null },
        { "depthwise with multiplier", [1, 3, 6, 5], [6, 1, 3, 2], 3, [0, 1, 1, 0], null, null, null },
        { "row stride (packed 2-D im2col)", [2, 3, 11, 10], [5, 3, 3, 3], 1, [1, 1, 1, 1], [2, 2], null, null },
        { "same_upper, even kernel", [1, 2, 6, 7], [3, 2, 4, 2], 1, null, null, null, "SAME_UPPER" },
        { "same_lower with stride", [1, 2, 7, 6], [3, 2, 3, 3], 1, null, [2, 1], null, "SAME_LOWER" },
        { "1-D", [2, 3, 20], [4, 3, 5], 1, [2, 1], [3], [2], null },
        { "3-D shifted", [2, 2, 4, 5, 6], [4, 2, 2, 3, 2], 1, [1, 0, 1, 0, 1, 1], [1, 1, 2], [1, 2, 1], null },
        { "3-D strided (general im2col)", [1, 2, 5, 6, 7], [3, 2, 3, 2, 3], 1, [1, 0, 0, 0, 1, 2], [2, 1, 2], null, null },
        { "4-D", [1, 2, 3, 4, 3, 5], [2, 2, 2, 2, 1, 3], 1, [0, 1, 0, 1, 1, 0, 0, 0], null, [1, 1, 1, 2], null },
        { "window larger than the image", [1, 2, 3, 3], [2, 2, 5, 5], 1, [2, 3, 3, 2], null, null, null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesDirectConvolution(string name, int[] x, int[] w, long group, long[]? pads, long[]? strides, long[]? dilations, string? autoPad)
    {
        var xv = Random(x.Aggregate(1, (a, b) => a * b), 1);
        var wv = Random(w.Aggregate(1, (a, b) => a * b), 2);
        var bv = Random(w[0], 3);
        foreach (bool relu in new[] { false, true })
            foreach (bool constantWeights in new[] { false, true })
            {
                var g = new GraphBuilder(13).Input("x", ElementType.Float, x).Output("y");
                var feeds = new List<Value?> { Tensor.FromArray(xv, x) };
                if (constantWeights) g.Initializer("w", Tensor.FromArray(wv, w)).Initializer("b", Tensor.FromArray(bv, [w[0]]));
                else
                {
                    g.Input("w", ElementType.Float, w).Input("b", ElementType.Float, w[0]);
                    feeds.Add(Tensor.FromArray(wv, w));
                    feeds.Add(Tensor.FromArray(bv, [w[0]]));
                }
                var conv = g.Node("Conv", ["x", "w", "b"], [relu ? "c" : "y"]).Attr("group", group);
                if (pads is not null) conv.Attr("pads", pads);
                if (strides is not null) conv.Attr("strides", strides);
                if (dilations is not null) conv.Attr("dilations", dilations);
                if (autoPad is not null) conv.Attr("auto_pad", autoPad);
                if (relu) g.Node("Relu", ["c"], ["y"]);
                using var result = g.Build().Run(feeds.ToArray());
                var y = (Tensor)result[0]!;

                var (expected, shape) = Direct(xv, x, wv, w, bv, (int)group, pads, strides, dilations, autoPad);
                Assert.Equal(shape, y.Shape.ToArray());
                var actual = y.ToArray<float>();
                for (int i = 0; i < expected.Length; i++)
                {
                    float e = relu ? Math.Max(expected[i], 0) : expected[i];
                    Assert.True(Math.Abs(actual[i] - e) <= 1e-4f * (1 + Math.Abs(e)), $"{name} (relu {relu}, constant W {constantWeights}) at {i}: {actual[i]} vs {e}");
                }
            }
    }

    static float[] Random(int count, int seed)
    {
        var rng = new Random(seed);
        var data = new float[count];
        for (int i = 0; i < count; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        return data;
    }

    /// <summary>The specification's definition, one output at a time, in double precision.</summary>
    static (float[] Y, int[] Shape) Direct(float[] x, int[] xs, float[] w, int[] ws, float[] b, int group, long[]? pads, long[]? strides, long[]? dilations, string? autoPad)
    {
        int r = xs.Length - 2, batch = xs[0], channels = xs[1], m = ws[0], cg = channels / group, mg = m / group;
        var s = new int[r];
        var d = new int[r];
        var pb = new int[r];
        var outDims = new int[r];
        for (int i = 0; i < r; i++)
        {
            s[i] = (int)(strides?[i] ?? 1);
            d[i] = (int)(dilations?[i] ?? 1);
            int extent = (ws[2 + i] - 1) * d[i] + 1;
            if (autoPad is "SAME_UPPER" or "SAME_LOWER")
            {
                outDims[i] = (xs[2 + i] + s[i] - 1) / s[i];
                int total = Math.Max(0, (outDims[i] - 1) * s[i] + extent - xs[2 + i]);
                pb[i] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
            }
            else
            {
                pb[i] = (int)(pads?[i] ?? 0);
                outDims[i] = (xs[2 + i] + pb[i] + (int)(pads?[i + r] ?? 0) - extent) / s[i] + 1;
            }
        }
        int outVol = outDims.Aggregate(1, (a, v) => a * v), kVol = 1, inVol = 1;
        for (int i = 0; i < r; i++) { kVol *= ws[2 + i]; inVol *= xs[2 + i]; }
        var y = new float[batch * m * outVol];
        var o = new int[r];
        var k = new int[r];
        for (int n = 0; n < batch; n++)
            for (int oc = 0; oc < m; oc++)
                for (int pos = 0; pos < outVol; pos++)
                {
                    Unravel(pos, outDims, o);
                    double sum = b[oc];
                    int gi = oc / mg;
                    for (int c = 0; c < cg; c++)
                        for (int kk = 0; kk < kVol; kk++)
                        {
                            Unravel(kk, ws[2..], k);
                            int at = 0;
                            bool inside = true;
                            for (int i = 0; i < r && inside; i++)
                            {
                                int idx = o[i] * s[i] - pb[i] + k[i] * d[i];
                                inside = idx >= 0 && idx < xs[2 + i];
                                at = at * xs[2 + i] + idx;
                            }
                            if (inside) sum += (double)x[(n * channels + gi * cg + c) * inVol + at] * w[(oc * cg + c) * kVol + kk];
                        }
                    y[(n * m + oc) * outVol + pos] = (float)sum;
                }
        return (y, [batch, m, .. outDims]);
    }

    static void Unravel(int index, int[] dims, int[] result)
    {
        for (int i = dims.Length - 1; i >= 0; i--)
        {
            result[i] = index % dims[i];
            index /= dims[i];
        }
    }
}
