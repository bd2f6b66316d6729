namespace UniML.Images;

/// <summary>A kernel ready for an image.</summary>
/// <param name="KernelImage">Path of the bzImage (vmlinuz).</param>
/// <param name="ModulesDirectory">The kernel's module tree (the folder holding <c>kernel/</c> and, when
/// depmod has run, <c>modules.dep</c>), or null when the user gave a kernel without modules.</param>
/// <param name="Version">Kernel release, e.g. <c>6.1.0-56-cloud-amd64</c>.</param>
/// <param name="ConfigFile">The kernel's config file when known.</param>
public sealed record KernelFiles(string KernelImage, string? ModulesDirectory, string Version, string? ConfigFile);
