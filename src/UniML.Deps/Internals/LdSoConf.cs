namespace UniML.Deps.Internals;

/// <summary>Reads ld.so.conf: one directory per line, '#' comments, "include GLOB" (sorted matches), "hwcap" lines ignored.</summary>
static class LdSoConf
{
    public static List<string> Read(string path)
    {
        var result = new List<string>();
        Read(path, result, depth: 0);
        return result;
    }

    static void Read(string path, List<string> result, int depth)
    {
        if (depth > 8 || !File.Exists(path)) return;
        foreach (var raw in File.ReadAllLines(path))
        {
            string line = raw;
            int hash = line.IndexOf('#');
            if (hash >= 0) line = line[..hash];
            line = line.Trim();
            if (line.Length == 0) continue;
            if (line.StartsWith("include", StringComparison.Ordinal) && line.Length > 7 && char.IsWhiteSpace(line[7]))
            {
                foreach (var pattern in line[8..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    string full = Path.IsPathRooted(pattern) ? pattern : Path.Combine(Path.GetDirectoryName(path) ?? "/", pattern);
                    string dir = Path.GetDirectoryName(full) ?? "/";
                    if (!Directory.Exists(dir)) continue;
                    foreach (var file in Directory.GetFiles(dir, Path.GetFileName(full)).Order(StringComparer.Ordinal))
                        Read(file, result, depth + 1);
                }
                continue;
            }
            if (line.StartsWith("hwcap", StringComparison.Ordinal)) continue;
            foreach (var dir in line.Split([' ', '\t', ',', ':'], StringSplitOptions.RemoveEmptyEntries))
                if (!result.Contains(dir)) result.Add(dir);
        }
    }
}
