using System.Diagnostics;

namespace UniML.Images;

/// <summary>Outcome of <see cref="KvmProbe.Probe"/>.</summary>
/// <param name="Works">True when a guest really ran under KVM.</param>
/// <param name="Reason">Why KVM is or is not used, for the user.</param>
public sealed record KvmProbeResult(bool Works, string Reason);

/// <summary>
/// Checks that KVM can run a guest, not merely that /dev/kvm exists: a paravirtual /dev/kvm (PVM, as on
/// some cloud hosts) opens fine, may even run real-mode code, and still fails on an ordinary Linux guest
/// (QEMU aborts setting an MSR, or the guest hangs). Two stages, each in its own QEMU process with a timeout:
/// a 64 KiB firmware whose reset vector writes to the isa-debug-exit port (QEMU exits with
/// (value &lt;&lt; 1) | 1), then, when a kernel is given, that kernel booted without a root file system
/// with <c>panic=-1</c>: it must reach its "Kernel panic" and reboot, which QEMU turns into a clean exit.
/// </summary>
public static class KvmProbe
{
    private const byte ExitValue = 0x2A;
    /// <summary>The exit status QEMU reports when the probe firmware ran.</summary>
    public const int ExpectedExitCode = (ExitValue << 1) | 1;

    /// <summary>Runs the probe with <paramref name="accelerator"/> ("kvm" normally; "tcg" checks the probe itself).</summary>
    public static KvmProbeResult Probe(string qemuPath, TimeSpan timeout, string? kernelPath = null, string accelerator = "kvm")
    {
        if (accelerator == "kvm" && !File.Exists("/dev/kvm"))
            return new KvmProbeResult(false, "/dev/kvm does not exist");
        string scratch = Path.Combine(Path.GetTempPath(), $"uniml-kvm-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(scratch);
        try
        {
            string firmware = Path.Combine(scratch, "probe.bin");
            File.WriteAllBytes(firmware, Firmware());
            var (ran, code, error) = RunQemu(qemuPath, timeout,
                ["-accel", accelerator, "-M", "pc", "-m", "16", "-bios", firmware, "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]);
            if (!ran)
                return new KvmProbeResult(false, $"a test firmware did not finish under {accelerator} within {timeout.TotalSeconds:0} s");
            if (code != ExpectedExitCode)
                return new KvmProbeResult(false, $"a test firmware failed under {accelerator} (QEMU exit {code}{Said(error)})");
            if (kernelPath is null)
                return new KvmProbeResult(true, $"a test firmware ran under {accelerator}");

            string serial = Path.Combine(scratch, "serial.log");
            (ran, code, error) = RunQemu(qemuPath, timeout,
                ["-accel", accelerator, "-cpu", accelerator == "kvm" ? "host" : "max", "-M", "pc", "-m", "128", "-no-reboot",
                 "-kernel", kernelPath, "-append", "console=ttyS0 panic=-1 quiet", "-serial", "file:" + serial]);
            string log = File.Exists(serial) ? File.ReadAllText(serial) : "";
            if (!ran)
                return new KvmProbeResult(false, $"/dev/kvm runs a test firmware, but a test kernel boot did not finish under {accelerator} within {timeout.TotalSeconds:0} s");
            if (code != 0 || !log.Contains("Kernel panic", StringComparison.Ordinal))
                return new KvmProbeResult(false, $"/dev/kvm runs a test firmware, but a test kernel boot failed under {accelerator} (QEMU exit {code}{Said(error)})");
            return new KvmProbeResult(true, $"a test kernel booted under {accelerator}");
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static string Said(string error) => error.Length == 0 ? "" : ": " + error.Split('\n')[0];

    private static (bool Finished, int ExitCode, string Error) RunQemu(string qemuPath, TimeSpan timeout, ReadOnlySpan<string> arguments)
    {
        var start = new ProcessStartInfo(qemuPath) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in (ReadOnlySpan<string>)["-nodefaults", "-no-user-config", "-display", "none"])
            start.ArgumentList.Add(argument);
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {qemuPath}");
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
            return (false, -1, "");
        }
        process.WaitForExit();
        return (true, process.ExitCode, stderr.Result.Trim());
    }

    /// <summary>64 KiB BIOS image; the CPU starts at F000:FFF0, the last 16 bytes.</summary>
    internal static byte[] Firmware()
    {
        byte[] image = new byte[65536];
        Array.Fill(image, (byte)0xF4); // hlt
        // mov al, 0x2A ; out 0xF4, al ; hlt ; jmp $
        ReadOnlySpan<byte> code = [0xB0, ExitValue, 0xE6, 0xF4, 0xF4, 0xEB, 0xFE];
        code.CopyTo(image.AsSpan(0xFFF0));
        return image;
    }
}
