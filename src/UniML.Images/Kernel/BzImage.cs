using System.Buffers.Binary;
using System.Text;

namespace UniML.Images;

/// <summary>Facts from a Linux x86 bzImage boot header (Documentation/arch/x86/boot.rst).</summary>
public static class BzImage
{
    /// <summary>The kernel release string (e.g. <c>6.1.0-56-cloud-amd64</c>), or null when the file is not a bzImage.</summary>
    public static string? ReadVersion(string path)
    {
        byte[] head = new byte[0x8000];
        int length;
        using (var stream = File.OpenRead(path))
            length = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        // "HdrS" at 0x202; kernel_version at 0x20E points to a string at (value + 0x200).
        if (length < 0x210 || Encoding.ASCII.GetString(head, 0x202, 4) != "HdrS")
            return null;
        int offset = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(0x20E)) + 0x200;
        if (offset >= length)
            return null;
        int end = Array.IndexOf(head, (byte)0, offset);
        string full = Encoding.ASCII.GetString(head, offset, (end < 0 ? length : end) - offset);
        int space = full.IndexOf(' ');
        return space < 0 ? full : full[..space];
    }
}
