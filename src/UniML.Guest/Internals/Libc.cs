using System.Runtime.InteropServices;

namespace UniML.Guest.Internals;

/// <summary>The few libc entry points PID 1 needs. glibc sets errno; read it with Marshal.GetLastPInvokeError.</summary>
internal static unsafe partial class Libc
{
    private const string Lib = "libc";

    public const int AF_INET = 2;
    public const int SOCK_DGRAM = 2;
    public const int O_RDONLY = 0;
    public const int O_CLOEXEC = 0x80000;
    public const int EEXIST = 17;
    public const int EBUSY = 16;
    public const int EINTR = 4;

    // reboot(2) commands as glibc's <sys/reboot.h> names them.
    public const int RB_POWER_OFF = 0x4321fedc;
    /// <summary>Ctrl-Alt-Del no longer reboots at once: the kernel sends SIGINT to PID 1 instead.</summary>
    public const int RB_DISABLE_CAD = 0;

    public const long SYS_finit_module = 313; // x86_64

    [LibraryImport(Lib, EntryPoint = "getpid")]
    public static partial int GetPid();

    [LibraryImport(Lib, EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mount(string source, string target, string fileSystemType, nuint flags, string? data);

    [LibraryImport(Lib, EntryPoint = "mkdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MkDir(string path, uint mode);

    [LibraryImport(Lib, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport(Lib, EntryPoint = "close")]
    public static partial int Close(int fd);

    [LibraryImport(Lib, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport(Lib, EntryPoint = "syscall", SetLastError = true)]
    public static partial long Syscall3(long number, long a1, byte* a2, long a3);

    [LibraryImport(Lib, EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(Lib, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, void* argument);

    [LibraryImport(Lib, EntryPoint = "sync")]
    public static partial void Sync();

    [LibraryImport(Lib, EntryPoint = "reboot", SetLastError = true)]
    public static partial int Reboot(int howTo);

    public static string LastError()
    {
        int errno = Marshal.GetLastPInvokeError();
        return $"errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)})";
    }
}
