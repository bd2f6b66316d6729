using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics.X86;
using System.Text;
using System.Text.Json;
using UniML.Bench;
using UniML.Engine;

// uniml-bench: UniML vs ONNX Runtime (1 intra-op thread) side by side in one process, plus
// scikit-learn's own predict timed in Python on the same rows; prints latencies and ratios.
var models = new Option<string>("--models") { Description = "Folder of model folders (model.onnx + test_data_set_0).", DefaultValueFactory = _ => "testdata/models" };
var batches = new Option<string>("--batches") { Description = "Comma-separated batch sizes.", DefaultValueFactory = _ => "1,1000" };
var seconds = new Option<double>("--seconds") { Description = "Timing budget per engine, model and batch size.", DefaultValueFactory = _ => 1.0 };
var sklearn = new Option<bool>("--sklearn") { Description = "Also time scikit-learn (runs bench/sklearn_baseline.py with /usr/bin/python3)." };
var markdown = new Option<string?>("--markdown") { Description = "Write the results table to this Markdown file." };
var only = new Option<string[]>("--only") { Description = "Model folder names to run (default: all)." };
var root = new RootCommand("Compare UniML with ONNX Runtime (and scikit-learn) on the fixture models.") { models, batches, seconds, sklearn, markdown, only };
root.SetAction(parse =>
{
    var dir = parse.GetValue(models)!;
    var sizes = parse.GetValue(batches)!.Split(',').Select(int.Parse).ToArray();
    var budget = TimeSpan.FromSeconds(parse.GetValue(seconds));
    var filter = parse.GetValue(only) ?? [];
    var folders = Directory.GetDirectories(dir).Where(d => File.Exists(Path.Combine(d, "model.onnx")))
        .Where(d => filter.Length == 0 || filter.Contains(Path.GetFileName(d))).OrderBy(d => d, StringComparer.Ordinal).ToList();

    var loadBefore = LoadAverage();
    Dictionary<string, JsonElement>? sk = null;
    if (parse.GetValue(sklearn))
        sk = SklearnBaseline.Run(dir, parse.GetValue(seconds), filter);

    var rows = new List<string>();
    foreach (var folder in folders)
    {
        var name = Path.GetFileName(folder);
        var path = Path.Combine(folder, "model.onnx");
        var cells = new List<string> { name };
        double allocated = double.NaN;
        foreach (var batch in sizes)
        {
            try
            {
                var session = UniML.Engine.InferenceSession.Load(path);
                var inputs = BenchInputs.Load(folder, session.Inputs[0].Name, batch);
                using var uniml = new UniMLEngine(path, inputs);
                using var ort = new OrtEngine(path, inputs, threads: 1);
                var medians = Timing.Medians([uniml, ort], budget, out _);
                if (batch == 1) allocated = Timing.AllocatedBytesPerRun(uniml, 2000);
                var skUs = sk is not null && sk.TryGetValue(name, out var s) ? s.GetProperty(batch == 1 ? "b1" : "b1000").GetDouble() : double.NaN;
                cells.Add(Us(medians[0]));
                cells.Add(Us(medians[1]));
                cells.Add($"**{medians[0] / medians[1]:0.00}x**");
                if (sk is not null) cells.Add(double.IsNaN(skUs) ? "-" : $"{Us(skUs)} ({skUs / medians[0]:0.#}x)");
                Console.WriteLine($"{name} b{batch}: UniML {Us(medians[0])} us, ORT {Us(medians[1])} us, ratio {medians[0] / medians[1]:0.00}" +
                    (double.IsNaN(skUs) ? "" : $", sklearn {Us(skUs)} us ({skUs / medians[0]:0.#}x UniML)"));
            }
            catch (UnsupportedOperatorException e)
            {
                Console.WriteLine($"{name} b{batch}: UniML cannot load it: {e.Message}");
                cells.AddRange(sk is null ? ["unsupported", "-", "-"] : ["unsupported", "-", "-", "-"]);
            }
        }
        cells.Add(double.IsNaN(allocated) ? "-" : $"{allocated:0}");
        rows.Add("| " + string.Join(" | ", cells) + " |");
    }

    if (parse.GetValue(markdown) is { } file)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# UniML vs ONNX Runtime{(sk is not null ? " vs scikit-learn" : "")}");
        sb.AppendLine();
        sb.AppendLine($"Date: {DateTime.UtcNow:yyyy-MM-dd}. CPU: {CpuName()} ({Environment.ProcessorCount} logical CPUs; AVX-512F: {Avx512F.IsSupported}).");
        sb.AppendLine($"Machine load (1-minute load average, /proc/loadavg) at start: {loadBefore}, at end: {LoadAverage()}. The host is shared: with load above the CPU count, absolute times are inflated and ratios are noisier (repeat before believing a close one).");
        sb.AppendLine($"Command: `dotnet run -c Release --project bench/UniML.Bench -- {string.Join(' ', Environment.GetCommandLineArgs().Skip(1))}`");
        sb.AppendLine();
        sb.AppendLine("Median microseconds per call, single-threaded, measured side by side in one process (rounds alternate engines).");
        sb.AppendLine("ONNX Runtime " + typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version + " with IntraOpNumThreads=1, through the OrtValue API.");
        sb.AppendLine("Ratio = UniML / ORT (below 1 means UniML is faster). Inputs are each model's test_data_set_0 rows cycled to the batch size.");
        if (sk is not null)
            sb.AppendLine("scikit-learn: the same estimator retrained as the fixture's README says, timed in Python on the same rows (predict_proba, decision_function or predict, whichever the fixture's main output is); (Nx) = how many times slower than UniML.");
        sb.AppendLine("Alloc B/run: bytes UniML allocates per batch-1 run after warm-up (0 = allocation-free steady state).");
        sb.AppendLine();
        var header = new List<string> { "model" };
        foreach (var b in sizes)
        {
            header.AddRange([$"UniML b{b}", $"ORT b{b}", $"ratio b{b}"]);
            if (sk is not null) header.Add($"sklearn b{b}");
        }
        header.Add("alloc B/run");
        sb.AppendLine("| " + string.Join(" | ", header) + " |");
        sb.AppendLine("|" + string.Concat(Enumerable.Repeat("---|", header.Count)));
        foreach (var r in rows) sb.AppendLine(r);
        File.WriteAllText(file, sb.ToString());
        Console.WriteLine($"wrote {file}");
    }
    return 0;
});
return root.Parse(args).Invoke();

