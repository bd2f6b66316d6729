using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using UniML.Server.Internals.Http;
using UniML.Server.Internals.Metrics;
using UniML.Server.Internals.Repository;

namespace UniML.Server;

/// <summary>
/// The UniML inference server: Kestrel serving the Open Inference Protocol over a model repository.
/// Lifecycle: listen (live), load and warm up every start-up model (then ready), serve; on SIGTERM,
/// SIGINT, <see cref="StopAsync"/> or the run's cancellation token: not ready, stop accepting, finish
/// in-flight requests, stop the model schedulers, call <see cref="ServerOptions.AfterDrain"/>.
/// </summary>
public sealed class ServerHost : IAsyncDisposable
{
    /// <summary>The bundled default model, relative to the repository root (and as models/&lt;name&gt; beside the published binary).</summary>
    public const string DefaultModelName = "logreg_multiclass_iris";

    readonly WebApplication _app;
    readonly ModelRepository _repository;
    readonly ServerOptions _options;
    readonly ILogger _log;
    readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    volatile bool _startupDone;
    volatile bool _startupFailed;
    volatile bool _stopping;
    int _stopCalled;

    ServerHost(WebApplication app, ModelRepository repository, ServerOptions options, ILogger log)
    {
        _app = app;
        _repository = repository;
        _options = options;
        _log = log;
    }

    /// <summary>The URLs Kestrel listens on (with the real port when <see cref="ServerOptions.Port"/> is 0).</summary>
    public IReadOnlyList<string> Addresses { get; private set; } = [];

    /// <summary>What /v2/health/ready answers.</summary>
    public bool IsReady => _startupDone && !_stopping && (!_options.StrictReadiness || !_startupFailed);

    /// <summary>Completes once a shutdown has been requested (signal, <see cref="StopAsync"/>, or the run's token).</summary>
    public Task ShutdownRequested => _shutdownRequested.Task;

    readonly TaskCompletionSource _shutdownRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Runs the server until a signal or <paramref name="cancellation"/> asks it to stop, drains, and
    /// returns the process exit code (0 after a clean drain; 2 when it could not start).
    /// </summary>
    public static async Task<int> RunAsync(ServerOptions options, CancellationToken cancellation)
    {
        ServerHost host;
        if (options.InlineIo != InlineIoMode.Never)
        {
            // The socket engine's half of --inline-io is process-wide and read once, when the process first uses a
            // socket: set here, where the server owns the process (StartAsync only sets Kestrel's half).
            Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        }
        try
        {
            host = await StartAsync(options, cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ServerOptionsException or IOException or OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"uniml-server: {e.Message}").ConfigureAwait(false);
            return 2;
        }
        await using (host.ConfigureAwait(false))
        {
            using var registration = cancellation.Register(static h => ((ServerHost)h!).RequestShutdown(), host);
            await host.ShutdownRequested.ConfigureAwait(false);
            await host.StopAsync().ConfigureAwait(false);
        }
        return 0;
    }

    /// <summary>Starts listening, then loads and warms up the start-up models; returns when the server is ready (or has reported which models failed).</summary>
    public static async Task<ServerHost> StartAsync(ServerOptions options, CancellationToken cancellation = default)
    {
        var (repositoryPath, fileSources) = ResolveModels(options);

        // No config-file reload: it would watch the content root with inotify, which unikernels (Unikraft) lack, for
        // appsettings files the server does not use.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        if (options.LogFormat == "text")
            builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ "; o.UseUtcTimestamp = true; });
        else
            builder.Logging.AddJsonConsole(o => { o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ"; o.UseUtcTimestamp = true; });
        builder.Logging.SetMinimumLevel(ParseLevel(options.LogLevel));
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        // ASP.NET Core's per-request hosting diagnostics log only request start/end (information), but while their
        // logger is enabled at any level every request also gets a log scope and an Activity: ~4 % of the CPU
        // per request on the benchmark's small model. Errors are still logged by Kestrel and by the endpoints.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.DrainTimeout);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        var address = ParseHost(options.Host);
        if (options.InlineIo != InlineIoMode.Never)
            builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = true);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = options.MaxRequestBytes;
            void Configure(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions l) => l.Protocols = HttpProtocols.Http1;
            if (address is null) k.ListenLocalhost(options.Port, Configure);
            else k.Listen(address, options.Port, Configure);
        });

