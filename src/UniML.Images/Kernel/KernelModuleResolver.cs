using ELFSharp.ELF;
using SharpCompress.Compressors.Xz;

namespace UniML.Images;

/// <summary>A loadable module chosen for the image.</summary>
/// <param name="Name">Module name with '-' folded to '_' (as the kernel names it).</param>
/// <param name="HostPath">The .ko or .ko.xz file in the module tree.</param>
/// <param name="Dependencies">Names of the modules it needs loaded first.</param>
public sealed record KernelModule(string Name, string HostPath, IReadOnlyList<string> Dependencies)
{
    /// <summary>The module's bytes, decompressed when stored as .ko.xz (a kernel may lack in-kernel decompression).</summary>
    public byte[] ReadContent()
    {
        if (!HostPath.EndsWith(".xz", StringComparison.Ordinal))
            return File.ReadAllBytes(HostPath);
        using var xz = new XZStream(File.OpenRead(HostPath));
        using var buffer = new MemoryStream();
        xz.CopyTo(buffer);
        return buffer.ToArray();
    }
}

/// <summary>
/// Picks kernel modules and orders them so every module comes after its dependencies. Dependencies come from
/// <c>modules.dep</c> when depmod has produced it, otherwise from each module's own <c>.modinfo</c>
/// <c>depends=</c> field (a .deb carries no modules.dep: depmod runs in its postinst).
/// Modules built into the kernel (<c>modules.builtin</c>) are skipped.
/// </summary>
public sealed class KernelModuleResolver
{
    /// <summary>What a UniML guest needs on Debian's cloud kernel: virtio transport (PCI for <c>-M pc</c>,
    /// MMIO for <c>-M microvm</c>), the virtio NIC, and the ACPI power button with the event device
    /// PID 1 reads it from.</summary>
    public static readonly IReadOnlyList<string> DefaultModules =
    [
        "virtio_ring", "virtio", "virtio_pci_legacy_dev", "virtio_pci_modern_dev", "virtio_pci", "virtio_mmio",
        "failover", "net_failover", "virtio_net", "button", "evdev",
    ];

    private readonly string root;
    private readonly Dictionary<string, string> pathByName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>>? dependenciesFromDepFile;
    private readonly HashSet<string> builtin = new(StringComparer.Ordinal);

    /// <summary>Indexes the module tree at <paramref name="modulesDirectory"/> (e.g. lib/modules/6.1.0-56-cloud-amd64).</summary>
    public KernelModuleResolver(string modulesDirectory)
    {
        if (!Directory.Exists(modulesDirectory))
            throw new DirectoryNotFoundException($"kernel module folder not found: {modulesDirectory}");
        root = modulesDirectory;
        foreach (string file in Directory.EnumerateFiles(root, "*.ko*", SearchOption.AllDirectories))
        {
            if (file.EndsWith(".ko", StringComparison.Ordinal) || file.EndsWith(".ko.xz", StringComparison.Ordinal))
                pathByName.TryAdd(NameOf(file), file);
        }
        string depFile = Path.Combine(root, "modules.dep");
        if (File.Exists(depFile))
        {
            dependenciesFromDepFile = new(StringComparer.Ordinal);
            foreach (string line in File.ReadLines(depFile))
            {
                int colon = line.IndexOf(':');
                if (colon < 0)
                    continue;
                string module = NameOf(line[..colon]);
                dependenciesFromDepFile[module] = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(NameOf).ToList();
            }
        }
        string builtinFile = Path.Combine(root, "modules.builtin");
        if (File.Exists(builtinFile))
        {
            foreach (string line in File.ReadLines(builtinFile))
            {
                if (line.Length > 0)
                    builtin.Add(NameOf(line));
            }
        }
    }

    /// <summary>True when a name is compiled into the kernel rather than a module.</summary>
    public bool IsBuiltin(string name) => builtin.Contains(Normalize(name));

    /// <summary>Returns the requested modules and everything they depend on, dependencies first;
    /// requested order is kept where dependencies allow. Unknown names are an error.</summary>
    public IReadOnlyList<KernelModule> Resolve(IEnumerable<string> names)
    {
        var result = new List<KernelModule>();
        var done = new HashSet<string>(StringComparer.Ordinal);
        var visiting = new HashSet<string>(StringComparer.Ordinal);
        foreach (string name in names)
            Visit(Normalize(name), result, done, visiting, requestedBy: null);
        return result;
    }

    private void Visit(string name, List<KernelModule> result, HashSet<string> done, HashSet<string> visiting, string? requestedBy)
    {
        if (done.Contains(name))
            return;
        if (!pathByName.TryGetValue(name, out string? path))
        {
            if (builtin.Contains(name))
            {
                done.Add(name);
                return;
            }
            throw new InvalidOperationException(requestedBy is null
                ? $"kernel module {name} is neither in {root} nor built into the kernel"
                : $"kernel module {name} (needed by {requestedBy}) is not in {root}");
        }
        if (!visiting.Add(name))
            throw new InvalidOperationException($"kernel modules depend on each other in a cycle through {name}");
        var dependencies = DependenciesOf(name, path);
        foreach (string dependency in dependencies)
            Visit(dependency, result, done, visiting, name);
        visiting.Remove(name);
        done.Add(name);
        result.Add(new KernelModule(name, path, dependencies));
    }

    private List<string> DependenciesOf(string name, string path)
    {
        if (dependenciesFromDepFile is not null && dependenciesFromDepFile.TryGetValue(name, out var fromDep))
        {
            // modules.dep lists the full transitive closure; keep it, Visit skips what is already placed.
            return fromDep;
        }
        return ReadModinfoDepends(path);
    }

    /// <summary>Reads <c>depends=</c> from a module's .modinfo section (NUL-separated key=value strings).</summary>
    internal static List<string> ReadModinfoDepends(string path)
    {
        byte[] content = new KernelModule(NameOf(path), path, []).ReadContent();
        using var elf = ELFReader.Load(new MemoryStream(content), shouldOwnStream: true);
        var modinfo = elf.Sections.FirstOrDefault(s => s.Name == ".modinfo")
            ?? throw new InvalidDataException($"{path} has no .modinfo section: not a kernel module?");
        foreach (string field in System.Text.Encoding.ASCII.GetString(modinfo.GetContents()).Split('\0'))
        {
            if (field.StartsWith("depends=", StringComparison.Ordinal))
                return field[8..].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Normalize).ToList();
        }
        return [];
    }

    private static string NameOf(string path)
    {
        string file = Path.GetFileName(path.Trim());
        int ko = file.IndexOf(".ko", StringComparison.Ordinal);
        return Normalize(ko >= 0 ? file[..ko] : file);
    }

    private static string Normalize(string name) => name.Trim().Replace('-', '_');
}
