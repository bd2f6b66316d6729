using UniML.Engine.Internals.ShapeInference;
using UniML.Onnx;
using Xunit.Abstractions;

namespace UniML.Engine.Tests.ShapeInference;

/// <summary>
/// The proof of the shape rules: every model in testdata/models and every ONNX backend test UniML can
/// load is run on its test_data_set_0, and every value of the main graph is compared with what
/// load-time inference said about it — element type, rank, every known dim, and that each symbol
/// stands for one size within the run. Any difference is a bug in a rule. Each model is checked three
/// ways (<see cref="Mode"/>): as declared, with every input dim unknown, and with every input but the
/// first made a constant, so rules that need constant operands (Resize's scales, OneHot's depth, Reshape's
/// shape...) compute their dims and are held to the run too.
/// </summary>
public class RunTimeCrossCheckTests(ITestOutputHelper output)
{
    const string BackendRoot = "/usr/share/libonnx-testdata/data";

    static string RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "UniML.slnx")))
            dir = Path.GetDirectoryName(dir);
        return dir ?? throw new InvalidOperationException("cannot find the repository root above " + AppContext.BaseDirectory);
    }

    static IEnumerable<string> ModelFolders()
    {
        foreach (var d in Directory.GetDirectories(Path.Combine(RepoRoot(), "testdata", "models")).Order(StringComparer.Ordinal))
            yield return d;
        foreach (var suite in (string[])["node", "simple", "pytorch-converted", "pytorch-operator"])
        {
            var root = Path.Combine(BackendRoot, suite);
            if (!Directory.Exists(root)) continue;
            foreach (var d in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
                if (File.Exists(Path.Combine(d, "model.onnx"))) yield return d;
        }
    }

    public enum Mode
    {
        /// <summary>The model as it is.</summary>
        Declared,

        /// <summary>Input dims replaced by unnamed unknowns; value_info and output shapes dropped.</summary>
        SymbolicInputs,

        /// <summary>Inputs after the first become initializers holding the test data; value_info and output shapes dropped.</summary>
        ConstantInputs,
    }

    [Theory]
    [InlineData(Mode.Declared)]
    [InlineData(Mode.SymbolicInputs)]
    [InlineData(Mode.ConstantInputs)]
    public void InferredShapesMatchRunTimeShapes(Mode mode)
    {
        Assert.True(Directory.Exists(Path.Combine(BackendRoot, "node")), $"ONNX backend test data missing at {BackendRoot}: apt-get install libonnx-testdata");
        var mismatches = new List<string>();
        var checkedOps = new HashSet<string>(StringComparer.Ordinal);
        int models = 0, values = 0, staticValues = 0, partialValues = 0, unknownValues = 0;
        foreach (var folder in ModelFolders())
        {
            var check = Check(folder, mode);
            if (check is null) continue;
            models++;
            values += check.Values;
            staticValues += check.Static;
            partialValues += check.Partial;
            unknownValues += check.Unknown;
            mismatches.AddRange(check.Mismatches);
            checkedOps.UnionWith(check.OpsWithKnownRank);
        }
        output.WriteLine($"{models} models run; {values} values checked: {staticValues} fully static, {partialValues} with symbolic or unknown dims, {unknownValues} of unknown rank or type");
        var neverChecked = ShapeRules.Covered.Where(r => r.Domain.Length == 0 && !checkedOps.Contains(r.Op)).Select(r => r.Op).Order(StringComparer.Ordinal);
        output.WriteLine($"ai.onnx operators with a rule whose outputs no run checked with a known rank: {string.Join(", ", neverChecked)}");
        foreach (var m in mismatches.Take(200)) output.WriteLine(m);
        Assert.True(models > 500, $"only {models} models ran");
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} mismatch(es):\n" + string.Join("\n", mismatches.Take(40)));
    }

    sealed record Outcome(int Values, int Static, int Partial, int Unknown, List<string> Mismatches, HashSet<string> OpsWithKnownRank);

    /// <summary>
    /// Outside <see cref="Mode.Declared"/>, the model's value_info and output shapes are dropped, so every dim
    /// inference still knows comes from the inputs, constants and rules.
    /// </summary>
    static Outcome? Check(string folder, Mode mode)
    {
        var name = Path.GetFileName(folder);
        var dataSet = Path.Combine(folder, "test_data_set_0");
        if (!Directory.Exists(dataSet)) return null;
        InferenceSession session;
        var path = Path.Combine(folder, "model.onnx");
        var model = OnnxFile.ReadModel(path);
        // Test data files are numbered by the model's own inputs (those that are not initializers).
        var initializers = model.Graph.Initializer.Select(t => t.Name).ToHashSet();
        var dataIndex = new Dictionary<string, int>();
        foreach (var input in model.Graph.Input)
            if (!initializers.Contains(input.Name)) dataIndex[input.Name] = dataIndex.Count;
        try
        {
            if (mode == Mode.Declared) session = InferenceSession.Load(path);
            else
            {
                if (mode == Mode.SymbolicInputs)
                {
                    foreach (var input in model.Graph.Input)
                        if (input.Type?.TensorType?.Shape is { } shape)
                            foreach (var dim in shape.Dim) { dim.ClearDimValue(); dim.ClearDimParam(); }
                }
                else
                {
                    int made = 0;
                    foreach (var (input, index) in dataIndex)
                    {
                        var file = Path.Combine(dataSet, $"input_{index}.pb");
                        if (index == 0 || !File.Exists(file) || model.Graph.Input.First(i => i.Name == input).Type?.TensorType is null) continue;
                        var tensor = OnnxFile.ReadTensor(file);
                        tensor.Name = input;
                        model.Graph.Initializer.Add(tensor);
                        made++;
                    }
                    if (made == 0) return null; // the same model as the declared run
                }
                model.Graph.ValueInfo.Clear();
                foreach (var o in model.Graph.Output)
                    if (o.Type?.TensorType is { } tt) tt.Shape = null;
                session = InferenceSession.Compile(model, folder, path);
            }
        }
        catch (UnsupportedOperatorException) { return null; }
        catch (ModelLoadException) when (mode != Mode.Declared) { return null; } // some kernels need a fixed declared shape
        catch (Exception e) when (mode == Mode.ConstantInputs && e is OnnxFormatException or NotSupportedException) { return null; }
        var inputs = new Value?[session.Inputs.Count];
        try
        {
            for (int i = 0; i < inputs.Length; i++)
            {
                var file = Path.Combine(dataSet, $"input_{dataIndex[session.Inputs[i].Name]}.pb");
                inputs[i] = File.Exists(file) ? OnnxValueConverter.ReadFile(file, session.Inputs[i].Kind) : null;
            }
        }
        catch (Exception e) when (e is OnnxFormatException or NotSupportedException) { return null; }

        var graph = session.Graph;
        try { session.Run(inputs).Dispose(); } // validates the inputs, and the run must succeed to be compared
        catch (Exception e) when (e is InferenceException or InferenceInputException) { return null; }

        // Run the plan step by step, checking each value as soon as it is written: planned buffers are
        // reused later in the run, so only shapes (not contents) would survive to its end.
        var mismatches = new List<string>();
        var sizes = new Dictionary<string, (long Size, string Where)>();
        var opsWithKnownRank = new HashSet<string>(StringComparer.Ordinal);
        int count = 0, fullyStatic = 0, partial = 0, unknown = 0;
        var frame = graph.Rent();
        try
        {
            for (int i = 0; i < inputs.Length; i++) frame.Values[graph.InputIds[i]] = inputs[i];
            for (int id = 0; id < graph.ValueCount; id++)
                if (frame.Values[id] is not null) Compare(id);
            foreach (var step in graph.Steps)
            {
                frame.Context.Enter(step);
                step.Kernel.Run(frame.Context);
                foreach (var id in step.Outputs)
                {
                    if (id < 0 || frame.Values[id] is null) continue;
                    Compare(id);
                    if (graph.ValueTypes[id].HasRank) opsWithKnownRank.Add(step.Label[..step.Label.IndexOf(' ')]);
                }
            }
        }
        finally { graph.Return(frame); }

        void Compare(int id)
        {
            var inferred = graph.ValueTypes[id];
            var actual = frame.Values[id]!;
            count++;
            var where = $"{name}: '{graph.ValueNames[id]}'";
            if (inferred.Kind == ValueKind.Unknown) { unknown++; return; }
            switch (inferred.Kind, actual)
            {
                case (ValueKind.Tensor, Tensor t):
                    if (inferred.Element != ElementType.Undefined && inferred.Element != t.Type)
                        mismatches.Add($"{where}: inferred {inferred}, ran as {t.TypeName} {t.ShapeString}");
                    if (!inferred.HasRank) { unknown++; return; }
                    if (inferred.Rank != t.Rank)
                    {
                        mismatches.Add($"{where}: inferred {inferred}, ran as {t.TypeName} {t.ShapeString}");
                        return;
                    }
                    if (inferred.IsStatic) fullyStatic++; else partial++;
                    for (int k = 0; k < t.Rank; k++)
                    {
                        var d = inferred.Dims![k];
                        if (d.IsKnown)
                        {
                            if (d.Value != t.Shape[k]) mismatches.Add($"{where}: inferred {inferred}, ran as {t.TypeName} {t.ShapeString}");
                        }
                        else if (!d.IsNamed)
                        {
                            // A symbol UniML made up claims equal sizes wherever it appears (model-named ones are the model's claim).
                            if (sizes.TryGetValue(d.Symbol!, out var seen) && seen.Size != t.Shape[k])
                                mismatches.Add($"{where}: dim {k} shares a symbol with {seen.Where} but is {t.Shape[k]}, not {seen.Size} ({inferred} vs {t.ShapeString})");
                            else sizes.TryAdd(d.Symbol!, (t.Shape[k], $"'{graph.ValueNames[id]}'"));
                        }
                    }
                    if (inferred.Elements is { } elements && t.Type is ElementType.Int64 or ElementType.Int32 && t.Length == elements.Length)
                    {
                        for (int k = 0; k < elements.Length; k++)
                        {
                            long v = t.Type == ElementType.Int64 ? t.Span<long>()[k] : t.Span<int>()[k];
                            if (elements[k].IsKnown && elements[k].Value != v)
                                mismatches.Add($"{where}: inferred elements {InferredType.DimsText(elements)}, ran with element {k} = {v}");
                        }
                    }
                    else if (inferred.Elements is not null)
                        mismatches.Add($"{where}: inferred elements {InferredType.DimsText(inferred.Elements)}, ran as {t.TypeName} {t.ShapeString}");
                    return;
                case (ValueKind.Sequence, SequenceValue):
                case (ValueKind.Map, MapValue):
                    fullyStatic++;
                    return;
                case (ValueKind.Optional, _):
                    partial++;
                    return;
                default:
                    mismatches.Add($"{where}: inferred {inferred}, ran as {actual.TypeName}");
                    return;
            }
        }
        return new Outcome(count, fullyStatic, partial, unknown, mismatches, opsWithKnownRank);
    }
}
