using System.CommandLine;

namespace UniML.Cli.Commands;

static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print the UniML version.");
        command.SetAction(_ =>
        {
            Console.WriteLine(typeof(VersionCommand).Assembly.GetName().Version);
            return 0;
        });
        return command;
    }
}
