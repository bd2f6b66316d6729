using System.Reflection;

namespace UniML.Deps.Internals;

/// <summary>Reads the tab-separated data files under data/syscalls that are embedded in this assembly.</summary>
static class EmbeddedData
{
    const string Prefix = "UniML.Deps.Data.";

    public static IEnumerable<string> ResourceNames() =>
        typeof(EmbeddedData).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))
            .Select(n => n[Prefix.Length..]);

    /// <summary>Returns the file name of the single embedded file starting with <paramref name="stem"/>.</summary>
    public static string FindSingle(string stem)
    {
        var matches = ResourceNames().Where(n => n.StartsWith(stem, StringComparison.Ordinal)).ToList();
        if (matches.Count != 1)
            throw new InvalidOperationException($"Expected exactly one embedded data file '{stem}*', found {matches.Count}.");
        return matches[0];
    }

    /// <summary>Header comment lines (without '# ') and data rows split on tabs.</summary>
    public static (List<string> Header, List<string[]> Rows) ReadTable(string fileName)
    {
        using var stream = typeof(EmbeddedData).Assembly.GetManifestResourceStream(Prefix + fileName)
            ?? throw new InvalidOperationException($"Embedded data file '{fileName}' is missing from {Assembly.GetExecutingAssembly().GetName().Name}.");
        using var reader = new StreamReader(stream);
        var header = new List<string>();
        var rows = new List<string[]>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0) continue;
            if (line[0] == '#') { header.Add(line.TrimStart('#', ' ')); continue; }
            rows.Add(line.Split('\t'));
        }
        return (header, rows);
    }
}
