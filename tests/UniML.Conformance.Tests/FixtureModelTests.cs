namespace UniML.Conformance.Tests;

/// <summary>The real scikit-learn and PyTorch exports in testdata/models must reproduce their frameworks' outputs.</summary>
public class FixtureModelTests
{
    /// <summary>Every fixture folder: all of them must pass.</summary>
    public static TheoryData<string> Fixtures()
    {
        var data = new TheoryData<string>();
        foreach (var c in TestCase.Discover([RepoPaths.Models]))
            data.Add(c.Name);
        return data;
    }

    [Fact]
    public void AllSharedFixturesAreBundled()
    {
        // The repository copy must cover ../shared/models when it is present beside the checkout.
        var shared = Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "models"));
        if (!Directory.Exists(shared)) return;
        foreach (var dir in Directory.GetDirectories(shared))
            Assert.True(Directory.Exists(Path.Combine(RepoPaths.Models, Path.GetFileName(dir))), $"{Path.GetFileName(dir)} is in shared/models but not in testdata/models");
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void MatchesFrameworkOutputs(string name)
    {
        var outcome = TestRunner.Run(new TestCase(name, Path.Combine(RepoPaths.Models, name)));
        Assert.True(outcome.Status == TestStatus.Passed, outcome.ToString());
    }
}
