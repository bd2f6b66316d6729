using System.Net;
using System.Net.Sockets;

namespace UniML.Images.Tests;

public sealed class QemuRunnerTests
{
    [Fact]
    public void Port_in_use_is_a_clear_error()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var error = Assert.Throws<QemuRunException>(() => QemuRunner.EnsurePortFree(port));
            Assert.Contains($"port {port}", error.Message);
            Assert.Contains("--port", error.Message);
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public void Missing_qemu_says_how_to_install_it()
    {
        var explicitPath = Assert.Throws<QemuRunException>(() => QemuRunner.FindQemu("/nonexistent/qemu-system-x86_64"));
        Assert.Contains("QEMU not found", explicitPath.Message);
        var onPath = Assert.Throws<QemuRunException>(() => QemuRunner.FindQemu(null, searchPath: "/nonexistent:/also-not-here"));
        Assert.Contains("apt-get install qemu-system-x86", onPath.Message);
    }

    [Fact]
    public async Task Non_microvm_image_or_missing_folder_is_refused()
    {
        await Assert.ThrowsAsync<FileNotFoundException>(() => QemuRunner.StartAsync(new QemuRunOptions { ImageDirectory = "/nonexistent" }));
    }

    [Fact]
    public void Probe_firmware_runs_under_tcg()
    {
        // Proves the probe itself works, so a failing KVM probe means KVM, not the probe.
        var result = KvmProbe.Probe(QemuRunner.FindQemu(null), TimeSpan.FromSeconds(30), kernelPath: null, accelerator: "tcg");
        Assert.True(result.Works, result.Reason);
    }
}
