using ELFSharp.ELF;
using ELFSharp.ELF.Sections;
using ELFSharp.ELF.Segments;

namespace UniML.Images;

/// <summary>A shared library the program needs, as the dynamic loader would find it.</summary>
/// <param name="Name">The DT_NEEDED name (soname), e.g. <c>libc.so.6</c>.</param>
/// <param name="HostPath">Where it was found on this machine.</param>
/// <param name="NeededBy">Path of the object whose DT_NEEDED named it first.</param>
public sealed record SharedLibrary(string Name, string HostPath, string NeededBy);

/// <summary>Where the loader looks, besides each object's RPATH/RUNPATH.</summary>
public sealed record LibrarySearchOptions
{
    /// <summary>ld.so.conf to read (with its <c>include</c> globs); null or missing: none.</summary>
    public string? LdSoConf { get; init; } = "/etc/ld.so.conf";
    /// <summary>Trusted directories searched last, in order (glibc's system directories on Debian x86_64).</summary>
    public IReadOnlyList<string> DefaultDirectories { get; init; } =
        ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"];
}

/// <summary>
/// The DT_NEEDED closure of an ELF program, resolved in ld.so's order: DT_RPATH (when the object has no
/// DT_RUNPATH), DT_RUNPATH, ld.so.conf directories, default directories; <c>$ORIGIN</c> expands to the
/// directory of the object carrying the path. Candidates of another ELF class or machine are skipped, as
/// the loader does. The ELF interpreter (PT_INTERP) is reported separately.
/// </summary>
public sealed class LibraryClosure
{
    private LibraryClosure(string program, string? interpreter, IReadOnlyList<SharedLibrary> libraries)
    {
        Program = program;
        Interpreter = interpreter;
        Libraries = libraries;
    }

    /// <summary>The program analysed.</summary>
    public string Program { get; }
    /// <summary>PT_INTERP path (e.g. /lib64/ld-linux-x86-64.so.2), or null for a static program.</summary>
    public string? Interpreter { get; }
    /// <summary>Libraries in breadth-first order of discovery; the interpreter appears here too when an
    /// object names it in DT_NEEDED.</summary>
    public IReadOnlyList<SharedLibrary> Libraries { get; }

    /// <summary>Resolves the closure of <paramref name="program"/>; a library that cannot be found is an error
    /// naming it and the object that needs it.</summary>
    public static LibraryClosure Resolve(string program, LibrarySearchOptions? options = null)
    {
        options ??= new LibrarySearchOptions();
        if (!File.Exists(program))
            throw new FileNotFoundException($"program not found: {program}", program);
        var configured = options.LdSoConf is null ? [] : LdSoConf.Read(options.LdSoConf);
        var main = ElfDynamicInfo.Read(program);
        var found = new Dictionary<string, SharedLibrary>(StringComparer.Ordinal);
        var ordered = new List<SharedLibrary>();
        var queue = new Queue<(string Path, ElfDynamicInfo Info)>();
        queue.Enqueue((program, main));
        while (queue.Count > 0)
        {
            var (objectPath, info) = queue.Dequeue();
            foreach (string needed in info.Needed)
            {
                if (found.ContainsKey(needed))
                    continue;
                string hostPath = Find(needed, objectPath, info, main, program, configured, options.DefaultDirectories)
                    ?? throw new FileNotFoundException($"library {needed} needed by {objectPath} was not found (searched RPATH/RUNPATH, ld.so.conf and {string.Join(':', options.DefaultDirectories)})", needed);
                var library = new SharedLibrary(needed, hostPath, objectPath);
                found.Add(needed, library);
                ordered.Add(library);
                queue.Enqueue((hostPath, ElfDynamicInfo.Read(hostPath)));
            }
        }
        return new LibraryClosure(program, main.Interpreter, ordered);
    }

    private static string? Find(string needed, string objectPath, ElfDynamicInfo info, ElfDynamicInfo main, string program,
        IReadOnlyList<string> configured, IReadOnlyList<string> defaults)
    {
        if (needed.Contains('/'))
            return File.Exists(needed) ? needed : null;
        var directories = new List<string>();
        if (info.RunPath.Count == 0)
        {
            directories.AddRange(Expand(info.RPath, objectPath));
            if (!ReferenceEquals(info, main))
                directories.AddRange(Expand(main.RPath, program));
        }
        directories.AddRange(Expand(info.RunPath, objectPath));
        directories.AddRange(configured);
        directories.AddRange(defaults);
        foreach (string directory in directories)
        {
            string candidate = Path.Combine(directory, needed);
            if (File.Exists(candidate) && ElfDynamicInfo.IsCompatible(candidate, info))
                return candidate;
        }
        return null;
    }

