namespace UniML.Conformance;

/// <summary>A folder in the ONNX backend-test layout: model.onnx and test_data_set_N/{input,output}_K.pb.</summary>
public sealed record TestCase(string Name, string Directory)
{
    public string ModelPath => Path.Combine(Directory, "model.onnx");

    /// <summary>Every test case at or under the given paths: a folder holding model.onnx is one case; otherwise its subfolders are searched.</summary>
    public static List<TestCase> Discover(IEnumerable<string> paths)
    {
        var cases = new List<TestCase>();
        foreach (var path in paths)
        {
            if (!System.IO.Directory.Exists(path))
                throw new DirectoryNotFoundException($"'{path}' is not a directory");
            Collect(Path.GetFullPath(path), cases, 0);
        }
        return cases;
    }

    static void Collect(string dir, List<TestCase> cases, int depth)
    {
        if (File.Exists(Path.Combine(dir, "model.onnx")))
        {
            cases.Add(new TestCase(Path.GetFileName(dir), dir));
            return;
        }
        if (depth > 8) return;
        foreach (var sub in System.IO.Directory.GetDirectories(dir).OrderBy(d => d, StringComparer.Ordinal))
            Collect(sub, cases, depth + 1);
    }

    public IEnumerable<string> DataSets() =>
        System.IO.Directory.GetDirectories(Directory, "test_data_set_*").OrderBy(d => d, StringComparer.Ordinal);
}
