using System.Diagnostics;

namespace UniML.Images.Tests;

/// <summary>Publishes src/UniML.Guest.Probe with NativeAOT once per test run and hands out the binary.</summary>
public sealed class GuestProbeFixture
{
    private static readonly Lazy<string> Published = new(Publish);

    public static string ProbePath => Published.Value;

    public static string RepositoryRoot
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "UniML.slnx")))
                directory = directory.Parent;
            return directory?.FullName ?? throw new InvalidOperationException("UniML.slnx not found above " + AppContext.BaseDirectory);
        }
    }

    private static string Publish()
    {
        string output = Path.Combine(Path.GetTempPath(), "uniml-tests-probe");
        string project = Path.Combine(RepositoryRoot, "src", "UniML.Guest.Probe", "UniML.Guest.Probe.csproj");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in (ReadOnlySpan<string>)["publish", project, "-c", "Release", "-o", output])
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("publishing the guest probe took over 10 minutes");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"publishing the guest probe failed:\n{stdout.Result}\n{stderr.Result}");
        return Path.Combine(output, "uniml-guest-probe");
    }
}
