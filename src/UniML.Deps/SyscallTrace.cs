using System.Diagnostics;
using System.Runtime.InteropServices;
using UniML.Deps.Internals;

namespace UniML.Deps;

/// <summary>What one syscall did during a traced run.</summary>
/// <param name="Name">Linux name as strace prints it.</param>
/// <param name="Number">x86_64 number, or null when strace printed a name the table does not know.</param>
/// <param name="Count">Calls started, over all threads and child processes.</param>
/// <param name="Failures">Calls that returned an error.</param>
/// <param name="FirstErrno">errno name of the first failing call (e.g. ENOENT), or null.</param>
public sealed record TracedSyscall(string Name, int? Number, long Count, long Failures, string? FirstErrno);

/// <summary>A signal delivered to the traced processes, e.g. the SIGTERM that stopped a server.</summary>
/// <param name="Name">Signal name, e.g. SIGTERM.</param>
/// <param name="Count">Deliveries over all threads and processes.</param>
/// <param name="FromOutside">True when at least one was sent by another process (si_code SI_USER/SI_QUEUE from a pid outside the trace).</param>
public sealed record TracedSignal(string Name, long Count, bool FromOutside);

/// <summary>
/// The system calls a command made under <c>strace -f</c> (all threads and child processes).
/// </summary>
public sealed class SyscallTrace
{
    internal SyscallTrace(IReadOnlyList<string> command, StraceLog.Parsed parsed, int exitCode, string straceVersion)
    {
        Command = command;
        Syscalls = parsed.Syscalls;
        Signals = parsed.Signals;
        ExitCode = parsed.ExitCode ?? exitCode;
        KilledBy = parsed.KilledBy;
        Processes = parsed.Processes;
        StraceVersion = straceVersion;
    }

    /// <summary>The command and its arguments.</summary>
    public IReadOnlyList<string> Command { get; }

    /// <summary>Syscalls by Linux name, ordered by number.</summary>
    public IReadOnlyList<TracedSyscall> Syscalls { get; }

    /// <summary>Signals delivered to the traced processes, by name.</summary>
    public IReadOnlyList<TracedSignal> Signals { get; }

    /// <summary>
    /// Exit status of the traced command: its own exit code, or 128 + the signal number when a signal
    /// killed it (see <see cref="KilledBy"/>).
    /// </summary>
    public int ExitCode { get; }

    /// <summary>Name of the signal that killed the traced command (e.g. SIGTERM), or null when it exited.</summary>
    public string? KilledBy { get; }

    /// <summary>"exit code N" or "killed by SIGNAME".</summary>
    public string Outcome => KilledBy is null ? $"exit code {ExitCode}" : $"killed by {KilledBy}";

    /// <summary>Distinct process and thread ids seen.</summary>
    public int Processes { get; }

    /// <summary>First line of <c>strace -V</c>.</summary>
    public string StraceVersion { get; }

    /// <summary>Numbers of all traced syscalls the table knows.</summary>
    public IEnumerable<int> Numbers => Syscalls.Where(s => s.Number is not null).Select(s => s.Number!.Value);

    /// <summary>
    /// Runs <paramref name="command"/> under strace with follow-forks and waits for it to end. The command's
    /// standard output and error are forwarded to <paramref name="commandOutput"/> so a report on stdout stays clean.
    /// Throws <see cref="DependencyAnalysisException"/> when strace is missing or the command cannot start.
    /// A command stopped by a signal (a server sent SIGTERM from outside) is a normal end, not an error.
    /// </summary>
    /// <param name="command">Program and arguments.</param>
    /// <param name="commandOutput">Receives the command's stdout and stderr lines.</param>
    /// <param name="environment">Variables to set for the command (added to the inherited environment).</param>
    /// <param name="strace">strace executable name or path.</param>
    public static SyscallTrace Run(IReadOnlyList<string> command, TextWriter commandOutput, IReadOnlyDictionary<string, string>? environment = null, string strace = "strace")
    {
        using var running = Start(command, commandOutput, environment, strace);
        return running.WaitForExit();
    }

    /// <summary>
    /// Starts <paramref name="command"/> under strace and returns at once; <see cref="RunningTrace.WaitForExit"/>
    /// gives the trace. Use it to act on the program while it runs (send requests, then SIGTERM).
    /// </summary>
    public static RunningTrace Start(IReadOnlyList<string> command, TextWriter commandOutput, IReadOnlyDictionary<string, string>? environment = null, string strace = "strace")
    {
        if (command.Count == 0) throw new DependencyAnalysisException("--trace needs a command after '--', e.g. uniml deps --trace -- python3 -c 'print(1)'.");
        string straceExe = ExecutableSearch.Find(strace)
            ?? throw new DependencyAnalysisException($"'{strace}' was not found on PATH; install it (Debian package: strace).");
        if (ExecutableSearch.Find(command[0]) is null)
            throw new DependencyAnalysisException($"Command '{command[0]}' was not found (not a file and not on PATH).");
        return new RunningTrace(straceExe, command, commandOutput, environment);
    }

