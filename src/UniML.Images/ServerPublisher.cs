using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace UniML.Images;

/// <summary>
/// Publishes the NativeAOT server (<c>src/UniML.Server.App</c>) of a UniML source checkout on demand, into a
/// cache folder keyed by a hash of its sources: every file of the project and of the projects it references
/// (bin/ and obj/ excluded), files the project files include from elsewhere (the bundled model), and the
/// repository's Directory.*.props. An unchanged checkout reuses the published binary without running the SDK.
/// </summary>
public sealed class ServerPublisher
{
    /// <summary>The server project, relative to the repository root.</summary>
    public const string ProjectPath = "src/UniML.Server.App/UniML.Server.App.csproj";
    /// <summary>File name of the published server.</summary>
    public const string BinaryName = "uniml-server";
    /// <summary>Runtime identifier published for (the images are x86_64 Linux).</summary>
    public const string RuntimeIdentifier = "linux-x64";

    private static readonly string[] RootFiles = ["Directory.Build.props", "Directory.Packages.props", "global.json", "NuGet.config", "nuget.config"];
    private readonly Action<string> log;

    /// <param name="repositoryRoot">Folder holding UniML.slnx.</param>
    /// <param name="cacheDirectory">Where published servers are kept, one folder per source hash.</param>
    /// <param name="log">Receives what the publisher does.</param>
    public ServerPublisher(string repositoryRoot, string? cacheDirectory = null, Action<string>? log = null)
    {
        if (!File.Exists(Path.Combine(repositoryRoot, ProjectPath)))
            throw new DirectoryNotFoundException($"{repositoryRoot} is not a UniML source checkout ({ProjectPath} is missing)");
        RepositoryRoot = Path.GetFullPath(repositoryRoot);
        CacheDirectory = cacheDirectory ?? DefaultCacheDirectory;
        this.log = log ?? (_ => { });
    }

    /// <summary>The source checkout.</summary>
    public string RepositoryRoot { get; }

    /// <summary>Where published servers are kept.</summary>
    public string CacheDirectory { get; }

    /// <summary>Longest a publish may take before it is killed.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary><c>$XDG_CACHE_HOME/uniml/server</c>, else <c>~/.cache/uniml/server</c>.</summary>
    public static string DefaultCacheDirectory
    {
        get
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string root = string.IsNullOrEmpty(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache") : xdg;
            return Path.Combine(root, "uniml", "server");
        }
    }

