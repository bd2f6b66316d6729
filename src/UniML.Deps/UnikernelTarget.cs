using UniML.Deps.Internals;

namespace UniML.Deps;

/// <summary>How a target handles one Linux system call.</summary>
public enum SyscallSupportLevel
{
    /// <summary>A real handler exists (it may still reject some flags).</summary>
    Implemented,
    /// <summary>Implemented only when an optional component is present (Nanos klib, Unikraft library choice).</summary>
    Conditional,
    /// <summary>Accepted but does nothing useful (returns 0 or warns).</summary>
    Stubbed,
    /// <summary>Returns ENOSYS.</summary>
    Missing,
}

/// <summary>The support of one syscall on one target, with the data file's status text.</summary>
public readonly record struct SyscallSupport(SyscallSupportLevel Level, string Status);

/// <summary>
/// A system a program may be run on: Linux itself, UniML's microVM image (a Linux kernel, so the same
/// support as Linux), Nanos or Unikraft (from the versioned lists under data/syscalls).
/// </summary>
public sealed class UnikernelTarget
{
    readonly Dictionary<int, SyscallSupport> _support;

    UnikernelTarget(string name, string description, string? dataFile, IReadOnlyList<string> provenance, Dictionary<int, SyscallSupport> support)
    {
        Name = name;
        Description = description;
        DataFile = dataFile;
        Provenance = provenance;
        _support = support;
    }

    /// <summary>Short name used on the command line: linux, microvm, nanos, unikraft.</summary>
    public string Name { get; }

    /// <summary>One line saying what the target is.</summary>
    public string Description { get; }

    /// <summary>Embedded data file the support comes from; null for Linux-kernel targets.</summary>
    public string? DataFile { get; }

    /// <summary>Header lines of the data file (source repository, commit, method).</summary>
    public IReadOnlyList<string> Provenance { get; }

    /// <summary>Names accepted by <see cref="Get"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["linux", "microvm", "nanos", "unikraft"];

    /// <summary>All targets, in <see cref="Names"/> order.</summary>
    public static IReadOnlyList<UnikernelTarget> All { get; } = [.. Names.Select(Create)];

    /// <summary>Looks a target up by name; throws <see cref="DependencyAnalysisException"/> for unknown names.</summary>
    public static UnikernelTarget Get(string name) =>
        All.FirstOrDefault(t => t.Name == name)
        ?? throw new DependencyAnalysisException($"Unknown target '{name}'. Known targets: {string.Join(", ", Names)}.");

    /// <summary>Support for syscall <paramref name="number"/>; numbers outside the table are Missing.</summary>
    public SyscallSupport SupportOf(int number) =>
        _support.TryGetValue(number, out var s) ? s : new SyscallSupport(SyscallSupportLevel.Missing, "not in table");

    static UnikernelTarget Create(string name)
    {
        var table = SyscallTable.X86_64;
        switch (name)
        {
            case "linux":
            case "microvm":
            {
                var all = table.Numbers.ToDictionary(n => n, _ => new SyscallSupport(SyscallSupportLevel.Implemented, "Linux"));
                string description = name == "linux"
                    ? "Linux x86_64 (every syscall of the table)"
                    : "UniML microVM image: a Linux kernel with the program as /init (same syscalls as Linux)";
                return new UnikernelTarget(name, description, null, table.Provenance, all);
            }
            case "nanos":
            case "unikraft":
            {
                string file = EmbeddedData.FindSingle(name + "-");
                var (header, rows) = EmbeddedData.ReadTable(file);
                var support = new Dictionary<int, SyscallSupport>();
                foreach (var row in rows)
                {
                    int nr = int.Parse(row[0], System.Globalization.CultureInfo.InvariantCulture);
                    if (!table.TryGetNumber(row[1], out int expected) || expected != nr)
                        throw new InvalidOperationException($"{file}: row '{row[0]} {row[1]}' disagrees with the Linux x86_64 table.");
                    support[nr] = new SyscallSupport(Classify(row[2]), row[2]);
                }
                string description = name == "nanos"
                    ? "Nanos unikernel (nanovms/nanos)"
                    : "Unikraft with app-elfloader running the Linux ELF (unikraft/unikraft core libraries)";
                return new UnikernelTarget(name, description, file, header, support);
            }
            default:
                throw new DependencyAnalysisException($"Unknown target '{name}'.");
        }
    }

    // Status vocabularies of the two lists (see their headers): IMPL, IMPL(app-elfloader only), MIXED:...,
    // KLIB(...), STUB..., NOT-REGISTERED(ENOSYS), NOT-PROVIDED(ENOSYS).
    static SyscallSupportLevel Classify(string status)
    {
        if (status.StartsWith("NOT-", StringComparison.Ordinal) || status == "STUB:ENOSYS") return SyscallSupportLevel.Missing;
        if (status.StartsWith("STUB", StringComparison.Ordinal)) return SyscallSupportLevel.Stubbed;
        if (status.StartsWith("KLIB", StringComparison.Ordinal) || status.StartsWith("MIXED", StringComparison.Ordinal)) return SyscallSupportLevel.Conditional;
        // Unikraft runs a Linux ELF through app-elfloader, so what it provides counts as implemented.
        if (status.StartsWith("IMPL", StringComparison.Ordinal)) return SyscallSupportLevel.Implemented;
        throw new InvalidOperationException($"Unknown syscall status '{status}' in a target data file.");
    }
}
