using System.CommandLine;
using System.Runtime.InteropServices;
using UniML.Images;

namespace UniML.Cli.Commands;

/// <summary><c>uniml image build|run|inspect</c>: unikernel-style images of the server (see docs/images.md).</summary>
static class ImageCommand
{
    public static Command Create()
    {
        var command = new Command("image", "Build, boot and inspect unikernel-style images of the UniML server.");
        command.Subcommands.Add(Build());
        command.Subcommands.Add(Run());
        command.Subcommands.Add(Inspect());
        return command;
    }

    private static Command Build()
    {
        var target = new Option<string>("--target") { Description = "microvm | nanos | unikraft | oci", DefaultValueFactory = _ => "microvm" };
        var models = new Option<string[]>("--model") { Description = "Model file or folder, copied to /models (repeatable).", AllowMultipleArgumentsPerToken = false };
        var server = new Option<string?>("--server") { Description = "The NativeAOT server binary (Linux x86_64 ELF); default: this checkout's src/UniML.Server.App, published on demand (cached)." };
        var kernel = new Option<string?>("--kernel") { Description = "bzImage to use instead of Debian's cloud kernel (microvm)." };
        var modules = new Option<string?>("--modules") { Description = "Module tree (lib/modules/VERSION) for --kernel." };
        var output = new Option<string>("--output", "-o") { Description = "Output folder.", Required = true };
        var port = new Option<int>("--guest-port") { Description = "Port the server listens on in the guest.", DefaultValueFactory = _ => 8000 };
        var machine = new Option<string>("--machine") { Description = "QEMU machine for microvm images: pc | microvm (microvm boots hang often under TCG).", DefaultValueFactory = _ => "pc" };
        var serverArgs = new Option<string[]>("--server-arg") { Description = "Argument passed to the server (repeatable)." };
        var noSyscallCheck = new Option<bool>("--no-syscall-check") { Description = "nanos: skip tracing the server's syscalls against Nanos' list at build time." };
        var command = new Command("build", "Pack the server, its libraries and models into an image.")
        {
            target, models, server, kernel, modules, output, port, machine, serverArgs, noSyscallCheck,
        };
        command.SetAction(parse => Guarded(() =>
        {
            var manifest = new ImageBuilder(Console.Error.WriteLine).Build(new ImageBuildOptions
            {
                Target = ImageBuilder.ParseTarget(parse.GetValue(target)!),
                ServerPath = ServerBinary.Resolve(parse.GetValue(server), Console.Error.WriteLine),
                Models = parse.GetValue(models) ?? [],
                OutputDirectory = parse.GetValue(output)!,
                KernelPath = parse.GetValue(kernel),
                ModulesPath = parse.GetValue(modules),
                GuestPort = parse.GetValue(port),
                Machine = parse.GetValue(machine)!,
                ServerArguments = parse.GetValue(serverArgs) ?? [],
                CheckNanosSyscalls = !parse.GetValue(noSyscallCheck),
            });
            Console.WriteLine(ImageInspector.Format(manifest));
            return 0;
        }));
        return command;
    }

    private static Command Run()
    {
        var directory = new Argument<string>("DIR") { Description = "Folder written by 'uniml image build --target microvm'." };
        var qemu = new QemuCommandOptions(120, "Seconds to wait for /v2/health/ready per boot attempt.");
        var command = new Command("run", "Boot a microvm image with QEMU and serve until Ctrl-C or SIGTERM.") { directory };
        qemu.AddTo(command);
        command.SetAction(parse => GuardedUntilSignal(stop => RunAsync(qemu.Parse(parse, parse.GetValue(directory)!), stop)));
        return command;
    }

    private static async Task<int> RunAsync(QemuRunOptions options, CancellationToken stop)
    {
        QemuRunner runner;
        try
        {
            runner = await QemuRunner.StartAsync(options, Console.Error.WriteLine, stop);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("interrupted before the guest was ready; QEMU was stopped");
            return 130;
        }
        await using (runner)
        {
            Console.WriteLine($"ready: {runner.BaseAddress} ({runner.TimeToReady.TotalSeconds:0.00} s from QEMU start{(runner.IsEmulated ? ", emulated with TCG" : ", KVM")}); serial log {runner.SerialLogPath}");
            try
            {
                await runner.WaitForExitAsync(stop);
                Console.Error.WriteLine($"the guest stopped by itself (QEMU exit {runner.ExitCode}); last serial lines:\n{runner.SerialLogTail()}");
                return runner.ExitCode == 0 ? 0 : 1;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("powering the guest down (ACPI power button)...");
                bool clean = await runner.PowerDownAsync(TimeSpan.FromSeconds(30));
                Console.Error.WriteLine(clean ? "the guest powered off" : "the guest did not power off within 30 s; QEMU was killed");
                return clean ? 0 : 1;
            }
        }
    }

    private static Command Inspect()
    {
        var directory = new Argument<string>("DIR") { Description = "Image folder." };
        var command = new Command("inspect", "List every file of an image with sizes, totals, kernel version and command line.") { directory };
        command.SetAction(parse => Guarded(() =>
        {
            Console.WriteLine(ImageInspector.Format(ImageInspector.Inspect(parse.GetValue(directory)!)));
            return 0;
        }));
        return command;
    }

    /// <summary>Input and environment problems are reported as one clear line and exit code 1.</summary>
    internal static int Guarded(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidOperationException or InvalidDataException
                                   or QemuRunException or UnauthorizedAccessException or NotSupportedException or TimeoutException)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 1;
        }
    }

    /// <summary>
    /// <see cref="Guarded"/> for a command that runs until stopped: Ctrl-C (SIGINT) and SIGTERM cancel the token
    /// it is given instead of ending the process, so it can shut its guest down first.
    /// </summary>
    internal static int GuardedUntilSignal(Func<CancellationToken, Task<int>> run) => Guarded(() =>
    {
        using var stop = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        return run(stop.Token).GetAwaiter().GetResult();
    });
}
