using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using UniML.Images.Targets;

namespace UniML.Images;

/// <summary>
/// Boots a microvm image under QEMU with user networking, forwards a host port to the server, waits for
/// <c>GET /v2/health/ready</c> = 200, and powers the guest down over QMP. A guest that does not get ready in
/// time is killed and booted once more (its serial log is kept as <c>serial-attempt1.log</c>).
/// </summary>
public sealed class QemuRunner : IAsyncDisposable
{
    /// <summary>The readiness path of the KServe v2 protocol the server speaks.</summary>
    public const string ReadyPath = "/v2/health/ready";
    private const int SerialTailLines = 40;
    private const string SetSid = "/usr/bin/setsid";

    private readonly Process process;
    private readonly string qmpSocket;

    private QemuRunner(Process process, string qmpSocket, string serialLog, string accelerator, string acceleratorReason, string machine, Uri baseAddress, TimeSpan timeToReady, int attempt)
    {
        this.process = process;
        this.qmpSocket = qmpSocket;
        SerialLogPath = serialLog;
        Accelerator = accelerator;
        AcceleratorReason = acceleratorReason;
        Machine = machine;
        BaseAddress = baseAddress;
        TimeToReady = timeToReady;
        Attempt = attempt;
    }

    /// <summary>Where the server answers on the host.</summary>
    public Uri BaseAddress { get; }
    /// <summary>From QEMU start to the first 200 from the readiness path (of the successful attempt).</summary>
    public TimeSpan TimeToReady { get; }
    /// <summary>"kvm" or "tcg".</summary>
    public string Accelerator { get; }
    /// <summary>Why that accelerator was chosen (e.g. the KVM probe result).</summary>
    public string AcceleratorReason { get; }
    /// <summary>True when timings are emulated (TCG), not representative of hardware.</summary>
    public bool IsEmulated => Accelerator == "tcg";
    /// <summary>QEMU machine type used.</summary>
    public string Machine { get; }
    /// <summary>Serial console log of the running guest.</summary>
    public string SerialLogPath { get; }
    /// <summary>1 for the first boot, 2 after a retry.</summary>
    public int Attempt { get; }
    /// <summary>True once QEMU has exited.</summary>
    public bool HasExited => process.HasExited;
    /// <summary>QEMU's exit code (after exit).</summary>
    public int ExitCode => process.ExitCode;

    /// <summary>Boots the image and returns once the server is ready.</summary>
    public static async Task<QemuRunner> StartAsync(QemuRunOptions options, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        log ??= _ => { };
        var manifest = ImageManifest.Load(Path.Combine(options.ImageDirectory, ImageManifest.FileName));
        if (manifest.Target != "microvm")
            throw new QemuRunException($"{options.ImageDirectory} holds a '{manifest.Target}' image; only microvm images boot with 'uniml image run'");
        string kernel = RequireFile(options.ImageDirectory, MicroVmTarget.KernelFile);
        string initramfs = File.Exists(Path.Combine(options.ImageDirectory, MicroVmTarget.InitramfsFile))
            ? Path.Combine(options.ImageDirectory, MicroVmTarget.InitramfsFile)
            : RequireFile(options.ImageDirectory, MicroVmTarget.PlainInitramfsFile);
        string commandLine = File.ReadAllText(RequireFile(options.ImageDirectory, MicroVmTarget.CommandLineFile)).Trim();
        string qemu = FindQemu(options.QemuPath);
        EnsurePortFree(options.HostPort);
        var (accelerator, reason) = ChooseAccelerator(options.Accelerator, qemu, kernel);
        log(accelerator == "tcg" ? $"no working KVM ({reason}): using TCG, timings are emulated" : $"using KVM ({reason})");
        string machine = options.Machine ?? manifest.Machine ?? "microvm";
        string logDirectory = options.LogDirectory ?? options.ImageDirectory;
        Directory.CreateDirectory(logDirectory);

        for (int attempt = 1; ; attempt++)
        {
            string serialLog = Path.Combine(logDirectory, "serial.log");
            string qmpSocket = Path.Combine(Path.GetTempPath(), $"uniml-qmp-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
            var start = new ProcessStartInfo(qemu) { RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true };
            // Ctrl-C in a terminal signals the whole foreground process group, and QEMU quits at once on SIGINT
            // (no clean guest power-down). In its own session (setsid execs QEMU in place, same pid) only we stop it.
            if (File.Exists(SetSid))
            {
                start.FileName = SetSid;
                start.ArgumentList.Add(qemu);
            }
            foreach (string argument in Arguments(accelerator, machine, options, kernel, initramfs, commandLine, serialLog, qmpSocket, manifest.GuestPort))
                start.ArgumentList.Add(argument);
            File.Delete(serialLog);
            var clock = Stopwatch.StartNew();
            var process = Process.Start(start) ?? throw new QemuRunException($"could not start {qemu}");
            var stderr = new System.Text.StringBuilder();
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
            process.BeginErrorReadLine();
            process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false).GetAwaiter();
            var baseAddress = new Uri($"http://127.0.0.1:{options.HostPort}");
            log($"booting {machine} ({accelerator}), attempt {attempt}: serial log {serialLog}");
            bool ready;
            try
            {
                ready = await WaitReadyAsync(process, baseAddress, options.ReadyTimeout, cancellationToken);
            }
            catch
            {
                Kill(process);
                throw;
            }
            if (ready)
                return new QemuRunner(process, qmpSocket, serialLog, accelerator, reason, machine, baseAddress, clock.Elapsed, attempt);

            if (process.HasExited)
            {
                string error;
                lock (stderr) error = stderr.ToString().Trim();
                int exitCode = process.ExitCode;
                process.Dispose();
                File.Delete(qmpSocket);
                throw new QemuRunException($"QEMU exited with code {exitCode} before the guest was ready" +
                    (error.Length > 0 ? $"\nQEMU said: {error}" : "") + $"\nlast lines of {serialLog}:\n{Tail(serialLog)}");
            }
            Kill(process);
            process.Dispose();
            File.Delete(qmpSocket);
            string kept = Path.Combine(logDirectory, $"serial-attempt{attempt}.log");
            if (File.Exists(serialLog))
                File.Move(serialLog, kept, overwrite: true);
            string message = $"the guest was not ready within {options.ReadyTimeout.TotalSeconds:0} s (attempt {attempt} of {options.Attempts}); killed it. Last lines of {kept}:\n{Tail(kept)}";
            if (attempt >= options.Attempts)
                throw new QemuRunException(message);
            log(message + "\nretrying once");
        }
    }

