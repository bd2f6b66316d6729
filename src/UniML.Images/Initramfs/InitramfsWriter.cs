using System.IO.Compression;
using System.Text;

namespace UniML.Images;

/// <summary>
/// Writes an initramfs: a cpio "newc" archive, optionally gzip-compressed. Parent directories are added
/// automatically; timestamps and owners are zero so the same inputs give the same bytes.
/// </summary>
public sealed class InitramfsWriter : IDisposable
{
    private readonly Stream output;
    private readonly Stream? compressor;
    private readonly bool leaveOpen;
    private readonly HashSet<string> paths = new(StringComparer.Ordinal);
    private readonly byte[] header = new byte[CpioNewc.HeaderSize];
    private uint nextInode = 1;
    private bool finished;

    /// <summary>Creates a writer on <paramref name="destination"/>.</summary>
    /// <param name="destination">Stream receiving the archive.</param>
    /// <param name="gzip">Compress with gzip (the kernel's CONFIG_RD_GZIP; Debian kernels have it).</param>
    /// <param name="leaveOpen">Keep <paramref name="destination"/> open after <see cref="Dispose"/>.</param>
    public InitramfsWriter(Stream destination, bool gzip = false, bool leaveOpen = false)
    {
        this.leaveOpen = leaveOpen;
        if (gzip)
        {
            compressor = new GZipStream(destination, CompressionLevel.SmallestSize, leaveOpen: true);
            output = compressor;
        }
        else
        {
            output = destination;
        }
        underlying = destination;
    }

    private readonly Stream underlying;

    /// <summary>Paths written so far (no leading slash).</summary>
    public IReadOnlyCollection<string> Paths => paths;

    /// <summary>Adds a directory (and its missing parents).</summary>
    public void AddDirectory(string path, uint permissions = 0x1ED /* 0755 */)
    {
        string name = Normalize(path);
        if (name.Length == 0 || paths.Contains(name))
            return;
        EnsureParents(name);
        WriteEntry(name, CpioNewc.Directory | permissions, ReadOnlySpan<byte>.Empty, 0, 0);
    }

    /// <summary>Adds a regular file with the given content.</summary>
    public void AddFile(string path, ReadOnlySpan<byte> content, uint permissions = 0x1A4 /* 0644 */)
    {
        string name = AddNew(path);
        WriteEntry(name, CpioNewc.Regular | permissions, content, 0, 0);
    }

    /// <summary>Adds a regular file copied from the host; symlinks on the host are followed.</summary>
    public void AddHostFile(string path, string hostPath, uint? permissions = null)
    {
        var info = new FileInfo(hostPath);
        if (!info.Exists)
            throw new FileNotFoundException($"file to put in the image at /{Normalize(path)} does not exist: {hostPath}", hostPath);
        uint mode = permissions ?? (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(hostPath) & UnixFileMode.UserExecute) != 0 ? 0x1EDu : 0x1A4u);
        AddFile(path, File.ReadAllBytes(hostPath), mode);
    }

    /// <summary>Adds a symbolic link.</summary>
    public void AddSymlink(string path, string target)
    {
        string name = AddNew(path);
        WriteEntry(name, CpioNewc.Symlink | 0x1FF, Encoding.UTF8.GetBytes(target), 0, 0);
    }

    /// <summary>Adds a character device node.</summary>
    public void AddCharacterDevice(string path, uint major, uint minor, uint permissions = 0x1B6 /* 0666 */)
    {
        string name = AddNew(path);
        WriteEntry(name, CpioNewc.CharacterDevice | permissions, ReadOnlySpan<byte>.Empty, major, minor);
    }

    /// <summary>Adds /dev/console (5,1), /dev/null (1,3), /dev/random (1,8) and /dev/urandom (1,9)
    /// (Documentation/admin-guide/devices.txt). The kernel opens /dev/console for init before anything is
    /// mounted, and .NET reads /dev/urandom; both must exist in the archive itself.</summary>
    public void AddStandardDeviceNodes()
    {
        AddCharacterDevice("dev/console", 5, 1, 0x180 /* 0600 */);
        AddCharacterDevice("dev/null", 1, 3);
        AddCharacterDevice("dev/random", 1, 8);
        AddCharacterDevice("dev/urandom", 1, 9);
    }

    /// <summary>Writes the trailer and flushes; further adds fail.</summary>
    public void Finish()
    {
        if (finished)
            return;
        WriteEntry(CpioNewc.Trailer, 0, ReadOnlySpan<byte>.Empty, 0, 0, inode: 0, nlink: 1);
        finished = true;
        output.Flush();
        compressor?.Dispose();
        underlying.Flush();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Finish();
        if (!leaveOpen)
            underlying.Dispose();
    }

    private string AddNew(string path)
    {
        string name = Normalize(path);
        if (name.Length == 0)
            throw new ArgumentException("an initramfs entry needs a path", nameof(path));
        if (paths.Contains(name))
            throw new InvalidOperationException($"/{name} is already in the initramfs");
        EnsureParents(name);
        return name;
    }

    private void EnsureParents(string name)
    {
        int slash = name.LastIndexOf('/');
        if (slash > 0)
            AddDirectory(name[..slash]);
    }

    private static string Normalize(string path) => path.Replace('\\', '/').Trim('/');

    private void WriteEntry(string name, uint mode, ReadOnlySpan<byte> data, uint major, uint minor, uint? inode = null, uint? nlink = null)
    {
        if (finished)
            throw new InvalidOperationException("the initramfs is already finished");
        byte[] nameBytes = Encoding.UTF8.GetBytes(name);
        uint fileInode = inode ?? nextInode++;
        uint links = nlink ?? ((mode & CpioNewc.TypeMask) == CpioNewc.Directory ? 2u : 1u);
        Encoding.ASCII.GetBytes(CpioNewc.Magic, header);
        int at = 6;
        foreach (uint field in (ReadOnlySpan<uint>)[fileInode, mode, 0, 0, links, 0, (uint)data.Length, 0, 0, major, minor, (uint)nameBytes.Length + 1, 0])
        {
            field.TryFormat(header.AsSpan(at, 8), out _, "X8");
            at += 8;
        }
        output.Write(header);
        output.Write(nameBytes);
        output.WriteByte(0);
        WriteZeros(CpioNewc.Padding(CpioNewc.HeaderSize + nameBytes.Length + 1));
        output.Write(data);
        WriteZeros(CpioNewc.Padding(data.Length));
        if (name != CpioNewc.Trailer)
            paths.Add(name);
    }

    private void WriteZeros(int count)
    {
        Span<byte> zeros = stackalloc byte[4];
        zeros.Clear();
        output.Write(zeros[..count]);
    }
}
