using System.Diagnostics;
using UniML.Deps.Internals;

namespace UniML.Deps;

/// <summary>What one syscall did during a traced run.</summary>
/// <param name="Name">Linux name as strace prints it.</param>
/// <param name="Number">x86_64 number, or null when strace printed a name the table does not know.</param>
/// <param name="Count">Calls started, over all threads and child processes.</param>
/// <param name="Failures">Calls that returned an error.</param>
/// <param name="FirstErrno">errno name of the first failing call (e.g. ENOENT), or null.</param>
public sealed record TracedSyscall(string Name, int? Number, long Count, long Failures, string? FirstErrno);

/// <summary>
/// The system calls a command made under <c>strace -f</c> (all threads and child processes).
/// </summary>
public sealed class SyscallTrace
{
    internal SyscallTrace(IReadOnlyList<string> command, IReadOnlyList<TracedSyscall> syscalls, int exitCode, int processes, string straceVersion)
    {
        Command = command;
        Syscalls = syscalls;
        ExitCode = exitCode;
        Processes = processes;
        StraceVersion = straceVersion;
    }

    /// <summary>The command and its arguments.</summary>
    public IReadOnlyList<string> Command { get; }

    /// <summary>Syscalls by Linux name, ordered by number.</summary>
    public IReadOnlyList<TracedSyscall> Syscalls { get; }

    /// <summary>Exit code of the traced command (strace passes it through).</summary>
    public int ExitCode { get; }

    /// <summary>Distinct process and thread ids seen.</summary>
    public int Processes { get; }

    /// <summary>First line of <c>strace -V</c>.</summary>
    public string StraceVersion { get; }

    /// <summary>Numbers of all traced syscalls the table knows.</summary>
    public IEnumerable<int> Numbers => Syscalls.Where(s => s.Number is not null).Select(s => s.Number!.Value);

    /// <summary>
    /// Runs <paramref name="command"/> under strace with follow-forks. The command's standard output and
    /// error are forwarded to <paramref name="commandOutput"/> so a report on stdout stays clean.
    /// Throws <see cref="DependencyAnalysisException"/> when strace is missing or the command cannot start.
    /// </summary>
    /// <param name="command">Program and arguments.</param>
    /// <param name="commandOutput">Receives the command's stdout and stderr lines.</param>
    /// <param name="environment">Variables to set for the command (added to the inherited environment).</param>
    /// <param name="strace">strace executable name or path.</param>
    public static SyscallTrace Run(IReadOnlyList<string> command, TextWriter commandOutput, IReadOnlyDictionary<string, string>? environment = null, string strace = "strace")
    {
        if (command.Count == 0) throw new DependencyAnalysisException("--trace needs a command after '--', e.g. uniml deps --trace -- python3 -c 'print(1)'.");
        string straceExe = ExecutableSearch.Find(strace)
            ?? throw new DependencyAnalysisException($"'{strace}' was not found on PATH; install it (Debian package: strace).");
        if (ExecutableSearch.Find(command[0]) is null)
            throw new DependencyAnalysisException($"Command '{command[0]}' was not found (not a file and not on PATH).");

        string version = RunForFirstLine(straceExe, "-V");
        string log = Path.Combine(Path.GetTempPath(), $"uniml-deps-{Environment.ProcessId}-{Guid.NewGuid():N}.strace");
        try
        {
            var psi = new ProcessStartInfo(straceExe)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            if (environment is not null)
                foreach (var (key, value) in environment) psi.Environment[key] = value;
            foreach (var a in new[] { "-f", "-qq", "-o", log, "--" }) psi.ArgumentList.Add(a);
            foreach (var a in command) psi.ArgumentList.Add(a);

            var straceMessages = new List<string>();
            using var process = Process.Start(psi) ?? throw new DependencyAnalysisException($"Could not start {straceExe}.");
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (commandOutput) commandOutput.WriteLine(e.Data); };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                if (e.Data.StartsWith("strace: ", StringComparison.Ordinal)) lock (straceMessages) straceMessages.Add(e.Data);
                lock (commandOutput) commandOutput.WriteLine(e.Data);
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            process.WaitForExit();

            if (!File.Exists(log))
                throw new DependencyAnalysisException($"strace produced no trace for '{command[0]}': {string.Join(" ", straceMessages)}".TrimEnd(' ', ':'));
            var parsed = StraceLog.Parse(File.ReadLines(log));
            if (!parsed.ExecSucceeded)
            {
                string why = straceMessages.Count > 0 ? string.Join(" ", straceMessages) : $"execve failed with {parsed.ExecErrno ?? "an unknown error"}";
                throw new DependencyAnalysisException($"Command '{command[0]}' failed to start under strace: {why}");
            }
            return new SyscallTrace(command, parsed.Syscalls, process.ExitCode, parsed.Processes, version);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new DependencyAnalysisException($"Could not run strace: {e.Message}", e);
        }
        finally
        {
            try { File.Delete(log); } catch (IOException) { }
        }
    }

    /// <summary>Parses a log written by <c>strace -f -o FILE</c> (for logs captured elsewhere).</summary>
    public static SyscallTrace FromLog(IEnumerable<string> lines, IReadOnlyList<string> command)
    {
        var parsed = StraceLog.Parse(lines);
        return new SyscallTrace(command, parsed.Syscalls, 0, parsed.Processes, "unknown");
    }

    static string RunForFirstLine(string exe, string arg)
    {
        var psi = new ProcessStartInfo(exe, arg) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        string first = p.StandardOutput.ReadLine() ?? "";
        p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        return first.Trim();
    }
}
