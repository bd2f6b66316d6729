using UniML.Onnx;
using static UniML.Engine.Tests.Operators.OnnxMl.MlTest;

namespace UniML.Engine.Tests.Operators.OnnxMl;

public class TreeEnsembleTests
{
    // Tree 0: node0 (x0 MEMBER {1,3}) → true: node1 (x1 <= 5 → leaf0 / leaf1), false: leaf2.  Tree 1: a single leaf (leaf3).
    static GraphBuilder Model(long aggregate, long post, ElementType type = ElementType.Float)
    {
        var g = Graph(["Y"], mlOpset: 5, inputType: type);
        g.Node("TreeEnsemble", ["X"], ["Y"], Ml)
            .Attr("nodes_featureids", new long[] { 0, 1, 0 })
            .Attr("nodes_modes", Tensor.FromArray(new byte[] { 6, 0, 0 }, [3]))
            .Attr("nodes_splits", Tensor.FromArray(new[] { 0f, 5f, 0f }, [3]))
            .Attr("membership_values", Tensor.FromArray(new[] { 1f, 3f, float.NaN }, [3]))
            .Attr("nodes_truenodeids", new long[] { 1, 0, 3 })
            .Attr("nodes_trueleafs", new long[] { 0, 1, 1 })
            .Attr("nodes_falsenodeids", new long[] { 2, 1, 3 })
            .Attr("nodes_falseleafs", new long[] { 1, 1, 1 })
            .Attr("tree_roots", new long[] { 0, 2 })
            .Attr("leaf_targetids", new long[] { 0, 1, 0, 1 })
            .Attr("leaf_weights", Tensor.FromArray(new[] { 1f, 2f, 4f, 8f }, [4]))
            .Attr("n_targets", 2L)
            .Attr("aggregate_function", aggregate)
            .Attr("post_transform", post);
        return g;
    }

    [Fact]
    public void SetMembershipAndLeafRoots()
    {
        var y = Run(Model(1, 0), Rows([3f, 4f], [1f, 9f], [2f, 0f]));
        Assert.Equal(new[] { 1f, 8f, 0f, 10f, 4f, 8f }, Floats(y[0]));
    }

    [Fact]
    public void AverageOverTrees()
    {
        var y = Run(Model(0, 0), Rows([3f, 4f]));
        Assert.Equal(new[] { 0.5f, 4f }, Floats(y[0]));
    }

    [Fact]
    public void LogisticPostTransform()
    {
        var y = Run(Model(1, 2), Rows([2f, 0f]));
        Near([Sigmoid(4), Sigmoid(8)], Floats(y[0]));
    }

    [Fact]
    public void DoubleInputGivesDoubleOutput()
    {
        var y = Run(Model(3, 0, ElementType.Double), Tensor.FromArray(new[] { 3.0, 4.0 }, [1, 2]));
        Assert.Equal(new[] { 1.0, 8.0 }, ((Tensor)y[0]).ToArray<double>());
    }

    [Fact]
    public void UnknownAggregateIsRefused() =>
        Assert.Contains("aggregate_function", Assert.Throws<UnsupportedOperatorException>(() => Model(9, 0).Build()).Message);
}
