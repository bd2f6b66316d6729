using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;

namespace UniML.Images.Tests;

/// <summary>Structure of the nanos, unikraft and oci outputs, and the errors of bad input. /bin/true stands
/// in for the server: any dynamic x86_64 ELF exercises the same packing.</summary>
public sealed class TargetOutputTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "uniml-targets-" + Guid.NewGuid().ToString("N"));
    private readonly string model;

    public TargetOutputTests()
    {
        Directory.CreateDirectory(root);
        // A repository-style model file: it is packed as /models/iris/model.onnx so the server still names it "iris".
        model = Path.Combine(root, "iris", "model.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(model)!);
        File.WriteAllBytes(model, [1, 2, 3]);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    private ImageManifest Build(ImageTarget target, string name) => new ImageBuilder().Build(new ImageBuildOptions
    {
        Target = target, ServerPath = "/bin/true", Models = [model], OutputDirectory = Path.Combine(root, name),
    });

    [Fact]
    public void Nanos_has_program_models_and_ops_config()
    {
        var manifest = Build(ImageTarget.Nanos, "nanos");
        string output = Path.Combine(root, "nanos");
        Assert.True(File.Exists(Path.Combine(output, "uniml-server")));
        Assert.True(File.Exists(Path.Combine(output, "models", "iris", "model.onnx")));
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "config.json")));
        var json = config.RootElement;
        Assert.Equal("uniml-server", json.GetProperty("Program").GetString());
        Assert.Equal("/models", json.GetProperty("MapDirs").GetProperty("models/*").GetString());
        Assert.Equal("8000", json.GetProperty("RunConfig").GetProperty("Ports")[0].GetString());
        Assert.Equal("/models", json.GetProperty("Env").GetProperty("UNIML_MODELS").GetString());
        string readme = File.ReadAllText(Path.Combine(output, "README.md"));
        Assert.Contains("ops run uniml-server -c config.json", readme);
        // /bin/true exits before serving, so the check falls back to the static syscall set of its closure.
        Assert.Contains("## System calls Nanos lacks (static estimate)", readme);
        Assert.Contains("missing on Nanos (ENOSYS):", readme);
        Assert.Equal(["models", "server"], manifest.SizeByCategory.Keys.ToArray());
    }

    [Fact]
    public void Unikraft_has_kraftfile_and_cpio_rootfs_with_loader_and_libc()
    {
        Build(ImageTarget.Unikraft, "unikraft");
        string output = Path.Combine(root, "unikraft");
        string kraftfile = File.ReadAllText(Path.Combine(output, "Kraftfile"));
        Assert.Contains("spec: v0.6", kraftfile);
        Assert.Contains("runtime: base:latest", kraftfile);
        Assert.Contains("rootfs: ./rootfs.cpio", kraftfile);
        Assert.Contains("cmd: [\"/server\"]", kraftfile);
        var entries = InitramfsReader.ReadFile(Path.Combine(output, "rootfs.cpio")).ToDictionary(e => e.Path);
        Assert.Equal(File.ReadAllBytes("/bin/true"), entries["server"].Data);
        Assert.True(entries.ContainsKey("lib64/ld-linux-x86-64.so.2"));
        Assert.Contains(entries.Keys, p => p.EndsWith("/libc.so.6", StringComparison.Ordinal));
        Assert.Equal([1, 2, 3], entries["models/iris/model.onnx"].Data);
        Assert.Contains("kraft run --plat qemu --arch x86_64", File.ReadAllText(Path.Combine(output, "README.md")));
    }

    [Fact]
    public void Oci_layout_digests_chain_from_index_to_layer()
    {
        Build(ImageTarget.Oci, "oci");
        string output = Path.Combine(root, "oci");
        var files = new Dictionary<string, byte[]>();
        using (var tar = new TarReader(File.OpenRead(Path.Combine(output, "uniml-oci.tar"))))
        {
            while (tar.GetNextEntry() is { } entry)
            {
                if (entry.DataStream is null) continue;
                using var copy = new MemoryStream();
                entry.DataStream.CopyTo(copy);
                files[entry.Name] = copy.ToArray();
            }
        }
        Assert.Equal("{\"imageLayoutVersion\":\"1.0.0\"}", System.Text.Encoding.UTF8.GetString(files["oci-layout"]));
        byte[] Blob(JsonElement descriptor)
        {
            string digest = descriptor.GetProperty("digest").GetString()!;
            byte[] blob = files["blobs/sha256/" + digest["sha256:".Length..]];
            Assert.Equal(digest, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(blob)));
            Assert.Equal(descriptor.GetProperty("size").GetInt64(), blob.Length);
            return blob;
        }
        using var index = JsonDocument.Parse(files["index.json"]);
        using var manifest = JsonDocument.Parse(Blob(index.RootElement.GetProperty("manifests")[0]));
        using var config = JsonDocument.Parse(Blob(manifest.RootElement.GetProperty("config")));
        Assert.Equal("/uniml-server", config.RootElement.GetProperty("config").GetProperty("Entrypoint")[0].GetString());
        byte[] layer = Blob(manifest.RootElement.GetProperty("layers")[0]);
        using var layerTar = new MemoryStream();
        using (var gzip = new GZipStream(new MemoryStream(layer), CompressionMode.Decompress)) gzip.CopyTo(layerTar);
        Assert.Equal(config.RootElement.GetProperty("rootfs").GetProperty("diff_ids")[0].GetString(), "sha256:" + Convert.ToHexStringLower(SHA256.HashData(layerTar.ToArray())));
        layerTar.Position = 0;
        var names = new List<string>();
        using (var reader = new TarReader(layerTar))
            while (reader.GetNextEntry() is { } entry) names.Add(entry.Name);
        Assert.Contains("uniml-server", names);
        Assert.Contains("models/iris/model.onnx", names);
        Assert.Contains("lib64/ld-linux-x86-64.so.2", names);
        Assert.DoesNotContain(names, n => n.StartsWith("bin/", StringComparison.Ordinal) || n.StartsWith("etc/", StringComparison.Ordinal));
        string kserve = File.ReadAllText(Path.Combine(output, "kserve.yaml"));
        Assert.Contains("kind: ServingRuntime", kserve);
        Assert.Contains("kind: InferenceService", kserve);
    }

    [Fact]
    public void Missing_kernel_and_missing_model_are_clear_errors()
    {
        var noKernel = Assert.Throws<FileNotFoundException>(() => new ImageBuilder().Build(new ImageBuildOptions
        {
            ServerPath = "/bin/true", OutputDirectory = Path.Combine(root, "k"), KernelPath = "/nonexistent/vmlinuz",
        }));
        Assert.Contains("kernel not found: /nonexistent/vmlinuz", noKernel.Message);
        var notBzImage = Assert.Throws<InvalidDataException>(() => new ImageBuilder().Build(new ImageBuildOptions
        {
            ServerPath = "/bin/true", OutputDirectory = Path.Combine(root, "k2"), KernelPath = "/bin/true",
        }));
        Assert.Contains("not a Linux bzImage", notBzImage.Message);
        var noModel = Assert.Throws<FileNotFoundException>(() => new ImageBuilder().Build(new ImageBuildOptions
        {
            Target = ImageTarget.Oci, ServerPath = "/bin/true", Models = ["/nonexistent/m.onnx"], OutputDirectory = Path.Combine(root, "m"),
        }));
        Assert.Contains("model not found", noModel.Message);
        Assert.Throws<ArgumentException>(() => ImageBuilder.ParseTarget("docker"));
    }
}
