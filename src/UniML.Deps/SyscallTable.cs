using UniML.Deps.Internals;

namespace UniML.Deps;

/// <summary>The Linux x86_64 system call numbering, loaded from data/syscalls/linux-x86_64.tsv.</summary>
public sealed class SyscallTable
{
    readonly Dictionary<int, string> _names = new();
    readonly Dictionary<string, int> _numbers = new(StringComparer.Ordinal);

    SyscallTable(IEnumerable<string[]> rows, IReadOnlyList<string> provenance)
    {
        foreach (var row in rows)
        {
            int nr = int.Parse(row[0], System.Globalization.CultureInfo.InvariantCulture);
            _names[nr] = row[1];
            _numbers[row[1]] = nr;
        }
        Provenance = provenance;
    }

    /// <summary>The table shipped with UniML.</summary>
    public static SyscallTable X86_64 { get; } = Load();

    static SyscallTable Load()
    {
        var (header, rows) = EmbeddedData.ReadTable("linux-x86_64.tsv");
        return new SyscallTable(rows, header);
    }

    /// <summary>Header lines of the data file saying where the numbers come from.</summary>
    public IReadOnlyList<string> Provenance { get; }

    /// <summary>All numbers in ascending order.</summary>
    public IEnumerable<int> Numbers => _names.Keys.Order();

    /// <summary>Name of syscall <paramref name="number"/>, or "syscall_N" when the number is not in the table.</summary>
    public string NameOf(int number) => _names.TryGetValue(number, out var n) ? n : $"syscall_{number}";

    /// <summary>True when <paramref name="number"/> is a real x86_64 syscall number.</summary>
    public bool Contains(int number) => _names.ContainsKey(number);

    /// <summary>Looks a syscall up by its Linux name.</summary>
    public bool TryGetNumber(string name, out int number) => _numbers.TryGetValue(name, out number);
}
