namespace UniML.Guest;

/// <summary>What <see cref="GuestInit.Prepare"/> found and set up; the server takes its port and model
/// folder from here when it runs as PID 1.</summary>
/// <param name="Port">TCP port to listen on (all addresses).</param>
/// <param name="ModelDirectory">Folder with the models in the image.</param>
/// <param name="Arguments">Extra server arguments from <c>uniml.args</c>.</param>
/// <param name="CommandLine">The parsed kernel command line.</param>
/// <param name="LoadedModules">Module names loaded, in order.</param>
public sealed record GuestSettings(
    int Port,
    string ModelDirectory,
    IReadOnlyList<string> Arguments,
    KernelCommandLine CommandLine,
    IReadOnlyList<string> LoadedModules);
