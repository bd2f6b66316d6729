using System.CommandLine;
using UniML.Server;

namespace UniML.Cli.Commands;

/// <summary>`uniml serve [flags]`: the inference server, with exactly the flags of uniml-server (parsed by <see cref="ServerOptions"/>).</summary>
static class ServeCommand
{
    public static Command Create()
    {
        var command = new Command("serve", "Serve ONNX models over the KServe Open Inference Protocol v2 (REST).\n" + ServerOptions.Usage)
        {
            // The flags belong to ServerOptions so both executables accept the same ones.
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            ServerOptions options;
            try
            {
                options = ServerOptions.Parse(parse.UnmatchedTokens, Environment.GetEnvironmentVariable, out _);
            }
            catch (ServerOptionsException e)
            {
                Console.Error.WriteLine($"uniml serve: {e.Message}");
                return 2;
            }
            return await ServerHost.RunAsync(options, cancellation);
        });
        return command;
    }
}
