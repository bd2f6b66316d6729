using UniML.Onnx;

namespace UniML.Engine.Tests.ShapeInference;

public class OnnxMlShapesTests
{
    const string Ml = "ai.onnx.ml";

    static string RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "UniML.slnx"))) dir = Path.GetDirectoryName(dir);
        return dir!;
    }

    [Fact]
    public void BinaryLinearClassifierScoresTwoColumnsAndZipMapGivesMaps()
    {
        var g = new GraphBuilder().In("X", ElementType.Float, "N", 2);
        g.Node("LinearClassifier", ["X"], ["label", "scores"], Ml)
            .Attr("coefficients", new[] { 2f, -1f }).Attr("intercepts", new[] { 0.5f }).Attr("classlabels_ints", new long[] { 0, 1 });
        g.Node("ZipMap", ["scores"], ["maps"], Ml).Attr("classlabels_int64s", new long[] { 0, 1 });
        var s = g.Output("label").Output("maps").Build();
        Assert.Equal("tensor(int64) [N]", s.TypeOf("label"));
        Assert.Equal("tensor(float) [N,2]", s.TypeOf("scores"));
        Assert.Equal("seq(map(int64,tensor(float)))", s.TypeOf("maps"));
        // The outputs were declared without types: the session describes them from inference.
        Assert.Equal("label: tensor(int64) [N]", s.Outputs[0].ToString());
        Assert.Equal(ValueKind.Sequence, s.Outputs[1].Kind);
    }

    [Fact]
    public void TreeEnsembleRegressorHasOneColumnPerTarget()
    {
        var g = new GraphBuilder().In("X", ElementType.Float, "N", 2);
        g.Node("TreeEnsembleRegressor", ["X"], ["y"], Ml)
            .Attr("nodes_treeids", new long[] { 0, 0, 0 }).Attr("nodes_nodeids", new long[] { 0, 1, 2 })
            .Attr("nodes_featureids", new long[] { 0, 0, 0 }).Attr("nodes_modes", new[] { "BRANCH_LEQ", "LEAF", "LEAF" })
            .Attr("nodes_values", new[] { 0.5f, 0, 0 }).Attr("nodes_truenodeids", new long[] { 1, 0, 0 }).Attr("nodes_falsenodeids", new long[] { 2, 0, 0 })
            .Attr("target_treeids", new long[] { 0, 0 }).Attr("target_nodeids", new long[] { 1, 2 }).Attr("target_ids", new long[] { 0, 1 })
            .Attr("target_weights", new[] { 1f, 3f }).Attr("n_targets", 2L);
        Assert.Equal("tensor(float) [N,2]", g.Infer());
    }

    [Fact]
    public void ArrayFeatureExtractorScalerNormalizer()
    {
        var g = new GraphBuilder().In("X", ElementType.Float, "N", 5).Ints("idx", 0, 3, 4);
        g.Node("ArrayFeatureExtractor", ["X", "idx"], ["y"], Ml);
        Assert.Equal("tensor(float) [N,3]", g.Infer());

        g = new GraphBuilder().In("X", ElementType.Double, "N", 5);
        g.Node("Scaler", ["X"], ["s"], Ml).Attr("offset", new[] { 1f }).Attr("scale", new[] { 2f });
        g.Node("Normalizer", ["s"], ["y"], Ml).Attr("norm", "L2");
        Assert.Equal("tensor(float) [N,5]", g.Infer());
    }

    [Theory]
    [InlineData("logreg_multiclass_iris_zipmap", "output_probability", "seq(map(int64,tensor(float)))")]
    [InlineData("random_forest_classifier_digits", "probabilities", "tensor(float) [?,10]")]
    [InlineData("torch_lenet5_digits28", "/Flatten_output_0", "tensor(float) [batch,400]")]
    public void FixtureModels(string model, string value, string expected)
    {
        var session = InferenceSession.Load(Path.Combine(RepoRoot(), "testdata", "models", model, "model.onnx"));
        Assert.Equal(expected, session.TypeOf(value));
    }
}
