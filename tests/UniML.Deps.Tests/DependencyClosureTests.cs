namespace UniML.Deps.Tests;

[Collection(BuiltProgramsCollection.Name)]
public sealed class DependencyClosureTests(BuiltPrograms programs)
{
    [Fact]
    public void DynamicProgramClosureFollowsRunpathRpathAndLdSoConf()
    {
        var closure = DependencyClosure.Build([programs.Dynamic], new LibraryResolver());

        var members = closure.Members.ToDictionary(m => m.Object.FileName);
        Assert.Equal(Names.Sorted("prog", "ld-linux-x86-64.so.2", "libuniml_a.so", "libuniml_b.so", "libc.so.6"),
            Names.Sorted([.. members.Keys]));
        Assert.Equal(LibrarySource.Input, members["prog"].Source);
        Assert.Equal(LibrarySource.Interpreter, members["ld-linux-x86-64.so.2"].Source);
        Assert.Equal(LibrarySource.RunPath, members["libuniml_a.so"].Source);
        Assert.Equal(Path.Combine(programs.LibDirectory, "libuniml_a.so"), members["libuniml_a.so"].Object.Path);
        Assert.Equal(LibrarySource.RPath, members["libuniml_b.so"].Source);
        Assert.Equal(LibrarySource.LdSoConf, members["libc.so.6"].Source);
        Assert.Equal(Canonical(BuiltPrograms.GccFile("libc.so.6")), members["libc.so.6"].CanonicalPath);
        Assert.Equal(["libuniml_a.so"], members["libuniml_b.so"].NeededBy);

        var missing = Assert.Single(closure.Missing);
        Assert.Equal("libuniml_gone.so", missing.Name);
        Assert.Equal(["libuniml_a.so"], missing.NeededBy);

        long expectedSize = closure.Members.Sum(m => new FileInfo(m.CanonicalPath).Length);
        Assert.Equal(expectedSize, closure.TotalSize);
    }

    [Fact]
    public void LibraryPathFindsWhatTheDefaultSearchMisses()
    {
        var closure = DependencyClosure.Build([programs.Dynamic], new LibraryResolver([programs.ExtraDirectory]));

        Assert.Empty(closure.Missing);
        var gone = Assert.Single(closure.Members, m => m.Object.FileName == "libuniml_gone.so");
        Assert.Equal(LibrarySource.LibraryPath, gone.Source);
    }

    [Fact]
    public void ImportsCarryVersionsAndProviders()
    {
        var closure = DependencyClosure.Build([programs.Dynamic], new LibraryResolver());
        var prog = closure.Roots[0].Object;

        var strong = prog.Imports.Where(i => !i.IsWeak).Select(i => i.Name).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(Names.Sorted("__libc_start_main", "close", "dlopen", "syscall", "umask", "uname", "uniml_a"), strong);
        foreach (var name in new[] { "__libc_start_main", "close", "dlopen", "syscall", "umask", "uname" })
        {
            var import = prog.Imports.Single(i => i.Name == name);
            Assert.Equal("libc.so.6", import.VersionFile);
            Assert.StartsWith("GLIBC_2.", import.Version);
            Assert.Equal("libc.so.6", closure.Provider(import)!.Object.FileName);
        }
        var local = prog.Imports.Single(i => i.Name == "uniml_a");
        Assert.Null(local.Version);
        Assert.Equal("libuniml_a.so", closure.Provider(local)!.Object.FileName);

        Assert.True(prog.UsesDlopen);
        Assert.Equal(["libuniml_plugin.so.1"], prog.DlopenCandidates);
        var candidate = Assert.Single(closure.DlopenCandidates, c => c.Requester == "prog");
        Assert.Null(candidate.ResolvedPath);
    }

    [Fact]
    public void StaticProgramIsItsOwnClosure()
    {
        var closure = DependencyClosure.Build([programs.Static], new LibraryResolver());

        var only = Assert.Single(closure.Members);
        Assert.True(only.Object.IsStatic);
        Assert.Empty(only.Object.Needed);
        Assert.Null(only.Object.Interpreter);
        Assert.Empty(closure.Missing);
    }

    [Fact]
    public void DirectoryInputTakesEveryElfUnderIt()
    {
        var closure = DependencyClosure.Build([programs.Directory], new LibraryResolver());

        Assert.Equal(Names.Sorted("libuniml_a.so", "libuniml_b.so", "libuniml_gone.so", "libuniml_ldso.so", "prog", "prog-static", "raw", "waiter"),
            Names.Sorted([.. closure.Roots.Select(r => r.Object.FileName)]));
        Assert.Empty(closure.Missing);
    }

    static string Canonical(string path)
    {
        var target = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true);
        string full = target?.FullName ?? Path.GetFullPath(path);
        // Debian merges /lib into /usr/lib; compare real directories.
        string dir = Path.GetDirectoryName(full)!;
        var dirTarget = new DirectoryInfo(dir).ResolveLinkTarget(returnFinalTarget: true);
        return dirTarget is null ? full : Path.Combine(dirTarget.FullName, Path.GetFileName(full));
    }
}

[Collection(BuiltProgramsCollection.Name)]
public sealed class SameFileTwiceTests(BuiltPrograms programs)
{
    // libonnxruntime.so's case: a shared library that needs ld-linux-x86-64.so.2 itself finds it through
    // ld.so.conf; libc.so.6's PT_INTERP (/lib64/ld-linux-x86-64.so.2, reached through the /lib64 -> usr/lib64
    // and /lib -> usr/lib links) is the same file again. It must be one member, found both ways.
    [Fact]
    public void LoaderReachedAsNeededAndAsInterpreterIsOneMember()
    {
        var closure = DependencyClosure.Build([programs.LdsoUser], new LibraryResolver());

        var loader = Assert.Single(closure.Members, m => m.Object.FileName == "ld-linux-x86-64.so.2");
        Assert.Equal([LibrarySource.LdSoConf, LibrarySource.Interpreter], loader.Sources);
        Assert.Equal(LibrarySource.LdSoConf, loader.Source);
        Assert.Equal(Names.Sorted("libuniml_ldso.so", "libc.so.6"), Names.Sorted([.. loader.NeededBy]));
        Assert.Equal(Names.Sorted("libuniml_ldso.so", "libc.so.6", "ld-linux-x86-64.so.2"),
            Names.Sorted([.. closure.Members.Select(m => m.Object.FileName)]));
    }

    [Fact]
    public void RealPathResolvesEveryComponent()
    {
        var closure = DependencyClosure.Build(["/lib64/ld-linux-x86-64.so.2"], new LibraryResolver());
        string real = closure.Roots[0].CanonicalPath;
        Assert.False(new FileInfo(real).LinkTarget is not null, real);
        Assert.Equal(Path.GetFullPath(real), real);
        Assert.DoesNotContain("/lib64/", real);
    }

    [Fact]
    public void SymlinkedNamesOfOneRootCountOnce()
    {
        string dir = Directory.CreateTempSubdirectory("uniml-deps-links-").FullName;
        try
        {
            Directory.CreateSymbolicLink(Path.Combine(dir, "libdir"), programs.LibDirectory);
            File.CreateSymbolicLink(Path.Combine(dir, "alias.so"), "./libdir/./libuniml_b.so"); // relative to dir
            var closure = DependencyClosure.Build(
                [Path.Combine(programs.LibDirectory, "libuniml_b.so"), Path.Combine(dir, "alias.so"), Path.Combine(dir, "libdir", "libuniml_b.so")],
                new LibraryResolver());

            Assert.Single(closure.Roots);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
