using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace UniML.Deps.Tests;

/// <summary>
/// The real `uniml deps` command, run as a process (dotnet uniml.dll, copied next to the tests) on the
/// gcc-built fixtures: exit codes 0 (compatible), 1 (bad input), 2 (not compatible), and --json that parses.
/// </summary>
[Collection(BuiltProgramsCollection.Name)]
public sealed partial class DepsCommandTests(BuiltPrograms programs)
{
    [Fact]
    public void CompatibleTargetExitsZeroWithJson()
    {
        var r = Uniml("deps", "--json", "--target", "linux", programs.Static);

        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        Assert.True(root.GetProperty("compatible").GetBoolean());
        var target = Assert.Single(root.GetProperty("targets").EnumerateArray());
        Assert.Equal("linux", target.GetProperty("target").GetString());
        var obj = Assert.Single(root.GetProperty("closure").GetProperty("objects").EnumerateArray());
        Assert.Equal("static-executable", obj.GetProperty("kind").GetString());
        Assert.Equal(["Input"], Strings(obj.GetProperty("foundVia")));
    }

    [Fact]
    public void IncompatibleTargetExitsTwoAndNamesTheMissingSyscall()
    {
        // raw issues membarrier, which Nanos does not implement.
        var r = Uniml("deps", "--json", "--target", "nanos", programs.Raw);

        Assert.Equal(2, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        Assert.False(doc.RootElement.GetProperty("compatible").GetBoolean());
        var nanos = Assert.Single(doc.RootElement.GetProperty("targets").EnumerateArray());
        Assert.Equal(["membarrier"], Strings(nanos.GetProperty("missing")));
        Assert.Equal(["write", "getpid", "exit_group", "membarrier"], Strings(doc.RootElement.GetProperty("staticSyscalls")).OrderBy(Nr));
    }

    [Fact]
    public void BadInputExitsOneWithAClearErrorAndNoReport()
    {
        string notElf = Path.Combine(programs.Directory, "notes.txt");
        File.WriteAllText(notElf, "hello");
        try
        {
            var r = Uniml("deps", "--json", notElf);
            Assert.Equal(1, r.ExitCode);
            Assert.Equal("", r.Stdout);
            Assert.StartsWith("uniml deps: error: ", r.Stderr);
            Assert.Contains("not an ELF file", r.Stderr);
            Assert.DoesNotContain("   at ", r.Stderr); // no stack trace
        }
        finally { File.Delete(notElf); }

        var missing = Uniml("deps", "--trace", "--", Path.Combine(programs.Directory, "no-such-command"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("was not found", missing.Stderr);

        var unknownTarget = Uniml("deps", "--target", "plan9", programs.Raw);
        Assert.Equal(1, unknownTarget.ExitCode);
        Assert.Contains("Unknown target 'plan9'", unknownTarget.Stderr);
    }

    [Fact]
    public void TracedJsonHasTheExactSetAndOneLoaderEntry()
    {
        var r = Uniml("deps", "--json", "--target", "linux", "--trace", "--", programs.Raw);

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("raw", r.Stderr); // the program's own output goes to stderr, the report to stdout
        using var doc = JsonDocument.Parse(r.Stdout);
        var trace = doc.RootElement.GetProperty("trace");
        Assert.Equal(["write", "getpid", "exit_group", "membarrier"], trace.GetProperty("syscalls").EnumerateArray().Select(s => s.GetProperty("name").GetString()!));
        Assert.Equal(0, trace.GetProperty("exitCode").GetInt32());
        Assert.Equal(JsonValueKind.Null, trace.GetProperty("killedBy").ValueKind);

        var lib = Uniml("deps", "--json", "--target", "linux", programs.LdsoUser);
        Assert.Equal(0, lib.ExitCode);
        using var libDoc = JsonDocument.Parse(lib.Stdout);
        var loader = Assert.Single(libDoc.RootElement.GetProperty("closure").GetProperty("objects").EnumerateArray(),
            o => o.GetProperty("fileName").GetString() == "ld-linux-x86-64.so.2");
        Assert.Equal(["LdSoConf", "Interpreter"], Strings(loader.GetProperty("foundVia")));
    }

    [Fact]
    public async Task SigtermToUnimlDepsIsForwardedAndTheReportIsStillWritten()
    {
        using var p = StartUniml("deps", "--json", "--target", "linux", "--trace", "--", programs.Waiter);
        var stderr = new StringWriter();
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.WriteLine(e.Data); };
        p.BeginErrorReadLine();
        var stdout = p.StandardOutput.ReadToEndAsync();
        StoppedBySignalTests.WaitForLine(stderr, "waiting");
        Assert.Equal(0, Kill(p.Id, 15));
        Assert.True(p.WaitForExit(30_000), "uniml deps did not end after SIGTERM");

        Assert.Equal(0, p.ExitCode);
        using var doc = JsonDocument.Parse(await stdout);
        var trace = doc.RootElement.GetProperty("trace");
        Assert.Equal(0, trace.GetProperty("exitCode").GetInt32());
        var signal = Assert.Single(trace.GetProperty("signals").EnumerateArray());
        Assert.Equal("SIGTERM", signal.GetProperty("name").GetString());
        Assert.True(signal.GetProperty("fromOutside").GetBoolean());
        lock (stderr) Assert.Contains("stopped", stderr.ToString());
    }

    [Fact]
    public async Task ProgramKilledFromOutsideStillGivesAReport()
    {
        using var p = StartUniml("deps", "--json", "--target", "linux", "--trace", "--", programs.Waiter, "--default");
        var stderr = new StringWriter();
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.WriteLine(e.Data); };
        p.BeginErrorReadLine();
        var stdout = p.StandardOutput.ReadToEndAsync();
        StoppedBySignalTests.WaitForLine(stderr, "waiting");
        Thread.Sleep(200);
        int waiter = FindDescendant(p.Id, programs.Waiter) ?? throw new InvalidOperationException("traced waiter not found");
        Assert.Equal(0, Kill(waiter, 15));
        Assert.True(p.WaitForExit(30_000));

        Assert.Equal(0, p.ExitCode); // compatible with linux; how the program ended is part of the report
        using var doc = JsonDocument.Parse(await stdout);
        Assert.Equal("SIGTERM", doc.RootElement.GetProperty("trace").GetProperty("killedBy").GetString());
        Assert.Equal(143, doc.RootElement.GetProperty("trace").GetProperty("exitCode").GetInt32());
    }

    sealed record Result(int ExitCode, string Stdout, string Stderr);

    static Result Uniml(params string[] args)
    {
        using var p = StartUniml(args);
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(60_000)) { p.Kill(entireProcessTree: true); throw new TimeoutException("uniml deps did not finish in 60 s"); }
        return new Result(p.ExitCode, stdout, stderr.Result);
    }

    static Process StartUniml(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "uniml.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    static int? FindDescendant(int pid, string exe)
    {
        var queue = new Queue<int>([pid]);
        while (queue.Count > 0)
        {
            int p = queue.Dequeue();
            foreach (var task in Directory.EnumerateDirectories($"/proc/{p}/task"))
            {
                string children;
                try { children = File.ReadAllText(Path.Combine(task, "children")); } catch (IOException) { continue; }
                foreach (var c in children.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse))
                {
                    try { if (new FileInfo($"/proc/{c}/exe").LinkTarget == exe) return c; } catch (IOException) { } catch (UnauthorizedAccessException) { }
                    queue.Enqueue(c);
                }
            }
        }
        return null;
    }

    static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    static int Nr(string name) => SyscallTable.X86_64.TryGetNumber(name, out int nr) ? nr : int.MaxValue;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