    /// <summary>Parses a log written by <c>strace -f -o FILE</c> (for logs captured elsewhere).</summary>
    public static SyscallTrace FromLog(IEnumerable<string> lines, IReadOnlyList<string> command) =>
        new(command, StraceLog.Parse(lines), 0, "unknown");

    internal static string RunForFirstLine(string exe, string arg)
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

/// <summary>
/// A command running under <c>strace -f -I4</c>. strace itself blocks fatal signals (-I4), so a SIGTERM or
/// Ctrl-C meant for the program does not end the trace early: the program handles it (or dies of it) and
/// strace records the shutdown to the end.
/// </summary>
public sealed partial class RunningTrace : IDisposable
{
    readonly Process _strace;
    readonly IReadOnlyList<string> _command;
    readonly string _log;
    readonly string _version;
    readonly List<string> _straceMessages = [];
    bool _disposed;

    internal RunningTrace(string straceExe, IReadOnlyList<string> command, TextWriter commandOutput, IReadOnlyDictionary<string, string>? environment)
    {
        _command = command;
        _version = SyscallTrace.RunForFirstLine(straceExe, "-V");
        _log = Path.Combine(Path.GetTempPath(), $"uniml-deps-{Environment.ProcessId}-{Guid.NewGuid():N}.strace");
        var psi = new ProcessStartInfo(straceExe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (environment is not null)
            foreach (var (key, value) in environment) psi.Environment[key] = value;
        // -q: no attach/detach chatter, but keep "+++ exited with N +++" / "+++ killed by SIG +++" (how it ended).
        foreach (var a in new[] { "-f", "-q", "-I4", "-o", _log, "--" }) psi.ArgumentList.Add(a);
        foreach (var a in command) psi.ArgumentList.Add(a);
        try
        {
            _strace = Process.Start(psi) ?? throw new DependencyAnalysisException($"Could not start {straceExe}.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new DependencyAnalysisException($"Could not run strace: {e.Message}", e);
        }
        _strace.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (commandOutput) commandOutput.WriteLine(e.Data); };
        _strace.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            if (e.Data.StartsWith("strace: ", StringComparison.Ordinal)) lock (_straceMessages) _straceMessages.Add(e.Data);
            lock (commandOutput) commandOutput.WriteLine(e.Data);
        };
        _strace.BeginOutputReadLine();
        _strace.BeginErrorReadLine();
    }

    /// <summary>Process id of strace.</summary>
    public int StracePid => _strace.Id;

    /// <summary>True once strace (and so the traced program) has ended.</summary>
    public bool HasExited => _strace.HasExited;

    /// <summary>
    /// Process id of the traced program (strace's child), or null before strace has forked it or after it ended.
    /// </summary>
    public int? ProgramPid
    {
        get
        {
            try
            {
                string children = File.ReadAllText($"/proc/{_strace.Id}/task/{_strace.Id}/children").Trim();
                if (children.Length > 0 && int.TryParse(children.Split(' ')[0], out int pid)) return pid;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            return null;
        }
    }

    /// <summary>
    /// Sends <paramref name="signal"/> (e.g. 15 for SIGTERM) to the traced program, as an orchestrator stopping
    /// it would. Returns false when the program is not (or no longer) running.
    /// </summary>
    public bool SendSignal(int signal) => ProgramPid is int pid && Native.Kill(pid, signal) == 0;

    /// <summary>Waits for the traced program to end and parses the trace.</summary>
    public SyscallTrace WaitForExit()
    {
        _strace.WaitForExit();
        if (!File.Exists(_log))
            throw new DependencyAnalysisException($"strace produced no trace for '{_command[0]}': {string.Join(" ", _straceMessages)}".TrimEnd(' ', ':'));
        var parsed = StraceLog.Parse(File.ReadLines(_log));
        if (!parsed.ExecSucceeded)
        {
            string why = _straceMessages.Count > 0 ? string.Join(" ", _straceMessages) : $"execve failed with {parsed.ExecErrno ?? "an unknown error"}";
            throw new DependencyAnalysisException($"Command '{_command[0]}' failed to start under strace: {why}");
        }
        return new SyscallTrace(_command, parsed, _strace.ExitCode, _version);
    }

    /// <summary>Kills strace and the program if still running, and deletes the log.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_strace.HasExited)
        {
            if (ProgramPid is int pid) Native.Kill(pid, 9);
            try { _strace.Kill(); } catch (InvalidOperationException) { }
            _strace.WaitForExit();
        }
        _strace.Dispose();
        try { File.Delete(_log); } catch (IOException) { }
    }

    static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
        public static partial int Kill(int pid, int signal);
    }
}
