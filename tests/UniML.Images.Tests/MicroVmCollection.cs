namespace UniML.Images.Tests;

/// <summary>Test classes that publish with NativeAOT and boot QEMU run one after another: their publishes share
/// UniML.Guest's obj/ folder, and two TCG guests at once on a small CI machine slow both towards their timeouts.</summary>
[CollectionDefinition(Name)]
public sealed class MicroVmCollection
{
    public const string Name = "microVM boots";
}
