using UniML.Onnx;
using static UniML.Engine.Tests.Operators.OnnxMl.MlTest;

namespace UniML.Engine.Tests.Operators.OnnxMl;

public class TreeEnsembleClassifierTests
{
    // One stump: x0 <= 0 ? leaf 1 : leaf 2.
    static UniML.Onnx.Protos.NodeProto Stump(GraphBuilder g, long[] classIds, long[] classNodes, float[] weights, string post)
    {
        return g.Node("TreeEnsembleClassifier", ["X"], ["label", "scores"], Ml)
            .Attr("nodes_treeids", new long[] { 0, 0, 0 })
            .Attr("nodes_nodeids", new long[] { 0, 1, 2 })
            .Attr("nodes_featureids", new long[] { 0, 0, 0 })
            .Attr("nodes_modes", new[] { "BRANCH_LEQ", "LEAF", "LEAF" })
            .Attr("nodes_values", new[] { 0f, 0, 0 })
            .Attr("nodes_truenodeids", new long[] { 1, 0, 0 })
            .Attr("nodes_falsenodeids", new long[] { 2, 0, 0 })
            .Attr("class_treeids", classIds.Select(_ => 0L).ToArray())
            .Attr("class_nodeids", classNodes)
            .Attr("class_ids", classIds)
            .Attr("class_weights", weights)
            .Attr("post_transform", post);
    }

    [Fact]
    public void MulticlassSoftmaxWithStringLabels()
    {
        var g = Graph(["label", "scores"]);
        Stump(g, [0, 1, 2, 0, 1, 2], [1, 1, 1, 2, 2, 2], [1, 2, 0, 0, 0, 3], "SOFTMAX").Attr("classlabels_strings", new[] { "a", "b", "c" });
        var y = Run(g, Rows([-1f], [1f]));
        Assert.Equal(new[] { "b", "c" }, Strings(y[0]));
        float e0 = MathF.Exp(1), e1 = MathF.Exp(2), e2 = MathF.Exp(0);
        float s = e0 + e1 + e2;
        Near([e0 / s, e1 / s, e2 / s, 1 / (2 + MathF.Exp(3)), 1 / (2 + MathF.Exp(3)), MathF.Exp(3) / (2 + MathF.Exp(3))], Floats(y[1]));
    }

    [Fact]
    public void BinaryLogisticFromOneClassId()
    {
        // Gradient boosting's form: every weight on class 0, scores become [sigmoid(-s), sigmoid(s)].
        var g = Graph(["label", "scores"]);
        Stump(g, [0, 0], [1, 2], [-2f, 0.5f], "LOGISTIC").Attr("classlabels_int64s", new long[] { 4, 7 }).Attr("base_values", new[] { 0.25f });
        var y = Run(g, Rows([-1f], [1f]));
        Assert.Equal(new long[] { 4, 7 }, Longs(y[0]));
        Near([Sigmoid(1.75f), Sigmoid(-1.75f), Sigmoid(-0.75f), Sigmoid(0.75f)], Floats(y[1]));
    }

    [Fact]
    public void BinaryNoneGivesOneMinusScore()
    {
        var g = Graph(["label", "scores"]);
        Stump(g, [0, 0], [1, 2], [0.2f, 0.9f], "NONE").Attr("classlabels_int64s", new long[] { 0, 1 });
        var y = Run(g, Rows([-1f], [1f]));
        Assert.Equal(new long[] { 0, 1 }, Longs(y[0]));
        Near([0.8f, 0.2f, 0.1f, 0.9f], Floats(y[1]));
    }

    [Fact]
    public void ProbitUsesTheSpecApproximation()
    {
        var g = Graph(["label", "scores"]);
        Stump(g, [0, 1, 0, 1], [1, 1, 2, 2], [0.5f, 0.5f, 0.1f, 0.9f], "PROBIT").Attr("classlabels_int64s", new long[] { 0, 1 });
        var y = Floats(Run(g, Rows([1f]))[1]);
        // probit(0.9) ≈ 1.2816 (the approximation is within 2e-3 of the exact quantile).
        Assert.InRange(y[1], 1.279f, 1.284f);
        Assert.InRange(y[0], -1.284f, -1.279f);
    }

    [Fact]
    public void SoftmaxZeroKeepsZeros()
    {
        var g = Graph(["label", "scores"]);
        Stump(g, [0, 1], [1, 1], [0f, 2f], "SOFTMAX_ZERO").Attr("classlabels_int64s", new long[] { 0, 1 });
        var y = Floats(Run(g, Rows([-1f]))[1]);
        Near([0f, 1f], y);
    }

    [Fact]
    public void UnknownPostTransformIsRefused()
    {
        var g = Graph(["label", "scores"]);
        Stump(g, [0, 1], [1, 2], [1, 1], "CUBE").Attr("classlabels_int64s", new long[] { 0, 1 });
        Assert.Contains("CUBE", Assert.Throws<UnsupportedOperatorException>(() => g.Build()).Message);
    }
}