        var app = builder.Build();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("UniML.Server");
        var metrics = new ServerMetrics();
        var repository = new ModelRepository(repositoryPath, fileSources, metrics, log);
        var host = new ServerHost(app, repository, options, log);
        new ProtocolEndpoints(repository, metrics, options, log, () => host.IsReady).Map(app);
        app.Lifetime.ApplicationStopping.Register(static h => ((ServerHost)h!).RequestShutdown(), host);

        await app.StartAsync(cancellation).ConfigureAwait(false);
        host.Addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];
        log.LogInformation("listening on {Addresses} (live; loading models)", string.Join(", ", host.Addresses));

        var failed = new List<string>();
        foreach (var source in repository.DiscoverSources())
        {
            cancellation.ThrowIfCancellationRequested();
            if (await repository.LoadAsync(source.Name).ConfigureAwait(false) is not null)
                failed.Add(source.Name);
        }
        host._startupFailed = failed.Count > 0;
        host._startupDone = true;
        var serving = repository.AllServed().Select(m => $"{m.Name} (version {m.VersionText})").ToArray();
        if (serving.Length == 0 && failed.Count == 0)
            log.LogWarning("no models found{Where}", repositoryPath is null ? "" : $" in {repositoryPath}");
        log.LogInformation("{State}: serving {Count} model(s): {Models}{Failed} at {Addresses}",
            host.IsReady ? "ready" : "not ready", serving.Length, string.Join(", ", serving),
            failed.Count > 0 ? $"; failed to load: {string.Join(", ", failed)}" : "", string.Join(", ", host.Addresses));
        return host;
    }

    /// <summary>Asks the server to stop (as SIGTERM does); <see cref="StopAsync"/> performs the drain.</summary>
    public void RequestShutdown()
    {
        _stopping = true;
        _shutdownRequested.TrySetResult();
    }

    /// <summary>
    /// Graceful stop: readiness goes false, Kestrel stops accepting and waits (up to
    /// <see cref="ServerOptions.DrainTimeout"/>) for in-flight requests, the models' queues drain, then
    /// <see cref="ServerOptions.AfterDrain"/> runs. Safe to call more than once.
    /// </summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopCalled, 1) == 1)
        {
            await _stopped.Task.ConfigureAwait(false);
            return;
        }
        try
        {
            RequestShutdown();
            _log.LogInformation("shutting down: not ready, finishing in-flight requests");
            await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await _repository.StopAsync().ConfigureAwait(false);
            _log.LogInformation("drained; exiting");
            if (_options.AfterDrain is { } afterDrain)
                await afterDrain().ConfigureAwait(false);
        }
        finally
        {
            _stopped.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    static IPAddress? ParseHost(string host)
    {
        if (host == "localhost") return null;
        if (IPAddress.TryParse(host, out var address)) return address;
        throw new ServerOptionsException($"--host '{host}' is not an IP address (or localhost)");
    }

    static LogLevel ParseLevel(string level) => level switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        _ => LogLevel.Information,
    };

    /// <summary>
    /// The repository folder and single-file models to serve. With neither given: the bundled default,
    /// found as models/ beside the executable (published binary), or testdata/models in a source checkout.
    /// </summary>
    static (string? Repository, List<ModelSource> Files) ResolveModels(ServerOptions options)
    {
        var files = new List<ModelSource>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var argument in options.ModelPaths)
        {
            var source = ModelRepository.SourceFromArgument(argument);
            if (!File.Exists(source.Path) && !Directory.Exists(source.Path))
                throw new ServerOptionsException($"--model {argument}: {source.Path} does not exist");
            if (!names.Add(source.Name))
                throw new ServerOptionsException($"two --model arguments are both named '{source.Name}'; name them with --model NAME=PATH");
            files.Add(source);
        }
        var repository = options.RepositoryPath;
        if (repository is not null && !Directory.Exists(repository))
            throw new ServerOptionsException($"--repository {repository} is not a directory");
        if (repository is null && files.Count == 0)
        {
            var bundled = options.DefaultRepositoryPath ?? Path.Combine(AppContext.BaseDirectory, "models");
            if (Directory.Exists(bundled))
                return (bundled, files);
            var checkout = FindInCheckout(Path.Combine("testdata", "models", DefaultModelName, "model.onnx"));
            if (checkout is null)
                throw new ServerOptionsException($"no --model or --repository given, and the bundled default model is missing (looked for {bundled} and testdata/models/{DefaultModelName}/model.onnx in parent folders)");
            files.Add(new ModelSource(DefaultModelName, checkout, false));
        }
        return (repository, files);
    }

    static string? FindInCheckout(string relative)
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, relative);
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }
}
