using UniML.Onnx;
using static UniML.Engine.Tests.Operators.Onnx.TensorOpsTestRunner;

namespace UniML.Engine.Tests.Operators.Onnx;

public class DropoutTests
{
    static GraphBuilder Training(int count, long? seed = 0)
    {
        var g = new GraphBuilder(13).Input("x", ElementType.Float, count).Input("r", ElementType.Float).Input("t", ElementType.Bool)
            .Output("y").Output("mask");
        var node = g.Node("Dropout", ["x", "r", "t"], ["y", "mask"]);
        if (seed is { } s) node.Attr("seed", s);
        return g;
    }

    static Tensor Ramp(int count)
    {
        var x = new float[count];
        for (int i = 0; i < count; i++) x[i] = i + 1;
        return F32([count], x);
    }

    static Dictionary<string, Value> Run(GraphBuilder g, Tensor x, float ratio, bool training) =>
        TensorOpsTestRunner.Run(g, ("x", x), ("r", Tensor.Scalar(ratio)), ("t", Tensor.Scalar(training)));

    [Theory]
    [InlineData(0f, true)]    // training with ratio 0
    [InlineData(0.5f, false)] // not training: the ratio is ignored
    public void KeepingEverythingIsIdentityWithAnAllTrueMask(float ratio, bool training)
    {
        var x = Ramp(100);
        var r = Run(Training(100), x, ratio, training);
        Assert.Equal(x.ToArray<float>(), ((Tensor)r["y"]).ToArray<float>());
        Assert.All(((Tensor)r["mask"]).ToArray<bool>(), Assert.True);
    }

    [Fact]
    public void TrainingDropsAboutTheRatioAndScalesTheRest()
    {
        const int n = 100_000;
        var x = Ramp(n);
        var r = Run(Training(n), x, 0.25f, training: true);
        var y = ((Tensor)r["y"]).ToArray<float>();
        var mask = ((Tensor)r["mask"]).ToArray<bool>();
        int kept = 0;
        for (int i = 0; i < n; i++)
        {
            if (mask[i])
            {
                kept++;
                Assert.Equal((float)((i + 1) / 0.75), y[i], 1e-6f * y[i]);
            }
            else Assert.Equal(0f, y[i]);
        }
        Assert.InRange(kept / (double)n, 0.745, 0.755); // standard error 0.0014
    }

    [Fact]
    public void SeededTrainingRepeatsUnseededDoesNot()
    {
        var x = Ramp(1000);
        var seeded = Training(1000, seed: 5);
        Assert.Equal(((Tensor)Run(seeded, x, 0.5f, true)["mask"]).ToArray<bool>(), ((Tensor)Run(seeded, x, 0.5f, true)["mask"]).ToArray<bool>());
        var unseeded = Training(1000, seed: null).Build();
        var feed = new Dictionary<string, Value?> { ["x"] = x, ["r"] = Tensor.Scalar(0.5f), ["t"] = Tensor.Scalar(true) };
        Assert.NotEqual(((Tensor)unseeded.Run(feed)["mask"]).ToArray<bool>(), ((Tensor)unseeded.Run(feed)["mask"]).ToArray<bool>());
    }

    [Fact]
    public void RatioOutsideZeroToOneIsARunError()
    {
        var e = Assert.Throws<InferenceException>(() => Run(Training(4), Ramp(4), 1, training: true));
        Assert.Contains("ratio 1 must be in [0, 1)", e.Message);
    }

    [Fact]
    public void BeforeOpset7IsTestZeroTrainsWithAMaskOfTheInputType()
    {
        var g = new GraphBuilder(6).Input("x", ElementType.Float, 1000).Output("y").Output("mask");
        g.Node("Dropout", ["x"], ["y", "mask"]).Attr("ratio", 0.5f);
        var r = TensorOpsTestRunner.Run(g, ("x", Ramp(1000)));
        var mask = (Tensor)r["mask"];
        Assert.Equal(ElementType.Float, mask.Type);
        var m = mask.ToArray<float>();
        var y = ((Tensor)r["y"]).ToArray<float>();
        Assert.Contains(0f, m);
        Assert.Contains(1f, m);
        for (int i = 0; i < m.Length; i++) Assert.Equal(m[i] == 1 ? 2f * (i + 1) : 0f, y[i]);

        g = new GraphBuilder(6).Input("x", ElementType.Float, 3).Output("y");
        g.Node("Dropout", ["x"], ["y"]).Attr("is_test", 1L);
        Assert.Equal([1f, 2, 3], RunSingle(g, ("x", Ramp(3))).ToArray<float>());

        g = new GraphBuilder(6).Input("x", ElementType.Float, 3).Output("y");
        g.Node("Dropout", ["x"], ["y"]).Attr("ratio", 1.5f);
        Assert.Contains("ratio 1.5 must be in [0, 1)", Assert.Throws<ModelLoadException>(() => g.Build()).Message);
    }
}
