namespace UniML.Deps.Tests;

[Collection(BuiltProgramsCollection.Name)]
public sealed class BadInputTests(BuiltPrograms programs) : IDisposable
{
    readonly string _scratch = Directory.CreateTempSubdirectory("uniml-deps-bad-").FullName;

    [Fact]
    public void NotAnElf()
    {
        string path = Path.Combine(_scratch, "notes.txt");
        File.WriteAllText(path, "hello");
        var e = Assert.Throws<DependencyAnalysisException>(() => DependencyClosure.Build([path], new LibraryResolver()));
        Assert.Contains("not an ELF file", e.Message);
    }

    [Fact]
    public void TruncatedElf()
    {
        string path = Path.Combine(_scratch, "truncated");
        File.WriteAllBytes(path, File.ReadAllBytes(programs.Dynamic)[..2000]);
        var e = Assert.Throws<DependencyAnalysisException>(() => ElfObject.Load(path));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void ElfHeaderOnly()
    {
        string path = Path.Combine(_scratch, "header-only");
        File.WriteAllBytes(path, File.ReadAllBytes(programs.Dynamic)[..40]);
        var e = Assert.Throws<DependencyAnalysisException>(() => ElfObject.Load(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void DirectoryWithoutBinaries()
    {
        string dir = Path.Combine(_scratch, "empty");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "readme.md"), "# nothing");
        var e = Assert.Throws<DependencyAnalysisException>(() => DependencyClosure.Build([dir], new LibraryResolver()));
        Assert.Contains("contains no ELF files", e.Message);
    }

    [Fact]
    public void MissingPath()
    {
        var e = Assert.Throws<DependencyAnalysisException>(() => DependencyClosure.Build([Path.Combine(_scratch, "nope")], new LibraryResolver()));
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void CommandNotFound()
    {
        var e = Assert.Throws<DependencyAnalysisException>(() => SyscallTrace.Run([Path.Combine(_scratch, "no-such-command")], TextWriter.Null));
        Assert.Contains("was not found", e.Message);
    }

    [Fact]
    public void CommandThatCannotExecute()
    {
        string path = Path.Combine(_scratch, "not-executable");
        File.WriteAllText(path, "plain text");
        var e = Assert.Throws<DependencyAnalysisException>(() => SyscallTrace.Run([path], TextWriter.Null));
        Assert.Contains("failed to start", e.Message);
    }

    public void Dispose() => Directory.Delete(_scratch, recursive: true);
}
