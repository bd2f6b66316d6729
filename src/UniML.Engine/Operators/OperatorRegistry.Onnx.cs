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
        Op("ConvTranspose", [1, 11, 22], ConvTranspose.Create),
        Op("MaxUnpool", [9, 11, 22], MaxUnpool.Create),
        Op("LayerNormalization", [17], LayerNormalization.Create),
        Op("LRN", [1, 13], Lrn.Create),
        Op("MeanVarianceNormalization", [9, 13], MeanVarianceNormalization.Create),
        Op("RNN", [1, 7, 14, 22], Recurrent.Rnn, minSupported: 7),
        Op("GRU", [1, 3, 7, 14, 22], Recurrent.Gru, minSupported: 7),
        Op("LSTM", [1, 7, 14, 22], Recurrent.Lstm, minSupported: 7),
        Op("Einsum", [12], Einsum.Create),
        Op("QuantizeLinear", [10, 13, 19, 21], Quantization.QuantizeLinear, minSupported: 10),
        Op("DequantizeLinear", [10, 13, 19, 21], Quantization.DequantizeLinear, minSupported: 10),
        Op("DynamicQuantizeLinear", [11], Quantization.DynamicQuantizeLinear),
        Op("MatMulInteger", [10], MatMulInteger.Create),
        Op("QLinearMatMul", [10, 21], MatMulInteger.QLinear),
        Op("ConvInteger", [10], ConvInteger.Create),
        Op("QLinearConv", [10], ConvInteger.QLinear),
        Op("NonMaxSuppression", [10, 11], NonMaxSuppression.Create),

        // == Control flow and sequences ==

    ];
}
