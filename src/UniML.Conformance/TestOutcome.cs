namespace UniML.Conformance;

/// <summary>
/// InvalidData: the test data set's inputs do not fit the model's own declared input types or fixed dims
/// (a defect in the test data, which UniML's input validation refuses as ONNX Runtime does).
/// </summary>
public enum TestStatus { Passed, Failed, Unsupported, Error, InvalidData }

/// <summary>The result of one test case: its status and, unless passed, why.</summary>
public sealed record TestOutcome(TestCase Case, TestStatus Status, string Message, IReadOnlyList<UniML.Engine.OperatorId> Unsupported, IReadOnlyList<string>? UnsupportedReasons = null)
{
    public override string ToString() => Status switch
    {
        TestStatus.Passed => $"PASS  {Case.Name}",
        TestStatus.Unsupported => $"UNSUPPORTED  {Case.Name}: {Message}",
        TestStatus.Failed => $"FAIL  {Case.Name}: {Message}",
        TestStatus.InvalidData => $"INVALID-DATA  {Case.Name}: {Message}",
        _ => $"ERROR {Case.Name}: {Message}",
    };
}
