using System.Text.Json;
using UniML.Images.Internals;

namespace UniML.Images.Targets;

/// <summary>
/// A folder for NanoVMs' <c>ops</c>: the program, its models, and config.json (field names as in OPS'
/// types/config.go). OPS itself packs the ELF's libraries (it asks the loader), so only the program and
/// models are copied here.
/// </summary>
internal static class NanosTarget
{
    public const string ProgramName = "uniml-server";

    public static ImageManifest Build(ImageBuildOptions options, Action<string> log)
    {
        if (!File.Exists(options.ServerPath))
            throw new FileNotFoundException($"server program not found: {options.ServerPath}", options.ServerPath);
        string output = options.OutputDirectory;
        string program = Path.Combine(output, ProgramName);
        File.Copy(options.ServerPath, program, overwrite: true);
        var files = new List<ImageFile> { new("/" + ProgramName, new FileInfo(program).Length, "server") };
        string models = Path.Combine(output, "models");
        if (Directory.Exists(models))
            Directory.Delete(models, recursive: true);
        Directory.CreateDirectory(models);
        foreach (var (guestPath, hostPath) in CopyModels(options.Models, models))
            files.Add(new ImageFile(guestPath, new FileInfo(hostPath).Length, "models"));

        using (var stream = File.Create(Path.Combine(output, "config.json")))
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("Program", ProgramName);
            json.WriteStartArray("Args");
            json.WriteStringValue(ProgramName);
            foreach (string argument in options.ServerArguments) json.WriteStringValue(argument);
            json.WriteEndArray();
            json.WriteStartObject("Env");
            json.WriteString("UNIML_PORT", options.GuestPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("UNIML_MODELS", "/models");
            json.WriteEndObject();
            json.WriteStartArray("Files");
            json.WriteEndArray();
            json.WriteStartObject("MapDirs");
            json.WriteString("models/*", "/models");
            json.WriteEndObject();
            json.WriteStartObject("RunConfig");
            json.WriteStartArray("Ports");
            json.WriteStringValue(options.GuestPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
            json.WriteEndArray();
            json.WriteString("Memory", "512M");
            json.WriteEndObject();
            json.WriteEndObject();
        }
        string syscalls = options.CheckNanosSyscalls
            ? NanosSyscallCheck.Run(Path.GetFullPath(program), Path.GetFullPath(models), log)
            : "## System calls Nanos lacks\n\nNot checked (--no-syscall-check); see `uniml deps --trace`.\n";
        File.WriteAllText(Path.Combine(output, "README.md"), Readme(options.GuestPort) + "\n" + syscalls);
        log($"nanos: {ProgramName}, {files.Count - 1} model file(s), config.json");
        return new ImageManifest
        {
            Target = "nanos",
            GuestPort = options.GuestPort,
            Files = files,
            Artifacts = [new("config.json", new FileInfo(Path.Combine(output, "config.json")).Length, "system")],
        };
    }

    internal static IEnumerable<(string GuestPath, string HostPath)> CopyModels(IReadOnlyList<string> models, string destination)
    {
        foreach (string model in models)
        {
            if (File.Exists(model))
            {
                string guestName = Payload.GuestFileName(model);
                string target = Path.Combine(destination, guestName);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(model, target, overwrite: true);
                yield return ($"/models/{guestName}", target);
                continue;
            }
            if (!Directory.Exists(model))
                throw new FileNotFoundException($"model not found: {model}", model);
            string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(model));
            foreach (string file in Directory.GetFiles(model, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                string relative = Path.GetRelativePath(model, file).Replace('\\', '/');
                string target = Path.Combine(destination, name, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target, overwrite: true);
                yield return ($"/models/{name}/{relative}", target);
            }
        }
    }

    private static string Readme(int port) => $$"""
        # UniML server as a Nanos unikernel

        Built by `uniml image build --target nanos`. This folder holds the NativeAOT server (`{{ProgramName}}`),
        the models (`models/`, mapped to `/models` in the guest by `MapDirs`) and `config.json` for NanoVMs' `ops`.
        `ops` adds the server's shared libraries itself (it asks the dynamic loader for them).

        Run it locally (QEMU, port {{port}} forwarded):

            ops run {{ProgramName}} -c config.json -p {{port}}

        Build a disk image only, then start an instance of it:

            ops build {{ProgramName}} -c config.json -i uniml
            ops instance create uniml -c config.json -p {{port}}

        Then `curl http://localhost:{{port}}/v2/health/ready`.

        Known gaps of Nanos for a .NET server (see the project's unikernel notes): no /proc/self/stat or statm,
        rseq, membarrier and get_mempolicy return ENOSYS (tolerated by .NET), ioctl knows only FIONBIO/FIOCLEX.
        """;
}
