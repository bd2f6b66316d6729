namespace UniML.Conformance;

public enum TestStatus { Passed, Failed, Unsupported, Error }

/// <summary>The result of one test case: its status and, unless passed, why.</summary>
public sealed record TestOutcome(TestCase Case, TestStatus Status, string Message, IReadOnlyList<UniML.Engine.OperatorId> Unsupported)
{
    public override string ToString() => Status switch
    {
        TestStatus.Passed => $"PASS  {Case.Name}",
        TestStatus.Unsupported => $"UNSUPPORTED  {Case.Name}: {Message}",
        TestStatus.Failed => $"FAIL  {Case.Name}: {Message}",
        _ => $"ERROR {Case.Name}: {Message}",
    };
}
