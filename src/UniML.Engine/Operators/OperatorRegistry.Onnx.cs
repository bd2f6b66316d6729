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

    ];
}
