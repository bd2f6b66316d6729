using System.Text.Json;

namespace UniML.Images;

/// <summary>Build targets of <c>uniml image build</c>.</summary>
public enum ImageTarget
{
    /// <summary>Linux kernel + initramfs with the server as /init, booted by QEMU (<c>uniml image run</c>).</summary>
    MicroVm,
    /// <summary>Folder for NanoVMs' <c>ops</c>: program, models, config.json.</summary>
    Nanos,
    /// <summary>Folder for <c>kraft</c>: Kraftfile (ELF-loader runtime) + cpio root filesystem.</summary>
    Unikraft,
    /// <summary>OCI image layout archive with the server, its libraries and models, plus KServe manifests.</summary>
    Oci,
}

/// <summary>One file inside an image (or an artifact beside it).</summary>
/// <param name="Path">Path in the image (absolute) or artifact name.</param>
/// <param name="Size">Uncompressed size in bytes.</param>
/// <param name="Category">kernel, modules, libraries, server, models or system.</param>
public sealed record ImageFile(string Path, long Size, string Category);

/// <summary>What was built: written as <c>manifest.json</c> beside every image.</summary>
public sealed record ImageManifest
{
    /// <summary>File name of the manifest in the output folder.</summary>
    public const string FileName = "manifest.json";

    /// <summary>Target name (microvm, nanos, unikraft, oci).</summary>
    public required string Target { get; init; }
    /// <summary>Kernel release for microvm images.</summary>
    public string? KernelVersion { get; init; }
    /// <summary>Kernel command line for microvm images.</summary>
    public string? CommandLine { get; init; }
    /// <summary>QEMU machine type the image boots on (microvm or pc).</summary>
    public string? Machine { get; init; }
    /// <summary>Port the server listens on inside the guest.</summary>
    public int GuestPort { get; init; }
    /// <summary>Kernel modules in load order.</summary>
    public IReadOnlyList<string> Modules { get; init; } = [];
    /// <summary>Every file in the image.</summary>
    public required IReadOnlyList<ImageFile> Files { get; init; }
    /// <summary>Files written to the output folder with their on-disk size (compressed where they are).</summary>
    public IReadOnlyList<ImageFile> Artifacts { get; init; } = [];

    /// <summary>Total uncompressed size of <see cref="Files"/>.</summary>
    public long TotalSize => Files.Sum(f => f.Size);

    /// <summary>Sizes summed per category.</summary>
    public IReadOnlyDictionary<string, long> SizeByCategory =>
        Files.GroupBy(f => f.Category).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(f => f.Size));

    /// <summary>Writes the manifest as indented JSON.</summary>
    public void Save(string path)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("target", Target);
        if (KernelVersion is not null) json.WriteString("kernelVersion", KernelVersion);
        if (CommandLine is not null) json.WriteString("commandLine", CommandLine);
        if (Machine is not null) json.WriteString("machine", Machine);
        json.WriteNumber("guestPort", GuestPort);
        json.WriteStartArray("modules");
        foreach (string module in Modules) json.WriteStringValue(module);
        json.WriteEndArray();
        json.WriteNumber("totalSize", TotalSize);
        json.WriteStartObject("sizeByCategory");
        foreach (var (category, size) in SizeByCategory) json.WriteNumber(category, size);
        json.WriteEndObject();
        WriteFiles(json, "files", Files);
        WriteFiles(json, "artifacts", Artifacts);
        json.WriteEndObject();
    }

    /// <summary>Reads a manifest written by <see cref="Save"/>.</summary>
    public static ImageManifest Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} not found: is this a folder written by 'uniml image build'?", path);
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = document.RootElement;
        string? Optional(string name) => root.TryGetProperty(name, out var value) ? value.GetString() : null;
        return new ImageManifest
        {
            Target = root.GetProperty("target").GetString()!,
            KernelVersion = Optional("kernelVersion"),
            CommandLine = Optional("commandLine"),
            Machine = Optional("machine"),
            GuestPort = root.GetProperty("guestPort").GetInt32(),
            Modules = root.GetProperty("modules").EnumerateArray().Select(m => m.GetString()!).ToList(),
            Files = ReadFiles(root.GetProperty("files")),
            Artifacts = ReadFiles(root.GetProperty("artifacts")),
        };
    }

    private static void WriteFiles(Utf8JsonWriter json, string name, IReadOnlyList<ImageFile> files)
    {
        json.WriteStartArray(name);
        foreach (var file in files)
        {
            json.WriteStartObject();
            json.WriteString("path", file.Path);
            json.WriteNumber("size", file.Size);
            json.WriteString("category", file.Category);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static List<ImageFile> ReadFiles(JsonElement array) =>
        array.EnumerateArray().Select(f => new ImageFile(f.GetProperty("path").GetString()!, f.GetProperty("size").GetInt64(), f.GetProperty("category").GetString()!)).ToList();
}
