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
        Op("Concat", [1, 4, 11, 13], Concat.Create),
        Op("Constant", [1, 9, 11, 12, 13, 19, 21], Constant.Create),
        Op("ConstantOfShape", [9, 20, 21], ConstantOfShape.Create),
        Op("Expand", [8, 13], Expand.Create),
        Op("Flatten", [1, 9, 11, 13, 21], Flatten.Create),
        Op("Identity", [1, 13, 14, 16, 19, 21], Identity.Create),
        Op("Pad", [1, 2, 11, 13, 18, 19, 21], Pad.Create),
        Op("Reshape", [1, 5, 13, 14, 19, 21], Reshape.Create, minSupported: 5),
        Op("Shape", [1, 13, 15, 19, 21], Shape.Create),
        Op("Size", [1, 13, 19, 21], Size.Create),
        Op("Slice", [1, 10, 11, 13], Slice.Create),
        Op("Split", [1, 2, 11, 13, 18], Split.Create),
        Op("Squeeze", [1, 11, 13, 21], Squeeze.Create),
        Op("Tile", [1, 6, 13], Tile.Create, minSupported: 6),
        Op("Transpose", [1, 13, 21], Transpose.Create),
        Op("Unsqueeze", [1, 11, 13, 21], Unsqueeze.Create),

        // == Neural-network layers: MatMul/Gemm, convolution, pooling, normalisation, recurrent ==
        Op("MatMul", [1, 9, 13], MatMul.Create),
        Op("Gemm", [1, 6, 7, 9, 11, 13], GemmOperator.Create),
        Op("Conv", [1, 11, 22], Conv.Create),
        Op("MaxPool", [1, 8, 10, 11, 12, 22], Pool.MaxPool),
        Op("AveragePool", [1, 7, 10, 11, 19, 22], Pool.AveragePool),
        Op("LpPool", [1, 2, 11, 18, 22], Pool.LpPool),
        Op("GlobalAveragePool", [1, 22], GlobalPool.Average),
        Op("GlobalMaxPool", [1, 22], GlobalPool.Max),
        Op("BatchNormalization", [1, 6, 7, 9, 14, 15], BatchNormalization.Create),
        Op("InstanceNormalization", [1, 6, 22], InstanceNormalization.Create),
        Op("Dropout", [1, 6, 7, 10, 12, 13, 22], Dropout.Create),

        // == Control flow and sequences ==
        Op("ConcatFromSequence", [11], Sequence.ConcatFrom),
        Op("If", [1, 11, 13, 16, 19, 21], If.Create),
        Op("Loop", [1, 11, 13, 16, 19, 21], Loop.Create),
        Op("Optional", [15], Optional.Create),
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
