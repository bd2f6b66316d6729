using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using UniML.Images;
using UniML.Server;

namespace UniML.Cli.Commands;

/// <summary>
/// <c>uniml up [MODEL]</c>: publish the server if needed, build a microvm image of MODEL, boot it, wait until it
/// is ready, send one real inference, and serve until Ctrl-C or SIGTERM, then power the guest down.
/// </summary>
static class UpCommand
{
    public static Command Create()
    {
        var model = new Argument<string?>("MODEL") { Description = $"ONNX model file or model folder (default: the bundled {ServerHost.DefaultModelName}).", Arity = ArgumentArity.ZeroOrOne };
        var qemu = new QemuCommandOptions(180, "Seconds to wait for the guest to get ready per boot attempt.");
        var server = new Option<string?>("--server") { Description = "Use this uniml-server instead of publishing the checkout's." };
        var output = new Option<string?>("--output", "-o") { Description = "Image folder (default: ~/.cache/uniml/up/MODELNAME)." };
        var command = new Command("up", "Build a microVM image of a model, boot it with QEMU, send one inference, and serve until Ctrl-C.") { model };
        qemu.AddTo(command);
        command.Options.Add(server);
        command.Options.Add(output);
        command.SetAction(parse => ImageCommand.GuardedUntilSignal(stop =>
            RunAsync(parse.GetValue(model), parse.GetValue(server), parse.GetValue(output), qemu.Parse(parse, ""), stop)));
        return command;
    }

