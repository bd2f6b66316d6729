using UniML.Deps.Internals;

namespace UniML.Deps;

/// <summary>One object in a closure: the analysed file, how it was found and who needs it.</summary>
public sealed class ClosureMember
{
    readonly List<LibrarySource> _sources;

    internal ClosureMember(ElfObject obj, LibrarySource source, string canonicalPath)
    {
        Object = obj;
        _sources = [source];
        CanonicalPath = canonicalPath;
    }

    /// <summary>The analysed file; its Path is the path the loader would open.</summary>
    public ElfObject Object { get; }

    /// <summary>How the loader search found it first.</summary>
    public LibrarySource Source => _sources[0];

    /// <summary>
    /// Every way the search reached this file, first one first: the same object can be both a DT_NEEDED found
    /// through ld.so.conf and a PT_INTERP (libc.so.6 needs ld-linux-x86-64.so.2 and names it as its interpreter).
    /// </summary>
    public IReadOnlyList<LibrarySource> Sources => _sources;

    /// <summary>The real path (every symlink in every component resolved); one member per real file.</summary>
    public string CanonicalPath { get; }

    internal void AddSource(LibrarySource source)
    {
        if (!_sources.Contains(source)) _sources.Add(source);
    }

    /// <summary>File names of the objects whose DT_NEEDED (or PT_INTERP) brought this one in.</summary>
    public List<string> NeededBy { get; } = [];

    /// <summary>
    /// True for glibc's own objects (libc.so.6 and the ld-linux loader): their code can issue nearly every
    /// syscall, so their sites bound the closure from above instead of counting as required.
    /// </summary>
    public bool IsCRuntime =>
        Object.Soname is "libc.so.6" or "ld-linux-x86-64.so.2"
        || (Object.Soname is null && Object.FileName is "libc.so.6" or "ld-linux-x86-64.so.2");
}

/// <summary>A DT_NEEDED name the loader search could not find.</summary>
/// <param name="Name">The DT_NEEDED string.</param>
/// <param name="NeededBy">Objects that need it.</param>
public sealed record MissingLibrary(string Name, IReadOnlyList<string> NeededBy);

/// <summary>A name an object may pass to dlopen, and where the loader search would find it.</summary>
/// <param name="Name">String found in the object's data.</param>
/// <param name="Requester">Object that contains the string.</param>
/// <param name="ResolvedPath">Where dlopen would find it here, or null.</param>
public sealed record DlopenCandidate(string Name, string Requester, string? ResolvedPath);

/// <summary>An input file that was skipped while scanning a directory, and why.</summary>
public sealed record SkippedFile(string Path, string Reason);

/// <summary>
/// The load-time closure of one or more ELF inputs: every object the dynamic loader would map,
/// in breadth-first load order (which is also ld.so's global symbol lookup order).
/// </summary>
public sealed class DependencyClosure
{
    DependencyClosure() { }

    /// <summary>The inputs the closure starts from.</summary>
    public IReadOnlyList<ClosureMember> Roots { get; private set; } = [];

    /// <summary>All objects in load order, roots first.</summary>
    public IReadOnlyList<ClosureMember> Members { get; private set; } = [];

    /// <summary>Needed libraries that were not found.</summary>
    public IReadOnlyList<MissingLibrary> Missing { get; private set; } = [];

    /// <summary>dlopen candidates of all members.</summary>
    public IReadOnlyList<DlopenCandidate> DlopenCandidates { get; private set; } = [];

    /// <summary>Files under input directories that are ELF but could not be analysed (e.g. 32-bit, object files).</summary>
    public IReadOnlyList<SkippedFile> Skipped { get; private set; } = [];

    /// <summary>Total bytes of all member files.</summary>
    public long TotalSize => Members.Sum(m => m.Object.FileSize);

