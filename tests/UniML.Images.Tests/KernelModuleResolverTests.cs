namespace UniML.Images.Tests;

public sealed class KernelModuleResolverTests
{
    [Fact]
    public void Orders_by_modules_dep_dependencies_first()
    {
        string root = Path.Combine(Path.GetTempPath(), "uniml-modules-" + Guid.NewGuid().ToString("N"));
        try
        {
            foreach (string module in (ReadOnlySpan<string>)["virtio/virtio_ring", "virtio/virtio", "net/virtio_net", "net/net_failover", "core/failover"])
            {
                Directory.CreateDirectory(Path.Combine(root, "kernel", Path.GetDirectoryName(module)!));
                File.WriteAllBytes(Path.Combine(root, "kernel", module + ".ko"), []);
            }
            File.WriteAllText(Path.Combine(root, "modules.dep"), """
                kernel/net/virtio_net.ko: kernel/net/net_failover.ko kernel/core/failover.ko kernel/virtio/virtio_ring.ko kernel/virtio/virtio.ko
                kernel/net/net_failover.ko: kernel/core/failover.ko
                kernel/core/failover.ko:
                kernel/virtio/virtio.ko: kernel/virtio/virtio_ring.ko
                kernel/virtio/virtio_ring.ko:
                """);
            File.WriteAllText(Path.Combine(root, "modules.builtin"), "kernel/drivers/input/evdev.ko\n");
            var resolver = new KernelModuleResolver(root);

            var order = resolver.Resolve(["virtio-net", "evdev"]).Select(m => m.Name).ToArray();

            Assert.Equal(["failover", "net_failover", "virtio_ring", "virtio", "virtio_net"], order);
            Assert.True(resolver.IsBuiltin("evdev"));
            var error = Assert.Throws<InvalidOperationException>(() => resolver.Resolve(["nosuchmodule"]));
            Assert.Contains("nosuchmodule", error.Message);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Debian_cloud_kernel_default_modules_in_dependency_order()
    {
        // The .deb ships no modules.dep, so this exercises the .modinfo depends= path on real modules.
        var kernel = new DebianKernelProvider(DebianKernelProvider.DefaultCacheDirectory).Provide();
        Assert.NotNull(kernel.ModulesDirectory);
        Assert.StartsWith(kernel.Version[..2], BzImage.ReadVersion(kernel.KernelImage));
        var modules = new KernelModuleResolver(kernel.ModulesDirectory!).Resolve(KernelModuleResolver.DefaultModules);
        var names = modules.Select(m => m.Name).ToList();
        foreach (var module in modules)
            foreach (string dependency in module.Dependencies)
                Assert.True(names.IndexOf(dependency) < names.IndexOf(module.Name), $"{dependency} must load before {module.Name}");
        Assert.Equal(["virtio_ring", "virtio", "virtio_pci_legacy_dev", "virtio_pci_modern_dev", "virtio_pci", "virtio_mmio",
            "failover", "net_failover", "virtio_net", "button", "evdev"], names);
        Assert.Contains("net_failover", modules.Single(m => m.Name == "virtio_net").Dependencies);
    }

    [Fact]
    public void Versioned_package_is_read_from_the_metapackage_dependencies()
    {
        const string output = "linux-image-cloud-amd64\n  Depends: linux-image-6.1.0-56-cloud-amd64\n";
        Assert.Equal("linux-image-6.1.0-56-cloud-amd64", DebianKernelProvider.ResolveVersionedPackage(output));
        Assert.Throws<InvalidOperationException>(() => DebianKernelProvider.ResolveVersionedPackage("linux-image-cloud-amd64\n"));
    }
}
