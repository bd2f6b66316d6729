using System.Globalization;

namespace UniML.Deps.Internals;

/// <summary>
/// Parses strace -f output: "PID name(args) = ret [ERRNO (text)]", split calls as
/// "PID name(args &lt;unfinished ...&gt;" and "PID &lt;... name resumed&gt;...) = ret", signal lines "--- SIG ---"
/// and exit lines "+++ exited with N +++" / "+++ killed by SIGNAME +++". A call is counted when it starts; its
/// result comes from the line that ends it. The first process (the one whose execve launched the command) is the
/// program: its exit line is the outcome of the run.
/// </summary>
static class StraceLog
{
    public sealed record Parsed(List<TracedSyscall> Syscalls, int Processes, bool ExecSucceeded, string? ExecErrno,
        List<TracedSignal> Signals, int? ExitCode, string? KilledBy);

    sealed class Tally
    {
        public long Count;
        public long Failures;
        public string? FirstErrno;
    }

    public static Parsed Parse(IEnumerable<string> lines)
    {
        var table = SyscallTable.X86_64;
        var tallies = new Dictionary<string, Tally>(StringComparer.Ordinal);
        var pids = new HashSet<string>(StringComparer.Ordinal);
        bool execOk = false, sawExec = false;
        string? execErrno = null;
        string? rootPid = null;
        int? exitCode = null;
        string? killedBy = null;
        var signals = new Dictionary<string, (long Count, List<string> Senders)>(StringComparer.Ordinal);

        foreach (var raw in lines)
        {
            string line = raw;
            string? pid = null;
            int space = line.IndexOf(' ');
            if (space > 0 && line.AsSpan(0, space).IndexOfAnyExceptInRange('0', '9') < 0)
            {
                pid = line[..space];
                pids.Add(pid);
                rootPid ??= pid;
                line = line[(space + 1)..].TrimStart();
            }
            if (line.StartsWith("--- SIG", StringComparison.Ordinal))
            {
                // "--- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=42, si_uid=0} ---"
                int end = line.IndexOfAny([' ', '{'], 4);
                string sig = end < 0 ? line[4..] : line[4..end];
                if (!signals.TryGetValue(sig, out var entry)) entry = (0, []);
                entry.Count++;
                if (Field(line, "si_code") is "SI_USER" or "SI_QUEUE" && Field(line, "si_pid") is { } sender) entry.Senders.Add(sender);
                signals[sig] = entry;
                continue;
            }
            if (line.StartsWith("+++ ", StringComparison.Ordinal))
            {
                if (pid is not null && pid == rootPid)
                {
                    if (line.StartsWith("+++ exited with ", StringComparison.Ordinal)
                        && int.TryParse(line.AsSpan(16).TrimEnd(" +"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int code))
                        exitCode = code;
                    else if (line.StartsWith("+++ killed by ", StringComparison.Ordinal))
                    {
                        killedBy = line[14..].Split(' ')[0];
                        exitCode = 128 + SignalNumber(killedBy);
                    }
                }
                continue;
            }
            if (line.StartsWith("---", StringComparison.Ordinal)) continue;

            string name;
            bool resumed = line.StartsWith("<... ", StringComparison.Ordinal);
            if (resumed)
            {
                int end = line.IndexOf(" resumed>", StringComparison.Ordinal);
                if (end < 0) continue;
                name = line[5..end];
            }
            else
            {
                int paren = line.IndexOf('(');
                if (paren <= 0) continue;
                name = line[..paren];
                if (!IsSyscallName(name)) continue;
            }
            name = Normalise(name, table);
            // The first execve is strace starting the command; the program itself never issues it (a
            // unikernel or the microVM's kernel starts the program instead), so it is not counted.
            bool launch = !sawExec && !resumed && name is "execve" or "execveat";
            if (launch)
            {
                sawExec = true;
                string? launchErrno = line.EndsWith("<unfinished ...>", StringComparison.Ordinal) ? null : ErrnoOf(line);
                if (launchErrno is null) execOk = true;
                else execErrno ??= launchErrno;
                continue;
            }
            if (!tallies.TryGetValue(name, out var tally)) tallies[name] = tally = new Tally();
            if (!resumed) tally.Count++;
            if (line.EndsWith("<unfinished ...>", StringComparison.Ordinal)) continue;

            string? errno = ErrnoOf(line);
            if (errno is not null)
            {
                tally.Failures++;
                tally.FirstErrno ??= errno;
            }
        }

        var result = new List<TracedSyscall>();
        foreach (var (name, t) in tallies)
        {
            int? number = table.TryGetNumber(name, out int nr) ? nr : null;
            result.Add(new TracedSyscall(name, number, t.Count, t.Failures, t.FirstErrno));
        }
        result.Sort((a, b) => (a.Number ?? int.MaxValue).CompareTo(b.Number ?? int.MaxValue) is var c && c != 0 ? c : string.CompareOrdinal(a.Name, b.Name));
        var signalList = signals.OrderBy(kv => SignalNumber(kv.Key)).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new TracedSignal(kv.Key, kv.Value.Count, kv.Value.Senders.Any(p => !pids.Contains(p)))).ToList();
        return new Parsed(result, pids.Count, execOk || !sawExec && result.Count > 0, execErrno, signalList, exitCode, killedBy);
    }

    // "name=value" inside a signal line's siginfo braces.
    static string? Field(string line, string name)
    {
        int at = line.IndexOf(name + "=", StringComparison.Ordinal);
        if (at < 0) return null;
        int start = at + name.Length + 1;
        int end = line.IndexOfAny([',', '}'], start);
        return end < 0 ? null : line[start..end].Trim();
    }

    static readonly string[] SignalNames =
    [
        "", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1",
        "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP",
        "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
    ];

    // x86_64 Linux numbers; strace prints real-time signals as SIGRTMIN, SIGRT_n.
    static int SignalNumber(string name)
    {
        int i = Array.IndexOf(SignalNames, name);
        if (i > 0) return i;
        if (name == "SIGRTMIN") return 32;
        if (name.StartsWith("SIGRT_", StringComparison.Ordinal) && int.TryParse(name.AsSpan(6), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n)) return 32 + n;
        return 0;
    }

    static bool IsSyscallName(string name)
    {
        foreach (char c in name)
            if (!(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '_')) return false;
        return name.Length > 0;
    }

    // strace prints numbers it has no name for as syscall_0xNN.
    static string Normalise(string name, SyscallTable table)
    {
        if (name.StartsWith("syscall_0x", StringComparison.Ordinal)
            && int.TryParse(name.AsSpan(10), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int nr))
            return table.NameOf(nr);
        return name;
    }

    // The result follows the last " = "; an error is "-1 ENAME (text)". ERESTART* and friends are
    // kernel-internal restarts, not failures the program sees.
    static string? ErrnoOf(string line)
    {
        int eq = line.LastIndexOf(" = ", StringComparison.Ordinal);
        if (eq < 0) return null;
        var rest = line.AsSpan(eq + 3);
        if (!rest.StartsWith("-1 ")) return null;
        rest = rest[3..];
        int sp = rest.IndexOf(' ');
        var errno = (sp < 0 ? rest : rest[..sp]).ToString();
        if (errno.Length == 0 || errno[0] != 'E' || errno.StartsWith("ERESTART", StringComparison.Ordinal)) return null;
        return errno;
    }
}
