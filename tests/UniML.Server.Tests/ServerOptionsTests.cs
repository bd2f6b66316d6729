namespace UniML.Server.Tests;

public sealed class ServerOptionsTests
{
    static ServerOptions Parse(string[] args, Dictionary<string, string>? env = null) =>
        ServerOptions.Parse(args, name => env?.GetValueOrDefault(name), out _);

    [Fact]
    public void Defaults_are_port_8000_on_every_interface()
    {
        var o = Parse([]);
        Assert.Equal("0.0.0.0", o.Host);
        Assert.Equal(8000, o.Port);
        Assert.Empty(o.ModelPaths);
        Assert.Null(o.RepositoryPath);
    }

    [Fact]
    public void Flags_override_environment_variables()
    {
        var env = new Dictionary<string, string> { ["UNIML_PORT"] = "9000", ["UNIML_HOST"] = "127.0.0.1", ["UNIML_MODEL"] = "a.onnx,b=b.onnx" };
        var o = Parse([], env);
        Assert.Equal(9000, o.Port);
        Assert.Equal("127.0.0.1", o.Host);
        Assert.Equal(["a.onnx", "b=b.onnx"], o.ModelPaths);

        o = Parse(["--port=9100", "--model", "c.onnx", "--model", "d.onnx", "--repository", "/models"], env);
        Assert.Equal(9100, o.Port);
        Assert.Equal(["c.onnx", "d.onnx"], o.ModelPaths);
        Assert.Equal("/models", o.RepositoryPath);
    }

    [Fact]
    public void Inline_io_is_auto_by_default_and_set_by_flag_or_variable()
    {
        Assert.Equal(InlineIoMode.Auto, Parse([]).InlineIo);
        Assert.Equal(InlineIoMode.Always, Parse(["--inline-io", "true"]).InlineIo);
        Assert.Equal(InlineIoMode.Always, Parse([], new() { ["UNIML_INLINE_IO"] = "1" }).InlineIo);
        Assert.Equal(InlineIoMode.Never, Parse(["--inline-io=false"], new() { ["UNIML_INLINE_IO"] = "true" }).InlineIo);
        Assert.Equal(InlineIoMode.Auto, Parse(["--inline-io", "AUTO"], new() { ["UNIML_INLINE_IO"] = "false" }).InlineIo);
        Assert.Contains("--inline-io", ServerOptions.Usage);
    }

    [Theory]
    [InlineData("--inline-io", "sometimes", "is not auto, true or false")]
    [InlineData("--port", "70000", "--port: '70000' is not an integer between 0 and 65535")]
    [InlineData("--log-format", "xml", "is not json or text")]
    [InlineData("--strict-readiness", "maybe", "is not true or false")]
    [InlineData("--colour", "blue", "unknown flag '--colour'")]
    public void Bad_values_name_the_flag(string flag, string value, string message)
    {
        var e = Assert.Throws<ServerOptionsException>(() => Parse([flag, value]));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Help_is_reported_and_usage_lists_every_flag_with_its_variable()
    {
        ServerOptions.Parse(["--help"], _ => null, out bool help);
        Assert.True(help);
        foreach (var text in new[] { "--model", "UNIML_MODEL", "--repository", "--host", "UNIML_HOST", "--port", "UNIML_PORT", "--max-request-bytes", "--drain-timeout" })
            Assert.Contains(text, ServerOptions.Usage);
    }

    [Fact]
    public void A_flag_without_a_value_is_an_error()
    {
        var e = Assert.Throws<ServerOptionsException>(() => Parse(["--port"]));
        Assert.Contains("--port needs a value", e.Message);
    }
}
