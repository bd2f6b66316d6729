using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.OnnxMl;

/// <summary>
/// TreeEnsembleClassifier (ai.onnx.ml 1, 3): class scores summed over trees plus base values, then
/// post_transform; the label is the class with the highest transformed score. When every leaf weight
/// names the same class of a two-class problem, the score s is that class's and the other gets 1−s
/// (NONE, PROBIT) or −s (other transforms), as the ONNX reference does.
/// </summary>
internal sealed class TreeEnsembleClassifier : Kernel
{
    readonly CompiledTreeEnsemble _trees;
    readonly double[]? _base;
    readonly PostTransform _post;
    readonly long[]? _labelsInt;
    readonly string[]? _labelsString;
    readonly int _binaryClass; // the single class id carrying weights in the binary case, else -1

    TreeEnsembleClassifier(CompiledTreeEnsemble trees, double[]? baseValues, PostTransform post, long[]? labelsInt, string[]? labelsString, int binaryClass)
    {
        _trees = trees;
        _base = baseValues;
        _post = post;
        _labelsInt = labelsInt;
        _labelsString = labelsString;
        _binaryClass = binaryClass;
    }

    public static Kernel Create(NodeInfo node)
    {
        MlAttributes.RejectUnknown(node, "base_values", "base_values_as_tensor", "class_ids", "class_nodeids", "class_treeids",
            "class_weights", "class_weights_as_tensor", "classlabels_int64s", "classlabels_strings", "nodes_falsenodeids",
            "nodes_featureids", "nodes_hitrates", "nodes_hitrates_as_tensor", "nodes_missing_value_tracks_true", "nodes_modes",
            "nodes_nodeids", "nodes_treeids", "nodes_truenodeids", "nodes_values", "nodes_values_as_tensor", "post_transform");
        MlInput.CheckNumeric(node);
        var labelsInt = node.GetInts("classlabels_int64s");
        var labelsString = node.GetStrings("classlabels_strings");
        if (labelsInt is { Length: 0 }) labelsInt = null;
        if (labelsString is { Length: 0 }) labelsString = null;
        if ((labelsInt is null) == (labelsString is null))
            throw node.Invalid("exactly one of classlabels_int64s and classlabels_strings must be set");
        int classes = labelsInt?.Length ?? labelsString!.Length;
        if (classes < 2) throw node.Unsupported($"{classes} class label(s) is not supported (at least 2)");
        var post = MlAttributes.PostTransform(node);
        var baseValues = MlAttributes.Reals(node, "base_values");
        if (baseValues is { Length: 0 }) baseValues = null;
        if (baseValues is not null && baseValues.Length != classes && baseValues.Length != 1)
            throw node.Invalid($"base_values has {baseValues.Length} values for {classes} classes");
        var source = TreeEnsembleAttributes.FromV1(node, "class", classes);
        var trees = new CompiledTreeEnsemble(source, node);
        int binaryClass = -1;
        var ids = node.GetInts("class_ids") ?? [];
        if (classes == 2 && ids.Length > 0 && ids.All(i => i == ids[0])) binaryClass = (int)ids[0];
        return new TreeEnsembleClassifier(trees, baseValues, post, labelsInt, labelsString, binaryClass);
    }

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        MlInput.Matrix(x, out int rows, out int columns);
        int classes = _trees.Targets;
        var scores = context.Scratch<double>(rows * classes, 0);
        _trees.EvaluateTensor(context, x, rows, columns, scores, TreeAggregate.Sum);

        var y = context.Output(1, ElementType.Float, [rows, classes]).Span<float>();
        var labelIndex = context.Scratch<int>(rows, 3);
        for (int r = 0; r < rows; r++)
        {
            var src = scores.Slice(r * classes, classes);
            var dst = y.Slice(r * classes, classes);
            for (int k = 0; k < classes; k++)
                dst[k] = (float)(src[k] + (_base is null ? 0 : _base.Length == 1 ? _base[0] : _base[k]));
            if (_binaryClass >= 0)
            {
                float s = dst[_binaryClass];
                dst[1] = s;
                dst[0] = _post is PostTransform.None or PostTransform.Probit ? 1 - s : -s;
            }
            PostTransforms.Apply(_post, dst);
            labelIndex[r] = ArgMax(dst);
        }
        var labels = context.Output(0, _labelsString is null ? ElementType.Int64 : ElementType.String, [rows]);
        if (_labelsString is null)
        {
            var l = labels.Span<long>();
            for (int r = 0; r < rows; r++) l[r] = _labelsInt![labelIndex[r]];
        }
        else
        {
            var l = labels.Strings();
            for (int r = 0; r < rows; r++) l[r] = _labelsString[labelIndex[r]];
        }
    }

    /// <summary>Index of the first maximum (NaN never wins).</summary>
    internal static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int k = 1; k < row.Length; k++)
            if (row[k] > row[best] || float.IsNaN(row[best])) best = k;
        return best;
    }
}
