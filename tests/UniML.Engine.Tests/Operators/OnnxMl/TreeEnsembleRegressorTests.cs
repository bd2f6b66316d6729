using UniML.Onnx;
using static UniML.Engine.Tests.Operators.OnnxMl.MlTest;

namespace UniML.Engine.Tests.Operators.OnnxMl;

public class TreeEnsembleRegressorTests
{
    // Tree 0: x0 <= 0.5 ? 1 : 3.  Tree 1: x1 < 2 ? 10 : 20 (nodes listed out of order on purpose).
    static GraphBuilder TwoTrees(string aggregate, string mode1 = "BRANCH_LT", float[]? baseValues = null, long[]? missing = null)
    {
        var g = Graph(["Y"]);
        var n = g.Node("TreeEnsembleRegressor", ["X"], ["Y"], Ml)
            .Attr("nodes_treeids", new long[] { 0, 0, 0, 1, 1, 1 })
            .Attr("nodes_nodeids", new long[] { 0, 2, 1, 0, 1, 2 })
            .Attr("nodes_featureids", new long[] { 0, 0, 0, 1, 0, 0 })
            .Attr("nodes_modes", new[] { "BRANCH_LEQ", "LEAF", "LEAF", mode1, "LEAF", "LEAF" })
            .Attr("nodes_values", new[] { 0.5f, 0, 0, 2f, 0, 0 })
            .Attr("nodes_truenodeids", new long[] { 1, 0, 0, 1, 0, 0 })
            .Attr("nodes_falsenodeids", new long[] { 2, 0, 0, 2, 0, 0 })
            .Attr("target_treeids", new long[] { 0, 0, 1, 1 })
            .Attr("target_nodeids", new long[] { 1, 2, 1, 2 })
            .Attr("target_ids", new long[] { 0, 0, 0, 0 })
            .Attr("target_weights", new[] { 1f, 3f, 10f, 20f })
            .Attr("n_targets", 1L)
            .Attr("aggregate_function", aggregate);
        if (baseValues is not null) n.Attr("base_values", baseValues);
        if (missing is not null) n.Attr("nodes_missing_value_tracks_true", missing);
        return g;
    }

    static readonly Tensor Input = Rows([0f, 1f], [1f, 1f], [0f, 5f], [1f, 2f]);

    [Theory]
    [InlineData("SUM", new[] { 11f, 13f, 21f, 23f })]
    [InlineData("AVERAGE", new[] { 5.5f, 6.5f, 10.5f, 11.5f })]
    [InlineData("MIN", new[] { 1f, 3f, 1f, 3f })]
    [InlineData("MAX", new[] { 10f, 10f, 20f, 20f })]
    public void AggregatesOverTrees(string aggregate, float[] expected)
    {
        var y = Run(TwoTrees(aggregate), Input);
        Assert.Equal(new[] { 4, 1 }, ((Tensor)y[0]).Shape.ToArray());
        Assert.Equal(expected, Floats(y[0]));
    }

    [Fact]
    public void BaseValuesAreAddedAfterAggregation()
    {
        var y = Run(TwoTrees("AVERAGE", baseValues: [100f]), Input);
        Assert.Equal(new[] { 105.5f, 106.5f, 110.5f, 111.5f }, Floats(y[0]));
    }

    [Theory]
    [InlineData("BRANCH_LEQ", new[] { 11f, 11f, 21f, 11f })]
    [InlineData("BRANCH_LT", new[] { 11f, 11f, 21f, 21f })]
    [InlineData("BRANCH_GTE", new[] { 21f, 21f, 11f, 11f })]
    [InlineData("BRANCH_GT", new[] { 21f, 21f, 11f, 21f })]
    [InlineData("BRANCH_EQ", new[] { 21f, 21f, 21f, 11f })]
    [InlineData("BRANCH_NEQ", new[] { 11f, 11f, 11f, 21f })]
    public void EachNodeMode(string mode, float[] expected)
    {
        var y = Run(TwoTrees("SUM", mode), Rows([0f, 1f], [0f, 1.5f], [0f, 5f], [0f, 2f]));
        Assert.Equal(expected, Floats(y[0]));
    }

    [Fact]
    public void MissingValuesFollowTheirTrack()
    {
        // NaN goes false unless the node's missing-value track is true.
        var plain = Run(TwoTrees("SUM"), Rows([float.NaN, float.NaN]));
        Assert.Equal(new[] { 23f }, Floats(plain[0]));
        var tracked = Run(TwoTrees("SUM", missing: [1, 0, 0, 1, 0, 0]), Rows([float.NaN, float.NaN]));
        Assert.Equal(new[] { 11f }, Floats(tracked[0]));
    }

