using UniML.Engine;
using UniML.Onnx;

namespace UniML.Conformance;

/// <summary>
/// Runs a backend-test folder: loads the model, feeds each data set's inputs, compares every output. A model
/// that draws random numbers is checked instead of compared (<see cref="RandomDraws"/>).
/// </summary>
public static class TestRunner
{
    public static TestOutcome Run(TestCase testCase, Tolerance? tolerance = null)
    {
        tolerance ??= Tolerance.Default;
        InferenceSession session;
        try
        {
            session = InferenceSession.Load(testCase.ModelPath);
        }
        catch (UnsupportedOperatorException e)
        {
            return new TestOutcome(testCase, TestStatus.Unsupported, e.Message, e.Operators, e.Reasons);
        }
        catch (Exception e) when (e is ModelLoadException or OnnxFormatException)
        {
            return new TestOutcome(testCase, TestStatus.Error, $"load failed: {e.Message}", []);
        }

        // A model that draws random numbers runs with its draws exposed, to check them (see RandomDraws).
        var draws = RandomDraws.Find(session.Model);
        var run = session;
        if (draws is not null)
        {
            try { run = InferenceSession.Compile(draws.ExposedModel, testCase.Directory, testCase.ModelPath); }
            catch (Exception e) when (e is ModelLoadException or NotSupportedException)
            {
                return new TestOutcome(testCase, TestStatus.Error, $"load failed with the random draws exposed as outputs: {e.Message}", []);
            }
        }
        var outputIndex = new Dictionary<string, int>();
        for (int k = 0; k < run.Outputs.Count; k++) outputIndex.TryAdd(run.Outputs[k].Name, k);

        int sets = 0;
        foreach (var dataSet in testCase.DataSets())
        {
            sets++;
            var setName = Path.GetFileName(dataSet);
            try
            {
                var inputs = new Value?[session.Inputs.Count];
                for (int i = 0; i < inputs.Length; i++)
                {
                    var file = Path.Combine(dataSet, $"input_{i}.pb");
                    inputs[i] = File.Exists(file) ? AsDeclared(OnnxValueConverter.ReadFile(file, session.Inputs[i].Kind), session.Inputs[i].ElementType) : null;
                }
                using var result = run.Run(inputs);
                int references = Directory.GetFiles(dataSet, "output_*.pb").Length;
                if (draws is not null && references != session.Outputs.Count)
                    return new TestOutcome(testCase, TestStatus.Failed, $"{setName}: the model has {session.Outputs.Count} output(s), the reference {references}", []);
                for (int k = 0; k < session.Outputs.Count; k++)
                {
                    var file = Path.Combine(dataSet, $"output_{k}.pb");
                    if (!File.Exists(file)) continue;
                    var expected = AsDeclared(OnnxValueConverter.ReadFile(file, session.Outputs[k].Kind), session.Outputs[k].ElementType);
                    var diff = draws is not null && draws.DependsOnDraws(session.Outputs[k].Name)
                        ? ValueComparer.CompareLayout(result.GetOptional(k), expected)
                        : ValueComparer.Compare(result.GetOptional(k), expected, tolerance);
                    if (diff is not null)
                        return new TestOutcome(testCase, TestStatus.Failed, $"{setName} output '{session.Outputs[k].Name}': {diff}", []);
                }
                if (draws?.CheckDomains(name => result.GetOptional(outputIndex[name])) is { } violation)
                    return new TestOutcome(testCase, TestStatus.Failed, $"{setName}: a random draw is outside its operator's domain: {violation}", []);
            }
            catch (InferenceInputException e)
            {
                return new TestOutcome(testCase, TestStatus.InvalidData, $"{setName}: the data set's inputs do not fit the model's declared inputs: {e.Message}", []);
            }
            catch (Exception e) when (e is InferenceException or OnnxFormatException or NotSupportedException)
            {
                return new TestOutcome(testCase, TestStatus.Failed, $"{setName}: {e.Message}", []);
            }
        }
        if (sets == 0)
            return new TestOutcome(testCase, TestStatus.Error, "no test_data_set_* folders", []);
        if (draws is not null)
        {
            var compared = session.Outputs.Select(o => o.Name).Where(n => !draws.DependsOnDraws(n)).ToList();
            return new TestOutcome(testCase, TestStatus.RandomChecked, draws.Describe(compared), []);
        }
        return new TestOutcome(testCase, TestStatus.Passed, "", []);
    }

    /// <summary>
    /// ONNX 1.12's test data stores bfloat16 tensors as uint16 (numpy has no bfloat16); read those bits as
    /// the bfloat16 the model declares.
    /// </summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(value))]
    static Value? AsDeclared(Value? value, ElementType declared)
    {
        if (declared != ElementType.BFloat16 || value is not Tensor { Type: ElementType.UInt16 } t) return value;
        var retyped = Tensor.Create(ElementType.BFloat16, t.Shape);
        t.Bytes().CopyTo(retyped.Bytes());
        return retyped;
    }
}
