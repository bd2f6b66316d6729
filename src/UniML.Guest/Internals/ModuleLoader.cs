namespace UniML.Guest.Internals;

/// <summary>Loads kernel modules with finit_module(2), in the order the image builder computed from
/// modules.dep (the guest has no modprobe and no dependency logic of its own).</summary>
internal static unsafe class ModuleLoader
{
    public static List<string> LoadAll(string orderFile, Action<string> log)
    {
        var loaded = new List<string>();
        if (!File.Exists(orderFile))
        {
            log($"no module order file {orderFile}: loading no modules");
            return loaded;
        }
        foreach (string raw in File.ReadAllLines(orderFile))
        {
            string path = raw.Trim();
            if (path.Length == 0 || path.StartsWith('#'))
                continue;
            Load(path);
            loaded.Add(Path.GetFileNameWithoutExtension(path));
        }
        log($"modules loaded: {string.Join(' ', loaded)}");
        return loaded;
    }

    private static void Load(string path)
    {
        int fd = Libc.Open(path, Libc.O_RDONLY | Libc.O_CLOEXEC);
        if (fd < 0)
            throw new GuestInitException($"open {path}: {Libc.LastError()}");
        try
        {
            byte empty = 0;
            long rc = Libc.Syscall3(Libc.SYS_finit_module, fd, &empty, 0);
            // EEXIST: already loaded or built into this kernel, which is what we wanted.
            if (rc != 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != Libc.EEXIST)
                throw new GuestInitException($"finit_module {path}: {Libc.LastError()}");
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}
