using UniML.Images;

namespace UniML.Cli.Commands;

/// <summary>The <c>uniml-server</c> that goes into images: a path the user gave, or the checkout's server
/// published with NativeAOT on demand (cached by source hash, see <see cref="ServerPublisher"/>).</summary>
internal static class ServerBinary
{
    public static string Resolve(string? explicitPath, Action<string> log)
    {
        if (explicitPath is not null)
            return File.Exists(explicitPath) ? explicitPath : throw new FileNotFoundException($"server program not found: {explicitPath}", explicitPath);
        string root = RepositoryRoot()
            ?? throw new InvalidOperationException("no --server given and no UniML source checkout (UniML.slnx) above the current folder to publish one from; pass --server PATH/uniml-server");
        return new ServerPublisher(root, log: log).Publish();
    }

    public static string? RepositoryRoot() => ServerPublisher.FindRepositoryRoot(Environment.CurrentDirectory, AppContext.BaseDirectory);
}
