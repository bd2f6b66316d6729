namespace UniML.Engine;

/// <summary>A model could not be compiled: malformed graph, bad attribute, unsupported operator or type.</summary>
public class ModelLoadException : Exception
{
    public ModelLoadException(string message) : base(message) { }
    public ModelLoadException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>An operator the engine does not implement, identified as the ONNX specification does.</summary>
public readonly record struct OperatorId(string Domain, string OpType, int Opset)
{
    public override string ToString() => $"{(Domain.Length == 0 ? "ai.onnx" : Domain)}::{OpType} (opset {Opset})";
}

/// <summary>The model uses operators (or operator versions) UniML does not implement; all of them are listed.</summary>
public sealed class UnsupportedOperatorException : ModelLoadException
{
    public UnsupportedOperatorException(IReadOnlyList<OperatorId> operators, IReadOnlyList<string> reasons)
        : base(BuildMessage(operators, reasons))
    {
        Operators = operators;
        Reasons = reasons;
    }

    public IReadOnlyList<OperatorId> Operators { get; }
    public IReadOnlyList<string> Reasons { get; }

    static string BuildMessage(IReadOnlyList<OperatorId> operators, IReadOnlyList<string> reasons)
    {
        var lines = new List<string>();
        for (int i = 0; i < operators.Count; i++)
            lines.Add(reasons[i].Length > 0 ? $"{operators[i]}: {reasons[i]}" : operators[i].ToString());
        return $"unsupported operator{(operators.Count == 1 ? "" : "s")}: {string.Join("; ", lines)}";
    }
}

/// <summary>The caller's inputs do not fit the model: wrong count, name, element type, rank or dimension.</summary>
public sealed class InferenceInputException : Exception
{
    public InferenceInputException(string message) : base(message) { }
}

/// <summary>A kernel failed while running (for example, shapes that cannot broadcast); names the node.</summary>
public sealed class InferenceException : Exception
{
    public InferenceException(string message, Exception? inner = null) : base(message, inner) { }
}
