using UniML.Deps.Internals;

namespace UniML.Deps;

/// <summary>
/// What the analysis learned from one x86_64 ELF file: its dynamic-linking needs, imported symbols,
/// names it may dlopen, and the system call sites in its code.
/// </summary>
public sealed class ElfObject
{
    internal ElfObject() { }

    /// <summary>Path as given or as resolved by the loader search.</summary>
    public required string Path { get; init; }

    /// <summary>File size in bytes.</summary>
    public required long FileSize { get; init; }

    /// <summary>True for ET_DYN objects without PT_INTERP (shared libraries, Python extensions).</summary>
    public required bool IsSharedLibrary { get; init; }

    /// <summary>True for executables that need no dynamic loader at all.</summary>
    public required bool IsStatic { get; init; }

    /// <summary>PT_INTERP (the dynamic loader path), if any.</summary>
    public required string? Interpreter { get; init; }

    /// <summary>DT_SONAME, if any.</summary>
    public required string? Soname { get; init; }

    /// <summary>DT_NEEDED entries in order.</summary>
    public required IReadOnlyList<string> Needed { get; init; }

    /// <summary>DT_RPATH directories, unexpanded ($ORIGIN kept).</summary>
    public required IReadOnlyList<string> RPath { get; init; }

    /// <summary>DT_RUNPATH directories, unexpanded.</summary>
    public required IReadOnlyList<string> RunPath { get; init; }

    /// <summary>Names of functions and objects this object defines in .dynsym (what it can provide to others).</summary>
    public required IReadOnlySet<string> Exports { get; init; }

    /// <summary>Undefined dynamic symbols with versions.</summary>
    public required IReadOnlyList<ImportedSymbol> Imports { get; init; }

    /// <summary>Shared-object names found in read-only data, when the object references dlopen.</summary>
    public required IReadOnlyList<string> DlopenCandidates { get; init; }

    /// <summary>True when the object imports or defines dlopen.</summary>
    public required bool UsesDlopen { get; init; }

    /// <summary>Syscall sites found by disassembly (empty when scanning was not requested).</summary>
    public required IReadOnlyList<SyscallSite> SyscallSites { get; init; }

    /// <summary>Bytes of executable code disassembled.</summary>
    public required long CodeBytes { get; init; }

    /// <summary>File name of the object.</summary>
    public string FileName => System.IO.Path.GetFileName(Path);

    /// <summary>Reads and analyses <paramref name="path"/>; throws <see cref="DependencyAnalysisException"/> on bad input.</summary>
    public static ElfObject Load(string path, bool scanSyscalls = true) => ElfObjectReader.Read(path, scanSyscalls);

    /// <summary>True when the file starts with the ELF magic (cheap check used for directory scans).</summary>
    public static bool HasElfMagic(string path)
    {
        try
        {
            using var f = File.OpenRead(path);
            Span<byte> magic = stackalloc byte[4];
            return f.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4
                && magic[0] == 0x7f && magic[1] == (byte)'E' && magic[2] == (byte)'L' && magic[3] == (byte)'F';
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }
}
