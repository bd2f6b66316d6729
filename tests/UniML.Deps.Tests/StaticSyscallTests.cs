namespace UniML.Deps.Tests;

[Collection(BuiltProgramsCollection.Name)]
public sealed class StaticSyscallTests(BuiltPrograms programs)
{
    [Fact]
    public void FreestandingProgramHasExactlyItsInlineSyscalls()
    {
        var obj = ElfObject.Load(programs.Raw);

        Assert.True(obj.IsStatic);
        Assert.All(obj.SyscallSites, s => Assert.Equal(SyscallSiteKind.Instruction, s.Kind));
        Assert.Equal(4, obj.SyscallSites.Count);
        Assert.Equal(Names.Of(Names.Numbers("write", "getpid", "membarrier", "exit_group")),
            Names.Of(obj.SyscallSites.Select(s => s.Number!.Value)));
        Assert.All(obj.SyscallSites, s => Assert.Equal("_start", s.Function));
    }

    [Fact]
    public void DynamicProgramDirectAndImportedSyscalls()
    {
        var closure = DependencyClosure.Build([programs.Dynamic], new LibraryResolver());
        var report = DependencyReport.Create("t", closure, null, UnikernelTarget.All);
        var prog = report.Objects.Single(o => o.Member.Object.FileName == "prog");

        // Inline asm (getppid in a loop, sched_yield) and syscall() with constants (gettid, getuid).
        Assert.Equal(Names.Of(Names.Numbers("getppid", "sched_yield", "gettid", "getuid")), Names.Of(prog.Direct));
        Assert.Equal(0, prog.UnresolvedSites);
        var sites = prog.Member.Object.SyscallSites;
        Assert.Equal(Names.Of(Names.Numbers("gettid", "getuid")),
            Names.Of(sites.Where(s => s.Kind == SyscallSiteKind.LibcSyscallFunction).Select(s => s.Number!.Value)));
        Assert.Equal(Names.Of(Names.Numbers("getppid", "sched_yield")),
            Names.Of(sites.Where(s => s.Kind == SyscallSiteKind.Instruction).Select(s => s.Number!.Value)));

        // libc wrappers: the union of the table rows of exactly the imported libc functions.
        var expectedViaImports = new SortedSet<int>();
        foreach (var f in new[] { "__libc_start_main", "close", "dlopen", "syscall", "umask", "uname" })
        {
            Assert.True(LibcSyscallMap.Glibc.TryGetSyscalls(f, out var numbers), f);
            expectedViaImports.UnionWith(numbers);
        }
        Assert.Equal(Names.Of(expectedViaImports), Names.Of(prog.ViaImports));
        Assert.Subset(prog.ViaImports.ToHashSet(), Names.Numbers("close", "uname", "umask").ToHashSet());

        // The shared libraries built from plain C make no syscalls and import nothing from libc that does.
        foreach (var lib in report.Objects.Where(o => o.Member.Object.FileName.StartsWith("libuniml_", StringComparison.Ordinal)))
        {
            Assert.Empty(lib.Direct);
            Assert.Empty(lib.ViaImports);
        }

        // The closure's set is prog's plus what libc's own imports from ld.so bring; libc's sites only bound it.
        Assert.Subset(report.StaticRequired.ToHashSet(), prog.All.ToHashSet());
        Assert.True(report.CRuntimeBound.Count > 100, $"libc.so.6 and ld.so should contain well over 100 distinct syscalls, found {report.CRuntimeBound.Count}");
    }

    [Fact]
    public void StaticGlibcProgramMainHasExactlyItsOwnSites()
    {
        var obj = ElfObject.Load(programs.Static);
        var mainSites = obj.SyscallSites.Where(s => s.Function == "main").ToList();

        Assert.All(mainSites, s => Assert.NotNull(s.Number));
        Assert.Equal(Names.Of(Names.Numbers("getppid", "sched_yield")),
            Names.Of(mainSites.Where(s => s.Kind == SyscallSiteKind.Instruction).Select(s => s.Number!.Value)));
        Assert.Equal(Names.Of(Names.Numbers("gettid", "getuid")),
            Names.Of(mainSites.Where(s => s.Kind == SyscallSiteKind.LibcSyscallFunction).Select(s => s.Number!.Value)));

        // The linked-in glibc wrappers are found as constant-number syscall instructions.
        var all = obj.SyscallSites.Where(s => s.Number is not null).Select(s => s.Number!.Value).ToHashSet();
        Assert.Subset(all, Names.Numbers("close", "uname", "umask", "exit_group").ToHashSet());
    }
}
