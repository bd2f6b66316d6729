namespace UniML.Images;

/// <summary>Inputs of <see cref="ImageBuilder.Build"/>.</summary>
public sealed record ImageBuildOptions
{
    /// <summary>What to build.</summary>
    public ImageTarget Target { get; init; } = ImageTarget.MicroVm;
    /// <summary>The NativeAOT server (or any Linux x86_64 ELF program) that becomes the guest's program.</summary>
    public required string ServerPath { get; init; }
    /// <summary>Model files or folders copied to /models.</summary>
    public IReadOnlyList<string> Models { get; init; } = [];
    /// <summary>Output folder (created; existing image files in it are replaced).</summary>
    public required string OutputDirectory { get; init; }
    /// <summary>A bzImage to use instead of Debian's cloud kernel (microvm).</summary>
    public string? KernelPath { get; init; }
    /// <summary>Module tree for <see cref="KernelPath"/> (lib/modules/VERSION); without it no modules are packed.</summary>
    public string? ModulesPath { get; init; }
    /// <summary>Where downloaded kernels are cached.</summary>
    public string KernelCacheDirectory { get; init; } = DebianKernelProvider.DefaultCacheDirectory;
    /// <summary>Modules to pack (plus their dependencies).</summary>
    public IReadOnlyList<string> Modules { get; init; } = KernelModuleResolver.DefaultModules;
    /// <summary>Port the server listens on in the guest.</summary>
    public int GuestPort { get; init; } = 8000;
    /// <summary>Guest address/prefix; QEMU user networking hands out 10.0.2.15.</summary>
    public string GuestAddress { get; init; } = "10.0.2.15/24";
    /// <summary>Guest default gateway (QEMU user networking's host side).</summary>
    public string Gateway { get; init; } = "10.0.2.2";
    /// <summary>QEMU machine type for microvm images: "pc" (default) or "microvm". Under TCG on a loaded
    /// host, -M microvm hung silently in 2 of 3 boots here (empty serial log), -M pc in none, so pc is the
    /// default until the microvm hang is understood.</summary>
    public string Machine { get; init; } = "pc";
    /// <summary>Extra arguments for the server (kernel command line <c>uniml.args</c>, config Args elsewhere).</summary>
    public IReadOnlyList<string> ServerArguments { get; init; } = [];
    /// <summary>Compress the initramfs with gzip.</summary>
    public bool CompressInitramfs { get; init; } = true;
    /// <summary>nanos: run the program under strace (start-up, one inference, SIGTERM) and list in the README the
    /// syscalls it made that Nanos lacks; a static estimate when it cannot be traced.</summary>
    public bool CheckNanosSyscalls { get; init; } = true;
    /// <summary>How the ELF's libraries are searched.</summary>
    public LibrarySearchOptions LibrarySearch { get; init; } = new();
}
