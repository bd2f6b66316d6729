using UniML.Images.Internals;

namespace UniML.Images.Targets;

/// <summary>
/// A folder for <c>kraft</c>: a Kraftfile (spec v0.6) naming the prebuilt ELF-loader runtime, and the root
/// file system as an uncompressed cpio initrd with the server, libc, the loader and the models.
/// </summary>
internal static class UnikraftTarget
{
    public const string ProgramPath = "/server";
    public const string RootFsFile = "rootfs.cpio";

    public static ImageManifest Build(ImageBuildOptions options, Action<string> log)
    {
        var items = Payload.Collect(options, ProgramPath, log);
        string rootfs = Path.Combine(options.OutputDirectory, RootFsFile);
        using (var writer = new InitramfsWriter(File.Create(rootfs), gzip: false))
        {
            writer.AddDirectory("tmp", 0x3FF);
            writer.AddDirectory("models");
            MicroVmTarget.WriteItems(writer, items);
        }
        string arguments = string.Concat(options.ServerArguments.Select(a => ", " + Quote(a)));
        File.WriteAllText(Path.Combine(options.OutputDirectory, "Kraftfile"), $"""
            spec: v0.6

            # Unikraft's prebuilt ELF loader runs the unmodified Linux ELF from the initrd below.
            runtime: base:latest

            rootfs: ./{RootFsFile}

            cmd: [{Quote(ProgramPath)}{arguments}]

            # The server's unikernel mode (as for nanos and oci): models from /models, this port.
            env:
              UNIML_MODELS: "/models"
              UNIML_PORT: "{options.GuestPort}"

            """);
        File.WriteAllText(Path.Combine(options.OutputDirectory, "README.md"), Readme(options.GuestPort));
        log($"unikraft: Kraftfile + {RootFsFile} ({items.Count} files)");
        return new ImageManifest
        {
            Target = "unikraft",
            GuestPort = options.GuestPort,
            Files = items.Select(Payload.Describe).ToList(),
            Artifacts = [new(RootFsFile, new FileInfo(rootfs).Length, "rootfs")],
        };
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    private static string Readme(int port) => $$"""
        # UniML server on Unikraft (ELF loader)

        Built by `uniml image build --target unikraft`: `Kraftfile` selects the prebuilt `base` runtime
        (Unikraft's app-elfloader) and `rootfs.cpio` holds `/server` (the NativeAOT server), its libraries
        (libc, libm, the dynamic loader) and `/models`.

        Run it with KraftKit (QEMU, port {{port}} forwarded, 1 GiB for the .NET runtime):

            kraft run --plat qemu --arch x86_64 -M 1024M -p {{port}}:{{port}} .

        Package it as an OCI artifact for later runs:

            kraft pkg --plat qemu --arch x86_64 --name uniml-server .

        Then `curl http://localhost:{{port}}/v2/health/ready`.

        Known issues (see the project's unikernel notes): `cmd` may be ignored (kraftkit#1614: pass the
        command after `--` on `kraft run`), the default application stack is small for .NET, and clone3, rseq,
        set_robust_list, memfd_create and inotify are missing or stubbed in the ELF loader.
        """;
}
