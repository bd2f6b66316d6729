using UniML.Server;
using UniML.Server.App;

// uniml-server: the NativeAOT inference server (the binary that goes into the unikernel image).
if (GuestMode.Applies) return await GuestMode.RunAsync(args); // inside an image: see GuestMode.cs
ServerOptions options;
try
{
    options = ServerOptions.Parse(args, Environment.GetEnvironmentVariable, out bool help);
    if (help)
    {
        Console.WriteLine("usage: uniml-server [flags]");
        Console.WriteLine(ServerOptions.Usage);
        return 0;
    }
}
catch (ServerOptionsException e)
{
    Console.Error.WriteLine($"uniml-server: {e.Message}");
    return 2;
}
return await ServerHost.RunAsync(options, CancellationToken.None);
