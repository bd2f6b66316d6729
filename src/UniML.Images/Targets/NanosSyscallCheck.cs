using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using UniML.Deps;

namespace UniML.Images.Targets;

/// <summary>
/// Which system calls of the server Nanos lacks, for the nanos target's README. Preferably measured: the
/// program in the output folder runs on the host under <c>strace -f</c> (UniML.Deps) with the image's models
/// and environment through start-up, one inference and a SIGTERM drain, and each syscall it made is looked up
/// in the Nanos support list. Without strace (or when the program does not serve), the static syscall set of
/// its library closure is used instead, which over-approximates.
/// </summary>
internal static partial class NanosSyscallCheck
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    /// <summary>A Markdown section for the README.</summary>
    public static string Run(string program, string modelDirectory, Action<string> log)
    {
        var nanos = UnikernelTarget.Get("nanos");
        try
        {
            var (trace, workload) = Trace(program, modelDirectory);
            var findings = trace.Syscalls.Where(s => s.Number is not null)
                .Select(s => (Call: s, Support: nanos.SupportOf(s.Number!.Value)))
                .Where(f => f.Support.Level != SyscallSupportLevel.Implemented).ToList();
            log($"nanos: traced {trace.Syscalls.Count} distinct syscalls ({workload}); {findings.Count(f => f.Support.Level == SyscallSupportLevel.Missing)} missing on Nanos");
            var md = new StringBuilder();
            md.AppendLine("## System calls Nanos lacks (measured)");
            md.AppendLine();
            md.AppendLine($"`{Path.GetFileName(program)}` ran on the build host under `strace -f` ({trace.StraceVersion}) with this folder's models:");
            md.AppendLine($"{workload}. It made {trace.Syscalls.Count} distinct system calls; those Nanos does not fully implement");
            md.AppendLine("(support list: data/syscalls/nanos-*.tsv, read from nanovms/nanos sources) are:");
            md.AppendLine();
            if (findings.Count == 0)
                md.AppendLine("None: every traced system call has a Nanos handler.");
            else
            {
                md.AppendLine("| syscall | on Nanos | calls | failed on Linux too |");
                md.AppendLine("|---|---|---:|---:|");
                foreach (var (call, support) in findings.OrderByDescending(f => f.Support.Level).ThenBy(f => f.Call.Name, StringComparer.Ordinal))
                    md.AppendLine($"| `{call.Name}` | {Describe(support)} | {call.Count} | {call.Failures}{(call.FirstErrno is null ? "" : $" ({call.FirstErrno})")} |");
            }
            md.AppendLine();
            md.AppendLine("Missing calls return ENOSYS on Nanos; .NET tolerates rseq, membarrier and get_mempolicy failing (seen booting a");
            md.AppendLine("NativeAOT Kestrel server on Nanos). Stubbed calls succeed without effect. Only a run on Nanos proves the rest.");
            return md.ToString();
        }
        catch (Exception e) when (e is DependencyAnalysisException or TimeoutException or InvalidOperationException or IOException or HttpRequestException)
        {
            log($"nanos: no syscall trace ({e.Message}); using the static syscall set instead");
            return Static(program, nanos, e.Message);
        }
    }

    private static string Describe(SyscallSupport support) => support.Level switch
    {
        SyscallSupportLevel.Missing => $"missing ({support.Status})",
        SyscallSupportLevel.Stubbed => $"stubbed ({support.Status})",
        SyscallSupportLevel.Conditional => $"needs a klib ({support.Status})",
        _ => support.Status,
    };

    private static string Static(string program, UnikernelTarget nanos, string why)
    {
        var closure = DependencyClosure.Build([program], new LibraryResolver(), scanSyscalls: true);
        var verdict = DependencyReport.Create(program, closure, null, [nanos]).StaticVerdicts[0];
        var names = SyscallTable.X86_64;
        string List(IReadOnlyList<int> numbers) => numbers.Count == 0 ? "none" : string.Join(' ', numbers.Select(n => $"`{names.NameOf(n)}`"));
        return $"""
            ## System calls Nanos lacks (static estimate)

            No trace could be taken at build time ({why}), so this is the static syscall set of the program and its
            libraries (UniML.Deps: constant syscall numbers in its code plus what its glibc imports can issue). It
            over-approximates: most of these are on paths the server never takes. Run
            `uniml deps --trace -- ./{Path.GetFileName(program)}` for the measured set.

            - missing on Nanos (ENOSYS): {List(verdict.Missing)}
            - stubbed (succeed, do nothing): {List(verdict.Stubbed)}
            - need a klib: {List(verdict.Conditional)}

            """;
    }

    /// <summary>Start-up, one inference on the first model, then SIGTERM and the drain, all under strace.</summary>
    private static (SyscallTrace Trace, string Workload) Trace(string program, string modelDirectory)
    {
        int port = FreePort();
        var environment = new Dictionary<string, string>
        {
            ["UNIML_MODELS"] = modelDirectory,
            ["UNIML_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["UNIML_HOST"] = "127.0.0.1",
        };
        var output = new StringWriter();
        var tracing = Task.Run(() => SyscallTrace.Run([program], output, environment));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        var clock = Stopwatch.StartNew();
        bool ready = false;
        while (!ready && clock.Elapsed < ReadyTimeout && !tracing.IsCompleted)
        {
            try
            {
                using var response = http.GetAsync("/v2/health/ready").GetAwaiter().GetResult();
                ready = response.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (!ready) Thread.Sleep(100);
        }
        if (tracing.IsCompleted)
        {
            var early = tracing.GetAwaiter().GetResult(); // rethrows a strace failure
            throw new InvalidOperationException($"{Path.GetFileName(program)} exited (code {early.ExitCode}) before serving; is it the UniML server?");
        }
        int? pid = FindProcess(program);
        try
        {
            if (!ready)
                throw new TimeoutException($"{Path.GetFileName(program)} was not ready within {ReadyTimeout.TotalSeconds:0} s under strace");
            string inference = InferOnce(http);
            if (pid is null || Kill(pid.Value, 15 /* SIGTERM */) != 0)
                throw new InvalidOperationException("could not find the traced server's process to stop it");
            if (!tracing.Wait(TimeSpan.FromSeconds(60)))
                throw new TimeoutException("the traced server did not exit within 60 s of SIGTERM");
            return (tracing.Result, $"`UNIML_MODELS={Path.GetFileName(modelDirectory)}`, start-up, {inference}, SIGTERM drain");
        }
        catch
        {
            if (pid is not null && !tracing.IsCompleted)
                Kill(pid.Value, 9);
            tracing.Wait(TimeSpan.FromSeconds(30));
            throw;
        }
    }

    /// <summary>One inference with zeros shaped like the first model's inputs (dynamic dimensions 1).</summary>
    private static string InferOnce(HttpClient http)
    {
        using var index = http.PostAsync("/v2/repository/index", new StringContent("{}", Encoding.UTF8, "application/json")).GetAwaiter().GetResult();
        using var models = System.Text.Json.JsonDocument.Parse(index.Content.ReadAsStringAsync().GetAwaiter().GetResult());
        string name = models.RootElement[0].GetProperty("name").GetString()!;
        using var metadata = System.Text.Json.JsonDocument.Parse(http.GetStringAsync($"/v2/models/{name}").GetAwaiter().GetResult());
        var body = new StringBuilder("{\"inputs\":[");
        string separator = "";
        foreach (var input in metadata.RootElement.GetProperty("inputs").EnumerateArray())
        {
            long[] shape = [.. input.GetProperty("shape").EnumerateArray().Select(d => Math.Max(1, d.GetInt64()))];
            string datatype = input.GetProperty("datatype").GetString()!;
            string zero = datatype == "BYTES" ? "\"\"" : datatype == "BOOL" ? "false" : "0";
            body.Append(separator).Append($"{{\"name\":\"{input.GetProperty("name").GetString()}\",\"shape\":[{string.Join(',', shape)}],\"datatype\":\"{datatype}\",\"data\":[");
            body.AppendJoin(',', Enumerable.Repeat(zero, (int)shape.Aggregate(1L, (a, b) => a * b))).Append("]}");
            separator = ",";
        }
        body.Append("]}");
        using var response = http.PostAsync($"/v2/models/{name}/infer", new StringContent(body.ToString(), Encoding.UTF8, "application/json")).GetAwaiter().GetResult();
        return $"one inference on `{name}` (HTTP {(int)response.StatusCode})";
    }

    /// <summary>The process whose argv[0] is <paramref name="program"/> (strace's own command line has it later).</summary>
    private static int? FindProcess(string program)
    {
        string full = Path.GetFullPath(program);
        foreach (string directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out int pid))
                continue;
            try
            {
                string commandLine = File.ReadAllText(Path.Combine(directory, "cmdline"));
                string first = commandLine.Split('\0')[0];
                if (first == program || first == full)
                    return pid;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return null;
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
