using UniML.Guest;
using UniML.Server;

namespace UniML.Server.App;

/// <summary>
/// The server inside an image built by <c>uniml image build</c>:
/// <list type="bullet">
/// <item>microvm: the server is <c>/init</c>, PID 1 of a Linux kernel. It does init's duties
/// (<see cref="GuestInit.Prepare"/>), serves the models in the image, drains on the ACPI power button or
/// SIGTERM, and powers the VM off. PID 1 must never just exit (the kernel panics), so every way out,
/// including a model that fails to load, ends in <see cref="GuestInit.PowerOff"/> after the reason is on the
/// serial console.</item>
/// <item>nanos and oci: an ordinary process whose models are in the folder named by <c>UNIML_MODELS</c>.</item>
/// </list>
/// The server library itself knows nothing of this.
/// </summary>
internal static class GuestMode
{
    /// <summary>Environment variable naming the image's model folder (nanos and oci images set it).</summary>
    public const string ModelsVariable = "UNIML_MODELS";

    /// <summary>Exit code when a start-up model failed to load (the reason is logged just before).</summary>
    public const int ModelLoadFailed = 3;

    /// <summary>True when running inside a UniML image.</summary>
    public static bool Applies => IsMicroVmInit || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(ModelsVariable));

    // A container entrypoint is PID 1 too, and so may be a Nanos program; only the microvm image ships the
    // module order file, so its presence tells a Linux initramfs apart from those.
    static bool IsMicroVmInit => GuestInit.IsPid1 && File.Exists(new KernelCommandLine().ModuleOrderFile);

    /// <summary>Runs the server in guest mode; as PID 1 this never returns (the VM powers off).</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        bool init = IsMicroVmInit;
        if (!init)
            return await ServeAsync(args, null).ConfigureAwait(false);
        int code = 1;
        try
        {
            var settings = GuestInit.Prepare(static m => Console.WriteLine("uniml-guest: " + m));
            code = await ServeAsync(args, settings).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Console.WriteLine($"uniml-server: fatal: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            Console.WriteLine(code == 0 ? "uniml-server: powering off" : $"uniml-server: stopped with exit code {code}; powering off");
            GuestInit.PowerOff();
        }
        return code;
    }

    static async Task<int> ServeAsync(string[] args, GuestSettings? settings)
    {
        string[] all = settings is null ? args : [.. args, .. settings.Arguments];
        ServerOptions options;
        try
        {
            options = ServerOptions.Parse(all, Environment.GetEnvironmentVariable, out _);
            if (settings is not null)
            {
                if (!HasFlag(all, "--port"))
                    options.Port = settings.Port;
                // The serial console is read by people; JSON lines are for log collectors (oci keeps them).
                if (!HasFlag(all, "--log-format") && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("UNIML_LOG_FORMAT")))
                    options.LogFormat = "text";
                // /dev/console is a terminal, so the console logger would colour the serial log with escape codes.
                Environment.SetEnvironmentVariable("NO_COLOR", "1");
            }
            AddModelsFrom(settings?.ModelDirectory ?? Environment.GetEnvironmentVariable(ModelsVariable)!, options);
        }
        catch (ServerOptionsException e)
        {
            Console.WriteLine($"uniml-server: {e.Message}");
            return 2;
        }

        ServerHost host;
        try
        {
            host = await ServerHost.StartAsync(options, GuestInit.ShutdownRequested).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ServerOptionsException or IOException or OperationCanceledException)
        {
            Console.WriteLine($"uniml-server: could not start: {e.Message}");
            return 2;
        }
        await using (host.ConfigureAwait(false))
        {
            if (!host.IsReady && !GuestInit.ShutdownRequested.IsCancellationRequested)
            {
                // Serving nothing forever would look like a hang from outside the VM; stop with the reason instead.
                Console.WriteLine("uniml-server: not ready: a model in the image failed to load (the reason is in the log line above); stopping");
                return ModelLoadFailed;
            }
            using var registration = GuestInit.ShutdownRequested.Register(static h => ((ServerHost)h!).RequestShutdown(), host);
            await host.ShutdownRequested.ConfigureAwait(false);
            Console.WriteLine($"uniml-server: shutdown requested ({GuestInit.ShutdownReason ?? "signal"}), draining");
            await host.StopAsync().ConfigureAwait(false);
        }
        return 0;
    }

    static bool HasFlag(string[] args, string flag) =>
        Array.Exists(args, a => a == flag || a.StartsWith(flag + "=", StringComparison.Ordinal));

    /// <summary>
    /// Serves what the image holds unless flags or variables already name models: each <c>*.onnx</c> directly in
    /// <paramref name="directory"/> (named after the file) and each sub-folder (a model folder with model.onnx,
    /// or a versioned one).
    /// </summary>
    internal static void AddModelsFrom(string directory, ServerOptions options)
    {
        if (options.ModelPaths.Count > 0 || options.RepositoryPath is not null)
            return;
        if (!Directory.Exists(directory))
            throw new ServerOptionsException($"the image's model folder {directory} does not exist");
        foreach (string file in Directory.GetFiles(directory, "*.onnx").Order(StringComparer.Ordinal))
            options.ModelPaths.Add($"{Path.GetFileNameWithoutExtension(file)}={file}");
        foreach (string folder in Directory.GetDirectories(directory).Order(StringComparer.Ordinal))
            options.ModelPaths.Add(folder);
        if (options.ModelPaths.Count == 0)
            throw new ServerOptionsException($"no models in {directory} (build the image with --model)");
    }
}
