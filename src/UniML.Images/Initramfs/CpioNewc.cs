namespace UniML.Images;

/// <summary>Constants of the cpio "newc" (SVR4, no CRC) format the Linux kernel unpacks as initramfs
/// (Documentation/driver-api/early-userspace/buffer-format.rst).</summary>
internal static class CpioNewc
{
    public const string Magic = "070701";
    /// <summary>6 magic bytes + 13 fields of 8 hex digits.</summary>
    public const int HeaderSize = 110;
    public const string Trailer = "TRAILER!!!";

    public const uint TypeMask = 0xF000;
    public const uint Directory = 0x4000;      // S_IFDIR
    public const uint Regular = 0x8000;        // S_IFREG
    public const uint Symlink = 0xA000;        // S_IFLNK
    public const uint CharacterDevice = 0x2000; // S_IFCHR
    public const uint BlockDevice = 0x6000;    // S_IFBLK

    /// <summary>Header and name, and file data, each start on a 4-byte boundary.</summary>
    public static int Padding(long length) => (int)((4 - (length & 3)) & 3);
}
