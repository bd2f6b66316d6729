using System.Net;

namespace UniML.Guest;

/// <summary>
/// Parses the <c>uniml.*</c> keys of the kernel command line (<c>/proc/cmdline</c>), the only channel the
/// image builder has to configure the guest at boot. Keys (all optional):
/// <c>uniml.ip=ADDR/PREFIX</c> (eth0 address, default none: no NIC set-up),
/// <c>uniml.gw=ADDR</c> (default route), <c>uniml.port=N</c> (server port, default 8000),
/// <c>uniml.models=DIR</c> (default /models), <c>uniml.modules=FILE</c> (module order file, default
/// /lib/modules/uniml.order), <c>uniml.args=A,B</c> (extra arguments for the server, comma separated).
/// </summary>
public sealed record KernelCommandLine
{
    /// <summary>Default port the server listens on inside the guest.</summary>
    public const int DefaultPort = 8000;

    /// <summary>eth0 address, or null when the command line names none.</summary>
    public IPAddress? Address { get; init; }
    /// <summary>Prefix length of <see cref="Address"/> (24 when not given).</summary>
    public int PrefixLength { get; init; } = 24;
    /// <summary>Default gateway, or null.</summary>
    public IPAddress? Gateway { get; init; }
    /// <summary>TCP port the server should listen on.</summary>
    public int Port { get; init; } = DefaultPort;
    /// <summary>Folder holding the models inside the image.</summary>
    public string ModelDirectory { get; init; } = "/models";
    /// <summary>File listing kernel module paths, one a line, in load order.</summary>
    public string ModuleOrderFile { get; init; } = "/lib/modules/uniml.order";
    /// <summary>Extra server arguments.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Parses a command line such as the content of /proc/cmdline. Unknown keys are ignored
    /// (they belong to the kernel); malformed uniml values throw, since a guest that guesses its network is
    /// harder to debug than one that stops with a message on the console.</summary>
    public static KernelCommandLine Parse(string commandLine)
    {
        var result = new KernelCommandLine();
        foreach (string word in commandLine.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = word.IndexOf('=');
            if (!word.StartsWith("uniml.", StringComparison.Ordinal) || eq < 0)
                continue;
            string key = word[6..eq];
            string value = word[(eq + 1)..];
            result = key switch
            {
                "ip" => WithAddress(result, value),
                "gw" => result with { Gateway = ParseAddress(word, value) },
                "port" => result with { Port = ParsePort(word, value) },
                "models" => result with { ModelDirectory = value },
                "modules" => result with { ModuleOrderFile = value },
                "args" => result with { Arguments = value.Split(',', StringSplitOptions.RemoveEmptyEntries) },
                _ => result,
            };
        }
        return result;
    }

    private static KernelCommandLine WithAddress(KernelCommandLine current, string value)
    {
        int slash = value.IndexOf('/');
        string address = slash < 0 ? value : value[..slash];
        int prefix = 24;
        if (slash >= 0 && (!int.TryParse(value[(slash + 1)..], out prefix) || prefix is < 0 or > 32))
            throw new FormatException($"uniml.ip={value}: the prefix length must be 0..32");
        return current with { Address = ParseAddress("uniml.ip=" + value, address), PrefixLength = prefix };
    }

    private static IPAddress ParseAddress(string word, string value)
    {
        if (!IPAddress.TryParse(value, out var address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            throw new FormatException($"{word}: not an IPv4 address");
        return address;
    }

    private static int ParsePort(string word, string value)
    {
        if (!int.TryParse(value, out int port) || port is < 1 or > 65535)
            throw new FormatException($"{word}: the port must be 1..65535");
        return port;
    }

    /// <summary>Netmask for <see cref="PrefixLength"/>.</summary>
    public IPAddress Netmask
    {
        get
        {
            uint mask = PrefixLength == 0 ? 0u : uint.MaxValue << (32 - PrefixLength);
            return new IPAddress([(byte)(mask >> 24), (byte)(mask >> 16), (byte)(mask >> 8), (byte)mask]);
        }
    }
}
