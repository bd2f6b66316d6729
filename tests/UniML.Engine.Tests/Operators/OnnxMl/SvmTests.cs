using UniML.Onnx;
using static UniML.Engine.Tests.Operators.OnnxMl.MlTest;

namespace UniML.Engine.Tests.Operators.OnnxMl;

public class SVMClassifierTests
{
    // Three classes, one support vector each at (0,0), (4,0), (0,4); libsvm coefficient layout.
    static GraphBuilder ThreeClass(string kernel, float[] kernelParams, bool probabilities, string post = "NONE")
    {
        var g = Graph(["label", "scores"]);
        var n = g.Node("SVMClassifier", ["X"], ["label", "scores"], Ml)
            .Attr("kernel_type", kernel)
            .Attr("kernel_params", kernelParams)
            .Attr("support_vectors", new[] { 0f, 0f, 4f, 0f, 0f, 4f })
            .Attr("vectors_per_class", new long[] { 1, 1, 1 })
            .Attr("coefficients", new[] { 1f, -1f, -1f, 1f, 1f, -1f })
            .Attr("rho", new[] { 0f, 0f, 0f })
            .Attr("classlabels_ints", new long[] { 5, 6, 7 })
            .Attr("post_transform", post);
        if (probabilities)
            n.Attr("prob_a", new[] { -2f, -2f, -2f }).Attr("prob_b", new[] { 0f, 0f, 0f });
        return g;
    }

    [Fact]
    public void RbfOneVsOneVotes()
    {
        var y = Run(ThreeClass("RBF", [0.5f, 0, 0], false), Rows([0.1f, 0.2f], [3.9f, 0f], [0f, 3f]));
        Assert.Equal(new long[] { 5, 6, 7 }, Longs(y[0]));
        var s = Floats(y[1]);
        Assert.Equal(9, s.Length); // three pair decisions per row
        // Row 0, pair (0,1): K(x,sv0) − K(x,sv1) with coefficients +1 (row 0 for class 0) and −1.
        float k0 = MathF.Exp(-0.5f * (0.01f + 0.04f)), k1 = MathF.Exp(-0.5f * (3.9f * 3.9f + 0.04f));
        Assert.Equal(k0 - k1, s[0], 5);
    }

    [Fact]
    public void ProbabilitiesSumToOneAndFavourTheVotedClass()
    {
        var y = Run(ThreeClass("RBF", [0.5f, 0, 0], true), Rows([3.9f, 0f]));
        var p = Floats(y[1]);
        Assert.Equal(3, p.Length);
        Assert.Equal(1f, p.Sum(), 4);
        Assert.True(p[1] > p[0] && p[1] > p[2]);
        Assert.Equal(new long[] { 6 }, Longs(y[0]));
    }

    [Theory]
    [InlineData("LINEAR")]
    [InlineData("POLY")]
    [InlineData("SIGMOID")]
    public void OtherKernelsRun(string kernel)
    {
        var y = Run(ThreeClass(kernel, [0.1f, 0.5f, 2f], false), Rows([4f, 0f]));
        Assert.Equal(3, Floats(y[1]).Length);
        Assert.Single(Longs(y[0]));
    }

    [Fact]
    public void LinearFormWithoutSupportVectors()
    {
        var g = Graph(["label", "scores"]);
        g.Node("SVMClassifier", ["X"], ["label", "scores"], Ml)
            .Attr("coefficients", new[] { 1f, 0f, 0f, 1f, -1f, -1f })
            .Attr("rho", new[] { 0.5f })
            .Attr("classlabels_strings", new[] { "x", "y", "z" });
        var y = Run(g, Rows([2f, 1f]));
        Assert.Equal(new[] { "x" }, Strings(y[0]));
        Assert.Equal(new[] { 2.5f, 1.5f, -2.5f }, Floats(y[1]));
    }

    [Fact]
    public void UnknownKernelIsRefused() =>
        Assert.Contains("LAPLACE", Assert.Throws<UnsupportedOperatorException>(() => ThreeClass("LAPLACE", [1, 0, 0], false).Build()).Message);
}

public class SVMRegressorTests
{
    [Fact]
    public void RbfRegressionAndOneClass()
    {
        foreach (var oneClass in new[] { 0L, 1L })
        {
            var g = Graph(["Y"]);
            g.Node("SVMRegressor", ["X"], ["Y"], Ml)
                .Attr("kernel_type", "RBF").Attr("kernel_params", new[] { 1f, 0f, 0f })
                .Attr("support_vectors", new[] { 0f, 1f }).Attr("n_supports", 2L)
                .Attr("coefficients", new[] { 2f, -1f }).Attr("rho", new[] { 0.25f }).Attr("one_class", oneClass);
            var y = Floats(Run(g, Rows([0f], [1f]))[0]);
            float r0 = 2 - MathF.Exp(-1) + 0.25f, r1 = 2 * MathF.Exp(-1) - 1 + 0.25f;
            if (oneClass == 0) Near([r0, r1], y);
            else Assert.Equal(new[] { 1f, -1f }, y);
        }
    }

    [Fact]
    public void LinearWithoutSupports()
    {
        var g = Graph(["Y"]);
        g.Node("SVMRegressor", ["X"], ["Y"], Ml).Attr("coefficients", new[] { 1f, -2f }).Attr("rho", new[] { 3f });
        Assert.Equal(new[] { 2f }, Floats(Run(g, Rows([1f, 1f]))[0]));
    }
}
