using System.Globalization;
using System.Text;

namespace UniML.Server;

/// <summary>
/// Everything the server needs to start. Both executables (<c>uniml-server</c> and <c>uniml serve</c>)
/// build it with <see cref="Parse"/>, so they accept exactly the same flags and environment variables.
/// </summary>
public sealed class ServerOptions
{
    /// <summary>Address to listen on (an IP address, or <c>localhost</c>); 0.0.0.0 for every interface.</summary>
    public string Host { get; set; } = "0.0.0.0";

    /// <summary>TCP port; 0 picks a free one (the chosen port is logged and exposed by <see cref="ServerHost.Addresses"/>).</summary>
    public int Port { get; set; } = 8000;

    /// <summary>Single model files to serve, each as version 1 of a model named after the file (or <c>name=path</c>).</summary>
    public List<string> ModelPaths { get; } = [];

    /// <summary>A model repository in Triton's layout: <c>DIR/&lt;model&gt;/&lt;version&gt;/model.onnx</c>.</summary>
    public string? RepositoryPath { get; set; }

    /// <summary>Largest accepted request body, bytes (413 above it).</summary>
    public long MaxRequestBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Largest accepted element count over all inputs of one request (400 above it).</summary>
    public long MaxRequestElements { get; set; } = 16L * 1024 * 1024;

    /// <summary>
    /// When true (Triton's default), /v2/health/ready answers 200 only if every model requested at start-up
    /// loaded; when false, once start-up loading has finished whatever its outcome.
    /// </summary>
    public bool StrictReadiness { get; set; } = true;

    /// <summary>How long a shutdown waits for in-flight requests before closing connections.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Which thread runs a request (see <see cref="InlineIoMode"/>). <see cref="ServerHost.RunAsync"/> applies it
    /// fully; <see cref="ServerHost.StartAsync"/> (embedding) only Kestrel's half, since .NET's inline socket
    /// completions are process-wide (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>, read when the
    /// process first uses a socket).
    /// </summary>
    public InlineIoMode InlineIo { get; set; } = InlineIoMode.Auto;

    /// <summary>Log line format: <c>json</c> (one JSON object per line) or <c>text</c>.</summary>
    public string LogFormat { get; set; } = "json";

    /// <summary>Lowest level logged: trace, debug, information, warning, error.</summary>
    public string LogLevel { get; set; } = "information";

    /// <summary>
    /// Where to look for the bundled default model when neither models nor a repository is given: a
    /// repository folder (the published binary ships one as <c>models/</c> next to itself).
    /// </summary>
    public string? DefaultRepositoryPath { get; set; }

    /// <summary>
    /// Called once after the server stopped accepting requests and every in-flight request finished, just
    /// before <see cref="ServerHost.RunAsync"/> returns (for example: flush, unmount, power off).
    /// </summary>
    public Func<Task>? AfterDrain { get; set; }

    /// <summary>The flags, their environment variables and what they mean; printed by --help.</summary>
    public static string Usage => BuildUsage();

    static readonly (string Flag, string Env, string Value, string Help)[] Flags =
    [
        ("--model", "UNIML_MODEL", "[NAME=]PATH", "serve one .onnx file as version 1 of model NAME (default: the file's name, or its folder's when the file is model.onnx); repeatable; the variable takes a comma-separated list"),
        ("--repository", "UNIML_REPOSITORY", "DIR", "serve a model repository: DIR/<model>/<version>/model.onnx, optional DIR/<model>/config.json"),
        ("--host", "UNIML_HOST", "ADDR", "address to listen on (default 0.0.0.0)"),
        ("--port", "UNIML_PORT", "N", "port to listen on (default 8000; 0 picks a free port)"),
        ("--max-request-bytes", "UNIML_MAX_REQUEST_BYTES", "N", "largest request body in bytes, 413 above (default 67108864)"),
        ("--max-request-elements", "UNIML_MAX_REQUEST_ELEMENTS", "N", "most tensor elements in one request, 400 above (default 16777216)"),
        ("--strict-readiness", "UNIML_STRICT_READINESS", "true|false", "ready only when every start-up model loaded (default true)"),
        ("--drain-timeout", "UNIML_DRAIN_TIMEOUT", "SECONDS", "how long SIGTERM waits for in-flight requests (default 30)"),
        ("--inline-io", "UNIML_INLINE_IO", "auto|true|false", "run requests on the socket I/O threads: auto (default) does so for fast models and small bodies and hands the rest to the thread pool; true always, false never"),
        ("--log-format", "UNIML_LOG_FORMAT", "json|text", "log line format (default json)"),
        ("--log-level", "UNIML_LOG_LEVEL", "LEVEL", "trace, debug, information, warning or error (default information)"),
    ];

    static string BuildUsage()
    {
        var sb = new StringBuilder();
        sb.AppendLine("Serves ONNX models over the KServe Open Inference Protocol (v2) REST API.");
        sb.AppendLine("With neither --model nor --repository, serves the bundled default model.");
        sb.AppendLine();
        foreach (var (flag, env, value, help) in Flags)
            sb.Append("  ").Append((flag + " " + value).PadRight(34)).Append(help).Append(" [").Append(env).AppendLine("]");
        sb.Append("Flags override environment variables.");
        return sb.ToString();
    }

