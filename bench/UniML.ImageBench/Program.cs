using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using UniML.Images;

// uniml-image-bench: what a microvm image of the server costs. Size by category, time from QEMU start to
// the first successful inference over several boots (median), and the smallest guest memory that still
// serves (bisection). Run by bench/image-bench.sh, which commits the Markdown to bench/results.
var modelOption = new Option<string?>("--model") { Description = "Model file (default: the bundled logreg_multiclass_iris)." };
var bootsOption = new Option<int>("--boots") { Description = "Timed boots.", DefaultValueFactory = _ => 5 };
var minMemory = new Option<int>("--min-memory") { Description = "Lower end of the memory bisection, MiB.", DefaultValueFactory = _ => 32 };
var maxMemory = new Option<int>("--max-memory") { Description = "Upper end (must serve), MiB; also the memory of the timed boots.", DefaultValueFactory = _ => 512 };
var stepOption = new Option<int>("--step") { Description = "Bisection resolution, MiB.", DefaultValueFactory = _ => 8 };
var timeoutOption = new Option<int>("--timeout") { Description = "Seconds to wait for readiness per boot attempt.", DefaultValueFactory = _ => 120 };
var accelOption = new Option<string>("--accel") { Description = "auto | kvm | tcg", DefaultValueFactory = _ => "auto" };
var markdownOption = new Option<string?>("--markdown") { Description = "Write the results as Markdown to this file." };
var root = new RootCommand("Benchmark a microvm image of the UniML server under QEMU.")
{
    modelOption, bootsOption, minMemory, maxMemory, stepOption, timeoutOption, accelOption, markdownOption,
};
root.SetAction(parse => Bench.RunAsync(parse.GetValue(modelOption), parse.GetValue(bootsOption), parse.GetValue(minMemory), parse.GetValue(maxMemory),
    parse.GetValue(stepOption), TimeSpan.FromSeconds(parse.GetValue(timeoutOption)), parse.GetValue(accelOption)!, parse.GetValue(markdownOption)).GetAwaiter().GetResult());
return root.Parse(args).Invoke();

static class Bench
{
    private sealed record Boot(int MemoryMiB, bool Served, double ReadySeconds, double FirstInferenceSeconds, double PowerDownSeconds, int Attempt, string Note);

