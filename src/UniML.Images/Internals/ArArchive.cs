using System.Globalization;
using System.Text;

namespace UniML.Images.Internals;

/// <summary>Reads the members of a Unix <c>ar</c> archive (the container of a .deb: debian-binary,
/// control.tar.*, data.tar.*). Only the common format is supported; GNU long-name tables do not occur in .debs.</summary>
internal static class ArArchive
{
    private const string Magic = "!<arch>\n";

    public static IEnumerable<(string Name, long Offset, long Size)> Members(Stream stream)
    {
        byte[] magic = new byte[8];
        stream.ReadExactly(magic);
        if (Encoding.ASCII.GetString(magic) != Magic)
            throw new InvalidDataException("not an ar archive (a .deb starts with !<arch>)");
        byte[] header = new byte[60];
        long position = 8;
        while (position + 60 <= stream.Length)
        {
            stream.Position = position;
            stream.ReadExactly(header);
            string name = Encoding.ASCII.GetString(header, 0, 16).TrimEnd().TrimEnd('/');
            long size = long.Parse(Encoding.ASCII.GetString(header, 48, 10).Trim(), CultureInfo.InvariantCulture);
            if (header[58] != '`' || header[59] != '\n')
                throw new InvalidDataException($"corrupt ar member header at byte {position}");
            yield return (name, position + 60, size);
            position += 60 + size + (size & 1);
        }
    }
}