    private static async Task<int> RunAsync(string? model, string? serverPath, string? output, QemuRunOptions run, CancellationToken stop)
    {
        static void Say(string line) => Console.Error.WriteLine(line);
        // Fail on the cheap checks before minutes of publishing.
        QemuRunner.EnsurePortFree(run.HostPort);
        string qemu = EnsureQemu();
        string modelPath = model ?? DefaultModel();
        if (!File.Exists(modelPath) && !Directory.Exists(modelPath))
            throw new FileNotFoundException($"model not found: {modelPath}", modelPath);
        if (serverPath is null)
            EnsureNativeAotToolchain();
        string server = ServerBinary.Resolve(serverPath, Say);

        string name = ModelName(modelPath);
        string directory = output ?? Path.Combine(Path.GetDirectoryName(ServerPublisher.DefaultCacheDirectory)!, "up", name);
        Say($"image: building microvm image of {modelPath} in {directory}");
        var clock = Stopwatch.StartNew();
        var manifest = new ImageBuilder(line => Say("  " + line)).Build(new ImageBuildOptions
        {
            ServerPath = server,
            Models = [modelPath],
            OutputDirectory = directory,
        });
        long total = manifest.Files.Sum(f => f.Size);
        Say($"image: {total / 1048576.0:0.0} MiB in the image (kernel {manifest.KernelVersion}), built in {clock.Elapsed.TotalSeconds:0.0} s; 'uniml image inspect {directory}' lists it");

        QemuRunner runner;
        try
        {
            runner = await QemuRunner.StartAsync(run with { ImageDirectory = directory, QemuPath = qemu }, Say, stop);
        }
        catch (OperationCanceledException)
        {
            Say("interrupted before the guest was ready; QEMU was stopped");
            return 130;
        }
        await using (runner)
        {
            Say($"ready in {runner.TimeToReady.TotalSeconds:0.0} s from QEMU start ({(runner.IsEmulated ? "TCG: emulated, slower than hardware" : "KVM")}); serial console: {runner.SerialLogPath}");
            string curl;
            try
            {
                curl = await SendSampleAsync(runner.BaseAddress, modelPath, directory, stop);
            }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException or JsonException or TaskCanceledException && !stop.IsCancellationRequested)
            {
                Say($"the sample inference failed: {e.Message}");
                await PowerDownAsync(runner);
                return 1;
            }
            catch (OperationCanceledException)
            {
                return await PowerDownAsync(runner) ? 0 : 1;
            }
            Console.WriteLine();
            Console.WriteLine($"serving at {runner.BaseAddress} (KServe v2 REST); try:");
            Console.WriteLine($"  curl {runner.BaseAddress}v2/health/ready");
            Console.WriteLine($"  {curl}");
            Console.WriteLine("Ctrl-C powers the guest down.");
            try
            {
                await runner.WaitForExitAsync(stop);
                Say($"the guest stopped by itself (QEMU exit {runner.ExitCode}); last serial lines:\n{runner.SerialLogTail()}");
                return 1;
            }
            catch (OperationCanceledException)
            {
                return await PowerDownAsync(runner) ? 0 : 1;
            }
        }
    }

    private static async Task<bool> PowerDownAsync(QemuRunner runner)
    {
        Console.Error.WriteLine("powering the guest down (ACPI power button)...");
        bool clean = await runner.PowerDownAsync(TimeSpan.FromSeconds(30));
        string[] tail = runner.SerialLogTail().Split('\n');
        foreach (string line in tail.TakeLast(3))
            Console.Error.WriteLine("  guest: " + line);
        Console.Error.WriteLine(clean ? $"the guest powered off (QEMU exit {runner.ExitCode})" : "the guest did not power off within 30 s; QEMU was killed");
        return clean && runner.ExitCode == 0;
    }

    /// <summary>Asks the guest which model it serves and its inputs, sends one inference, prints both, and
    /// returns a curl command that repeats it.</summary>
    private static async Task<string> SendSampleAsync(Uri baseAddress, string modelPath, string directory, CancellationToken stop)
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        using var index = await http.PostAsync("/v2/repository/index", new StringContent("{\"ready\":true}", Encoding.UTF8, "application/json"), stop);
        index.EnsureSuccessStatusCode();
        using var models = JsonDocument.Parse(await index.Content.ReadAsStringAsync(stop));
        string name = models.RootElement.EnumerateArray().Select(e => e.GetProperty("name").GetString()).FirstOrDefault()
            ?? throw new InvalidOperationException("the guest is ready but serves no model");
        using var metadata = JsonDocument.Parse(await http.GetStringAsync($"/v2/models/{name}", stop));
        string? modelFile = File.Exists(modelPath) ? modelPath : File.Exists(Path.Combine(modelPath, "model.onnx")) ? Path.Combine(modelPath, "model.onnx") : null;
        string body = SampleRequest.Build(metadata.RootElement, modelFile, out string source);
        string requestFile = Path.GetFullPath(Path.Combine(directory, "sample-request.json"));
        await File.WriteAllTextAsync(requestFile, body, stop);

        string path = $"/v2/models/{name}/infer";
        Console.WriteLine($"POST {path} ({source}):");
        Console.WriteLine("  " + SampleRequest.Abbreviate(body));
        var clock = Stopwatch.StartNew();
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(path, content, stop);
        string answer = await response.Content.ReadAsStringAsync(stop);
        Console.WriteLine($"{(int)response.StatusCode} {response.ReasonPhrase} in {clock.Elapsed.TotalMilliseconds:0} ms:");
        Console.WriteLine("  " + SampleRequest.Abbreviate(answer, 2000));
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"the guest answered {(int)response.StatusCode}: {answer}");
        return $"curl -s -X POST {new Uri(baseAddress, path)} -H 'Content-Type: application/json' -d @{requestFile}";
    }

    /// <summary>The model the server serves by default, from the checkout (or beside a published server).</summary>
    private static string DefaultModel()
    {
        string? root = ServerBinary.RepositoryRoot();
        string relative = Path.Combine("testdata", "models", ServerHost.DefaultModelName, "model.onnx");
        return root is not null && File.Exists(Path.Combine(root, relative))
            ? Path.Combine(root, relative)
            : throw new FileNotFoundException($"no MODEL given and the bundled default ({relative}) is not in a checkout above the current folder; pass a model path");
    }

    private static string ModelName(string path)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        if (Directory.Exists(full))
            return Path.GetFileName(full);
        string name = Path.GetFileNameWithoutExtension(full);
        return name == "model" ? Path.GetFileName(Path.GetDirectoryName(full)) ?? name : name;
    }

    /// <summary>qemu-system-x86_64 on PATH; when missing and running as root, installs Debian's qemu-system-x86.</summary>
    private static string EnsureQemu()
    {
        try
        {
            return QemuRunner.FindQemu(null);
        }
        catch (QemuRunException) when (Environment.IsPrivilegedProcess && File.Exists("/usr/bin/apt-get"))
        {
            Console.Error.WriteLine("qemu-system-x86_64 is missing; installing Debian's qemu-system-x86:");
            if (!AptGet("install", "-y", "-q", "--no-install-recommends", "qemu-system-x86"))
            {
                // A fresh machine often has no package lists yet.
                AptGet("update", "-q");
                if (!AptGet("install", "-y", "-q", "--no-install-recommends", "qemu-system-x86"))
                    throw new QemuRunException("apt-get could not install qemu-system-x86; install it yourself and run 'uniml up' again");
            }
            return QemuRunner.FindQemu(null);
        }
    }

    /// <summary>
    /// NativeAOT links with clang and needs zlib's development library; on a fresh Debian machine neither is
    /// there. As root, install them (saying so); otherwise the publish fails with a message naming them.
    /// </summary>
    private static void EnsureNativeAotToolchain()
    {
        var missing = new List<string>();
        if (!File.Exists("/usr/bin/clang")) missing.Add("clang");
        if (!File.Exists("/usr/lib/x86_64-linux-gnu/libz.so") && !File.Exists("/usr/lib/x86_64-linux-gnu/libz.a")) missing.Add("zlib1g-dev");
        if (missing.Count == 0 || !Environment.IsPrivilegedProcess || !File.Exists("/usr/bin/apt-get"))
            return;
        Console.Error.WriteLine($"NativeAOT publishing needs {string.Join(" and ", missing)}; installing them:");
        string[] install = ["install", "-y", "-q", "--no-install-recommends", .. missing];
        if (!AptGet(install))
        {
            AptGet("update", "-q");
            if (!AptGet(install))
                throw new InvalidOperationException($"apt-get could not install {string.Join(" ", missing)}; install them yourself and run 'uniml up' again");
        }
    }

    private static bool AptGet(params string[] arguments)
    {
        Console.Error.WriteLine("  apt-get " + string.Join(' ', arguments));
        var start = new ProcessStartInfo("/usr/bin/apt-get");
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var process = Process.Start(start) ?? throw new QemuRunException("could not start apt-get");
        if (!process.WaitForExit(TimeSpan.FromMinutes(15)))
        {
            process.Kill(entireProcessTree: true);
            throw new QemuRunException("apt-get took longer than 15 minutes; it was stopped");
        }
        return process.ExitCode == 0;
    }
}
