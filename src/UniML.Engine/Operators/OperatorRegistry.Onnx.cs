using UniML.Engine.Operators.Onnx;

namespace UniML.Engine.Operators;

internal static partial class OperatorRegistry
{
    /// <summary>
    /// ai.onnx operators by family. Version lists are the ONNX specification's "since version" history of
    /// each operator (up to opset 22); minSupported is the oldest of those versions UniML implements.
    /// </summary>
    static IEnumerable<OperatorEntry> OnnxOperators() =>
    [
        // == Element-wise math, activations, comparison and logic, reductions, Cast, Softmax family, ArgMax/ArgMin ==
        Op("Relu", [1, 6, 13, 14], Unary.Relu, minSupported: 6),

        // == Tensor and shape manipulation, indexing, generators ==

        // == Neural-network layers: MatMul/Gemm, convolution, pooling, normalisation, recurrent ==

        // == Control flow and sequences ==
        Op("ConcatFromSequence", [11], Sequence.ConcatFrom),
        Op("If", [1, 11, 13, 16, 19, 21], If.Create),
        Op("Loop", [1, 11, 13, 16, 19, 21], Loop.Create),
        Op("OptionalGetElement", [15, 18], Optional.GetElement),
        Op("OptionalHasElement", [15, 18], Optional.HasElement),
        Op("Scan", [8, 9, 11, 16, 19, 21], Scan.Create, minSupported: 9),
        Op("SequenceAt", [11], Sequence.At),
        Op("SequenceConstruct", [11], Sequence.Construct),
        Op("SequenceEmpty", [11], Sequence.Empty),
        Op("SequenceErase", [11], Sequence.Erase),
        Op("SequenceInsert", [11], Sequence.Insert),
        Op("SequenceLength", [11], Sequence.Length),
        Op("SequenceMap", [17], SequenceMap.Create),
        Op("SplitToSequence", [11], Sequence.SplitTo),

    ];
}
