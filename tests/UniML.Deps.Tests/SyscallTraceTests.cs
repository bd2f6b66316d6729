namespace UniML.Deps.Tests;

[Collection(BuiltProgramsCollection.Name)]
public sealed class SyscallTraceTests(BuiltPrograms programs)
{
    [Fact]
    public void FreestandingProgramTraceIsExact()
    {
        var output = new StringWriter();
        var trace = SyscallTrace.Run([programs.Raw], output);

        Assert.Equal(0, trace.ExitCode);
        Assert.Equal("raw", output.ToString().Trim());
        Assert.Equal(["write", "getpid", "exit_group", "membarrier"], trace.Syscalls.Select(s => s.Name)); // by number
        Assert.All(trace.Syscalls, s => Assert.Equal(1, s.Count));
        Assert.All(trace.Syscalls, s => Assert.Equal(0, s.Failures));
    }

    [Fact]
    public void DynamicProgramTraceCountsCallsAndFirstErrno()
    {
        var trace = SyscallTrace.Run([programs.Dynamic], TextWriter.Null,
            new Dictionary<string, string> { ["LD_LIBRARY_PATH"] = programs.ExtraDirectory });
        var byName = trace.Syscalls.ToDictionary(s => s.Name);

        Assert.Equal(0, trace.ExitCode);
        Assert.Equal(3, byName["getppid"].Count);
        Assert.Equal(1, byName["sched_yield"].Count);
        Assert.Equal(1, byName["gettid"].Count);
        Assert.Equal(1, byName["getuid"].Count);
        Assert.Equal(1, byName["uname"].Count);
        Assert.Equal(1, byName["umask"].Count);
        Assert.Equal(1, byName["close"].Failures);
        Assert.Equal("EBADF", byName["close"].FirstErrno);
        Assert.DoesNotContain("execve", byName.Keys);
        Assert.True(byName["openat"].Count >= 4, "the loader opens libuniml_a, libuniml_b, libuniml_gone and libc");

        // Everything the program itself does is predicted statically: its own sites, its libc imports, and libc's start-up.
        var report = DependencyReport.Create("t", DependencyClosure.Build([programs.Dynamic], new LibraryResolver([programs.ExtraDirectory])), trace, UnikernelTarget.All);
        var unpredicted = trace.Numbers.Except(report.StaticRequired).ToList();
        Assert.True(unpredicted.Count == 0, "traced but not in the static set: " + string.Join(" ", Names.Of(unpredicted)));
    }

    [Fact]
    public void StaticProgramTraceIsCoveredByItsStaticSites()
    {
        var trace = SyscallTrace.Run([programs.Static], TextWriter.Null);
        var obj = ElfObject.Load(programs.Static);
        var staticSet = obj.SyscallSites.Where(s => s.Number is not null).Select(s => s.Number!.Value).ToHashSet();

        var unpredicted = trace.Numbers.Where(n => !staticSet.Contains(n)).ToList();
        Assert.True(unpredicted.Count == 0, "traced but not found statically: " + string.Join(" ", Names.Of(unpredicted)));
        Assert.Equal(3, trace.Syscalls.Single(s => s.Name == "getppid").Count);
    }

    [Fact]
    public void ChildProcessesAreFollowed()
    {
        var trace = SyscallTrace.Run(["/bin/sh", "-c", $"{programs.Raw}; {programs.Raw}"], TextWriter.Null);

        Assert.Equal(2, trace.Syscalls.Single(s => s.Name == "membarrier").Count);
        Assert.True(trace.Processes >= 3, $"sh and two children, saw {trace.Processes}");
    }

