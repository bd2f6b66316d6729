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
        Op("BlackmanWindow", [17], Windows.Blackman),
        Op("Compress", [9, 11], Compress.Create),
        Op("Concat", [1, 4, 11, 13], Concat.Create),
        Op("Constant", [1, 9, 11, 12, 13, 19, 21], Constant.Create),
        Op("ConstantOfShape", [9, 20, 21], ConstantOfShape.Create),
        Op("DFT", [17, 20], DFT.Create),
        Op("DepthToSpace", [1, 11, 13], DepthToSpace.Create),
        Op("Expand", [8, 13], Expand.Create),
        Op("EyeLike", [9, 22], EyeLike.Create),
        Op("Flatten", [1, 9, 11, 13, 21], Flatten.Create),
        Op("Gather", [1, 11, 13], Gather.Create),
        Op("GatherElements", [11, 13], GatherElements.Create),
        Op("GatherND", [11, 12, 13], GatherND.Create),
        Op("HammingWindow", [17], Windows.Hamming),
        Op("HannWindow", [17], Windows.Hann),
        Op("Identity", [1, 13, 14, 16, 19, 21], Identity.Create),
        Op("MelWeightMatrix", [17], MelWeightMatrix.Create),
        Op("NonZero", [9, 13], NonZero.Create),
        Op("OneHot", [9, 11], OneHot.Create),
        Op("Pad", [1, 2, 11, 13, 18, 19, 21], Pad.Create),
        Op("Range", [11], Onnx.Range.Create),
        Op("Reshape", [1, 5, 13, 14, 19, 21], Reshape.Create, minSupported: 5),
        Op("Resize", [10, 11, 13, 18, 19], Resize.Create),
        Op("ReverseSequence", [10], ReverseSequence.Create),
        Op("STFT", [17], DFT.CreateStft),
        Op("Scatter", [9, 11], Scatter.Create),
        Op("ScatterElements", [11, 13, 16, 18], ScatterElements.Create),
        Op("ScatterND", [11, 13, 16, 18], ScatterND.Create),
        Op("Shape", [1, 13, 15, 19, 21], Shape.Create),
        Op("Size", [1, 13, 19, 21], Size.Create),
        Op("Slice", [1, 10, 11, 13], Slice.Create),
        Op("SpaceToDepth", [1, 13], DepthToSpace.CreateSpaceToDepth),
        Op("Split", [1, 2, 11, 13, 18], Split.Create),
        Op("Squeeze", [1, 11, 13, 21], Squeeze.Create),
        Op("StringNormalizer", [10], StringNormalizer.Create),
        Op("TfIdfVectorizer", [9], TfIdfVectorizer.Create),
        Op("Tile", [1, 6, 13], Tile.Create, minSupported: 6),
        Op("TopK", [1, 10, 11], TopK.Create),
        Op("Transpose", [1, 13, 21], Transpose.Create),
        Op("Trilu", [14], Trilu.Create),
        Op("Unique", [11], Unique.Create),
        Op("Unsqueeze", [1, 11, 13, 21], Unsqueeze.Create),
        Op("Upsample", [7, 9, 10], Resize.CreateUpsample),

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

    ];
}
