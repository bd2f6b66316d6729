using UniML.Onnx;
using static UniML.Engine.Tests.Operators.Onnx.ElementWiseTestGraph;

namespace UniML.Engine.Tests.Operators.Onnx;

public class ActivationTests
{
    static readonly float[] Xs = [-100f, -3f, -1f, -0.25f, 0f, 0.25f, 1f, 3f, 100f, -7f, 7f, 0.5f, -0.5f, 2f, -2f, 10f, -10f];

    [Fact]
    public void FormulasMatchTheSpecificationOnBothVectorAndScalarPaths()
    {
        var x = F(Xs, Xs.Length);
        Near(Xs.Select(v => v >= 0 ? v : 0.1f * v).ToArray(), Run("LeakyRelu", 16, n => n.Attr("alpha", 0.1f), x));
        Near(Xs.Select(v => v > 0 ? v : 2f * (MathF.Exp(v) - 1)).ToArray(), Run("Elu", 6, n => n.Attr("alpha", 2f), x));
        Near(Xs.Select(v => Math.Max(0f, Math.Min(1f, 0.2f * v + 0.5f))).ToArray(), Run("HardSigmoid", 6, null, x));
        Near(Xs.Select(v => v * Math.Max(0f, Math.Min(1f, v / 6 + 0.5f))).ToArray(), Run("HardSwish", 14, null, x));
        Near(Xs.Select(v => (float)Math.Log(1 + Math.Exp(v))).ToArray(), Run("Softplus", 1, null, x));
        Near(Xs.Select(v => v / (1 + Math.Abs(v))).ToArray(), Run("Softsign", 1, null, x));
        Near(Xs.Select(v => v > 1f ? v : 0f).ToArray(), Run("ThresholdedRelu", 10, null, x));
        Near(Xs.Select(v => v < -0.5f ? v + 1f : v > 0.5f ? v - 1f : 0f).ToArray(), Run("Shrink", 9, n => n.Attr("bias", 1f), x));
        Near(Xs.Select(v => Math.Max(0f, v) + Math.Min(0f, 0.5f * (MathF.Exp(v / 0.5f) - 1))).ToArray(), Run("Celu", 12, n => n.Attr("alpha", 0.5f), x));
    }

    [Fact]
    public void ReluKeepsIntegerTypes()
    {
        var y = Run("Relu", 14, null, I64([-3, 0, 4], 3));
        Assert.Equal([0L, 0L, 4L], y.ToArray<long>());
    }

    [Fact]
    public void ErfMatchesDoublePrecisionReference()
    {
        var xs = Enumerable.Range(-600, 1201).Select(i => i / 100f).Append(1e-6f).Append(float.NaN).ToArray();
        var y = Run("Erf", 13, null, F(xs, xs.Length)).ToArray<float>();
        var d = Run("Erf", 13, null, D(xs.Select(v => (double)v).ToArray(), xs.Length)).ToArray<double>();
        for (int i = 0; i < xs.Length - 1; i++)
        {
            Assert.True(Math.Abs(y[i] - d[i]) <= 1e-6 * Math.Max(Math.Abs(d[i]), 1e-30) + 1e-12, $"erf({xs[i]}) = {y[i]}, reference {d[i]}");
        }
        Assert.True(float.IsNaN(y[^1]));
        // Known values of erf.
        Assert.Equal(0.8427007929497149, Run("Erf", 13, null, D([1.0], 1)).ToArray<double>()[0], 12);
        Assert.Equal(0.9999779095030014, Run("Erf", 13, null, D([3.0], 1)).ToArray<double>()[0], 12);
    }

    [Fact]
    public void PReluAtOpset6TakesOneSlopePerChannel()
    {
        var x = F([-1f, -1f, -1f, -1f, -1f, -1f], 1, 3, 2);
        var y = Run("PRelu", 6, null, x, F([1f, 2f, 3f], 3));
        Assert.Equal([-1f, -1f, -2f, -2f, -3f, -3f], y.ToArray<float>());
    }

    [Fact]
    public void ClipAttributeAndInputForms()
    {
        var x = F([-5f, 0f, 5f], 3);
        Assert.Equal([-1f, 0f, 1f], Run("Clip", 6, n => n.Attr("min", -1f).Attr("max", 1f), x).ToArray<float>());
        Assert.Equal([-1f, 0f, 5f], Run("Clip", 13, null, x, F([-1f])).ToArray<float>());
        Assert.Equal([-5f, 0f, 2f], Run("Clip", 13, null, x, null, F([2f])).ToArray<float>());
        Assert.Equal([1, 1, 1], Run("Clip", 13, null, I32([-5, 0, 5], 3), I32([2]), I32([1])).ToArray<int>());
    }

    [Fact]
    public void Float16IsComputedThroughFloat()
    {
        var x = Tensor.FromArray(new[] { (Half)(-1f), (Half)0.5f }, [2]);
        var y = Run("Sigmoid", 13, null, x);
        Assert.Equal(ElementType.Float16, y.Type);
        Assert.Equal(1 / (1 + MathF.Exp(1f)), (float)y.ToArray<Half>()[0], 3);
    }
}
