using System.CommandLine;
using UniML.Conformance;

namespace UniML.Cli.Commands;

/// <summary>`uniml conformance`: runs the ONNX backend suites and writes docs/conformance.md.</summary>
static class ConformanceCommand
{
    public static Command Create()
    {
        var markdown = new Option<string?>("--markdown") { Description = "Write the conformance table to this Markdown file." };
        var data = new Option<string?>("--data") { Description = $"Backend test data root (default {ConformanceReport.DataRoot})." };
        var command = new Command("conformance", "Run the ONNX backend test suites and report pass/fail/unsupported per suite.") { markdown, data };
        command.SetAction(parse =>
        {
            ConformanceReport report;
            try { report = ConformanceReport.Run(parse.GetValue(data)); }
            catch (DirectoryNotFoundException e)
            {
                Console.Error.WriteLine($"uniml conformance: {e.Message}");
                return 2;
            }
            foreach (var (suite, outcomes) in report.Results)
                Console.WriteLine($"{suite}: {outcomes.Count(o => o.Status == TestStatus.Passed)} passed, {outcomes.Count(o => o.Status == TestStatus.RandomChecked)} random (checked, not compared), {outcomes.Count(o => o.Status is TestStatus.Failed or TestStatus.Error)} failed, {outcomes.Count(o => o.Status == TestStatus.Unsupported)} unsupported, {outcomes.Count(o => o.Status == TestStatus.InvalidData)} with invalid test data, of {outcomes.Count}");
            if (parse.GetValue(markdown) is { } path)
            {
                File.WriteAllText(path, report.ToMarkdown(TestDataVersion()));
                Console.WriteLine($"wrote {path}");
            }
            return 0;
        });
        return command;
    }

    /// <summary>The installed libonnx-testdata version, read from dpkg's status file.</summary>
    public static string TestDataVersion()
    {
        const string status = "/var/lib/dpkg/status";
        if (!File.Exists(status)) return "version unknown";
        bool inPackage = false;
        foreach (var line in File.ReadLines(status))
        {
            if (line.StartsWith("Package: ", StringComparison.Ordinal)) inPackage = line == "Package: libonnx-testdata";
            else if (inPackage && line.StartsWith("Version: ", StringComparison.Ordinal)) return "libonnx-testdata " + line[9..];
        }
        return "version unknown";
    }
}
