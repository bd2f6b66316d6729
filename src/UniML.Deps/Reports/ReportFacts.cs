namespace UniML.Deps.Reports;

/// <summary>Derived facts the three report formats share, so they cannot disagree.</summary>
static class ReportFacts
{
    public static string Names(IEnumerable<int> numbers) =>
        string.Join(" ", numbers.Order().Select(SyscallTable.X86_64.NameOf));

    public static string Size(long bytes) => bytes switch
    {
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.0} KiB",
        _ => $"{bytes} B",
    };

    /// <summary>Imports grouped by the library that provides them (the version's file, else the first definer).</summary>
    public static List<(string Library, List<ImportedSymbol> Symbols)> ImportsByLibrary(DependencyClosure closure, ElfObject obj)
    {
        var groups = new Dictionary<string, List<ImportedSymbol>>(StringComparer.Ordinal);
        foreach (var import in obj.Imports)
        {
            string library = import.VersionFile ?? closure.Provider(import)?.Object.FileName ?? "(not found)";
            if (!groups.TryGetValue(library, out var list)) groups[library] = list = [];
            list.Add(import);
        }
        return [.. groups.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (g.Key, g.Value))];
    }

    public static string VersionSummary(List<ImportedSymbol> symbols)
    {
        var versions = symbols.Where(s => s.Version is not null).Select(s => s.Version!).Distinct().Order(VersionComparer.Instance).ToList();
        return versions.Count == 0 ? "unversioned" : versions.Count == 1 ? versions[0] : $"{versions[0]} .. {versions[^1]}";
    }

    public static string Signal(TracedSignal s) =>
        $"{s.Name} ×{s.Count}" + (s.FromOutside ? " (sent from outside the traced processes)" : "");

    public static string Status(TargetVerdict v) =>
        v.IsCompatible ? (v.Stubbed.Count > 0 || v.Conditional.Count > 0 ? "compatible (with stubs)" : "compatible") : "NOT compatible";

    /// <summary>Orders GLIBC_2.2.5 before GLIBC_2.10 (numeric parts compared as numbers).</summary>
    sealed class VersionComparer : IComparer<string>
    {
        public static readonly VersionComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            var a = (x ?? "").Split('_', '.');
            var b = (y ?? "").Split('_', '.');
            for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
            {
                int c = int.TryParse(a[i], out int ai) && int.TryParse(b[i], out int bi) ? ai.CompareTo(bi) : string.CompareOrdinal(a[i], b[i]);
                if (c != 0) return c;
            }
            return a.Length.CompareTo(b.Length);
        }
    }
}
