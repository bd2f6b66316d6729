using System.CommandLine;
using System.CommandLine.Parsing;
using System.Runtime.InteropServices;
using UniML.Deps;
using UniML.Deps.Reports;

namespace UniML.Cli.Commands;

/// <summary>
/// uniml deps: library closure, static syscalls and (with --trace) a strace'd workload, judged against
/// Linux, UniML's microVM, Nanos and Unikraft. Exit codes: 0 compatible, 1 bad input, 2 not compatible.
/// </summary>
static class DepsCommand
{
    const int ExitCompatible = 0, ExitError = 1, ExitIncompatible = 2;

    public static Command Create()
    {
        var inputs = new Argument<string[]>("inputs")
        {
            Description = "ELF files or directories (a Python package, a NuGet package or its runtimes/linux-x64/native). With --trace, the command follows '--'.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var trace = new Option<bool>("--trace") { Description = "Run the command after '--' under strace -f and report the syscalls it made. SIGTERM or SIGINT sent to uniml deps is passed on to the command; a command stopped by a signal is reported, not an error." };
        var json = new Option<bool>("--json") { Description = "Write the report as JSON." };
        var markdown = new Option<bool>("--markdown") { Description = "Write the report as a Markdown section." };
        var target = new Option<string[]>("--target")
        {
            Description = $"Target to judge against: {string.Join(", ", UnikernelTarget.Names)} (default: all); repeat it or separate names with commas. The exit code is 2 if any is not compatible.",
            // One name (or comma list) per --target, so `--target nanos FILE` does not take FILE as a target.
            AllowMultipleArgumentsPerToken = false,
        };
        var libraryPath = new Option<string[]>("--library-path") { Description = "Extra library directories, searched like LD_LIBRARY_PATH." };
        var followDlopen = new Option<bool>("--follow-dlopen") { Description = "Add resolvable dlopen candidates (and their needs) to the closure." };
        var symbols = new Option<bool>("--symbols") { Description = "List every imported symbol with its version in the text report." };
        var title = new Option<string?>("--title") { Description = "Heading of the report." };
        var jsonFile = new Option<string?>("--json-file") { Description = "Also write the JSON report to this file (whatever format goes to stdout)." };

        var command = new Command("deps", "Dependency and syscall analysis: will this program run on that unikernel?");
        command.Arguments.Add(inputs);
        foreach (var o in new Option[] { trace, json, markdown, target, libraryPath, followDlopen, symbols, title, jsonFile }) command.Options.Add(o);

        command.SetAction(parseResult =>
        {
            try
            {
                var (paths, traced) = SplitAtDoubleDash(parseResult);
                bool doTrace = parseResult.GetValue(trace);
                if (!doTrace && traced.Count > 0)
                    throw new DependencyAnalysisException("A command after '--' needs --trace.");
                if (parseResult.GetValue(json) && parseResult.GetValue(markdown))
                    throw new DependencyAnalysisException("Choose one of --json and --markdown.");

                var targets = (parseResult.GetValue(target) is { Length: > 0 } names ? names : [.. UnikernelTarget.Names])
                    .SelectMany(n => n.Split(',', StringSplitOptions.RemoveEmptyEntries))
                    .Select(UnikernelTarget.Get).Distinct().ToList();

                SyscallTrace? run = doTrace ? TraceForwardingSignals(traced) : null;

                // With --trace and no explicit inputs, analyse the traced program's own closure as well.
                if (paths.Count == 0 && run is not null && FindOnPath(traced[0]) is { } exe && ElfObject.HasElfMagic(exe))
                    paths = [exe];

                DependencyClosure? closure = paths.Count > 0
                    ? DependencyClosure.Build(paths, new LibraryResolver(parseResult.GetValue(libraryPath)), scanSyscalls: true, followDlopen: parseResult.GetValue(followDlopen))
                    : null;
                if (closure is null && run is null)
                    throw new DependencyAnalysisException("Nothing to analyse: give an ELF file or directory, or --trace -- COMMAND.");

                string heading = parseResult.GetValue(title)
                                 ?? (run is not null ? $"uniml deps --trace -- {string.Join(" ", traced)}" : $"uniml deps {string.Join(" ", paths)}");
                var report = DependencyReport.Create(heading, closure, run, targets);

                if (parseResult.GetValue(jsonFile) is { } jsonPath)
                {
                    using var file = File.Create(jsonPath);
                    JsonReport.Write(report, file);
                }
                if (parseResult.GetValue(json))
                {
                    using var stdout = Console.OpenStandardOutput();
                    JsonReport.Write(report, stdout);
                    Console.Out.WriteLine();
                }
                else if (parseResult.GetValue(markdown)) MarkdownReport.Write(report, Console.Out);
                else TextReport.Write(report, Console.Out, parseResult.GetValue(symbols));

                return report.IsCompatible ? ExitCompatible : ExitIncompatible;
            }
            catch (DependencyAnalysisException e)
            {
                Console.Error.WriteLine($"uniml deps: error: {e.Message}");
                return ExitError;
            }
            catch (IOException e)
            {
                Console.Error.WriteLine($"uniml deps: error: {e.Message}");
                return ExitError;
            }
            catch (UnauthorizedAccessException e)
            {
                Console.Error.WriteLine($"uniml deps: error: {e.Message}");
                return ExitError;
            }
        });
        return command;
    }

    // SIGTERM or SIGINT sent to `uniml deps` is passed on to the traced program, and uniml deps keeps running:
    // the program shuts down the way it would when an orchestrator stops it, strace records that shutdown,
    // and the report is still written. (strace runs with -I4, so it does not die of these signals itself.)
    static SyscallTrace TraceForwardingSignals(List<string> command)
    {
        using var running = SyscallTrace.Start(command, Console.Error);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Forward(running, 15));
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Forward(running, 2));
        return running.WaitForExit();
    }

    static Action<PosixSignalContext> Forward(RunningTrace running, int signal) => context =>
    {
        if (running.HasExited) return;
        context.Cancel = true;
        running.SendSignal(signal);
    };

    // Tokens after the first "--" belong to the traced command, the ones before are inputs.
    static (List<string> Inputs, List<string> Command) SplitAtDoubleDash(ParseResult parseResult)
    {
        var inputs = new List<string>();
        var cmd = new List<string>();
        bool afterDash = false;
        foreach (var token in parseResult.Tokens)
        {
            if (token.Type == TokenType.DoubleDash) { afterDash = true; continue; }
            if (token.Type != TokenType.Argument) continue;
            if (afterDash) cmd.Add(token.Value);
            else if (IsInputArgument(parseResult, token)) inputs.Add(token.Value);
        }
        return (inputs, cmd);
    }

    // Option values are Argument tokens too; keep only those the parser gave to the inputs argument.
    static bool IsInputArgument(ParseResult parseResult, Token token)
    {
        var values = parseResult.GetValue<string[]>("inputs") ?? [];
        return values.Contains(token.Value);
    }

    static string? FindOnPath(string command)
    {
        if (command.Contains('/')) return File.Exists(command) ? Path.GetFullPath(command) : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var p = Path.Combine(dir, command);
            if (File.Exists(p)) return p;
        }
        return null;
    }
}
