using System.Globalization;
using System.Text;
using UniML.Images.Targets;

namespace UniML.Images;

/// <summary>Describes a built image: every file with its size, totals per category, kernel version and
/// command line. For microvm images the initramfs itself is read, not only the manifest.</summary>
public static class ImageInspector
{
    /// <summary>Facts of the image in <paramref name="directory"/>.</summary>
    public static ImageManifest Inspect(string directory)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"image folder not found: {directory}");
        var manifest = ImageManifest.Load(Path.Combine(directory, ImageManifest.FileName));
        if (manifest.Target != "microvm")
            return manifest;
        string initramfs = Path.Combine(directory, File.Exists(Path.Combine(directory, MicroVmTarget.InitramfsFile)) ? MicroVmTarget.InitramfsFile : MicroVmTarget.PlainInitramfsFile);
        var categories = manifest.Files.ToDictionary(f => f.Path, f => f.Category, StringComparer.Ordinal);
        var files = new List<ImageFile>();
        string kernel = Path.Combine(directory, MicroVmTarget.KernelFile);
        if (File.Exists(kernel))
            files.Add(new ImageFile("/" + MicroVmTarget.KernelFile, new FileInfo(kernel).Length, "kernel"));
        foreach (var entry in InitramfsReader.ReadFile(initramfs))
        {
            if (entry.Kind is InitramfsEntryKind.Directory)
                continue;
            string path = "/" + entry.Path;
            files.Add(new ImageFile(path, entry.Kind == InitramfsEntryKind.File ? entry.Size : 0, categories.GetValueOrDefault(path, "system")));
        }
        string commandLinePath = Path.Combine(directory, MicroVmTarget.CommandLineFile);
        return manifest with
        {
            Files = files,
            KernelVersion = File.Exists(kernel) ? BzImage.ReadVersion(kernel) ?? manifest.KernelVersion : manifest.KernelVersion,
            CommandLine = File.Exists(commandLinePath) ? File.ReadAllText(commandLinePath).Trim() : manifest.CommandLine,
        };
    }

    /// <summary>A human-readable report of <see cref="Inspect"/>.</summary>
    public static string Format(ImageManifest manifest)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"target: {manifest.Target}");
        if (manifest.KernelVersion is not null) text.AppendLine(CultureInfo.InvariantCulture, $"kernel: {manifest.KernelVersion}");
        if (manifest.CommandLine is not null) text.AppendLine(CultureInfo.InvariantCulture, $"cmdline: {manifest.CommandLine}");
        if (manifest.Machine is not null) text.AppendLine(CultureInfo.InvariantCulture, $"machine: {manifest.Machine}");
        if (manifest.Modules.Count > 0) text.AppendLine(CultureInfo.InvariantCulture, $"modules (load order): {string.Join(' ', manifest.Modules)}");
        text.AppendLine();
        foreach (var file in manifest.Files.OrderBy(f => f.Category, StringComparer.Ordinal).ThenBy(f => f.Path, StringComparer.Ordinal))
            text.AppendLine(CultureInfo.InvariantCulture, $"{file.Size,12:N0}  {file.Category,-9}  {file.Path}");
        text.AppendLine();
        foreach (var (category, size) in manifest.SizeByCategory)
            text.AppendLine(CultureInfo.InvariantCulture, $"{size,12:N0}  {category}");
        text.AppendLine(CultureInfo.InvariantCulture, $"{manifest.TotalSize,12:N0}  total ({manifest.TotalSize / 1048576.0:0.0} MiB uncompressed)");
        foreach (var artifact in manifest.Artifacts)
            text.AppendLine(CultureInfo.InvariantCulture, $"{artifact.Size,12:N0}  on disk: {artifact.Path}");
        return text.ToString();
    }
}
