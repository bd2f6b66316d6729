using System.Text;

namespace UniML.Images.Tests;

public sealed class InitramfsWriterTests
{
    [Fact]
    public void Writes_newc_headers_byte_for_byte()
    {
        using var buffer = new MemoryStream();
        using (var writer = new InitramfsWriter(buffer, gzip: false, leaveOpen: true))
            writer.AddFile("a", "xyz"u8, 0x1ED);
        byte[] bytes = buffer.ToArray();
        string header = Encoding.ASCII.GetString(bytes, 0, 110);
        // magic, ino 1, mode 0100755, uid, gid, nlink 1, mtime, size 3, dev major/minor, rdev major/minor, namesize 2, check
        Assert.Equal("070701" + "00000001" + "000081ED" + "00000000" + "00000000" + "00000001" + "00000000" + "00000003"
            + "00000000" + "00000000" + "00000000" + "00000000" + "00000002" + "00000000", header);
        Assert.Equal("a\0", Encoding.ASCII.GetString(bytes, 110, 2));
        // 110 + 2 = 112 is 4-aligned: data follows at once, then one byte of padding to 116.
        Assert.Equal("xyz", Encoding.ASCII.GetString(bytes, 112, 3));
        Assert.Equal(0, bytes[115]);
        Assert.Equal("070701", Encoding.ASCII.GetString(bytes, 116, 6));
        Assert.Contains("TRAILER!!!", Encoding.ASCII.GetString(bytes, 116, bytes.Length - 116));
        Assert.Equal(0, bytes.Length % 4);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reads_back_every_kind_of_entry(bool gzip)
    {
        using var buffer = new MemoryStream();
        using (var writer = new InitramfsWriter(buffer, gzip, leaveOpen: true))
        {
            writer.AddStandardDeviceNodes();
            writer.AddFile("/lib/x86_64-linux-gnu/libc.so.6", new byte[] { 1, 2, 3, 4, 5 }, 0x1ED);
            writer.AddSymlink("lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld.so");
            writer.AddDirectory("tmp", 0x3FF);
        }
        if (gzip)
            Assert.Equal(new byte[] { 0x1F, 0x8B }, buffer.ToArray()[..2]);
        buffer.Position = 0;
        var entries = InitramfsReader.Read(buffer).ToDictionary(e => e.Path);

        Assert.Equal((5u, 1u, InitramfsEntryKind.CharacterDevice), (entries["dev/console"].DeviceMajor, entries["dev/console"].DeviceMinor, entries["dev/console"].Kind));
        Assert.Equal((1u, 3u), (entries["dev/null"].DeviceMajor, entries["dev/null"].DeviceMinor));
        Assert.Equal((1u, 8u), (entries["dev/random"].DeviceMajor, entries["dev/random"].DeviceMinor));
        Assert.Equal((1u, 9u), (entries["dev/urandom"].DeviceMajor, entries["dev/urandom"].DeviceMinor));
        Assert.Equal(InitramfsEntryKind.Directory, entries["dev"].Kind);
        Assert.Equal(InitramfsEntryKind.Directory, entries["lib/x86_64-linux-gnu"].Kind);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, entries["lib/x86_64-linux-gnu/libc.so.6"].Data);
        Assert.Equal(0x1EDu, entries["lib/x86_64-linux-gnu/libc.so.6"].Permissions);
        Assert.Equal("/lib/x86_64-linux-gnu/ld.so", entries["lib64/ld-linux-x86-64.so.2"].LinkTarget);
        Assert.Equal(0x3FFu, entries["tmp"].Permissions);
        Assert.Equal(entries.Count, entries.Values.Select(e => e.Inode).Distinct().Count());
    }

    [Fact]
    public void Parents_come_before_children_and_duplicates_are_refused()
    {
        using var buffer = new MemoryStream();
        using var writer = new InitramfsWriter(buffer, leaveOpen: true);
        writer.AddFile("models/a/b.onnx", [1]);
        Assert.Equal(["models", "models/a", "models/a/b.onnx"], writer.Paths.ToArray());
        var error = Assert.Throws<InvalidOperationException>(() => writer.AddFile("models/a/b.onnx", [2]));
        Assert.Contains("/models/a/b.onnx", error.Message);
    }

    [Fact]
    public void Truncated_archive_is_reported()
    {
        using var buffer = new MemoryStream();
        using (var writer = new InitramfsWriter(buffer, leaveOpen: true))
            writer.AddFile("init", new byte[100]);
        byte[] truncated = buffer.ToArray()[..150];
        var error = Assert.Throws<InvalidDataException>(() => InitramfsReader.Read(new MemoryStream(truncated)));
        Assert.Contains("runs past the end", error.Message);
    }
}
