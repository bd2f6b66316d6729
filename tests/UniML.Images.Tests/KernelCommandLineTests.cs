using System.Net;
using UniML.Guest;

namespace UniML.Images.Tests;

public sealed class KernelCommandLineTests
{
    [Fact]
    public void Parses_uniml_keys_and_ignores_kernel_keys()
    {
        var line = KernelCommandLine.Parse("console=ttyS0 panic=-1 quiet uniml.ip=10.0.2.15/24 uniml.gw=10.0.2.2 uniml.port=9000 uniml.models=/m uniml.args=--a,--b\n");
        Assert.Equal(IPAddress.Parse("10.0.2.15"), line.Address);
        Assert.Equal(24, line.PrefixLength);
        Assert.Equal(IPAddress.Parse("255.255.255.0"), line.Netmask);
        Assert.Equal(IPAddress.Parse("10.0.2.2"), line.Gateway);
        Assert.Equal(9000, line.Port);
        Assert.Equal("/m", line.ModelDirectory);
        Assert.Equal(["--a", "--b"], line.Arguments);
    }

    [Fact]
    public void Defaults_when_absent()
    {
        var line = KernelCommandLine.Parse("console=ttyS0");
        Assert.Null(line.Address);
        Assert.Equal(KernelCommandLine.DefaultPort, line.Port);
        Assert.Equal("/models", line.ModelDirectory);
        Assert.Equal("/lib/modules/uniml.order", line.ModuleOrderFile);
    }

    [Theory]
    [InlineData("uniml.port=0", "port")]
    [InlineData("uniml.ip=10.0.2.15/40", "prefix")]
    [InlineData("uniml.gw=host", "IPv4")]
    public void Malformed_values_are_errors(string commandLine, string expected)
    {
        var error = Assert.Throws<FormatException>(() => KernelCommandLine.Parse(commandLine));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Image_command_line_round_trips_through_the_guest_parser()
    {
        string commandLine = UniML.Images.Targets.MicroVmTarget.CommandLine(new ImageBuildOptions { ServerPath = "x", OutputDirectory = "y", GuestPort = 8123, ServerArguments = ["--threads=1"] });
        var parsed = KernelCommandLine.Parse(commandLine);
        Assert.Equal(8123, parsed.Port);
        Assert.Equal(IPAddress.Parse("10.0.2.15"), parsed.Address);
        Assert.Equal(["--threads=1"], parsed.Arguments);
        Assert.Contains("console=ttyS0", commandLine);
    }
}