    /// <summary>
    /// Reads flags (<c>--flag value</c> or <c>--flag=value</c>) over environment variables
    /// (<see cref="Flags"/>); throws <see cref="ServerOptionsException"/> with a message naming the bad
    /// flag. <c>--help</c> sets <paramref name="helpRequested"/>.
    /// </summary>
    public static ServerOptions Parse(IReadOnlyList<string> args, Func<string, string?> environment, out bool helpRequested)
    {
        var options = new ServerOptions();
        helpRequested = false;
        foreach (var (flag, env, _, _) in Flags)
        {
            var value = environment(env);
            if (string.IsNullOrWhiteSpace(value)) continue;
            if (flag == "--model")
            {
                foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    options.Apply(flag, part, env);
            }
            else
            {
                options.Apply(flag, value.Trim(), env);
            }
        }
        // Flags override the environment; a flag given on the command line replaces the variable's model list.
        bool modelsFromFlags = false;
        for (int i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--help" or "-h" or "-?")
            {
                helpRequested = true;
                continue;
            }
            if (!arg.StartsWith("--", StringComparison.Ordinal))
                throw new ServerOptionsException($"unexpected argument '{arg}'; flags start with --");
            string flag = arg, value;
            int eq = arg.IndexOf('=');
            if (eq > 0)
            {
                flag = arg[..eq];
                value = arg[(eq + 1)..];
            }
            else
            {
                if (i + 1 >= args.Count)
                    throw new ServerOptionsException($"{flag} needs a value");
                value = args[++i];
            }
            if (flag == "--model" && !modelsFromFlags)
            {
                options.ModelPaths.Clear();
                modelsFromFlags = true;
            }
            options.Apply(flag, value, flag);
        }
        return options;
    }

    void Apply(string flag, string value, string source)
    {
        switch (flag)
        {
            case "--model":
                if (value.Length == 0) throw new ServerOptionsException($"{source}: empty model path");
                ModelPaths.Add(value);
                break;
            case "--repository":
                RepositoryPath = value;
                break;
            case "--host":
                if (value.Length == 0) throw new ServerOptionsException($"{source}: empty host");
                Host = value;
                break;
            case "--port":
                Port = (int)Number(value, source, 0, 65535);
                break;
            case "--max-request-bytes":
                MaxRequestBytes = Number(value, source, 1024, int.MaxValue);
                break;
            case "--max-request-elements":
                MaxRequestElements = Number(value, source, 1, int.MaxValue);
                break;
            case "--strict-readiness":
                StrictReadiness = Boolean(value, source);
                break;
            case "--inline-io":
                InlineIo = value.ToLowerInvariant() == "auto" ? InlineIoMode.Auto : Boolean(value, source, "auto, true or false") ? InlineIoMode.Always : InlineIoMode.Never;
                break;
            case "--drain-timeout":
                DrainTimeout = TimeSpan.FromSeconds(Number(value, source, 0, 3600));
                break;
            case "--log-format":
                if (value is not ("json" or "text")) throw new ServerOptionsException($"{source}: '{value}' is not json or text");
                LogFormat = value;
                break;
            case "--log-level":
                if (value.ToLowerInvariant() is not ("trace" or "debug" or "information" or "info" or "warning" or "error"))
                    throw new ServerOptionsException($"{source}: '{value}' is not trace, debug, information, warning or error");
                LogLevel = value.ToLowerInvariant();
                break;
            default:
                throw new ServerOptionsException($"unknown flag '{flag}' (see --help)");
        }
    }

    static bool Boolean(string value, string source, string expected = "true or false") => value.ToLowerInvariant() switch
    {
        "true" or "1" or "yes" => true,
        "false" or "0" or "no" => false,
        _ => throw new ServerOptionsException($"{source}: '{value}' is not {expected}"),
    };

    static long Number(string value, string source, long min, long max)
    {
        if (!long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) || n < min || n > max)
            throw new ServerOptionsException($"{source}: '{value}' is not an integer between {min} and {max}");
        return n;
    }
}

/// <summary>
/// Where a request runs. Handing every request from the socket's I/O thread to the thread pool costs two thread
/// switches, which for a model that computes in microseconds is most of a request's CPU on one or two cores;
/// running a long inference on the I/O thread instead holds up the other connections that thread serves.
/// </summary>
public enum InlineIoMode
{
    /// <summary>
    /// I/O threads read every request; a request whose model's typical execution is short and whose body is
    /// small runs to completion there, any other is handed to the thread pool before it is parsed and run.
    /// </summary>
    Auto,

    /// <summary>Every request runs on its socket's I/O thread.</summary>
    Always,

    /// <summary>Every request is handed to the thread pool (ASP.NET Core's usual behaviour).</summary>
    Never,
}

/// <summary>A flag or environment variable has a bad value; the message says which and why.</summary>
public sealed class ServerOptionsException : Exception
{
    public ServerOptionsException(string message) : base(message) { }
}
