using System.CommandLine;
using UniML.Cli.Commands;

// Each capability contributes its commands from its own file under Commands/.
var root = new RootCommand("UniML: CPU machine-learning inference in C#, served from a unikernel-style image.");
root.Subcommands.Add(CheckCommand.Create());
root.Subcommands.Add(ConformanceCommand.Create());
root.Subcommands.Add(InfoCommand.Create());
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(VersionCommand.Create());
root.Subcommands.Add(DepsCommand.Create());
root.Subcommands.Add(ImageCommand.Create());
root.Subcommands.Add(UpCommand.Create());
return root.Parse(args).Invoke();