    /// <summary>Presses the ACPI power button (QMP <c>system_powerdown</c>) and waits for QEMU to exit;
    /// kills it after <paramref name="timeout"/>. Returns true when the guest powered off by itself.</summary>
    public async Task<bool> PowerDownAsync(TimeSpan timeout)
    {
        if (process.HasExited)
            return true;
        try
        {
            await QmpClient.ExecuteAsync(qmpSocket, "system_powerdown", TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or InvalidOperationException)
        {
            if (process.HasExited)
                return true;
            Kill(process);
            throw new QemuRunException($"could not send system_powerdown over QMP ({e.Message}); QEMU was killed");
        }
        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(wait.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            return false;
        }
    }

    /// <summary>Waits until QEMU exits (the guest powered off) or the token is cancelled.</summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken) => process.WaitForExitAsync(cancellationToken);

    /// <summary>The last lines of the serial log.</summary>
    public string SerialLogTail() => Tail(SerialLogPath);

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Kill(process);
        process.Dispose();
        File.Delete(qmpSocket);
        return ValueTask.CompletedTask;
    }

    internal static List<string> Arguments(string accelerator, string machine, QemuRunOptions options, string kernel, string initramfs,
        string commandLine, string serialLog, string qmpSocket, int guestPort)
    {
        string nic = machine switch
        {
            "microvm" => "virtio-net-device",
            "pc" or "q35" => "virtio-net-pci",
            _ => throw new QemuRunException($"machine '{machine}' is not supported: use microvm or pc"),
        };
        return
        [
            "-accel", accelerator, "-cpu", accelerator == "kvm" ? "host" : "max",
            "-M", machine, "-m", options.MemoryMiB.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-smp", options.Cpus.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
            "-kernel", kernel, "-initrd", initramfs, "-append", commandLine,
            "-serial", "file:" + serialLog,
            "-netdev", $"user,id=net0,hostfwd=tcp:127.0.0.1:{options.HostPort}-:{guestPort}",
            "-device", $"{nic},netdev=net0",
            "-qmp", $"unix:{qmpSocket},server=on,wait=off",
        ];
    }

    private static async Task<bool> WaitReadyAsync(Process process, Uri baseAddress, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
                return false;
            try
            {
                using var response = await http.GetAsync(new Uri(baseAddress, ReadyPath), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                    return true;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested) { }
            await Task.Delay(250, cancellationToken);
        }
        return false;
    }

    private static (string Accelerator, string Reason) ChooseAccelerator(string requested, string qemu, string kernel)
    {
        if (requested == "tcg")
            return ("tcg", "TCG requested");
        if (requested is not ("kvm" or "auto"))
            throw new QemuRunException($"accelerator '{requested}' is not supported: use auto, kvm or tcg");
        // A working KVM boots the probe kernel to its panic in about a second; 20 s leaves room for a busy host.
        var probe = KvmProbe.Probe(qemu, TimeSpan.FromSeconds(20), kernel);
        if (probe.Works)
            return ("kvm", probe.Reason);
        if (requested == "kvm")
            throw new QemuRunException("KVM was requested but does not work here: " + probe.Reason);
        return ("tcg", probe.Reason);
    }

    /// <summary>Finds qemu-system-x86_64 (in <paramref name="searchPath"/>, default $PATH), or fails with the install command.</summary>
    public static string FindQemu(string? explicitPath, string? searchPath = null)
    {
        if (explicitPath is not null)
            return File.Exists(explicitPath) ? explicitPath : throw new QemuRunException($"QEMU not found at {explicitPath}");
        foreach (string directory in (searchPath ?? Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, "qemu-system-x86_64");
            if (File.Exists(candidate))
                return candidate;
        }
        throw new QemuRunException("qemu-system-x86_64 was not found on PATH: install it with 'apt-get install qemu-system-x86' (Debian/Ubuntu)");
    }

    /// <summary>Fails clearly when the host port is taken (QEMU's own hostfwd error is cryptic).</summary>
    public static void EnsurePortFree(int port)
    {
        if (port is < 1 or > 65535)
            throw new QemuRunException($"port {port} is not 1..65535");
        try
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new QemuRunException($"port {port} on 127.0.0.1 is already in use: pick another with --port");
        }
    }

    private static string RequireFile(string directory, string name)
    {
        string path = Path.Combine(directory, name);
        return File.Exists(path) ? path : throw new QemuRunException($"{path} is missing: build the image with 'uniml image build --target microvm -o {directory}'");
    }

    private static string Tail(string path)
    {
        if (!File.Exists(path))
            return "(no serial output)";
        string[] lines = File.ReadAllLines(path);
        return lines.Length == 0 ? "(serial log is empty)" : string.Join('\n', lines.TakeLast(SerialTailLines));
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException) { }
    }
}
