using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using UniML.Images.Internals;

namespace UniML.Images.Targets;

/// <summary>
/// An OCI image layout (image-spec v1.1 "image-layout") as one tar: <c>oci-layout</c>, <c>index.json</c> and
/// <c>blobs/sha256/</c> with the manifest, the config and a single gzip layer holding only the server, its
/// libraries and the models. Load it with <c>skopeo copy oci-archive:uniml-oci.tar ...</c> or
/// <c>podman load</c>. Plus example KServe manifests.
/// </summary>
internal static class OciTarget
{
    public const string ArchiveFile = "uniml-oci.tar";
    public const string ServerPath = "/uniml-server";
    public const string ManifestMediaType = "application/vnd.oci.image.manifest.v1+json";
    public const string ConfigMediaType = "application/vnd.oci.image.config.v1+json";
    public const string LayerMediaType = "application/vnd.oci.image.layer.v1.tar+gzip";
    private static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;

    public static ImageManifest Build(ImageBuildOptions options, Action<string> log)
    {
        var items = Payload.Collect(options, ServerPath, log);
        var (layer, diffId) = Layer(items);
        byte[] config = Config(options, diffId);
        byte[] manifest = Json(json =>
        {
            json.WriteNumber("schemaVersion", 2);
            json.WriteString("mediaType", ManifestMediaType);
            Descriptor(json, "config", ConfigMediaType, config);
            json.WriteStartArray("layers");
            json.WriteStartObject();
            DescriptorBody(json, LayerMediaType, layer);
            json.WriteEndObject();
            json.WriteEndArray();
        });
        byte[] index = Json(json =>
        {
            json.WriteNumber("schemaVersion", 2);
            json.WriteString("mediaType", "application/vnd.oci.image.index.v1+json");
            json.WriteStartArray("manifests");
            json.WriteStartObject();
            DescriptorBody(json, ManifestMediaType, manifest);
            json.WriteStartObject("annotations");
            json.WriteString("org.opencontainers.image.ref.name", "latest");
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndArray();
        });
        string archive = Path.Combine(options.OutputDirectory, ArchiveFile);
        using (var stream = File.Create(archive))
        using (var tar = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: false))
        {
            AddDirectory(tar, "blobs/");
            AddDirectory(tar, "blobs/sha256/");
            AddBytes(tar, "oci-layout", """{"imageLayoutVersion":"1.0.0"}"""u8.ToArray());
            AddBytes(tar, "index.json", index);
            foreach (byte[] blob in (ReadOnlySpan<byte[]>)[manifest, config, layer])
                AddBytes(tar, "blobs/sha256/" + Hex(blob), blob);
        }
        File.WriteAllText(Path.Combine(options.OutputDirectory, "kserve.yaml"), KServe(options.GuestPort));
        log($"oci: {ArchiveFile} (layer {layer.Length} bytes gzip), kserve.yaml");
        return new ImageManifest
        {
            Target = "oci",
            GuestPort = options.GuestPort,
            Files = items.Select(Payload.Describe).ToList(),
            Artifacts = [new(ArchiveFile, new FileInfo(archive).Length, "oci-archive")],
        };
    }

    private static (byte[] Compressed, string DiffId) Layer(List<PayloadItem> items)
    {
        using var plain = new MemoryStream();
        using (var tar = new TarWriter(plain, TarEntryFormat.Pax, leaveOpen: true))
        {
            var directories = new SortedSet<string>(StringComparer.Ordinal) { "tmp/", "models/" };
            foreach (var item in items)
            {
                string path = item.GuestPath.TrimStart('/');
                for (int slash = path.IndexOf('/'); slash > 0; slash = path.IndexOf('/', slash + 1))
                    directories.Add(path[..(slash + 1)]);
            }
            foreach (string directory in directories)
                AddDirectory(tar, directory, directory == "tmp/" ? (UnixFileMode)0x3FF : null);
            foreach (var item in items)
            {
                string path = item.GuestPath.TrimStart('/');
                if (item.LinkTarget is not null)
                {
                    tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, path) { LinkName = item.LinkTarget, ModificationTime = Epoch });
                    continue;
                }
                AddBytes(tar, path, item.Read(), (UnixFileMode)item.Permissions);
            }
        }
        byte[] tarBytes = plain.ToArray();
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
            gzip.Write(tarBytes);
        return (compressed.ToArray(), "sha256:" + Hex(tarBytes));
    }

    private static byte[] Config(ImageBuildOptions options, string diffId) => Json(json =>
    {
        string port = options.GuestPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        json.WriteString("architecture", "amd64");
        json.WriteString("os", "linux");
        json.WriteStartObject("config");
        json.WriteStartArray("Entrypoint");
        json.WriteStringValue(ServerPath);
        foreach (string argument in options.ServerArguments) json.WriteStringValue(argument);
        json.WriteEndArray();
        json.WriteStartArray("Env");
        json.WriteStringValue("UNIML_PORT=" + port);
        json.WriteStringValue("UNIML_MODELS=/models");
        json.WriteEndArray();
        json.WriteStartObject("ExposedPorts");
        json.WriteStartObject(port + "/tcp");
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteString("WorkingDir", "/");
        json.WriteEndObject();
        json.WriteStartObject("rootfs");
        json.WriteString("type", "layers");
        json.WriteStartArray("diff_ids");
        json.WriteStringValue(diffId);
        json.WriteEndArray();
        json.WriteEndObject();
    });

    private static void Descriptor(Utf8JsonWriter json, string name, string mediaType, byte[] blob)
    {
        json.WriteStartObject(name);
        DescriptorBody(json, mediaType, blob);
        json.WriteEndObject();
    }

    private static void DescriptorBody(Utf8JsonWriter json, string mediaType, byte[] blob)
    {
        json.WriteString("mediaType", mediaType);
        json.WriteString("digest", "sha256:" + Hex(blob));
        json.WriteNumber("size", blob.Length);
    }

    private static byte[] Json(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            body(json);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    internal static string Hex(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    private static void AddDirectory(TarWriter tar, string path, UnixFileMode? mode = null) =>
        tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, path) { Mode = mode ?? (UnixFileMode)0x1ED, ModificationTime = Epoch });

    private static void AddBytes(TarWriter tar, string path, byte[] content, UnixFileMode mode = (UnixFileMode)0x1A4) =>
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, path) { DataStream = new MemoryStream(content), Mode = mode, ModificationTime = Epoch });

    private static string KServe(int port) => $$"""
        # Example KServe manifests for the image in uniml-oci.tar. Push it first, e.g.
        #   skopeo copy oci-archive:uniml-oci.tar docker://REGISTRY/uniml-server:latest
        # and replace REGISTRY below. The models are inside the image (/models), so no storageUri is needed.
        apiVersion: serving.kserve.io/v1alpha1
        kind: ServingRuntime
        metadata:
          name: uniml
        spec:
          supportedModelFormats:
            - name: onnx
              version: "1"
              autoSelect: true
          protocolVersions:
            - v2
          containers:
            - name: kserve-container
              image: REGISTRY/uniml-server:latest
              env:
                - name: UNIML_PORT
                  value: "{{port}}"
                - name: UNIML_MODELS
                  value: /models
              ports:
                - containerPort: {{port}}
                  protocol: TCP
              readinessProbe:
                httpGet:
                  path: /v2/health/ready
                  port: {{port}}
              resources:
                requests:
                  cpu: "1"
                  memory: 256Mi
                limits:
                  memory: 512Mi
        ---
        apiVersion: serving.kserve.io/v1beta1
        kind: InferenceService
        metadata:
          name: uniml-model
        spec:
          predictor:
            model:
              modelFormat:
                name: onnx
              runtime: uniml
              protocolVersion: v2
        """;
}
