using UniML.Deps.Internals;

namespace UniML.Deps;

/// <summary>Where the loader search found a library.</summary>
public enum LibrarySource
{
    /// <summary>An input given by the user.</summary>
    Input,
    /// <summary>The PT_INTERP dynamic loader.</summary>
    Interpreter,
    /// <summary>DT_NEEDED name containing a slash, used as a path.</summary>
    Path,
    /// <summary>Already loaded under that SONAME.</summary>
    Soname,
    /// <summary>DT_RPATH of the object or of an object that loaded it.</summary>
    RPath,
    /// <summary>Extra library path given to the analysis (the role of LD_LIBRARY_PATH).</summary>
    LibraryPath,
    /// <summary>DT_RUNPATH of the object.</summary>
    RunPath,
    /// <summary>A directory from /etc/ld.so.conf (what ldconfig puts in ld.so.cache).</summary>
    LdSoConf,
    /// <summary>The loader's built-in trusted directories.</summary>
    Default,
    /// <summary>A shared-object name found in the data of an object that uses dlopen.</summary>
    Dlopen,
}

/// <summary>
/// Finds shared libraries the way glibc's ld.so does (elf/dl-load.c _dl_map_object): a name with a slash
/// is a path; otherwise DT_RPATH of the object and its loaders (only when the object has no DT_RUNPATH),
/// LD_LIBRARY_PATH, DT_RUNPATH of the object, the ld.so.cache directories, then the trusted defaults.
/// A candidate is taken only if it is an ELF64 x86_64 file, as the loader skips other machines.
/// </summary>
public sealed class LibraryResolver
{
    /// <summary>Debian's multiarch trusted directories followed by the classic ones.</summary>
    public static IReadOnlyList<string> DefaultDirectories { get; } =
        ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"];

    /// <summary>Creates a resolver.</summary>
    /// <param name="libraryPath">Directories searched like LD_LIBRARY_PATH (after RPATH, before RUNPATH).</param>
    /// <param name="ldSoConf">The ld.so.conf to read; missing files give no directories.</param>
    public LibraryResolver(IReadOnlyList<string>? libraryPath = null, string ldSoConf = "/etc/ld.so.conf")
    {
        LibraryPath = libraryPath ?? [];
        ConfiguredDirectories = LdSoConf.Read(ldSoConf);
    }

    /// <summary>Directories given as library path.</summary>
    public IReadOnlyList<string> LibraryPath { get; }

    /// <summary>Directories from ld.so.conf, in file order with includes expanded.</summary>
    public IReadOnlyList<string> ConfiguredDirectories { get; }

    /// <summary>
    /// Finds <paramref name="name"/> needed by <paramref name="requester"/>, whose loading chain (the
    /// objects that led to loading it, executable first) is <paramref name="loaders"/>.
    /// </summary>
    public (string Path, LibrarySource Source)? Resolve(string name, string requesterPath, ElfObject requester, IReadOnlyList<(string Path, ElfObject Object)> loaders)
    {
        if (name.Contains('/'))
        {
            string p = ExpandTokens(name, requesterPath);
            if (!System.IO.Path.IsPathRooted(p)) p = System.IO.Path.GetFullPath(p);
            return IsLoadable(p) ? (p, LibrarySource.Path) : null;
        }

        if (requester.RunPath.Count == 0)
        {
            foreach (var dir in requester.RPath)
                if (Try(ExpandTokens(dir, requesterPath), name) is { } found) return (found, LibrarySource.RPath);
            for (int i = loaders.Count - 1; i >= 0; i--)
            {
                if (loaders[i].Object.RunPath.Count != 0) continue;
                foreach (var dir in loaders[i].Object.RPath)
                    if (Try(ExpandTokens(dir, loaders[i].Path), name) is { } found) return (found, LibrarySource.RPath);
            }
        }
        foreach (var dir in LibraryPath)
            if (Try(dir, name) is { } found) return (found, LibrarySource.LibraryPath);
        foreach (var dir in requester.RunPath)
            if (Try(ExpandTokens(dir, requesterPath), name) is { } found) return (found, LibrarySource.RunPath);
        foreach (var dir in ConfiguredDirectories)
            if (Try(dir, name) is { } found) return (found, LibrarySource.LdSoConf);
        foreach (var dir in DefaultDirectories)
            if (Try(dir, name) is { } found) return (found, LibrarySource.Default);
        return null;
    }

    /// <summary>Finds a dlopen name the way dlopen would from <paramref name="requesterPath"/> (no loader chain).</summary>
    public string? ResolveForDlopen(string name, string requesterPath, ElfObject requester) =>
        Resolve(name, requesterPath, requester, [])?.Path;

    static string? Try(string directory, string name)
    {
        string candidate = System.IO.Path.Combine(directory, name);
        return IsLoadable(candidate) ? candidate : null;
    }

    // $ORIGIN is the directory the object was loaded from; $LIB and $PLATFORM as Debian's x86_64 ld.so expands them.
    static string ExpandTokens(string value, string objectPath)
    {
        string origin = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(objectPath)) ?? "/";
        return value.Replace("${ORIGIN}", origin, StringComparison.Ordinal).Replace("$ORIGIN", origin, StringComparison.Ordinal)
            .Replace("${LIB}", "lib/x86_64-linux-gnu", StringComparison.Ordinal).Replace("$LIB", "lib/x86_64-linux-gnu", StringComparison.Ordinal)
            .Replace("${PLATFORM}", "x86_64", StringComparison.Ordinal).Replace("$PLATFORM", "x86_64", StringComparison.Ordinal);
    }

    // ELF64 (EI_CLASS = 2), little endian, e_machine = EM_X86_64 (62).
    static bool IsLoadable(string path)
    {
        try
        {
            if (!File.Exists(path)) return false;
            using var f = File.OpenRead(path);
            Span<byte> h = stackalloc byte[20];
            if (f.ReadAtLeast(h, 20, throwOnEndOfStream: false) < 20) return false;
            return h[0] == 0x7f && h[1] == 'E' && h[2] == 'L' && h[3] == 'F' && h[4] == 2 && h[5] == 1 && h[18] == 62 && h[19] == 0;
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }
}