    public static async Task<int> RunAsync(string? model, int boots, int low, int high, int step, TimeSpan timeout, string accelerator, string? markdown)
    {
        string repository = ServerPublisher.FindRepositoryRoot(Environment.CurrentDirectory, AppContext.BaseDirectory)
            ?? throw new InvalidOperationException("run from a UniML checkout");
        model ??= Path.Combine(repository, "testdata", "models", "logreg_multiclass_iris", "model.onnx");
        string server = new ServerPublisher(repository, log: Console.Error.WriteLine).Publish();
        string image = Path.Combine(Path.GetTempPath(), $"uniml-image-bench-{Environment.ProcessId}");
        try
        {
            var manifest = new ImageBuilder(Console.Error.WriteLine).Build(new ImageBuildOptions { ServerPath = server, Models = [model], OutputDirectory = image });
            string accel = accelerator;
            string accelReason = "";
            var timed = new List<Boot>();
            for (int i = 0; i < boots; i++)
            {
                var (boot, used, reason) = await BootOnceAsync(image, high, timeout, accel, attempts: 2);
                if (accel == "auto")
                {
                    accel = used; // probe KVM once, not on every boot
                    accelReason = reason;
                }
                Console.Error.WriteLine($"boot {i + 1}: {boot}");
                timed.Add(boot);
            }
            if (accelReason.Length == 0)
                accelReason = accel == "tcg" ? "TCG requested" : "KVM requested";

            var bisection = new List<Boot>();
            while (high - low > step)
            {
                int middle = (low + high) / 2 / step * step;
                if (middle <= low) middle = low + step;
                var (boot, _, _) = await BootOnceAsync(image, middle, timeout, accel, attempts: 2);
                Console.Error.WriteLine($"-m {middle}: {boot}");
                bisection.Add(boot);
                if (boot.Served) high = middle;
                else low = middle;
            }

            string report = Report(manifest, model, timed, bisection, high, step, accel, accelReason);
            Console.WriteLine(report);
            if (markdown is not null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(markdown))!);
                File.WriteAllText(markdown, report);
                Console.Error.WriteLine($"wrote {markdown}");
            }
            return 0;
        }
        finally
        {
            if (Directory.Exists(image))
                Directory.Delete(image, recursive: true);
        }
    }

    /// <summary>Boots, waits for readiness, sends one inference, powers down. Failure to serve is a result, not an error.</summary>
    private static async Task<(Boot Boot, string Accelerator, string Reason)> BootOnceAsync(string image, int memory, TimeSpan timeout, string accel, int attempts)
    {
        QemuRunner runner;
        try
        {
            runner = await QemuRunner.StartAsync(new QemuRunOptions
            {
                ImageDirectory = image,
                HostPort = FreePort(),
                MemoryMiB = memory,
                ReadyTimeout = timeout,
                Accelerator = accel,
                Attempts = attempts,
                LogDirectory = Path.Combine(image, $"logs-{memory}"),
            });
        }
        catch (QemuRunException e)
        {
            string why = e.Message.Contains("QEMU exited", StringComparison.Ordinal) ? "guest stopped: " + LastGuestLine(e.Message) : "not ready in time";
            return (new Boot(memory, false, double.NaN, double.NaN, double.NaN, attempts, why), accel, "");
        }
        await using (runner)
        {
            var sinceReady = Stopwatch.StartNew();
            string note = "";
            bool served;
            try
            {
                served = await InferOnceAsync(runner.BaseAddress);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
            {
                served = false;
                note = "inference failed: " + e.Message;
            }
            double first = runner.TimeToReady.TotalSeconds + sinceReady.Elapsed.TotalSeconds;
            var down = Stopwatch.StartNew();
            bool clean = await runner.PowerDownAsync(TimeSpan.FromSeconds(60));
            if (!clean) note += " (did not power off by itself)";
            return (new Boot(memory, served, runner.TimeToReady.TotalSeconds, first, down.Elapsed.TotalSeconds, runner.Attempt, note.Trim()), runner.Accelerator, runner.AcceleratorReason);
        }
    }

    private static string LastGuestLine(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var interesting = lines.FirstOrDefault(l => l.Contains("Kernel panic", StringComparison.Ordinal))
            ?? lines.LastOrDefault(l => l.Contains("Out of memory", StringComparison.OrdinalIgnoreCase) || l.Contains("uniml-server:", StringComparison.Ordinal));
        return (interesting ?? lines.LastOrDefault() ?? "").Replace("|", "\\|", StringComparison.Ordinal);
    }

    /// <summary>The first model's declared inputs filled with zeros (dynamic dimensions 1); true on 200.</summary>
    private static async Task<bool> InferOnceAsync(Uri server)
    {
        using var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(60) };
        using var index = await http.PostAsync("/v2/repository/index", new StringContent("{}", Encoding.UTF8, "application/json"));
        using var models = JsonDocument.Parse(await index.Content.ReadAsStringAsync());
        string name = models.RootElement[0].GetProperty("name").GetString()!;
        using var metadata = JsonDocument.Parse(await http.GetStringAsync($"/v2/models/{name}"));
        var body = new StringBuilder("{\"inputs\":[");
        bool firstInput = true;
        foreach (var input in metadata.RootElement.GetProperty("inputs").EnumerateArray())
        {
            long[] shape = [.. input.GetProperty("shape").EnumerateArray().Select(d => Math.Max(1, d.GetInt64()))];
            string datatype = input.GetProperty("datatype").GetString()!;
            string zero = datatype == "BYTES" ? "\"\"" : datatype == "BOOL" ? "false" : "0";
            body.Append(firstInput ? "" : ",").Append(CultureInfo.InvariantCulture, $"{{\"name\":\"{input.GetProperty("name").GetString()}\",\"shape\":[{string.Join(',', shape)}],\"datatype\":\"{datatype}\",\"data\":[");
            body.AppendJoin(',', Enumerable.Repeat(zero, (int)shape.Aggregate(1L, (a, b) => a * b))).Append("]}");
            firstInput = false;
        }
        body.Append("]}");
        using var response = await http.PostAsync($"/v2/models/{name}/infer", new StringContent(body.ToString(), Encoding.UTF8, "application/json"));
        return response.StatusCode == HttpStatusCode.OK;
    }

    private static string Report(ImageManifest manifest, string model, List<Boot> timed, List<Boot> bisection, int smallest, int step, string accel, string accelReason)
    {
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        string Mib(long bytes) => (bytes / 1048576.0).ToString("0.00", inv);
        md.AppendLine(inv, $"# microvm image benchmark, {DateTime.UtcNow:yyyy-MM-dd}");
        md.AppendLine();
        md.AppendLine("Generated by `bench/image-bench.sh` (bench/UniML.ImageBench). Do not edit by hand: rerun it.");
        md.AppendLine();
        md.AppendLine(inv, $"- Host: {CpuModel()}, {Environment.ProcessorCount} cores, load average at the end {LoadAverage()}; QEMU {QemuVersion()}");
        md.AppendLine(inv, $"- Accelerator: **{accel}** ({accelReason}){(accel == "tcg" ? ". **Timings are emulated (TCG), not what hardware with KVM does.**" : "")}");
        md.AppendLine(inv, $"- Image: microvm target, machine `{manifest.Machine}`, kernel {manifest.KernelVersion}, model `{Path.GetRelativePath(Environment.CurrentDirectory, model)}`");
        md.AppendLine();
        md.AppendLine("## Size");
        md.AppendLine();
        md.AppendLine("| part | files | MiB |");
        md.AppendLine("|---|---:|---:|");
        foreach (var group in manifest.Files.GroupBy(f => f.Category).OrderByDescending(g => g.Sum(f => f.Size)))
            md.AppendLine(inv, $"| {group.Key} | {group.Count()} | {Mib(group.Sum(f => f.Size))} |");
        md.AppendLine(inv, $"| **total (uncompressed)** | {manifest.Files.Count} | **{Mib(manifest.TotalSize)}** |");
        md.AppendLine();
        md.AppendLine(inv, $"On disk: {string.Join(", ", manifest.Artifacts.Select(a => $"`{a.Path}` {Mib(a.Size)} MiB"))} = {Mib(manifest.Artifacts.Sum(a => a.Size))} MiB. Target: at most 30 MiB in total with the Debian kernel.");
        md.AppendLine();
        md.AppendLine("## QEMU start to first successful inference");
        md.AppendLine();
        md.AppendLine(inv, $"{timed.Count} boots at `-m {timed.FirstOrDefault()?.MemoryMiB}`, 1 vCPU. Ready = first 200 from `/v2/health/ready` (polled every 250 ms); first inference = ready + one zero-filled inference.");
        md.AppendLine();
        md.AppendLine("| boot | ready, s | first inference, s | power-down to QEMU exit, s | attempt |");
        md.AppendLine("|---:|---:|---:|---:|---:|");
        for (int i = 0; i < timed.Count; i++)
        {
            var b = timed[i];
            md.AppendLine(inv, $"| {i + 1} | {b.ReadySeconds:0.00} | {b.FirstInferenceSeconds:0.00} | {b.PowerDownSeconds:0.00} | {b.Attempt}{(b.Served ? "" : " (did not serve: " + b.Note + ")")} |");
        }
        var served = timed.Where(b => b.Served).ToList();
        if (served.Count > 0)
            md.AppendLine(inv, $"| **median** | **{Median(served.Select(b => b.ReadySeconds)):0.00}** | **{Median(served.Select(b => b.FirstInferenceSeconds)):0.00}** | {Median(served.Select(b => b.PowerDownSeconds)):0.00} | |");
        md.AppendLine();
        md.AppendLine("## Smallest guest memory that serves");
        md.AppendLine();
        md.AppendLine("| `-m` MiB | serves | ready, s | note |");
        md.AppendLine("|---:|---|---:|---|");
        foreach (var b in bisection)
            md.AppendLine(inv, $"| {b.MemoryMiB} | {(b.Served ? "yes" : "no")} | {(b.Served ? b.ReadySeconds.ToString("0.00", inv) : "")} | {b.Note} |");
        md.AppendLine();
        md.AppendLine(inv, $"Smallest `-m` that served: **{smallest} MiB** (bisection to {step} MiB; a guest below it panics while unpacking the initramfs or starting the server).");
        return md.ToString();
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string CpuModel() =>
        File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";

    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private static string QemuVersion()
    {
        var start = new ProcessStartInfo(QemuRunner.FindQemu(null), "--version") { RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        string first = process.StandardOutput.ReadLine() ?? "";
        process.StandardOutput.ReadToEnd();
        process.WaitForExit(10_000);
        return first.Replace("QEMU emulator version ", "", StringComparison.Ordinal).Trim();
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