static string Us(double us) => us >= 100 ? us.ToString("0", CultureInfo.InvariantCulture) : us.ToString("0.00", CultureInfo.InvariantCulture);

static string LoadAverage()
{
    try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
    catch (IOException) { return "unknown"; }
}

static string CpuName()
{
    try
    {
        foreach (var line in File.ReadLines("/proc/cpuinfo"))
            if (line.StartsWith("model name", StringComparison.Ordinal)) return line[(line.IndexOf(':') + 1)..].Trim();
    }
    catch (IOException) { }
    return "unknown";
}

/// <summary>Runs bench/sklearn_baseline.py with Debian's Python and parses its JSON.</summary>
static class SklearnBaseline
{
    public static Dictionary<string, JsonElement> Run(string modelsDir, double seconds, string[] only)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "sklearn_baseline.py");
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(modelsDir);
        foreach (var o in only) psi.ArgumentList.Add(o);
        // The machine pins OpenBLAS to a conservative kernel for old numpy builds; a benchmark wants numpy's real speed.
        psi.Environment.Remove("OPENBLAS_CORETYPE");
        psi.Environment.Remove("OPENBLAS_L2_SIZE");
        psi.Environment["UNIML_BENCH_SECONDS"] = seconds.ToString(CultureInfo.InvariantCulture);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start /usr/bin/python3");
        var stdout = process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"sklearn_baseline.py failed ({process.ExitCode}): {stderr}");
        var doc = JsonDocument.Parse(stdout);
        return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
    }
}
