using System.CommandLine;
using UniML.Images;

namespace UniML.Cli.Commands;

/// <summary>
/// The QEMU options <c>uniml image run</c> and <c>uniml up</c> share (--port, --memory, --cpus, --timeout,
/// --accel), and the <see cref="QemuRunOptions"/> they parse to.
/// </summary>
sealed class QemuCommandOptions(int defaultTimeoutSeconds, string timeoutDescription)
{
    readonly Option<int> _port = new("--port") { Description = "Host port forwarded to the server (127.0.0.1).", DefaultValueFactory = _ => 8000 };
    readonly Option<int> _memory = new("--memory") { Description = "Guest memory in MiB.", DefaultValueFactory = _ => 512 };
    readonly Option<int> _cpus = new("--cpus") { Description = "Guest vCPUs.", DefaultValueFactory = _ => 1 };
    readonly Option<int> _timeout = new("--timeout") { Description = timeoutDescription, DefaultValueFactory = _ => defaultTimeoutSeconds };
    readonly Option<string> _accel = new("--accel") { Description = "auto | kvm | tcg", DefaultValueFactory = _ => "auto" };

    public void AddTo(Command command)
    {
        command.Options.Add(_port);
        command.Options.Add(_memory);
        command.Options.Add(_cpus);
        command.Options.Add(_timeout);
        command.Options.Add(_accel);
    }

    public QemuRunOptions Parse(ParseResult parse, string imageDirectory) => new()
    {
        ImageDirectory = imageDirectory,
        HostPort = parse.GetValue(_port),
        MemoryMiB = parse.GetValue(_memory),
        Cpus = parse.GetValue(_cpus),
        ReadyTimeout = TimeSpan.FromSeconds(parse.GetValue(_timeout)),
        Accelerator = parse.GetValue(_accel)!,
    };
}
