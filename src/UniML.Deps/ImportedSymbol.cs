namespace UniML.Deps;

/// <summary>
/// An undefined dynamic symbol an object needs at load time, with the symbol version it asks for
/// (e.g. <c>pthread_create@GLIBC_2.34</c> from libc.so.6) when the object records one.
/// </summary>
/// <param name="Name">Symbol name.</param>
/// <param name="Version">Version name from .gnu.version_r, or null when unversioned.</param>
/// <param name="VersionFile">The library the version requirement names (vn_file), or null.</param>
/// <param name="IsWeak">Weak references may stay unresolved without failing the load.</param>
/// <param name="IsFunction">False for data objects (e.g. stdout, environ) and untyped symbols.</param>
public sealed record ImportedSymbol(string Name, string? Version, string? VersionFile, bool IsWeak, bool IsFunction)
{
    /// <summary>name@version, as ld.so and nm print it.</summary>
    public override string ToString() => Version is null ? Name : $"{Name}@{Version}";
}
