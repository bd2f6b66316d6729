using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using UniML.Engine;
using UniML.Server.Internals.Metrics;
using UniML.Server.Internals.Protocol;

namespace UniML.Server.Internals.Repository;

/// <summary>Where a model's files are: a Triton-layout folder (<c>&lt;model&gt;/&lt;version&gt;/model.onnx</c>) or one file served as version 1.</summary>
internal sealed record ModelSource(string Name, string Path, bool IsFolder)
{
    public string ConfigPath => IsFolder ? System.IO.Path.Combine(Path, "config.json") : System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!, "config.json");
}

/// <summary>States as the repository extension's index reports them.</summary>
internal static class ModelStates
{
    public const string Ready = "READY";
    public const string Unavailable = "UNAVAILABLE";
    public const string Loading = "LOADING";
    public const string Unloading = "UNLOADING";
}

/// <summary>
/// The models being served, by name, and their lifecycle: load (all configured versions, warmed up),
/// reload (new versions are swapped in before old ones drain, so no request is dropped), unload. Request
/// paths read an immutable array of versions per model; writers serialise per model.
/// </summary>
internal sealed class ModelRepository
{
    readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    readonly Dictionary<string, ModelSource> _fileSources = new(StringComparer.Ordinal);
    readonly string? _repositoryPath;
    readonly ServerMetrics _metrics;
    readonly ILogger _log;
    readonly List<Task> _retiring = [];

    sealed class Entry(ModelSource source)
    {
        public ModelSource Source { get; set; } = source;
        public volatile ServedModel[] Versions = [];
        public volatile string State = ModelStates.Unavailable;
        public volatile string Reason = "not loaded";
        public readonly SemaphoreSlim Gate = new(1, 1);
    }

    public ModelRepository(string? repositoryPath, IEnumerable<ModelSource> fileSources, ServerMetrics metrics, ILogger log)
    {
        _repositoryPath = repositoryPath;
        _metrics = metrics;
        _log = log;
        foreach (var s in fileSources)
            _fileSources.Add(s.Name, s);
    }

