namespace UniML.Deps;

/// <summary>The static syscall findings for one object of a closure.</summary>
public sealed class ObjectSyscalls
{
    internal ObjectSyscalls(ClosureMember member, LibcSyscallMap libc)
    {
        Member = member;
        var direct = new SortedSet<int>();
        var unresolvedFunctions = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var site in member.Object.SyscallSites)
        {
            if (site.Number is int n) { direct.Add(n); ResolvedSites++; }
            else { UnresolvedSites++; unresolvedFunctions.Add(site.Function ?? "?"); }
        }
        var viaImports = new SortedSet<int>();
        var unmapped = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var import in member.Object.Imports)
        {
            if (!IsCLibraryImport(import)) continue;
            if (libc.TryGetSyscalls(import.Name, out var numbers)) viaImports.UnionWith(numbers);
            else if (import.IsFunction) unmapped.Add(import.Name);
        }
        Direct = direct;
        ViaImports = viaImports;
        UnresolvedFunctions = unresolvedFunctions;
        UnmappedLibcImports = unmapped;
    }

    /// <summary>The object.</summary>
    public ClosureMember Member { get; }

    /// <summary>Numbers resolved at syscall instructions and syscall() calls in the object's own code.</summary>
    public IReadOnlySet<int> Direct { get; }

    /// <summary>Numbers the object's imported C library functions can issue (per the libc table).</summary>
    public IReadOnlySet<int> ViaImports { get; }

    /// <summary>Sites with a resolved number.</summary>
    public int ResolvedSites { get; }

    /// <summary>Sites whose number is not a constant in straight-line code.</summary>
    public int UnresolvedSites { get; }

    /// <summary>Functions containing unresolved sites ("?" when the object has no symbols).</summary>
    public IReadOnlySet<string> UnresolvedFunctions { get; }

    /// <summary>Imported C library functions that are not in the libc table.</summary>
    public IReadOnlySet<string> UnmappedLibcImports { get; }

    /// <summary>Direct ∪ via imports.</summary>
    public IEnumerable<int> All => Direct.Union(ViaImports);

    // glibc version nodes name their library; unversioned imports are checked against the table by name.
    static bool IsCLibraryImport(ImportedSymbol import) =>
        import.VersionFile is null
        || import.VersionFile is "libc.so.6" or "libpthread.so.0" or "libdl.so.2" or "librt.so.1" or "ld-linux-x86-64.so.2" or "libm.so.6" or "libresolv.so.2";
}
