using System.Diagnostics;
using System.Net;
using Xunit.Abstractions;

namespace UniML.Images.Tests;

/// <summary>Builds a microvm image of the guest probe with Debian's cloud kernel, boots it under QEMU
/// (TCG here), reaches the readiness path through the forwarded port, and powers it off over QMP.</summary>
[Collection(MicroVmCollection.Name)]
public sealed class MicroVmBootTests(ITestOutputHelper output)
{
    // -M microvm boots too (passed here when the host was idle) but hangs silently in most boots under load,
    // so CI boots the default machine, pc; see docs/images.md.
    [Theory]
    [InlineData("pc")]
    public async Task Boots_serves_ready_and_powers_off_by_itself(string machine)
    {
        string directory = Path.Combine(Path.GetTempPath(), $"uniml-boot-{machine}-{Guid.NewGuid():N}");
        try
        {
            string model = Path.Combine(directory + "-model", "tiny.onnx");
            Directory.CreateDirectory(Path.GetDirectoryName(model)!);
            File.WriteAllBytes(model, [0x08, 0x07]);
            var manifest = new ImageBuilder(output.WriteLine).Build(new ImageBuildOptions
            {
                ServerPath = GuestProbeFixture.ProbePath,
                Models = [model],
                OutputDirectory = directory,
                Machine = machine,
            });
            Assert.Contains(manifest.Files, f => f.Path == "/init" && f.Category == "server");
            Assert.Contains(manifest.Files, f => f.Path == "/models/tiny.onnx" && f.Category == "models");

            int port = FreePort();
            var clock = Stopwatch.StartNew();
            await using var runner = await QemuRunner.StartAsync(new QemuRunOptions
            {
                ImageDirectory = directory,
                HostPort = port,
                ReadyTimeout = TimeSpan.FromSeconds(120),
            }, output.WriteLine);
            output.WriteLine($"{machine} {runner.Accelerator}: ready after {runner.TimeToReady.TotalSeconds:0.00} s (attempt {runner.Attempt})");

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            using (var ready = await http.GetAsync(new Uri(runner.BaseAddress, "/v2/health/ready")))
                Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            using (var missing = await http.GetAsync(new Uri(runner.BaseAddress, "/v2/nothing")))
                Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

            var powerClock = Stopwatch.StartNew();
            bool exitedByItself = await runner.PowerDownAsync(TimeSpan.FromSeconds(60));
            output.WriteLine($"power-down took {powerClock.Elapsed.TotalSeconds:0.00} s; serial log tail:\n{runner.SerialLogTail()}");
            Assert.True(exitedByItself, "the guest did not power off by itself after system_powerdown");
            string serial = File.ReadAllText(runner.SerialLogPath);
            Assert.Contains("shutdown requested (ACPI power button)", serial);
            Assert.Equal(0, runner.ExitCode);
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
            if (Directory.Exists(directory + "-model")) Directory.Delete(directory + "-model", recursive: true);
        }
    }

    [Fact]
    public async Task Guest_not_ready_in_time_is_killed_retried_once_and_reported()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"uniml-timeout-{Guid.NewGuid():N}");
        try
        {
            new ImageBuilder(output.WriteLine).Build(new ImageBuildOptions { ServerPath = GuestProbeFixture.ProbePath, OutputDirectory = directory });
            // Far too short for TCG (or even KVM) to boot Linux: both attempts must time out.
            var error = await Assert.ThrowsAsync<QemuRunException>(() => QemuRunner.StartAsync(new QemuRunOptions
            {
                ImageDirectory = directory,
                HostPort = FreePort(),
                ReadyTimeout = TimeSpan.FromMilliseconds(300),
                Accelerator = "tcg",
            }, output.WriteLine));
            output.WriteLine(error.Message);
            Assert.Contains("attempt 2 of 2", error.Message);
            Assert.True(File.Exists(Path.Combine(directory, "serial-attempt1.log")));
            Assert.True(File.Exists(Path.Combine(directory, "serial-attempt2.log")));
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    internal static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
