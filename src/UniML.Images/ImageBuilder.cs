using UniML.Images.Targets;

namespace UniML.Images;

/// <summary>Builds an image for one <see cref="ImageTarget"/> into an output folder and writes its
/// <see cref="ImageManifest"/> beside it.</summary>
public sealed class ImageBuilder(Action<string>? log = null)
{
    private readonly Action<string> log = log ?? (_ => { });

    /// <summary>Builds the image; errors name the missing or bad input.</summary>
    public ImageManifest Build(ImageBuildOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.GuestPort is < 1 or > 65535)
            throw new ArgumentException($"guest port {options.GuestPort} is not 1..65535");
        Directory.CreateDirectory(options.OutputDirectory);
        var manifest = options.Target switch
        {
            ImageTarget.MicroVm => MicroVmTarget.Build(options, log),
            ImageTarget.Nanos => NanosTarget.Build(options, log),
            ImageTarget.Unikraft => UnikraftTarget.Build(options, log),
            ImageTarget.Oci => OciTarget.Build(options, log),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Target, "unknown image target"),
        };
        manifest.Save(Path.Combine(options.OutputDirectory, ImageManifest.FileName));
        return manifest;
    }

    /// <summary>Parses a target name as the CLI spells it.</summary>
    public static ImageTarget ParseTarget(string name) => name.ToLowerInvariant() switch
    {
        "microvm" => ImageTarget.MicroVm,
        "nanos" => ImageTarget.Nanos,
        "unikraft" => ImageTarget.Unikraft,
        "oci" => ImageTarget.Oci,
        _ => throw new ArgumentException($"unknown image target '{name}': use microvm, nanos, unikraft or oci"),
    };
}