    /// <summary>The first folder holding UniML.slnx at or above one of <paramref name="starts"/>, or null.</summary>
    public static string? FindRepositoryRoot(params string[] starts)
    {
        foreach (string start in starts)
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "UniML.slnx")) && File.Exists(Path.Combine(directory.FullName, ProjectPath)))
                    return directory.FullName;
            }
        }
        return null;
    }

    /// <summary>Where the server for the current sources is (or will be) published.</summary>
    public string CachedBinaryPath(string sourceHash) => Path.Combine(CacheDirectory, sourceHash, BinaryName);

    /// <summary>Returns the published server for the current sources, publishing it first when the cache has
    /// none. Throws <see cref="InvalidOperationException"/> with the SDK's output when the publish fails.</summary>
    public string Publish()
    {
        string hash = SourceHash();
        string binary = CachedBinaryPath(hash);
        if (File.Exists(binary))
        {
            log($"server: up to date ({binary}, sources {hash})");
            return binary;
        }
        Directory.CreateDirectory(CacheDirectory);
        // Two publishes of one checkout at once (two `uniml up`, or test projects run in parallel) would write
        // the same obj/ folders; take the checkout's publish lock, then look again for a binary.
        using var publishLock = AcquirePublishLock(RepositoryRoot, Timeout);
        if (File.Exists(binary))
        {
            log($"server: up to date ({binary}, published meanwhile by another process)");
            return binary;
        }
        // Publish beside the final folder and rename it into place, so a killed publish or a concurrent one
        // never leaves a half-written binary under the hash.
        string staging = Path.Combine(CacheDirectory, $"{hash}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");
        string[] arguments = ["publish", Path.Combine(RepositoryRoot, ProjectPath), "-c", "Release", "-r", RuntimeIdentifier, "-o", staging, "-nologo", "-v:minimal"];
        string dotnet = DotnetHost();
        log($"server: publishing with NativeAOT (sources {hash}; takes a few minutes the first time):");
        log($"  {dotnet} {string.Join(' ', arguments)}");
        var clock = Stopwatch.StartNew();
        try
        {
            var (exitCode, output) = Run(dotnet, arguments, Timeout);
            if (exitCode != 0)
                throw new InvalidOperationException($"publishing the server failed (dotnet publish exit {exitCode}); NativeAOT needs clang and zlib1g-dev (apt-get install clang zlib1g-dev):\n{output}");
            if (!File.Exists(Path.Combine(staging, BinaryName)))
                throw new InvalidOperationException($"dotnet publish succeeded but wrote no {BinaryName} in {staging}:\n{output}");
            string final = Path.GetDirectoryName(binary)!;
            try
            {
                Directory.Move(staging, final);
            }
            catch (IOException) when (File.Exists(binary))
            {
                // Another publish of the same sources finished first; its binary is as good as ours.
            }
        }
        finally
        {
            if (Directory.Exists(staging))
                Directory.Delete(staging, recursive: true);
        }
        log($"server: published {binary} ({new FileInfo(binary).Length / 1048576.0:0.0} MiB) in {clock.Elapsed.TotalSeconds:0} s");
        return binary;
    }

    /// <summary>
    /// The checkout's publish lock: an exclusive lock on <c>src/UniML.Server.App/obj/uniml-publish.lock</c>
    /// (.NET takes it with flock), held until disposed. Anything else that publishes the server from this
    /// checkout takes the same lock.
    /// </summary>
    public static IDisposable AcquirePublishLock(string repositoryRoot, TimeSpan timeout)
    {
        string path = Path.Combine(repositoryRoot, "src", "UniML.Server.App", "obj", "uniml-publish.lock");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (clock.Elapsed < timeout)
            {
                Thread.Sleep(500);
            }
        }
    }

    /// <summary>A hash of every input of the server's publish (see the class summary); 16 hex digits.</summary>
    public string SourceHash()
    {
        var files = new SortedSet<string>(StringComparer.Ordinal);
        var projects = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        pending.Push(Path.Combine(RepositoryRoot, ProjectPath));
        while (pending.Count > 0)
        {
            string project = Path.GetFullPath(pending.Pop());
            if (!projects.Add(project))
                continue;
            if (!File.Exists(project))
                throw new FileNotFoundException($"project {project} (referenced by the server) is missing", project);
            string folder = Path.GetDirectoryName(project)!;
            foreach (string file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
            {
                string relative = Path.GetRelativePath(folder, file);
                string top = relative.Split(Path.DirectorySeparatorChar)[0];
                if (top is not ("bin" or "obj"))
                    files.Add(file);
            }
            foreach (var element in XDocument.Load(project).Descendants())
            {
                string? include = element.Attribute("Include")?.Value;
                if (include is null || include.Contains('*', StringComparison.Ordinal) || include.Contains('$', StringComparison.Ordinal))
                    continue;
                string path = Path.GetFullPath(Path.Combine(folder, include.Replace('\\', '/')));
                if (element.Name.LocalName == "ProjectReference")
                    pending.Push(path);
                else if (File.Exists(path))
                    files.Add(path);
            }
        }
        foreach (string name in RootFiles)
        {
            string path = Path.Combine(RepositoryRoot, name);
            if (File.Exists(path))
                files.Add(path);
        }
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string file in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(RepositoryRoot, file).Replace('\\', '/') + "\n"));
            hash.AppendData(File.ReadAllBytes(file));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }

    private static string DotnetHost()
    {
        // Set by the dotnet CLI for the processes it starts (dotnet run, dotnet test): the SDK in use.
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return !string.IsNullOrEmpty(host) && File.Exists(host) ? host : "dotnet";
    }

    private static (int ExitCode, string Output) Run(string program, string[] arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"could not run '{program}' to publish the server ({e.Message}); install the .NET 10 SDK", e);
        }
        using (process)
        {
            var output = new StringBuilder();
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
                throw new TimeoutException($"publishing the server took longer than {timeout.TotalMinutes:0} minutes; it was stopped");
            }
            process.WaitForExit();
            lock (output) return (process.ExitCode, output.ToString().Trim());
        }
    }
}
