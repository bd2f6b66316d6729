namespace UniML.Images.Tests;

/// <summary>The publish cache key: what changes it and what does not. Uses a fake checkout; nothing is published.</summary>
public sealed class ServerPublisherTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "uniml-publisher-" + Guid.NewGuid().ToString("N"));

    public ServerPublisherTests()
    {
        Write("UniML.slnx", "<Solution />");
        Write("Directory.Build.props", "<Project />");
        Write(ServerPublisher.ProjectPath, """
            <Project Sdk="Microsoft.NET.Sdk">
              <ItemGroup>
                <ProjectReference Include="../Lib/Lib.csproj" />
                <None Include="../../testdata/default.onnx" />
              </ItemGroup>
            </Project>
            """);
        Write("src/UniML.Server.App/Program.cs", "return 0;");
        Write("src/Lib/Lib.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\" />");
        Write("src/Lib/Code.cs", "class A {}");
        Write("testdata/default.onnx", "model");
        Write("src/Unrelated/Other.cs", "class B {}");
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    private void Write(string relative, string text)
    {
        string path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private string Hash() => new ServerPublisher(root, Path.Combine(root, "cache")).SourceHash();

    [Fact]
    public void Hash_is_stable_and_ignores_build_output_and_unrelated_projects()
    {
        string first = Hash();
        Assert.Matches("^[0-9a-f]{16}$", first);
        Write("src/Lib/bin/Debug/Lib.dll", "binary");
        Write("src/UniML.Server.App/obj/project.assets.json", "{}");
        Write("src/Unrelated/Other.cs", "class C {}");
        Assert.Equal(first, Hash());
    }

    [Theory]
    [InlineData("src/Lib/Code.cs")]
    [InlineData("src/UniML.Server.App/Program.cs")]
    [InlineData("testdata/default.onnx")]
    [InlineData("Directory.Build.props")]
    public void Hash_changes_with_any_input_of_the_publish(string file)
    {
        string before = Hash();
        File.AppendAllText(Path.Combine(root, file), " ");
        Assert.NotEqual(before, Hash());
    }

    [Fact]
    public void Finds_the_checkout_above_a_folder_and_rejects_other_folders()
    {
        Assert.Equal(root, ServerPublisher.FindRepositoryRoot(Path.Combine(root, "src", "Lib")));
        Assert.Null(ServerPublisher.FindRepositoryRoot(Path.GetTempPath()));
        var error = Assert.Throws<DirectoryNotFoundException>(() => new ServerPublisher(Path.GetTempPath()));
        Assert.Contains("not a UniML source checkout", error.Message);
    }

    [Fact]
    public void Cached_binary_is_used_without_publishing()
    {
        var publisher = new ServerPublisher(root, Path.Combine(root, "cache"));
        string cached = publisher.CachedBinaryPath(publisher.SourceHash());
        Directory.CreateDirectory(Path.GetDirectoryName(cached)!);
        File.WriteAllText(cached, "elf");
        var lines = new List<string>();
        Assert.Equal(cached, new ServerPublisher(root, Path.Combine(root, "cache"), lines.Add).Publish());
        Assert.Contains(lines, l => l.Contains("up to date", StringComparison.Ordinal));
    }

    [Fact]
    public void Model_file_named_model_onnx_keeps_its_folder_name_in_the_image()
    {
        Assert.Equal("iris/model.onnx", Internals.Payload.GuestFileName("/data/iris/model.onnx"));
        Assert.Equal("digits.onnx", Internals.Payload.GuestFileName("/data/iris/digits.onnx"));
    }
}
