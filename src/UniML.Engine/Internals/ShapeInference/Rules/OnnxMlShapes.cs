using UniML.Onnx;

namespace UniML.Engine.Internals.ShapeInference.Rules;

/// <summary>
/// ai.onnx.ml operators used by scikit-learn exports. Their feature input is [N, F] (a 1-D input is one
/// row; higher ranks fold into rows × last dim, see <c>MlInput.Matrix</c>); classifiers give labels [N]
/// (int64 or string) and scores [N, classes]; ZipMap gives seq(map(label, float)).
/// </summary>
internal static class OnnxMlShapes
{
    public static IEnumerable<(string Op, ShapeRule Rule)> Rules()
    {
        yield return ("TreeEnsembleClassifier", TreeEnsembleClassifier);
        yield return ("TreeEnsembleRegressor", node => Scores(node, 0, node.Int("n_targets", 1)));
        yield return ("LinearClassifier", LinearClassifier);
        yield return ("LinearRegressor", node => Scores(node, 0, node.Int("targets", 1)));
        yield return ("SVMClassifier", SVMClassifier);
        yield return ("SVMRegressor", node => Scores(node, 0, 1));
        yield return ("Normalizer", node => node.SetTensor(0, ElementType.Float, node.Input(0).Dims));
        yield return ("Scaler", node => node.SetTensor(0, ElementType.Float, node.Input(0).Dims));
        yield return ("Binarizer", ElementWiseShapes.SameAsInput);
        yield return ("ArrayFeatureExtractor", ArrayFeatureExtractor);
        yield return ("ZipMap", ZipMap);
    }

    /// <summary>N, the number of rows of a feature input.</summary>
    static Dim Rows(ShapeContext node)
    {
        var x = node.Input(0);
        if (!x.HasRank) return node.Fresh();
        if (x.Rank <= 1) return Dim.Of(1);
        return x.Dims![^1].Is(0) ? node.Fresh() : TensorShapes.Product(node, x.Dims.AsSpan(0, x.Rank - 1));
    }

    static void Scores(ShapeContext node, int output, long width) =>
        node.SetTensor(output, ElementType.Float, [Rows(node), width > 0 ? Dim.Of(width) : node.Fresh()]);

    static void Labels(ShapeContext node, bool strings) =>
        node.SetTensor(0, strings ? ElementType.String : ElementType.Int64, [Rows(node)]);

    static void TreeEnsembleClassifier(ShapeContext node)
    {
        bool strings = node.StringsCount("classlabels_strings") > 0;
        Labels(node, strings);
        Scores(node, 1, strings ? node.StringsCount("classlabels_strings") : node.IntsCount("classlabels_int64s"));
    }

    static void LinearClassifier(ShapeContext node)
    {
        int labels = Math.Max(node.StringsCount("classlabels_strings"), node.IntsCount("classlabels_ints"));
        Labels(node, node.StringsCount("classlabels_strings") > 0);
        // One score per coefficient row; a single row for two classes is binary logistic regression, scored [-s, s].
        int weights = node.FloatsCount("coefficients");
        int intercepts = node.FloatsCount("intercepts");
        int rows = intercepts > 0 ? intercepts : labels > 0 ? labels : 1;
        if (rows == 2 && weights % 2 != 0) rows = 1;
        Scores(node, 1, rows == 1 && labels == 2 ? 2 : rows);
    }

    static void SVMClassifier(ShapeContext node)
    {
        bool strings = node.StringsCount("classlabels_strings") > 0;
        Labels(node, strings);
        long classes = Math.Max(Math.Max(node.StringsCount("classlabels_strings"), node.IntsCount("classlabels_ints")), 1);
        bool svc = node.IntsCount("vectors_per_class") > 0 && node.FloatsCount("support_vectors") > 0;
        bool probabilities = node.FloatsCount("prob_a") > 0;
        long raw = !svc || probabilities ? classes : classes * (classes - 1) / 2;
        // A binary SVC with one decision value reports both classes (except under PROBIT), as the kernel does.
        bool secondClass = raw == 1 && node.String("post_transform", "NONE") != "PROBIT" && node.FloatsCount("rho") == 1 && classes == 2;
        Scores(node, 1, secondClass ? 2 : raw);
    }

    static void ArrayFeatureExtractor(ShapeContext node)
    {
        var x = node.Input(0);
        var indices = node.Input(1);
        Dim selected = indices.HasRank ? TensorShapes.Product(node, indices.Dims) : node.Fresh();
        if (!x.HasRank || x.Rank == 0)
        {
            node.SetTensor(0, x.Element, null);
            return;
        }
        var dims = x.Rank == 1 ? [Dim.Of(1), selected] : x.Dims![..^1].Append(selected).ToArray();
        node.SetTensor(0, x.Element, dims);
    }

    static void ZipMap(ShapeContext node)
    {
        var key = node.StringsCount("classlabels_strings") > 0 ? ElementType.String : ElementType.Int64;
        node.SetOutput(0, InferredType.Sequence(InferredType.Map(key, InferredType.Tensor(ElementType.Float, null))));
    }
}
