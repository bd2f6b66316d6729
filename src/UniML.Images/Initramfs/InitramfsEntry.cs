namespace UniML.Images;

/// <summary>Kind of an initramfs entry (the file-type bits of its mode).</summary>
public enum InitramfsEntryKind { Directory, File, Symlink, CharacterDevice, BlockDevice, Other }

/// <summary>One entry of a cpio "newc" archive as read back by <see cref="InitramfsReader"/>.</summary>
/// <param name="Path">Path inside the archive, without a leading slash (as the kernel expects).</param>
/// <param name="Kind">Entry type.</param>
/// <param name="Mode">Full mode (type and permission bits).</param>
/// <param name="Data">File content, or the target of a symlink; empty for other kinds.</param>
/// <param name="DeviceMajor">rdev major of a device node.</param>
/// <param name="DeviceMinor">rdev minor of a device node.</param>
/// <param name="Inode">Inode number written in the header.</param>
public sealed record InitramfsEntry(string Path, InitramfsEntryKind Kind, uint Mode, byte[] Data, uint DeviceMajor, uint DeviceMinor, uint Inode)
{
    /// <summary>Size of the content in bytes.</summary>
    public long Size => Data.LongLength;
    /// <summary>Permission bits only.</summary>
    public uint Permissions => Mode & 0xFFF;
    /// <summary>Target of a symlink, or null.</summary>
    public string? LinkTarget => Kind == InitramfsEntryKind.Symlink ? System.Text.Encoding.UTF8.GetString(Data) : null;

    internal static InitramfsEntryKind KindOf(uint mode) => (mode & CpioNewc.TypeMask) switch
    {
        CpioNewc.Directory => InitramfsEntryKind.Directory,
        CpioNewc.Regular => InitramfsEntryKind.File,
        CpioNewc.Symlink => InitramfsEntryKind.Symlink,
        CpioNewc.CharacterDevice => InitramfsEntryKind.CharacterDevice,
        CpioNewc.BlockDevice => InitramfsEntryKind.BlockDevice,
        _ => InitramfsEntryKind.Other,
    };
}