    /// <summary>The model name for <c>--model [NAME=]PATH</c>: NAME, else the file name, else (for model.onnx) its folder's.</summary>
    public static ModelSource SourceFromArgument(string argument)
    {
        int eq = argument.IndexOf('=');
        string? name = eq > 0 ? argument[..eq] : null;
        string path = eq > 0 ? argument[(eq + 1)..] : argument;
        if (Directory.Exists(path))
        {
            bool versioned = Directory.EnumerateDirectories(path).Any(d => long.TryParse(System.IO.Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out _));
            var folderName = System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(path)));
            return versioned ? new ModelSource(name ?? folderName, path, true) : new ModelSource(name ?? folderName, System.IO.Path.Combine(path, "model.onnx"), false);
        }
        if (name is null)
        {
            name = System.IO.Path.GetFileNameWithoutExtension(path);
            if (name == "model")
                name = System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))) ?? name;
        }
        return new ModelSource(name, path, false);
    }

    /// <summary>Every model the repository knows: given on the command line, or a folder of the repository.</summary>
    public IReadOnlyList<ModelSource> DiscoverSources()
    {
        var sources = new List<ModelSource>();
        if (_repositoryPath is not null && Directory.Exists(_repositoryPath))
        {
            foreach (var dir in Directory.EnumerateDirectories(_repositoryPath).Order(StringComparer.Ordinal))
            {
                var name = System.IO.Path.GetFileName(dir);
                if (name.StartsWith('.') || _fileSources.ContainsKey(name)) continue;
                sources.Add(new ModelSource(name, dir, true));
            }
        }
        sources.AddRange(_fileSources.Values.OrderBy(s => s.Name, StringComparer.Ordinal));
        return sources;
    }

    ModelSource? FindSource(string name)
    {
        if (_fileSources.TryGetValue(name, out var file)) return file;
        if (_repositoryPath is null || name.Contains('/') || name.Contains('\\') || name is "." or "..") return null;
        var dir = System.IO.Path.Combine(_repositoryPath, name);
        return Directory.Exists(dir) ? new ModelSource(name, dir, true) : null;
    }

    /// <summary>The version to serve a request, with a lease the caller must release; throws 404/503 <see cref="ProtocolException"/>.</summary>
    public ServedModel Acquire(string name, string? version)
    {
        // A version can be retired between reading the array and taking the lease; the re-read sees its replacement.
        for (int attempt = 0; attempt < 8; attempt++)
        {
            var model = Resolve(name, version);
            if (model.TryAcquire()) return model;
        }
        throw new ProtocolException(503, $"model '{name}' is being reloaded; retry", FailureReasons.Unavailable);
    }

    /// <summary>The served version (no lease): for metadata and readiness.</summary>
    public ServedModel Resolve(string name, string? version)
    {
        if (!_entries.TryGetValue(name, out var entry))
        {
            if (FindSource(name) is not null)
                throw new ProtocolException(404, $"model '{name}' is in the repository but not loaded; POST /v2/repository/models/{name}/load serves it", FailureReasons.Unavailable);
            throw new ProtocolException(404, $"unknown model '{name}'", FailureReasons.Unavailable);
        }
        var versions = entry.Versions;
        if (versions.Length == 0)
        {
            string state = entry.State;
            if (state == ModelStates.Loading)
                throw new ProtocolException(503, $"model '{name}' is loading", FailureReasons.Unavailable);
            if (entry.Reason == "unloaded")
                throw new ProtocolException(404, $"model '{name}' is unloaded; POST /v2/repository/models/{name}/load serves it again", FailureReasons.Unavailable);
            throw new ProtocolException(503, $"model '{name}' is not available: {entry.Reason}", FailureReasons.Unavailable);
        }
        if (version is null || version.Length == 0)
            return versions[^1];
        foreach (var v in versions)
            if (v.VersionText == version) return v;
        throw new ProtocolException(404, $"model '{name}' has no version '{version}' being served (versions: {string.Join(", ", versions.Select(v => v.VersionText))})", FailureReasons.Unavailable);
    }

    public IEnumerable<ServedModel> AllServed()
    {
        foreach (var entry in _entries.Values)
            foreach (var v in entry.Versions)
                yield return v;
    }

    /// <summary>Names of the models whose every configured version is serving.</summary>
    public bool IsReady(string name) => _entries.TryGetValue(name, out var e) && e.Versions.Length > 0 && e.State == ModelStates.Ready;

    /// <summary>Loads (or reloads) a model; returns null on success, else the reason it failed (the model keeps serving its previous versions, if any).</summary>
    public async Task<string?> LoadAsync(string name)
    {
        var source = FindSource(name) ?? throw new ProtocolException(404, $"model '{name}' is not in the repository{(_repositoryPath is null ? "" : $" ({_repositoryPath})")}", FailureReasons.Unavailable);
        var entry = _entries.GetOrAdd(name, _ => new Entry(source));
        await entry.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            entry.Source = source;
            var previous = entry.Versions;
            if (previous.Length == 0)
            {
                entry.State = ModelStates.Loading;
                entry.Reason = "";
            }
            var loaded = new List<ServedModel>();
            try
            {
                var config = File.Exists(source.ConfigPath) ? ModelConfig.Read(source.ConfigPath) : ModelConfig.Default;
                foreach (var (version, path) in SelectVersions(source, config))
                {
                    var started = System.Diagnostics.Stopwatch.GetTimestamp();
                    var served = await Task.Run(() => LoadVersion(name, version, path, config)).ConfigureAwait(false);
                    loaded.Add(served);
                    _log.LogInformation("model {Model} version {Version} ready ({Path}, {Milliseconds:F1} ms to load and warm up; inputs {Inputs}; outputs {Outputs})",
                        name, version, path, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                        string.Join(", ", served.Session.Inputs), string.Join(", ", served.Session.Outputs));
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                foreach (var l in loaded) await l.RetireAsync().ConfigureAwait(false);
                string reason = Describe(e);
                if (previous.Length > 0)
                {
                    entry.Reason = $"reload failed, still serving version(s) {string.Join(", ", previous.Select(v => v.VersionText))}: {reason}";
                }
                else
                {
                    entry.State = ModelStates.Unavailable;
                    entry.Reason = reason;
                }
                _log.LogError("model {Model} failed to load: {Reason}", name, reason);
                return reason;
            }
            loaded.Sort((a, b) => a.Version.CompareTo(b.Version));
            entry.Versions = loaded.ToArray();
            entry.State = ModelStates.Ready;
            entry.Reason = "";
            foreach (var old in previous)
                Retire(old);
            return null;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    ServedModel LoadVersion(string name, long version, string path, ModelConfig config)
    {
        var session = InferenceSession.Load(path);
        var served = new ServedModel(name, version, path, session, config, _metrics.For(name, version.ToString(CultureInfo.InvariantCulture)));
        try
        {
            if (config.Warmup) served.WarmUp();
        }
        catch (Exception e) when (e is InferenceException or InferenceInputException or NotSupportedException or ArgumentException)
        {
            _ = served.RetireAsync();
            throw new ModelLoadException($"version {version}: warm-up run failed: {e.Message}", e);
        }
        return served;
    }

    static string Describe(Exception e) => e switch
    {
        ModelLoadException or ModelConfigException or Onnx.OnnxFormatException or IOException or UnauthorizedAccessException => e.Message,
        _ => $"{e.GetType().Name}: {e.Message}",
    };

    static IEnumerable<(long Version, string Path)> SelectVersions(ModelSource source, ModelConfig config)
    {
        if (!source.IsFolder)
        {
            if (!File.Exists(source.Path)) throw new ModelConfigException($"model file {source.Path} does not exist");
            return [(1, source.Path)];
        }
        var available = new List<(long, string)>();
        foreach (var dir in Directory.EnumerateDirectories(source.Path))
        {
            if (!long.TryParse(System.IO.Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out long v) || v <= 0) continue;
            var file = System.IO.Path.Combine(dir, "model.onnx");
            if (File.Exists(file)) available.Add((v, file));
        }
        available.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        if (available.Count == 0)
            throw new ModelConfigException($"{source.Path} has no version folder with a model.onnx (expected {source.Path}/<version>/model.onnx)");
        switch (config.VersionPolicy)
        {
            case "all":
                return available;
            case "specific":
            {
                var chosen = new List<(long, string)>();
                foreach (var v in config.Versions!)
                {
                    int i = available.FindIndex(a => a.Item1 == v);
                    if (i < 0) throw new ModelConfigException($"{source.ConfigPath}: version {v} is listed but {source.Path}/{v}/model.onnx does not exist");
                    chosen.Add(available[i]);
                }
                return chosen;
            }
            default:
                return [available[^1]];
        }
    }

    /// <summary>Stops serving a model; returns when its in-flight requests have finished.</summary>
    public async Task UnloadAsync(string name)
    {
        if (!_entries.TryGetValue(name, out var entry))
            throw new ProtocolException(404, FindSource(name) is null ? $"unknown model '{name}'" : $"model '{name}' is not loaded", FailureReasons.Unavailable);
        await entry.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var old = entry.Versions;
            entry.State = ModelStates.Unloading;
            entry.Versions = [];
            foreach (var v in old) await v.RetireAsync().ConfigureAwait(false);
            entry.State = ModelStates.Unavailable;
            entry.Reason = "unloaded";
            _log.LogInformation("model {Model} unloaded", name);
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    void Retire(ServedModel old)
    {
        var task = old.RetireAsync();
        lock (_retiring)
        {
            _retiring.RemoveAll(t => t.IsCompleted);
            _retiring.Add(task);
        }
    }

    /// <summary>The repository index: every known model (loaded or not) and the state of each served version.</summary>
    public List<RepositoryIndexEntry> Index(bool readyOnly)
    {
        var list = new List<RepositoryIndexEntry>();
        var names = new SortedSet<string>(_entries.Keys, StringComparer.Ordinal);
        foreach (var s in DiscoverSources()) names.Add(s.Name);
        foreach (var name in names)
        {
            if (!_entries.TryGetValue(name, out var entry))
            {
                if (!readyOnly) list.Add(new RepositoryIndexEntry(name, null, ModelStates.Unavailable, "not loaded"));
                continue;
            }
            var versions = entry.Versions;
            if (versions.Length == 0)
            {
                if (!readyOnly) list.Add(new RepositoryIndexEntry(name, null, entry.State, entry.Reason));
                continue;
            }
            foreach (var v in versions)
                list.Add(new RepositoryIndexEntry(name, v.VersionText, ModelStates.Ready, entry.Reason));
        }
        return list;
    }

    /// <summary>Retires every version (after the HTTP server stopped) and waits for their queues to empty.</summary>
    public async Task StopAsync()
    {
        var tasks = new List<Task>();
        foreach (var entry in _entries.Values)
        {
            var versions = entry.Versions;
            entry.Versions = [];
            entry.State = ModelStates.Unavailable;
            entry.Reason = "server stopped";
            foreach (var v in versions) tasks.Add(v.RetireAsync());
        }
        lock (_retiring) tasks.AddRange(_retiring);
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }
}
