namespace UniML.Conformance;

/// <summary>
/// InvalidData: the test data set's inputs do not fit the model's own declared input types or fixed dims
/// (a defect in the test data, which UniML's input validation refuses as ONNX Runtime does).
/// RandomChecked: the model draws random numbers (<see cref="RandomDraws"/>), so its outputs cannot equal
/// the reference's; the run was checked for output count, types, shapes and each draw's domain, and values
/// were not compared. It is not a pass.
/// </summary>
public enum TestStatus { Passed, Failed, Unsupported, Error, InvalidData, RandomChecked }

/// <summary>The result of one test case: its status and, unless passed, why.</summary>
public sealed record TestOutcome(TestCase Case, TestStatus Status, string Message, IReadOnlyList<UniML.Engine.OperatorId> Unsupported, IReadOnlyList<string>? UnsupportedReasons = null)
{
    public override string ToString() => Status switch
    {
        TestStatus.Passed => $"PASS  {Case.Name}",
        TestStatus.RandomChecked => $"RANDOM  {Case.Name}: {Message}",
        TestStatus.Unsupported => $"UNSUPPORTED  {Case.Name}: {Message}",
        TestStatus.Failed => $"FAIL  {Case.Name}: {Message}",
        TestStatus.InvalidData => $"INVALID-DATA  {Case.Name}: {Message}",
        _ => $"ERROR {Case.Name}: {Message}",
    };
}
