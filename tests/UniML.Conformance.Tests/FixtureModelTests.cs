namespace UniML.Conformance.Tests;

/// <summary>The real scikit-learn and PyTorch exports in testdata/models must reproduce their frameworks' outputs.</summary>
public class FixtureModelTests
{
    public static TheoryData<string> Fixtures()
    {
        var data = new TheoryData<string>();
        foreach (var c in TestCase.Discover([RepoPaths.Models]))
            if (Required.Contains(c.Name)) data.Add(c.Name);
        return data;
    }

    /// <summary>Fixtures that must pass; each fixture joins this list when its operators land.</summary>
    static readonly HashSet<string> Required =
    [
        "torch_mlp_tabular", "torch_lenet5_digits28",
        "decision_tree_classifier_wine", "gradient_boosting_regressor_diabetes", "linear_regression_diabetes",
        "linear_svc_multiclass_synth", "logreg_binary_breast_cancer", "logreg_multiclass_iris",
        "pipeline_scaler_logreg_breast_cancer", "random_forest_classifier_digits",
    ];

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void MatchesFrameworkOutputs(string name)
    {
        var outcome = TestRunner.Run(new TestCase(name, Path.Combine(RepoPaths.Models, name)));
        Assert.True(outcome.Status == TestStatus.Passed, outcome.ToString());
    }
}
