
namespace UniML.Engine.Operators;

internal static partial class OperatorRegistry
{
    /// <summary>ai.onnx.ml operators, alphabetical.</summary>
    static IEnumerable<OperatorEntry> OnnxMlOperators() =>
    [
    ];
}
