namespace UniML.Images.Internals;

/// <summary>One item to place in an image: a host file, in-memory bytes, or a symlink.</summary>
internal sealed record PayloadItem(string GuestPath, string Category, string? HostPath = null, byte[]? Content = null,
    string? LinkTarget = null, uint Permissions = 0x1A4)
{
    public long Size => Content?.LongLength ?? (HostPath is not null ? new FileInfo(HostPath).Length : 0);
    public byte[] Read() => Content ?? (HostPath is not null ? File.ReadAllBytes(HostPath) : []);
}

/// <summary>The server, its libraries and interpreter, and the models: what every target packs.</summary>
internal static class Payload
{
    public const string ModelDirectory = "/models";

    public static List<PayloadItem> Collect(ImageBuildOptions options, string serverGuestPath, Action<string> log)
    {
        if (!File.Exists(options.ServerPath))
            throw new FileNotFoundException($"server program not found: {options.ServerPath}", options.ServerPath);
        var items = new List<PayloadItem> { new(serverGuestPath, "server", HostPath: options.ServerPath, Permissions: 0x1ED) };
        var closure = LibraryClosure.Resolve(options.ServerPath, options.LibrarySearch);
        var placed = new HashSet<string>(StringComparer.Ordinal);
        if (closure.Interpreter is not null)
        {
            items.Add(new PayloadItem(closure.Interpreter, "libraries", HostPath: closure.Interpreter, Permissions: 0x1ED));
            placed.Add(closure.Interpreter);
        }
        foreach (var library in closure.Libraries)
        {
            // Keep the directory the loader found it in on the host: it is a default search directory there,
            // and the guest has no ld.so.cache to point anywhere else.
            string guestPath = library.HostPath;
            if (!placed.Add(guestPath))
                continue;
            string? fullHost = Path.GetFullPath(library.HostPath);
            string? interpreterFull = closure.Interpreter is null ? null : Path.GetFullPath(ResolveLinks(closure.Interpreter));
            if (interpreterFull is not null && ResolveLinks(fullHost) == interpreterFull)
                items.Add(new PayloadItem(guestPath, "libraries", LinkTarget: closure.Interpreter));
            else
                items.Add(new PayloadItem(guestPath, "libraries", HostPath: library.HostPath, Permissions: 0x1ED));
        }
        log($"libraries: {string.Join(' ', closure.Libraries.Select(l => l.Name))}; interpreter {closure.Interpreter ?? "none (static)"}");
        foreach (string model in options.Models)
            AddModel(items, model);
        return items;
    }

    private static void AddModel(List<PayloadItem> items, string model)
    {
        if (File.Exists(model))
        {
            items.Add(new PayloadItem($"{ModelDirectory}/{GuestFileName(model)}", "models", HostPath: model));
            return;
        }
        if (!Directory.Exists(model))
            throw new FileNotFoundException($"model not found: {model}", model);
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(model));
        foreach (string file in Directory.GetFiles(model, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string relative = Path.GetRelativePath(model, file).Replace('\\', '/');
            items.Add(new PayloadItem($"{ModelDirectory}/{name}/{relative}", "models", HostPath: file));
        }
    }

    /// <summary>Where a single model file goes under /models: its own name, except that <c>model.onnx</c> (the
    /// name every model of a repository has) keeps its folder's name, <c>NAME/model.onnx</c>, so the server
    /// still calls the model NAME.</summary>
    public static string GuestFileName(string modelFile)
    {
        string name = Path.GetFileName(modelFile);
        if (name != "model.onnx")
            return name;
        string? folder = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(modelFile)));
        return string.IsNullOrEmpty(folder) ? name : $"{folder}/{name}";
    }

    private static string ResolveLinks(string path)
    {
        var info = new FileInfo(path);
        return info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? info.FullName;
    }

    public static ImageFile Describe(PayloadItem item) => new(item.GuestPath, item.LinkTarget is null ? item.Size : 0, item.Category);
}