    [Fact]
    public void MultipleTargetsAndDoubleThresholds()
    {
        var g = Graph(["Y"]);
        g.Node("TreeEnsembleRegressor", ["X"], ["Y"], Ml)
            .Attr("nodes_treeids", new long[] { 0, 0, 0 })
            .Attr("nodes_nodeids", new long[] { 0, 1, 2 })
            .Attr("nodes_featureids", new long[] { 1, 0, 0 })
            .Attr("nodes_modes", new[] { "BRANCH_LEQ", "LEAF", "LEAF" })
            .Attr("nodes_values_as_tensor", Tensor.FromArray(new[] { 0.1, 0, 0 }, [3]))
            .Attr("nodes_truenodeids", new long[] { 1, 0, 0 })
            .Attr("nodes_falsenodeids", new long[] { 2, 0, 0 })
            .Attr("target_treeids", new long[] { 0, 0, 0, 0 })
            .Attr("target_nodeids", new long[] { 1, 1, 2, 2 })
            .Attr("target_ids", new long[] { 0, 1, 0, 1 })
            .Attr("target_weights", new[] { 1f, 2f, 3f, 4f })
            .Attr("n_targets", 2L);
        // 0.1f is above the double 0.1, so it must go false when compared in double precision.
        var y = Run(g, Rows([0, 0.1f], [0, 0.05f]));
        Assert.Equal(new[] { 3f, 4f, 1f, 2f }, Floats(y[0]));
    }

    [Fact]
    public void UnknownModeIsRefusedAtLoad()
    {
        var g = TwoTrees("SUM", "BRANCH_SOMETHING");
        var e = Assert.Throws<UnsupportedOperatorException>(() => g.Build());
        Assert.Contains("BRANCH_SOMETHING", e.Message);
    }

    [Fact]
    public void UnknownAggregateIsRefusedAtLoad()
    {
        var e = Assert.Throws<UnsupportedOperatorException>(() => TwoTrees("MEDIAN").Build());
        Assert.Contains("MEDIAN", e.Message);
    }

    [Fact]
    public void ManyRowsMatchSingleRows()
    {
        var rows = Enumerable.Range(0, 300).Select(i => new[] { (i % 7) / 7f, i % 4f }).ToArray();
        var batch = Floats(Run(TwoTrees("SUM"), Rows(rows))[0]);
        for (int i = 0; i < rows.Length; i += 37)
            Assert.Equal(Floats(Run(TwoTrees("SUM"), Rows(rows[i]))[0])[0], batch[i]);
    }

    [Theory]
    [InlineData("BRANCH_LEQ", "SUM")]
    [InlineData("BRANCH_LT", "AVERAGE")]
    [InlineData("BRANCH_GTE", "SUM")]
    [InlineData("BRANCH_GT", "SUM")]
    [InlineData("BRANCH_EQ", "SUM")]
    public void UnevenTreesWithTwoTargetsMatchSingleRows(string mode, string aggregate)
    {
        // Tree 0 has leaves at depths 1 and 3; tree 1 is a single leaf; every leaf carries both targets.
        static GraphBuilder Model(string mode, string aggregate)
        {
            var g = Graph(["Y"]);
            g.Node("TreeEnsembleRegressor", ["X"], ["Y"], Ml)
                .Attr("nodes_treeids", new long[] { 0, 0, 0, 0, 0, 0, 0, 1 })
                .Attr("nodes_nodeids", new long[] { 0, 1, 2, 3, 4, 5, 6, 0 })
                .Attr("nodes_featureids", new long[] { 0, 0, 1, 0, 0, 0, 0, 0 })
                .Attr("nodes_modes", new[] { mode, "LEAF", mode, mode, "LEAF", "LEAF", "LEAF", "LEAF" })
                .Attr("nodes_values", new[] { 0.5f, 0, 1f, 0.8f, 0, 0, 0, 0 })
                .Attr("nodes_truenodeids", new long[] { 1, 0, 3, 5, 0, 0, 0, 0 })
                .Attr("nodes_falsenodeids", new long[] { 2, 0, 4, 6, 0, 0, 0, 0 })
                .Attr("target_treeids", new long[] { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1 })
                .Attr("target_nodeids", new long[] { 1, 1, 4, 4, 5, 5, 6, 6, 0, 0 })
                .Attr("target_ids", new long[] { 0, 1, 0, 1, 0, 1, 0, 1, 0, 1 })
                .Attr("target_weights", new[] { 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 0.25f, 0.5f })
                .Attr("n_targets", 2L)
                .Attr("aggregate_function", aggregate);
            return g;
        }
        var rows = Enumerable.Range(0, 200).Select(i => new[] { i % 11 == 0 ? float.NaN : (i % 5) / 4f, i % 13 == 0 ? float.NaN : (i % 3) / 1f }).ToArray();
        var batch = Floats(Run(Model(mode, aggregate), Rows(rows))[0]);
        for (int i = 0; i < rows.Length; i++)
        {
            var one = Floats(Run(Model(mode, aggregate), Rows(rows[i]))[0]);
            Assert.Equal(one[0], batch[2 * i]);
            Assert.Equal(one[1], batch[2 * i + 1]);
        }
    }
}