    [Fact]
    public void LogParserHandlesSplitCallsSignalsAndRestarts()
    {
        string[] log =
        [
            "100 execve(\"/x\", [\"/x\"], 0x7ffd /* 1 var */) = 0",
            "100 openat(AT_FDCWD, \"/nope\", O_RDONLY) = -1 ENOENT (No such file or directory)",
            "100 openat(AT_FDCWD, \"/etc/x = y\", O_RDONLY) = 3",
            "101 futex(0x7f, FUTEX_WAIT, 0, NULL <unfinished ...>",
            "100 --- SIGCHLD {si_signo=SIGCHLD} ---",
            "101 <... futex resumed>) = -1 EAGAIN (Resource temporarily unavailable)",
            "100 read(3, <unfinished ...>",
            "100 <... read resumed>\"\", 10) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)",
            "100 syscall_0x1b6(0x1, 0x2) = -1 ENOSYS (Function not implemented)",
            "101 +++ exited with 0 +++",
            "100 exit_group(0) = ?",
        ];
        var trace = SyscallTrace.FromLog(log, ["/x"]);
        var byName = trace.Syscalls.ToDictionary(s => s.Name);

        // strace names unknown numbers syscall_0xNN; 0x1b6 is pidfd_getfd in the x86_64 table.
        Assert.Equal(["read", "futex", "exit_group", "openat", "pidfd_getfd"], trace.Syscalls.Select(s => s.Name));
        Assert.Equal(2, byName["openat"].Count);
        Assert.Equal(1, byName["openat"].Failures);
        Assert.Equal("ENOENT", byName["openat"].FirstErrno);
        Assert.Equal("EAGAIN", byName["futex"].FirstErrno);
        Assert.Equal(0, byName["read"].Failures);
        Assert.Equal(2, trace.Processes);
    }
}

[Collection(BuiltProgramsCollection.Name)]
public sealed class StoppedBySignalTests(BuiltPrograms programs)
{
    [Fact]
    public void ProgramThatHandlesSigtermFromOutsideEndsCleanly()
    {
        var output = new StringWriter();
        using var running = SyscallTrace.Start([programs.Waiter], output);
        WaitForLine(output, "waiting");
        Assert.True(running.SendSignal(15));
        var trace = running.WaitForExit();

        Assert.Equal(0, trace.ExitCode);
        Assert.Null(trace.KilledBy);
        Assert.Equal("exit code 0", trace.Outcome);
        Assert.Contains("stopped", output.ToString());
        var term = Assert.Single(trace.Signals);
        Assert.Equal(new TracedSignal("SIGTERM", 1, FromOutside: true), term);
        var byName = trace.Syscalls.ToDictionary(s => s.Name);
        Assert.True(byName["pause"].Count >= 1);
        Assert.Equal(1, byName["rt_sigreturn"].Count); // the handler returned
        Assert.Equal(1, byName["exit_group"].Count);
    }

    [Fact]
    public void ProgramKilledBySigtermIsAReportNotAnError()
    {
        using var running = SyscallTrace.Start([programs.Waiter, "--default"], new StringWriter());
        var output = new StringWriter();
        WaitUntil(() => running.ProgramPid is not null && File.ReadAllText($"/proc/{running.ProgramPid}/cmdline").Contains("waiter"));
        Thread.Sleep(200); // let it reach pause()
        Assert.True(running.SendSignal(15));
        var trace = running.WaitForExit();

        Assert.Equal("SIGTERM", trace.KilledBy);
        Assert.Equal(128 + 15, trace.ExitCode);
        Assert.Equal("killed by SIGTERM", trace.Outcome);
        Assert.DoesNotContain("exit_group", trace.Syscalls.Select(s => s.Name));
        Assert.True(Assert.Single(trace.Signals).FromOutside);
    }

    [Fact]
    public void LogParserReadsTheProgramsEndAndSignalSenders()
    {
        string[] log =
        [
            "200 execve(\"/srv\", [\"/srv\"], 0x7ffd /* 1 var */) = 0",
            "201 futex(0x7f, FUTEX_WAIT, 0, NULL <unfinished ...>",
            "200 --- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=999, si_uid=0} ---",
            "201 --- SIGRT_2 {si_signo=SIGRT_2, si_code=SI_TKILL, si_pid=200, si_uid=0} ---",
            "200 --- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER, si_pid=201, si_uid=0} ---",
            "201 +++ exited with 0 +++",
            "200 +++ killed by SIGTERM +++",
        ];
        var trace = SyscallTrace.FromLog(log, ["/srv"]);

        Assert.Equal("SIGTERM", trace.KilledBy);
        Assert.Equal(143, trace.ExitCode);
        Assert.Equal([new TracedSignal("SIGUSR1", 1, false), new TracedSignal("SIGTERM", 1, true), new TracedSignal("SIGRT_2", 1, false)], trace.Signals);
    }

    internal static void WaitForLine(StringWriter output, string line)
    {
        WaitUntil(() => { lock (output) return output.ToString().Contains(line, StringComparison.Ordinal); });
    }

    internal static void WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met in 20 s");
            Thread.Sleep(20);
        }
    }
}