    private static IEnumerable<string> Expand(IReadOnlyList<string> entries, string objectPath)
    {
        string origin = Path.GetDirectoryName(Path.GetFullPath(objectPath)) ?? "/";
        foreach (string entry in entries)
            yield return entry.Replace("${ORIGIN}", origin, StringComparison.Ordinal).Replace("$ORIGIN", origin, StringComparison.Ordinal);
    }
}

/// <summary>What the loader reads from one ELF object.</summary>
internal sealed record ElfDynamicInfo(IReadOnlyList<string> Needed, IReadOnlyList<string> RPath, IReadOnlyList<string> RunPath,
    string? Interpreter, Class ElfClass, Machine Machine)
{
    public static ElfDynamicInfo Read(string path)
    {
        if (!ELFReader.TryLoad(path, out IELF elf))
            throw new InvalidDataException($"not an ELF file: {path}");
        using (elf)
        {
            var needed = new List<string>();
            var rpath = new List<string>();
            var runpath = new List<string>();
            string? interpreter = null;
            foreach (var segment in elf.Segments)
            {
                if (segment.Type == SegmentType.Interpreter)
                    interpreter = System.Text.Encoding.ASCII.GetString(segment.GetFileContents()).TrimEnd('\0');
            }
            var strings = elf.Sections.OfType<IStringTable>().FirstOrDefault(s => s.Name == ".dynstr");
            var dynamic = elf.Sections.OfType<IDynamicSection>().FirstOrDefault();
            if (dynamic is not null)
            {
                if (strings is null)
                    throw new InvalidDataException($"{path} has a dynamic section but no .dynstr");
                foreach (var entry in dynamic.Entries)
                {
                    var list = entry.Tag switch
                    {
                        DynamicTag.Needed => needed,
                        DynamicTag.RPath => rpath,
                        DynamicTag.RunPath => runpath,
                        _ => null,
                    };
                    if (list is null)
                        continue;
                    long offset = entry switch
                    {
                        DynamicEntry<ulong> e64 => (long)e64.Value,
                        DynamicEntry<uint> e32 => e32.Value,
                        _ => throw new InvalidDataException($"unexpected dynamic entry type in {path}"),
                    };
                    string value = strings[offset];
                    if (list == needed)
                        needed.Add(value);
                    else
                        list.AddRange(value.Split(':', StringSplitOptions.RemoveEmptyEntries));
                }
            }
            return new ElfDynamicInfo(needed, rpath, runpath, interpreter, elf.Class, elf.Machine);
        }
    }

    public static bool IsCompatible(string candidate, ElfDynamicInfo requester)
    {
        Span<byte> header = stackalloc byte[20];
        using var stream = File.OpenRead(candidate);
        if (stream.Read(header) < 20 || header[0] != 0x7F || header[1] != (byte)'E' || header[2] != (byte)'L' || header[3] != (byte)'F')
            return false;
        var elfClass = header[4] == 2 ? Class.Bit64 : Class.Bit32;
        var machine = (Machine)(header[5] == 1 ? header[18] | header[19] << 8 : header[18] << 8 | header[19]);
        return elfClass == requester.ElfClass && machine == requester.Machine;
    }
}

/// <summary>Directories listed by ld.so.conf, following <c>include</c> globs.</summary>
internal static class LdSoConf
{
    public static List<string> Read(string path)
    {
        var result = new List<string>();
        Read(path, result, depth: 0);
        return result;
    }

    private static void Read(string path, List<string> result, int depth)
    {
        if (depth > 8 || !File.Exists(path))
            return;
        foreach (string raw in File.ReadAllLines(path))
        {
            string line = raw.Split('#')[0].Trim();
            if (line.Length == 0)
                continue;
            if (line.StartsWith("include ", StringComparison.Ordinal))
            {
                string pattern = line[8..].Trim();
                if (!Path.IsPathRooted(pattern))
                    pattern = Path.Combine(Path.GetDirectoryName(path) ?? "/", pattern);
                string directory = Path.GetDirectoryName(pattern) ?? "/";
                if (!Directory.Exists(directory))
                    continue;
                foreach (string file in Directory.GetFiles(directory, Path.GetFileName(pattern)).Order(StringComparer.Ordinal))
                    Read(file, result, depth + 1);
            }
            else if (!line.StartsWith("hwcap ", StringComparison.Ordinal))
            {
                result.Add(line);
            }
        }
    }
}
