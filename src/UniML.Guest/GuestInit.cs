using System.Net;
using System.Runtime.InteropServices;
using UniML.Guest.Internals;

namespace UniML.Guest;

/// <summary>
/// The init duties of a program that runs as PID 1 of a UniML microVM image: mounts, kernel modules,
/// network from the kernel command line, shutdown requests, and power-off. Typical use by a server:
/// <code>
/// if (GuestInit.IsPid1) { var s = GuestInit.Prepare(Console.Error.WriteLine); /* listen on s.Port */ }
/// ... await drain when GuestInit.ShutdownRequested fires ...
/// if (GuestInit.IsPid1) GuestInit.PowerOff();
/// </code>
/// </summary>
public static class GuestInit
{
    private static readonly CancellationTokenSource Shutdown = new();
    private static readonly List<PosixSignalRegistration> SignalRegistrations = [];
    private static string? shutdownReason;

    /// <summary>True when this process is PID 1 (the kernel started it as init).</summary>
    public static bool IsPid1 => Libc.GetPid() == 1;

    /// <summary>Cancelled when the guest is asked to stop: ACPI power button (QEMU <c>system_powerdown</c>),
    /// Ctrl-Alt-Del (SIGINT from the kernel), or SIGTERM/SIGINT. Hook the server's drain here.</summary>
    public static CancellationToken ShutdownRequested => Shutdown.Token;

    /// <summary>What triggered <see cref="ShutdownRequested"/> (e.g. "ACPI power button"), or null.</summary>
    public static string? ShutdownReason => shutdownReason;

    /// <summary>Asks for a shutdown as if the power button had been pressed.</summary>
    public static void RequestShutdown(string reason)
    {
        if (Interlocked.CompareExchange(ref shutdownReason, reason, null) is null)
            Shutdown.Cancel();
    }

    /// <summary>
    /// Does PID 1's work before the server starts: mounts /proc, /sys, /dev (devtmpfs); loads the modules
    /// listed in the order file; reads <c>uniml.*</c> from /proc/cmdline; brings up <c>lo</c> and, when
    /// <c>uniml.ip</c> is given, <c>eth0</c> with its address and default route; starts watching the power
    /// button and signals. Throws <see cref="GuestInitException"/> naming the step that failed.
    /// </summary>
    /// <param name="log">Receives one line per step (PID 1's stdout/stderr are /dev/console already).</param>
    public static GuestSettings Prepare(Action<string>? log = null)
    {
        log ??= static message => Console.Error.WriteLine("uniml-guest: " + message);
        MountIfMissing("proc", "/proc", "proc");
        MountIfMissing("sysfs", "/sys", "sysfs");
        MountIfMissing("devtmpfs", "/dev", "devtmpfs");

        var commandLine = KernelCommandLine.Parse(File.ReadAllText("/proc/cmdline"));
        var modules = ModuleLoader.LoadAll(commandLine.ModuleOrderFile, log);

        NetworkSetup.BringUp("lo", IPAddress.Loopback, IPAddress.Parse("255.0.0.0"));
        if (commandLine.Address is not null)
        {
            WaitForInterface("eth0", TimeSpan.FromSeconds(10));
            NetworkSetup.BringUp("eth0", commandLine.Address, commandLine.Netmask);
            if (commandLine.Gateway is not null)
                NetworkSetup.AddDefaultRoute(commandLine.Gateway);
            log($"eth0 {commandLine.Address}/{commandLine.PrefixLength} gateway {commandLine.Gateway?.ToString() ?? "none"}");
        }

        WatchShutdownRequests(log);
        return new GuestSettings(commandLine.Port, commandLine.ModelDirectory, commandLine.Arguments, commandLine, modules);
    }

    /// <summary>Installs the handlers that feed <see cref="ShutdownRequested"/>. Called by
    /// <see cref="Prepare"/>; call it alone when the init work was done elsewhere.</summary>
    public static void WatchShutdownRequests(Action<string>? log = null)
    {
        log ??= static message => Console.Error.WriteLine("uniml-guest: " + message);
        lock (SignalRegistrations)
        {
            if (SignalRegistrations.Count > 0)
                return;
            foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT })
            {
                SignalRegistrations.Add(PosixSignalRegistration.Create(signal, context =>
                {
                    context.Cancel = true;
                    RequestShutdown(context.Signal.ToString());
                }));
            }
        }
        if (!IsPid1)
            return;
        // Ctrl-Alt-Del (e.g. QMP send-key) becomes SIGINT to PID 1 instead of an immediate reboot.
        if (Libc.Reboot(Libc.RB_DISABLE_CAD) != 0)
            log($"reboot(CAD_OFF): {Libc.LastError()}");
        int devices = PowerButtonWatcher.Start(() => RequestShutdown("ACPI power button"), log);
        log($"watching {devices} input device(s) for the power button");
    }

    /// <summary>Flushes file systems and powers the VM off. Does not return when it works; as PID 1,
    /// exiting instead would panic the kernel.</summary>
    public static void PowerOff()
    {
        Libc.Sync();
        if (Libc.Reboot(Libc.RB_POWER_OFF) != 0)
            throw new GuestInitException($"reboot(RB_POWER_OFF): {Libc.LastError()}");
        Thread.Sleep(Timeout.Infinite);
    }

    private static void MountIfMissing(string source, string target, string type)
    {
        Libc.MkDir(target, 0x1ED /* 0755 */);
        if (Libc.Mount(source, target, type, 0, null) != 0 && Marshal.GetLastPInvokeError() != Libc.EBUSY)
            throw new GuestInitException($"mount {type} on {target}: {Libc.LastError()}");
    }

    private static void WaitForInterface(string name, TimeSpan timeout)
    {
        // virtio_net probes asynchronously after finit_module returns on some kernels.
        var deadline = DateTime.UtcNow + timeout;
        while (!Directory.Exists("/sys/class/net/" + name))
        {
            if (DateTime.UtcNow > deadline)
                throw new GuestInitException($"network interface {name} did not appear within {timeout.TotalSeconds} s (is virtio_net in the image and a virtio NIC attached?)");
            Thread.Sleep(20);
        }
    }
}
