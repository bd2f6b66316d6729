using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.OnnxMl;

/// <summary>
/// TreeEnsembleRegressor (ai.onnx.ml 1, 3): per-target leaf weights aggregated over trees (SUM, AVERAGE,
/// MIN, MAX), then base values added, then post_transform.
/// </summary>
internal sealed class TreeEnsembleRegressor : Kernel
{
    readonly CompiledTreeEnsemble _trees;
    readonly double[]? _base;
    readonly PostTransform _post;
    readonly TreeAggregate _aggregate;

    TreeEnsembleRegressor(CompiledTreeEnsemble trees, double[]? baseValues, PostTransform post, TreeAggregate aggregate)
    {
        _trees = trees;
        _base = baseValues;
        _post = post;
        _aggregate = aggregate;
    }

    public static Kernel Create(NodeInfo node)
    {
        MlAttributes.RejectUnknown(node, "aggregate_function", "base_values", "base_values_as_tensor", "n_targets", "nodes_falsenodeids",
            "nodes_featureids", "nodes_hitrates", "nodes_hitrates_as_tensor", "nodes_missing_value_tracks_true", "nodes_modes",
            "nodes_nodeids", "nodes_treeids", "nodes_truenodeids", "nodes_values", "nodes_values_as_tensor", "post_transform",
            "target_ids", "target_nodeids", "target_treeids", "target_weights", "target_weights_as_tensor");
        MlInput.CheckNumeric(node);
        var aggregateName = node.GetString("aggregate_function", "SUM");
        TreeAggregate aggregate = aggregateName switch
        {
            "SUM" => TreeAggregate.Sum,
            "AVERAGE" => TreeAggregate.Average,
            "MIN" => TreeAggregate.Min,
            "MAX" => TreeAggregate.Max,
            _ => throw node.Unsupported($"aggregate_function '{aggregateName}' is not supported"),
        };
        long targets = node.GetInt("n_targets", 1);
        if (targets <= 0 || targets > int.MaxValue) throw node.Invalid($"n_targets {targets} must be positive");
        var baseValues = MlAttributes.Reals(node, "base_values");
        if (baseValues is { Length: 0 }) baseValues = null;
        if (baseValues is not null && baseValues.Length != targets && baseValues.Length != 1)
            throw node.Invalid($"base_values has {baseValues.Length} values for {targets} targets");
        var trees = new CompiledTreeEnsemble(TreeEnsembleAttributes.FromV1(node, "target", (int)targets), node);
        return new TreeEnsembleRegressor(trees, baseValues, MlAttributes.PostTransform(node), aggregate);
    }

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        MlInput.Matrix(x, out int rows, out int columns);
        int targets = _trees.Targets;
        var scores = context.Scratch<double>(rows * targets, 0);
        _trees.EvaluateTensor(context, x, rows, columns, scores, _aggregate);
        var y = context.Output(0, ElementType.Float, [rows, targets]).Span<float>();
        for (int r = 0; r < rows; r++)
        {
            var dst = y.Slice(r * targets, targets);
            for (int k = 0; k < targets; k++)
                dst[k] = (float)(scores[r * targets + k] + (_base is null ? 0 : _base.Length == 1 ? _base[0] : _base[k]));
            if (_post != PostTransform.None) PostTransforms.Apply(_post, dst);
        }
    }
}
