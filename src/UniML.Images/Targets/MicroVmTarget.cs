using UniML.Images.Internals;

namespace UniML.Images.Targets;

/// <summary>Kernel + initramfs whose /init is the server; see docs/images.md for the command line keys.</summary>
internal static class MicroVmTarget
{
    public const string KernelFile = "vmlinuz";
    public const string InitramfsFile = "initramfs.cpio.gz";
    public const string PlainInitramfsFile = "initramfs.cpio";
    public const string CommandLineFile = "cmdline";
    public const string ModuleFolder = "/lib/modules";
    public const string ModuleOrderFile = "/lib/modules/uniml.order";

    public static ImageManifest Build(ImageBuildOptions options, Action<string> log)
    {
        if (options.Machine is not ("microvm" or "pc"))
            throw new ArgumentException($"machine '{options.Machine}' is not supported: use microvm or pc");
        var kernel = ProvideKernel(options, log);
        var items = Payload.Collect(options, "/init", log);

        var modules = new List<KernelModule>();
        if (kernel.ModulesDirectory is not null)
        {
            var resolver = new KernelModuleResolver(kernel.ModulesDirectory);
            modules.AddRange(resolver.Resolve(options.Modules));
        }
        else if (options.Modules.Count > 0 && options.KernelPath is not null)
        {
            log("no --modules given: packing no kernel modules (the kernel must have virtio built in)");
        }
        foreach (var module in modules)
            items.Add(new PayloadItem($"{ModuleFolder}/{module.Name}.ko", "modules", Content: module.ReadContent()));
        string order = string.Concat(modules.Select(m => $"{ModuleFolder}/{m.Name}.ko\n"));
        items.Add(new PayloadItem(ModuleOrderFile, "system", Content: System.Text.Encoding.ASCII.GetBytes(order)));

        string commandLine = CommandLine(options);
        Directory.CreateDirectory(options.OutputDirectory);
        string initramfsPath = Path.Combine(options.OutputDirectory, options.CompressInitramfs ? InitramfsFile : PlainInitramfsFile);
        using (var writer = new InitramfsWriter(File.Create(initramfsPath), options.CompressInitramfs))
        {
            foreach (string directory in (ReadOnlySpan<string>)["dev", "proc", "sys", "tmp", "models"])
                writer.AddDirectory(directory, directory == "tmp" ? 0x3FFu /* 1777 */ : 0x1EDu);
            writer.AddStandardDeviceNodes();
            WriteItems(writer, items);
        }
        string kernelCopy = Path.Combine(options.OutputDirectory, KernelFile);
        File.Copy(kernel.KernelImage, kernelCopy, overwrite: true);
        File.WriteAllText(Path.Combine(options.OutputDirectory, CommandLineFile), commandLine + "\n");

        var files = new List<ImageFile> { new("/" + KernelFile, new FileInfo(kernelCopy).Length, "kernel") };
        files.AddRange(items.Select(Payload.Describe));
        return new ImageManifest
        {
            Target = "microvm",
            KernelVersion = kernel.Version,
            CommandLine = commandLine,
            Machine = options.Machine,
            GuestPort = options.GuestPort,
            Modules = modules.Select(m => m.Name).ToList(),
            Files = files,
            Artifacts =
            [
                new(KernelFile, new FileInfo(kernelCopy).Length, "kernel"),
                new(Path.GetFileName(initramfsPath), new FileInfo(initramfsPath).Length, "initramfs"),
            ],
        };
    }

    internal static void WriteItems(InitramfsWriter writer, IEnumerable<PayloadItem> items)
    {
        foreach (var item in items)
        {
            if (item.LinkTarget is not null)
                writer.AddSymlink(item.GuestPath, item.LinkTarget);
            else
                writer.AddFile(item.GuestPath, item.Read(), item.Permissions);
        }
    }

    /// <summary>The kernel command line: console on the first serial port, reboot (QEMU exits with
    /// -no-reboot) instead of hanging on a panic, and the uniml.* keys the guest reads.</summary>
    public static string CommandLine(ImageBuildOptions options)
    {
        var words = new List<string> { "console=ttyS0", "panic=-1", "quiet", $"uniml.ip={options.GuestAddress}", $"uniml.gw={options.Gateway}", $"uniml.port={options.GuestPort}" };
        if (options.ServerArguments.Count > 0)
        {
            if (options.ServerArguments.Any(a => a.Contains(',') || a.Contains(' ')))
                throw new ArgumentException("server arguments for a microvm image cannot contain ',' or spaces (they travel on the kernel command line as uniml.args=A,B)");
            words.Add("uniml.args=" + string.Join(',', options.ServerArguments));
        }
        return string.Join(' ', words);
    }

    private static KernelFiles ProvideKernel(ImageBuildOptions options, Action<string> log)
    {
        if (options.KernelPath is null)
            return new DebianKernelProvider(options.KernelCacheDirectory, log).Provide();
        if (!File.Exists(options.KernelPath))
            throw new FileNotFoundException($"kernel not found: {options.KernelPath}", options.KernelPath);
        if (options.ModulesPath is not null && !Directory.Exists(options.ModulesPath))
            throw new DirectoryNotFoundException($"module folder not found: {options.ModulesPath}");
        string version = BzImage.ReadVersion(options.KernelPath)
            ?? throw new InvalidDataException($"{options.KernelPath} is not a Linux bzImage (no 'HdrS' boot header)");
        return new KernelFiles(options.KernelPath, options.ModulesPath, version, null);
    }
}
