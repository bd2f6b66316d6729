using UniML.Deps.Internals;

namespace UniML.Deps;

/// <summary>
/// Which system calls a C library function can issue, from data/syscalls/glibc-*-functions.tsv.
/// Used for dynamically linked objects, whose libc calls are imports rather than code in the object.
/// </summary>
public sealed class LibcSyscallMap
{
    readonly Dictionary<string, int[]> _map = new(StringComparer.Ordinal);

    LibcSyscallMap(string fileName, SyscallTable table)
    {
        var (header, rows) = EmbeddedData.ReadTable(fileName);
        DataFile = fileName;
        Provenance = header;
        foreach (var row in rows)
        {
            var list = row.Length > 1 ? row[1] : "";
            if (list == "(argument)") { _map[row[0]] = []; continue; }
            var numbers = new List<int>();
            foreach (var name in list.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!table.TryGetNumber(name, out int nr))
                    throw new InvalidOperationException($"{fileName}: '{row[0]}' names unknown syscall '{name}'.");
                numbers.Add(nr);
            }
            _map[row[0]] = [.. numbers];
        }
    }

    /// <summary>The glibc 2.36 x86_64 table shipped with UniML.</summary>
    public static LibcSyscallMap Glibc { get; } = new(EmbeddedData.FindSingle("glibc-"), SyscallTable.X86_64);

    /// <summary>Name of the embedded data file.</summary>
    public string DataFile { get; }

    /// <summary>Header lines of the data file.</summary>
    public IReadOnlyList<string> Provenance { get; }

    /// <summary>
    /// The syscalls <paramref name="function"/> can issue. False when the function is not in the table
    /// (an unmapped import); true with an empty list when it is known to issue none.
    /// </summary>
    public bool TryGetSyscalls(string function, out IReadOnlyList<int> syscalls)
    {
        if (_map.TryGetValue(function, out var s)) { syscalls = s; return true; }
        syscalls = [];
        return false;
    }
}
