using System.Diagnostics;
using System.Formats.Tar;
using SharpCompress.Compressors.Xz;
using UniML.Images.Internals;

namespace UniML.Images;

/// <summary>
/// Gets Debian's cloud kernel: resolves the versioned <c>linux-image-*-cloud-amd64</c> package from the
/// <c>linux-image-cloud-amd64</c> metapackage, downloads it with <c>apt-get download</c> into a cache folder,
/// and unpacks vmlinuz, config and the module tree in-process (ar + xz + tar).
/// </summary>
public sealed class DebianKernelProvider(string cacheDirectory, Action<string>? log = null)
{
    /// <summary>The metapackage that always depends on the current cloud kernel.</summary>
    public const string MetaPackage = "linux-image-cloud-amd64";

    private readonly Action<string> log = log ?? (_ => { });

    /// <summary>Default cache: $XDG_CACHE_HOME/uniml/kernels or ~/.cache/uniml/kernels.</summary>
    public static string DefaultCacheDirectory
    {
        get
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string root = string.IsNullOrEmpty(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache") : xdg;
            return Path.Combine(root, "uniml", "kernels");
        }
    }

    /// <summary>Returns the unpacked current cloud kernel, downloading it when not cached.</summary>
    public KernelFiles Provide()
    {
        string package;
        try
        {
            package = ResolveVersionedPackage(RunApt("apt-cache", $"depends {MetaPackage}"));
        }
        catch (InvalidOperationException) when (Environment.IsPrivilegedProcess)
        {
            // A fresh machine often has no package lists yet: fetch them once (as root) and ask again.
            log("apt has no entry for the cloud kernel yet; running apt-get update");
            RunApt("apt-get", "update -q");
            package = ResolveVersionedPackage(RunApt("apt-cache", $"depends {MetaPackage}"));
        }
        string target = Path.Combine(cacheDirectory, package);
        var cached = TryOpenUnpacked(target);
        if (cached is not null)
        {
            log($"kernel {cached.Version} from cache {target}");
            return cached;
        }
        string downloads = Path.Combine(cacheDirectory, "downloads");
        Directory.CreateDirectory(downloads);
        log($"apt-get download {package}");
        RunApt("apt-get", $"download {package}", downloads);
        string deb = Directory.GetFiles(downloads, package + "_*.deb").OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
            ?? throw new InvalidOperationException($"apt-get download {package} produced no .deb in {downloads}");
        return UnpackDeb(deb, target);
    }

    /// <summary>Picks the versioned kernel package from <c>apt-cache depends linux-image-cloud-amd64</c>.</summary>
    public static string ResolveVersionedPackage(string aptCacheDependsOutput)
    {
        foreach (string raw in aptCacheDependsOutput.Split('\n'))
        {
            string line = raw.Trim().TrimStart('|');
            if (!line.StartsWith("Depends:", StringComparison.Ordinal))
                continue;
            string name = line["Depends:".Length..].Trim();
            if (name.StartsWith("linux-image-", StringComparison.Ordinal) && name.EndsWith("-cloud-amd64", StringComparison.Ordinal) && name != MetaPackage)
                return name;
        }
        throw new InvalidOperationException($"could not find the versioned kernel package among the dependencies of {MetaPackage} (is this a Debian system with an up-to-date apt index? try 'apt-get update'); or pass --kernel");
    }

    /// <summary>Unpacks a linux-image .deb into <paramref name="destination"/>: boot/vmlinuz-*, boot/config-*
    /// and the module tree lib/modules/VERSION (usr/lib/modules on merged-/usr packages).</summary>
    public static KernelFiles UnpackDeb(string debPath, string destination)
    {
        string partial = destination + ".partial";
        if (Directory.Exists(partial))
            Directory.Delete(partial, recursive: true);
        Directory.CreateDirectory(partial);
        using (var deb = File.OpenRead(debPath))
        {
            var data = ArArchive.Members(deb).FirstOrDefault(m => m.Name.StartsWith("data.tar", StringComparison.Ordinal));
            if (data.Name is null)
                throw new InvalidDataException($"{debPath} has no data.tar member");
            deb.Position = data.Offset;
            using var member = new SubStream(deb, data.Size);
            using Stream tar = data.Name switch
            {
                "data.tar.xz" => new XZStream(member),
                "data.tar" => member,
                _ => throw new NotSupportedException($"{debPath}: {data.Name} compression is not supported (xz and plain tar are)"),
            };
            ExtractKernelParts(tar, partial);
        }
        if (Directory.Exists(destination))
            Directory.Delete(destination, recursive: true);
        Directory.Move(partial, destination);
        return TryOpenUnpacked(destination) ?? throw new InvalidDataException($"{debPath} holds no boot/vmlinuz-*");
    }

    private static void ExtractKernelParts(Stream tarStream, string destination)
    {
        using var reader = new TarReader(tarStream);
        while (reader.GetNextEntry() is { } entry)
        {
            string name = entry.Name.TrimStart('.', '/');
            if (name.StartsWith("usr/lib/modules/", StringComparison.Ordinal))
                name = name[4..];
            bool wanted = name.StartsWith("boot/vmlinuz-", StringComparison.Ordinal) || name.StartsWith("boot/config-", StringComparison.Ordinal)
                || name.StartsWith("lib/modules/", StringComparison.Ordinal);
            if (!wanted || entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null)
                continue;
            string path = Path.Combine(destination, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var file = File.Create(path);
            entry.DataStream.CopyTo(file);
        }
    }

    /// <summary>Opens an already unpacked kernel folder, or null.</summary>
    public static KernelFiles? TryOpenUnpacked(string directory)
    {
        string boot = Path.Combine(directory, "boot");
        if (!Directory.Exists(boot))
            return null;
        string? vmlinuz = Directory.GetFiles(boot, "vmlinuz-*").FirstOrDefault();
        if (vmlinuz is null)
            return null;
        string version = Path.GetFileName(vmlinuz)["vmlinuz-".Length..];
        string modules = Path.Combine(directory, "lib", "modules", version);
        string config = Path.Combine(boot, "config-" + version);
        return new KernelFiles(vmlinuz, Directory.Exists(modules) ? modules : null, version, File.Exists(config) ? config : null);
    }

    private static string RunApt(string tool, string arguments, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(tool, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {tool}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{tool} is not available ({e.Message}): the Debian kernel is fetched with apt; on other systems pass --kernel and --modules", e);
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{tool} {arguments} did not finish within 5 minutes");
            }
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"{tool} {arguments} failed with exit code {process.ExitCode}: {stderr.Result.Trim()}");
            return stdout;
        }
    }
}
