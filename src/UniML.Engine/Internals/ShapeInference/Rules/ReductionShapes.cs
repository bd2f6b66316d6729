using UniML.Onnx;

namespace UniML.Engine.Internals.ShapeInference.Rules;

/// <summary>
/// Reductions (axes from the attribute, or from a constant input from ReduceSum 13 / the others 18),
/// ArgMax/ArgMin (int64), and the operators that keep their input's shape along an axis (Softmax family, CumSum).
/// </summary>
internal static class ReductionShapes
{
    static readonly string[] Reduce =
        ["ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSum", "ReduceSumSquare"];

    public static IEnumerable<(string Op, ShapeRule Rule)> Rules()
    {
        foreach (var op in Reduce) yield return (op, Reduction);
        yield return ("ArgMax", ArgExtreme);
        yield return ("ArgMin", ArgExtreme);
        foreach (var op in (string[])["Softmax", "LogSoftmax", "Hardmax", "CumSum"]) yield return (op, ElementWiseShapes.SameAsInput);
    }

    static void Reduction(ShapeContext node)
    {
        var x = node.Input(0);
        if (!x.IsTensor) return;
        bool keep = node.Int("keepdims", 1) != 0;
        bool axesAsInput = node.Opset >= (node.Node.OpType == "ReduceSum" ? 13 : 18);
        long[]? axes;
        if (axesAsInput)
        {
            if (node.HasInput(1))
            {
                axes = node.ConstantInts(1);
                if (axes is null)
                {
                    // Axes known only at run time: with keepdims the rank is still the input's.
                    node.SetTensor(0, x.Element, keep && x.HasRank ? node.FreshDims(x.Rank) : null);
                    return;
                }
            }
            else axes = [];
            if (axes.Length == 0 && node.Int("noop_with_empty_axes", 0) != 0)
            {
                node.SetTensor(0, x.Element, x.Dims);
                return;
            }
        }
        else axes = node.Ints("axes") ?? [];

        if (axes.Length == 0)
        {
            // Every axis is reduced.
            node.SetTensor(0, x.Element, keep ? (x.HasRank ? Ones(x.Rank) : null) : []);
            return;
        }
        if (!x.HasRank)
        {
            node.SetTensor(0, x.Element, null);
            return;
        }
        var reduced = new bool[x.Rank];
        foreach (var a in axes)
        {
            if (ShapeContext.Axis(a, x.Rank) is not { } axis) return;
            reduced[axis] = true;
        }
        var dims = new List<Dim>();
        for (int i = 0; i < x.Rank; i++)
        {
            if (!reduced[i]) dims.Add(x.Dims![i]);
            else if (keep) dims.Add(Dim.Of(1));
        }
        node.SetTensor(0, x.Element, dims.ToArray());
    }

    static void ArgExtreme(ShapeContext node)
    {
        var x = node.Input(0);
        bool keep = node.Int("keepdims", 1) != 0;
        if (!x.HasRank)
        {
            node.SetTensor(0, ElementType.Int64, null);
            return;
        }
        if (ShapeContext.Axis(node.Int("axis", 0), x.Rank) is not { } axis) return;
        var dims = new List<Dim>(x.Dims!);
        if (keep) dims[axis] = Dim.Of(1);
        else dims.RemoveAt(axis);
        node.SetTensor(0, ElementType.Int64, dims.ToArray());
    }

    public static Dim[] Ones(int rank)
    {
        var dims = new Dim[rank];
        Array.Fill(dims, Dim.Of(1));
        return dims;
    }
}
