using UniML.Onnx;

namespace UniML.Engine.Internals.ShapeInference.Rules;

/// <summary>Sequence operators: only kinds and element types (an element's shape varies per item).</summary>
internal static class SequenceShapes
{
    public static IEnumerable<(string Op, ShapeRule Rule)> Rules()
    {
        yield return ("SequenceConstruct", node => node.SetOutput(0, InferredType.Sequence(InferredType.Tensor(node.Input(0).Element, null))));
        yield return ("SequenceEmpty", node =>
            node.SetOutput(0, InferredType.Sequence(InferredType.Tensor(node.Has("dtype") ? (ElementType)node.Int("dtype", 1) : ElementType.Float, null))));
        yield return ("SequenceLength", node => node.SetTensor(0, ElementType.Int64, []));
        yield return ("SequenceAt", node => node.SetTensor(0, node.Input(0).Inner?.Element ?? ElementType.Undefined, null));
        yield return ("SequenceInsert", SameSequence);
        yield return ("SequenceErase", SameSequence);
        yield return ("SplitToSequence", node => node.SetOutput(0, InferredType.Sequence(InferredType.Tensor(node.Input(0).Element, null))));
        yield return ("ConcatFromSequence", node => node.SetTensor(0, node.Input(0).Inner?.Element ?? ElementType.Undefined, null));
    }

    static void SameSequence(ShapeContext node)
    {
        var s = node.Input(0);
        if (s.Kind == ValueKind.Sequence) node.SetOutput(0, InferredType.Sequence(InferredType.Tensor(s.Inner?.Element ?? ElementType.Undefined, null)));
    }
}
