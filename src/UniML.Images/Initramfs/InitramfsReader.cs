using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace UniML.Images;

/// <summary>Reads a cpio "newc" archive, plain or gzip-compressed (detected from the magic bytes).</summary>
public static class InitramfsReader
{
    /// <summary>Reads every entry of the archive at <paramref name="path"/>.</summary>
    public static IReadOnlyList<InitramfsEntry> ReadFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Read(stream);
    }

    /// <summary>Reads every entry up to the trailer.</summary>
    public static IReadOnlyList<InitramfsEntry> Read(Stream stream)
    {
        byte[] bytes;
        using (var buffer = new MemoryStream())
        {
            stream.CopyTo(buffer);
            bytes = buffer.ToArray();
        }
        if (bytes.Length >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B)
        {
            using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var plain = new MemoryStream();
            gzip.CopyTo(plain);
            bytes = plain.ToArray();
        }
        return Parse(bytes);
    }

    private static List<InitramfsEntry> Parse(byte[] bytes)
    {
        var entries = new List<InitramfsEntry>();
        long at = 0;
        while (true)
        {
            if (at + CpioNewc.HeaderSize > bytes.Length)
                throw new InvalidDataException($"cpio archive ends at byte {at} without a {CpioNewc.Trailer} entry");
            string magic = Encoding.ASCII.GetString(bytes, (int)at, 6);
            if (magic != CpioNewc.Magic)
                throw new InvalidDataException($"not a cpio newc header at byte {at} (magic '{magic}')");
            uint Field(int index) => uint.Parse(bytes.AsSpan((int)at + 6 + index * 8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            uint inode = Field(0), mode = Field(1), size = Field(6), rdevMajor = Field(9), rdevMinor = Field(10), nameSize = Field(11);
            if (nameSize == 0)
                throw new InvalidDataException($"cpio entry at byte {at} has an empty name");
            string name = Encoding.UTF8.GetString(bytes, (int)at + CpioNewc.HeaderSize, (int)nameSize - 1);
            long dataStart = at + CpioNewc.HeaderSize + nameSize;
            dataStart += CpioNewc.Padding(dataStart);
            if (dataStart + size > bytes.Length)
                throw new InvalidDataException($"cpio entry {name} runs past the end of the archive");
            if (name == CpioNewc.Trailer)
                return entries;
            byte[] data = bytes.AsSpan((int)dataStart, (int)size).ToArray();
            entries.Add(new InitramfsEntry(name, InitramfsEntry.KindOf(mode), mode, data, rdevMajor, rdevMinor, inode));
            at = dataStart + size;
            at += CpioNewc.Padding(at);
        }
    }
}
