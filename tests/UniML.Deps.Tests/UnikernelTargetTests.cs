namespace UniML.Deps.Tests;

[Collection(BuiltProgramsCollection.Name)]
public sealed class UnikernelTargetTests(BuiltPrograms programs)
{
    [Fact]
    public void VerdictsOnTheFreestandingProgram()
    {
        var trace = SyscallTrace.Run([programs.Raw], TextWriter.Null);
        var closure = DependencyClosure.Build([programs.Raw], new LibraryResolver());
        var report = DependencyReport.Create("raw", closure, trace, UnikernelTarget.All);
        var verdicts = report.Verdicts.ToDictionary(v => v.Target.Name);

        // Nanos registers no membarrier handler (nanos-b9c3671d.tsv: NOT-REGISTERED); the others implement all four.
        Assert.Equal(["membarrier"], Names.Of(verdicts["nanos"].Missing));
        Assert.False(verdicts["nanos"].IsCompatible);
        foreach (var name in new[] { "linux", "microvm", "unikraft" })
        {
            Assert.True(verdicts[name].IsCompatible, name);
            Assert.Empty(verdicts[name].Missing);
            Assert.Empty(verdicts[name].Stubbed);
        }
        Assert.All(report.Verdicts, v => Assert.Equal("traced", v.Basis));
        Assert.Equal(Names.Of(Names.Numbers("write", "getpid", "membarrier", "exit_group")), Names.Of(report.StaticRequired));
    }

    [Fact]
    public void MissingLibraryMakesEveryTargetIncompatible()
    {
        var closure = DependencyClosure.Build([programs.Dynamic], new LibraryResolver());
        var report = DependencyReport.Create("prog", closure, null, UnikernelTarget.All);

        Assert.All(report.Verdicts, v => Assert.False(v.IsCompatible));
        Assert.All(report.Verdicts, v => Assert.Equal("libuniml_gone.so", Assert.Single(v.MissingLibraries).Name));
    }

    [Fact]
    public void DataFilesAgreeWithTheirStatedCounts()
    {
        // The provenance headers state the counts per status; the parsed tables must reproduce them.
        var nanos = UnikernelTarget.Get("nanos");
        var unikraft = UnikernelTarget.Get("unikraft");
        var numbers = SyscallTable.X86_64.Numbers.ToList();
        Assert.Equal(362, numbers.Count);
        Assert.Equal(177, numbers.Count(n => nanos.SupportOf(n).Status == "IMPL"));
        Assert.Equal(25, numbers.Count(n => nanos.SupportOf(n).Level == SyscallSupportLevel.Stubbed));
        Assert.Equal(159, numbers.Count(n => nanos.SupportOf(n).Level == SyscallSupportLevel.Missing));
        Assert.Equal(181, numbers.Count(n => unikraft.SupportOf(n).Level == SyscallSupportLevel.Missing));
        Assert.Equal(13 + 11, numbers.Count(n => unikraft.SupportOf(n).Level == SyscallSupportLevel.Stubbed));
        Assert.Contains(nanos.Provenance, line => line.Contains("b9c3671d", StringComparison.Ordinal));
        Assert.Contains(unikraft.Provenance, line => line.Contains("eaf6fda1", StringComparison.Ordinal));
        Assert.Throws<DependencyAnalysisException>(() => UnikernelTarget.Get("windows"));
    }
}
