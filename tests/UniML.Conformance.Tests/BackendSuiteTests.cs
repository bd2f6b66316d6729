namespace UniML.Conformance.Tests;

/// <summary>
/// Every test of Debian's ONNX backend suites: a test whose operators UniML claims must pass; a test
/// using an unsupported operator is counted as unsupported (listed in docs/conformance.md), not hidden; a test
/// whose outputs are random draws must pass its checks (types, shapes, draw domains) without counting as passed.
/// </summary>
public class BackendSuiteTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        var root = ConformanceReport.DataRoot;
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"ONNX backend test data missing at {root}: apt-get install libonnx-testdata");
        foreach (var suite in ConformanceReport.Suites)
            foreach (var c in TestCase.Discover([Path.Combine(root, suite)]))
                data.Add(suite, c.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ClaimedOperatorsPass(string suite, string name)
    {
        var testCase = new TestCase(name, Path.Combine(ConformanceReport.DataRoot, suite, name));
        var outcome = TestRunner.Run(testCase);
        Assert.True(outcome.Status is TestStatus.Passed or TestStatus.RandomChecked or TestStatus.Unsupported or TestStatus.InvalidData, outcome.ToString());
    }
}
