using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace UniML.Server.Tests;

/// <summary>The documented curl commands work against the server (curl is a Debian package the tests need).</summary>
public sealed class CurlTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    const string Curl = "/usr/bin/curl";

    static async Task<(int Code, string Body)> RunCurl(params string[] args)
    {
        Assert.True(File.Exists(Curl), "curl is required by the server tests: apt-get install curl");
        var info = new ProcessStartInfo(Curl) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-sS", "-w", "\n%{http_code}" }.Concat(args)) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"curl failed: {error}");
        int split = output.LastIndexOf('\n');
        return (int.Parse(output[(split + 1)..], System.Globalization.CultureInfo.InvariantCulture), output[..split]);
    }

    [Fact]
    public async Task Curl_reads_health_and_metadata()
    {
        var (code, body) = await RunCurl($"{server.BaseAddress}/v2/health/ready");
        Assert.Equal(200, code);
        Assert.Equal("{\"ready\":true}", body);
        (code, body) = await RunCurl($"{server.BaseAddress}/v2/models/relu");
        Assert.Equal(200, code);
        Assert.Equal("relu", JsonDocument.Parse(body).RootElement.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Curl_json_inference()
    {
        var (code, body) = await RunCurl("-X", "POST", "-H", "Content-Type: application/json",
            "-d", """{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[-1,2,-3,4]}]}""",
            $"{server.BaseAddress}/v2/models/relu/infer");
        Assert.Equal(200, code);
        var y = JsonDocument.Parse(body).RootElement.GetProperty("outputs")[0];
        Assert.Equal([0f, 2, 0, 4], ServerFixture.FloatData(y));
    }

    [Fact]
    public async Task Curl_binary_inference()
    {
        var json = """{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":16}}],"outputs":[{"name":"y","parameters":{"binary_data":true}}]}""";
        var header = Encoding.UTF8.GetBytes(json);
        var file = Path.GetTempFileName();
        var floats = new float[] { -1, 2, -3, 4 };
        await File.WriteAllBytesAsync(file, header.Concat(floats.SelectMany(BitConverter.GetBytes)).ToArray());
        var outFile = Path.GetTempFileName();
        try
        {
            var (code, _) = await RunCurl("-X", "POST", "-H", "Content-Type: application/octet-stream",
                "-H", $"Inference-Header-Content-Length: {header.Length}", "--data-binary", "@" + file, "-o", outFile, "-D", outFile + ".headers",
                $"{server.BaseAddress}/v2/models/relu/infer");
            Assert.Equal(200, code);
            var headers = await File.ReadAllTextAsync(outFile + ".headers");
            var lengthLine = headers.Split("\r\n").Single(l => l.StartsWith("Inference-Header-Content-Length:", StringComparison.OrdinalIgnoreCase));
            int jsonLength = int.Parse(lengthLine.Split(':')[1].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            var response = await File.ReadAllBytesAsync(outFile);
            var result = new float[4];
            Buffer.BlockCopy(response, jsonLength, result, 0, 16);
            Assert.Equal([0f, 2, 0, 4], result);
        }
        finally
        {
            File.Delete(file);
            File.Delete(outFile);
            File.Delete(outFile + ".headers");
        }
    }

    [Fact]
    public async Task Curl_sees_4xx_errors_as_json()
    {
        var (code, body) = await RunCurl("-X", "POST", "-d", "{not json", $"{server.BaseAddress}/v2/models/relu/infer");
        Assert.Equal(400, code);
        Assert.Contains("malformed JSON", JsonDocument.Parse(body).RootElement.GetProperty("error").GetString());
    }
}
