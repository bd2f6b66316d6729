using UniML.Engine.Operators.Onnx;

namespace UniML.Engine.Operators;

internal static partial class OperatorRegistry
{
    /// <summary>ai.onnx operators, alphabetical. Version lists are the ONNX specification's "since version" history.</summary>
    static IEnumerable<OperatorEntry> OnnxOperators() =>
    [
        Op("Relu", [1, 6, 13, 14], Unary.Relu, minSupported: 6),
    ];
}
