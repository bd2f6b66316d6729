namespace UniML.Guest.Internals;

/// <summary>
/// Turns the ACPI power button into a shutdown request. Linux has no default action for it: the ACPI
/// <c>button</c> driver reports KEY_POWER as an input event (for acpid or systemd-logind to act on), so PID 1
/// must read it itself. QEMU's <c>system_powerdown</c> raises exactly this button on <c>-M pc</c> (fixed
/// ACPI event) and on <c>-M microvm</c> (generic event device notifying PNP0C0C).
/// </summary>
internal static unsafe class PowerButtonWatcher
{
    private const ushort EV_KEY = 0x01;
    private const ushort KEY_POWER = 116;
    // struct input_event on x86_64: struct timeval (16 bytes), __u16 type, __u16 code, __s32 value.
    private const int InputEventSize = 24;

    /// <summary>Starts one background reader per /dev/input/event* device; returns how many.</summary>
    public static int Start(Action onPress, Action<string> log)
    {
        if (!Directory.Exists("/dev/input"))
            return 0;
        int started = 0;
        foreach (string device in Directory.GetFiles("/dev/input", "event*"))
        {
            int fd = Libc.Open(device, Libc.O_RDONLY | Libc.O_CLOEXEC);
            if (fd < 0)
            {
                log($"open {device}: {Libc.LastError()}");
                continue;
            }
            var thread = new Thread(() => ReadEvents(fd, onPress)) { IsBackground = true, Name = "power-button " + device };
            thread.Start();
            started++;
        }
        return started;
    }

    private static void ReadEvents(int fd, Action onPress)
    {
        byte* buffer = stackalloc byte[InputEventSize * 8];
        while (true)
        {
            nint count = Libc.Read(fd, buffer, InputEventSize * 8);
            if (count < 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == Libc.EINTR)
                continue;
            if (count <= 0)
                return;
            for (int offset = 0; offset + InputEventSize <= count; offset += InputEventSize)
            {
                ushort type = *(ushort*)(buffer + offset + 16);
                ushort code = *(ushort*)(buffer + offset + 18);
                int value = *(int*)(buffer + offset + 20);
                if (type == EV_KEY && code == KEY_POWER && value == 1)
                    onPress();
            }
        }
    }
}
