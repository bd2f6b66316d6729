namespace UniML.Images;

/// <summary>How <see cref="QemuRunner"/> boots a microvm image.</summary>
public sealed record QemuRunOptions
{
    /// <summary>Folder written by <c>uniml image build --target microvm</c>.</summary>
    public required string ImageDirectory { get; init; }
    /// <summary>Host port forwarded (on 127.0.0.1) to the guest's server port.</summary>
    public int HostPort { get; init; } = 8000;
    /// <summary>Guest memory in MiB.</summary>
    public int MemoryMiB { get; init; } = 512;
    /// <summary>Guest vCPUs.</summary>
    public int Cpus { get; init; } = 1;
    /// <summary>Longest wait for <c>/v2/health/ready</c> per boot attempt.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(120);
    /// <summary>Boot attempts when the guest hangs silently (about 1 boot in 9 under TCG microvm does).</summary>
    public int Attempts { get; init; } = 2;
    /// <summary>"auto" (probe KVM, else TCG), "kvm" or "tcg".</summary>
    public string Accelerator { get; init; } = "auto";
    /// <summary>QEMU machine type; null: the one in the image manifest.</summary>
    public string? Machine { get; init; }
    /// <summary>qemu-system-x86_64 to run; null: found on PATH.</summary>
    public string? QemuPath { get; init; }
    /// <summary>Where serial logs go; null: the image folder.</summary>
    public string? LogDirectory { get; init; }
}

/// <summary>Booting or stopping a guest failed; the message says why and shows the serial log tail.</summary>
public sealed class QemuRunException(string message) : Exception(message);