    /// <summary>
    /// Builds the closure of <paramref name="inputs"/>: ELF files, directories searched recursively for ELF
    /// files (a Python package, a NuGet package's runtimes/linux-x64/native), or a NuGet package root.
    /// </summary>
    public static DependencyClosure Build(IReadOnlyList<string> inputs, LibraryResolver resolver, bool scanSyscalls = true, bool followDlopen = false)
    {
        if (inputs.Count == 0) throw new DependencyAnalysisException("No input given: name an ELF file or a directory.");
        var skipped = new List<SkippedFile>();
        var rootFiles = new List<string>();
        foreach (var input in inputs) rootFiles.AddRange(InputFiles(input, skipped));

        var closure = new DependencyClosure();
        var members = new List<ClosureMember>();
        var byCanonical = new Dictionary<string, ClosureMember>(StringComparer.Ordinal);
        var bySoname = new Dictionary<string, ClosureMember>(StringComparer.Ordinal);
        var missing = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var chains = new Dictionary<ClosureMember, List<(string, ElfObject)>>();
        var queue = new Queue<ClosureMember>();
        var roots = new List<ClosureMember>();

        ClosureMember Add(ElfObject obj, LibrarySource source, string canonical, List<(string, ElfObject)> chain)
        {
            var member = new ClosureMember(obj, source, canonical);
            members.Add(member);
            byCanonical[canonical] = member;
            if (obj.Soname is not null) bySoname.TryAdd(obj.Soname, member);
            bySoname.TryAdd(obj.FileName, member);
            chains[member] = chain;
            queue.Enqueue(member);
            return member;
        }

        foreach (var file in rootFiles)
        {
            string canonical = Canonical(file);
            if (byCanonical.ContainsKey(canonical)) continue;
            ElfObject obj;
            bool fromDirectory = !inputs.Contains(file);
            try { obj = ElfObject.Load(file, scanSyscalls); }
            catch (DependencyAnalysisException e) when (fromDirectory)
            {
                skipped.Add(new SkippedFile(file, e.Message));
                continue;
            }
            roots.Add(Add(obj, LibrarySource.Input, canonical, []));
        }
        if (roots.Count == 0)
            throw new DependencyAnalysisException($"No analysable x86_64 ELF executable or shared object in: {string.Join(", ", inputs)}.");

        while (queue.Count > 0)
        {
            var member = queue.Dequeue();
            var obj = member.Object;
            var chain = new List<(string, ElfObject)>(chains[member]) { (obj.Path, obj) };
            if (obj.Interpreter is not null)
                Link(obj.Interpreter, LibrarySource.Interpreter, obj.Interpreter);
            foreach (var name in obj.Needed)
            {
                if (bySoname.TryGetValue(name, out var loaded)) { loaded.NeededBy.AddUnique(obj.FileName); continue; }
                var found = resolver.Resolve(name, obj.Path, obj, chains[member]);
                if (found is null)
                {
                    if (!missing.TryGetValue(name, out var list)) missing[name] = list = [];
                    list.AddUnique(obj.FileName);
                    continue;
                }
                Link(found.Value.Path, found.Value.Source, name);
            }

            void Link(string path, LibrarySource source, string name)
            {
                string canonical = Canonical(path);
                if (!byCanonical.TryGetValue(canonical, out var target))
                {
                    if (!File.Exists(path))
                    {
                        if (!missing.TryGetValue(name, out var list)) missing[name] = list = [];
                        list.AddUnique(obj.FileName);
                        return;
                    }
                    target = Add(ElfObject.Load(path, scanSyscalls), source, canonical, chain);
                }
                else target.AddSource(source);
                if (!bySoname.ContainsKey(name)) bySoname[name] = target;
                target.NeededBy.AddUnique(obj.FileName);
            }

            if (queue.Count == 0 && followDlopen)
            {
                foreach (var m in members.ToList())
                    foreach (var candidate in m.Object.DlopenCandidates)
                    {
                        if (bySoname.ContainsKey(candidate)) continue;
                        var path = resolver.ResolveForDlopen(candidate, m.Object.Path, m.Object);
                        if (path is null || byCanonical.ContainsKey(Canonical(path))) continue;
                        var added = Add(ElfObject.Load(path, scanSyscalls), LibrarySource.Dlopen, Canonical(path), []);
                        added.NeededBy.Add(m.Object.FileName);
                        bySoname.TryAdd(candidate, added);
                    }
            }
        }

        var candidates = new List<DlopenCandidate>();
        foreach (var m in members)
            foreach (var name in m.Object.DlopenCandidates)
            {
                string? resolved = bySoname.TryGetValue(name, out var loaded) ? loaded.Object.Path : resolver.ResolveForDlopen(name, m.Object.Path, m.Object);
                candidates.Add(new DlopenCandidate(name, m.Object.FileName, resolved));
            }

        closure.Roots = roots;
        closure.Members = members;
        closure.Missing = [.. missing.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new MissingLibrary(kv.Key, kv.Value))];
        closure.DlopenCandidates = candidates;
        closure.Skipped = skipped;
        return closure;
    }

    /// <summary>The member that defines <paramref name="symbol"/> first in load order (ld.so's global scope), if any.</summary>
    public ClosureMember? Provider(ImportedSymbol symbol)
    {
        if (symbol.VersionFile is not null)
        {
            foreach (var m in Members)
                if ((m.Object.Soname ?? m.Object.FileName) == symbol.VersionFile && m.Object.Exports.Contains(symbol.Name)) return m;
        }
        foreach (var m in Members)
            if (m.Object.IsSharedLibrary && m.Object.Exports.Contains(symbol.Name)) return m;
        return null;
    }

    static string Canonical(string path) => RealPath.Resolve(path);

    static IEnumerable<string> InputFiles(string input, List<SkippedFile> skipped)
    {
        if (File.Exists(input)) return [input];
        if (!Directory.Exists(input)) throw new DependencyAnalysisException($"'{input}' does not exist.");

        // A NuGet package root: only its Linux x64 native assets matter here.
        string nativeDir = Path.Combine(input, "runtimes", "linux-x64", "native");
        string root = Directory.Exists(nativeDir) ? nativeDir : input;
        var files = new List<string>();
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        foreach (var file in Directory.EnumerateFiles(root, "*", options).Order(StringComparer.Ordinal))
        {
            if (ElfObject.HasElfMagic(file)) files.Add(file);
        }
        if (files.Count == 0)
            throw new DependencyAnalysisException($"Directory '{input}' contains no ELF files.");
        return files;
    }
}

static class ListExtensions
{
    public static void AddUnique(this List<string> list, string value)
    {
        if (!list.Contains(value)) list.Add(value);
    }
}
