using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace UniML.Server.Tests;

/// <summary>
/// The NativeAOT server as shipped: publish it (no trim/AOT warnings allowed), start the binary with no
/// arguments (the bundled default model), wait for ready, run an inference over HTTP, stop with SIGTERM.
/// </summary>
public sealed partial class AotPublishTests : IDisposable
{
    readonly string _output = Path.Combine(Path.GetTempPath(), "uniml-aot-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_output, recursive: true); } catch (IOException) { }
    }

    static FileStream PublishLock(string root)
    {
        var path = Path.Combine(root, "src", "UniML.Server.App", "obj", "uniml-publish.lock");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
            catch (IOException) when (clock.Elapsed < TimeSpan.FromMinutes(15)) { Thread.Sleep(500); }
        }
    }

    static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "UniML.slnx"))) return dir.FullName;
        throw new InvalidOperationException("UniML.slnx not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public async Task Published_binary_has_no_warnings_fits_the_budget_and_serves_the_default_model()
    {
        var root = RepositoryRoot();
        var publish = new ProcessStartInfo("dotnet") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "publish", "src/UniML.Server.App", "-r", "linux-x64", "-c", "Release", "-o", _output, "-nologo" })
            publish.ArgumentList.Add(a);
        // The image tests publish the same project from this checkout; share their lock so the two never write
        // the same obj/ folders at once (same file and protocol as UniML.Images.ServerPublisher).
        using (PublishLock(root))
        using (var process = Process.Start(publish)!)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            var log = await stdout + await stderr;
            Assert.True(process.ExitCode == 0, "publish failed:\n" + log);
            var warnings = Warning().Matches(log).Select(m => m.Value).ToArray();
            Assert.True(warnings.Length == 0, "publish warnings:\n" + string.Join("\n", warnings));
        }

        var binary = Path.Combine(_output, "uniml-server");
        long size = new FileInfo(binary).Length;
        Assert.True(size <= 20L * 1024 * 1024, $"uniml-server is {size} bytes, over the 20 MB budget");
        Assert.True(File.Exists(Path.Combine(_output, "models", ServerHost.DefaultModelName, "1", "model.onnx")), "the default model is not bundled next to the binary");

        using var server = ServerProcess.Start(binary, "--host", "127.0.0.1", "--port", "0");
        var address = await server.WaitForListeningAsync(TimeSpan.FromSeconds(30));
        using var client = new HttpClient { BaseAddress = new Uri(address) };
        await server.WaitForReadyAsync(client, TimeSpan.FromSeconds(30));

        // Two iris rows (setosa-like, virginica-like) through the bundled scikit-learn LogisticRegression.
        const string request = """{"inputs":[{"name":"input","shape":[2,4],"datatype":"FP32","data":[[5.1,3.5,1.4,0.2],[6.7,3.0,5.2,2.3]]}]}""";
        using var response = await client.PostAsync($"/v2/models/{ServerHost.DefaultModelName}/infer", new StringContent(request, Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var outputs = JsonDocument.Parse(body).RootElement.GetProperty("outputs").EnumerateArray().ToDictionary(o => o.GetProperty("name").GetString()!);
        Assert.Equal([0L, 2L], outputs["label"].GetProperty("data").EnumerateArray().Select(e => e.GetInt64()).ToArray());
        var probabilities = outputs["probabilities"].GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        Assert.Equal(6, probabilities.Length);
        Assert.Equal(1f, probabilities[0] + probabilities[1] + probabilities[2], 3);

        server.Signal(ServerProcess.SIGTERM);
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [GeneratedRegex(@"^.*\bwarning\s+(IL|CS|NETSDK|NU|MSB)\d+.*$", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex Warning();
}
