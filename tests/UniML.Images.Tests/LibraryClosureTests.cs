namespace UniML.Images.Tests;

public sealed class LibraryClosureTests
{
    [Fact]
    public void Resolves_a_dynamic_program_like_the_loader()
    {
        var closure = LibraryClosure.Resolve("/bin/ls");
        Assert.Equal("/lib64/ld-linux-x86-64.so.2", closure.Interpreter);
        var libc = Assert.Single(closure.Libraries, l => l.Name == "libc.so.6");
        Assert.True(File.Exists(libc.HostPath));
        Assert.All(closure.Libraries, l => Assert.True(File.Exists(l.HostPath), l.HostPath));
        // libselinux (needed by ls) itself needs libpcre2: the closure is transitive.
        Assert.Contains(closure.Libraries, l => l.NeededBy != "/bin/ls");
    }

    [Fact]
    public void Missing_library_names_it_and_the_object_that_needs_it()
    {
        var error = Assert.Throws<FileNotFoundException>(() =>
            LibraryClosure.Resolve("/bin/ls", new LibrarySearchOptions { LdSoConf = null, DefaultDirectories = ["/nonexistent"] }));
        Assert.Contains("needed by /bin/ls", error.Message);
    }
}
