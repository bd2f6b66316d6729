using System.Buffers.Binary;
using System.Net;

namespace UniML.Guest.Internals;

/// <summary>Configures an interface and the default route the way ifconfig/route do, with the classic
/// socket ioctls (no netlink, no tools in the image).</summary>
internal static unsafe class NetworkSetup
{
    private const nuint SIOCGIFFLAGS = 0x8913;
    private const nuint SIOCSIFFLAGS = 0x8914;
    private const nuint SIOCSIFADDR = 0x8916;
    private const nuint SIOCSIFNETMASK = 0x891C;
    private const nuint SIOCADDRT = 0x890B;
    private const short IFF_UP = 0x1;
    private const short IFF_RUNNING = 0x40;
    private const ushort RTF_UP = 0x1;
    private const ushort RTF_GATEWAY = 0x2;

    // struct ifreq: char ifr_name[16] + a 24-byte union; sockaddr_in or short flags sit at offset 16.
    private const int IfReqSize = 40;
    // struct rtentry on x86_64 (see <net/route.h>): rt_dst @8, rt_gateway @24, rt_genmask @40, rt_flags @56.
    private const int RtEntrySize = 120;

    public static void BringUp(string interfaceName, IPAddress? address, IPAddress? netmask)
    {
        int fd = OpenSocket();
        try
        {
            byte* ifr = stackalloc byte[IfReqSize];
            if (address is not null)
            {
                SetAddress(fd, ifr, interfaceName, SIOCSIFADDR, address);
                SetAddress(fd, ifr, interfaceName, SIOCSIFNETMASK, netmask!);
            }
            Clear(ifr, IfReqSize);
            WriteName(ifr, interfaceName);
            if (Libc.Ioctl(fd, SIOCGIFFLAGS, ifr) != 0)
                throw new GuestInitException($"SIOCGIFFLAGS {interfaceName}: {Libc.LastError()}");
            *(short*)(ifr + 16) |= IFF_UP | IFF_RUNNING;
            if (Libc.Ioctl(fd, SIOCSIFFLAGS, ifr) != 0)
                throw new GuestInitException($"SIOCSIFFLAGS {interfaceName}: {Libc.LastError()}");
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    public static void AddDefaultRoute(IPAddress gateway)
    {
        int fd = OpenSocket();
        try
        {
            byte* rt = stackalloc byte[RtEntrySize];
            Clear(rt, RtEntrySize);
            WriteSockAddr(rt + 8, IPAddress.Any);
            WriteSockAddr(rt + 24, gateway);
            WriteSockAddr(rt + 40, IPAddress.Any);
            *(ushort*)(rt + 56) = RTF_UP | RTF_GATEWAY;
            if (Libc.Ioctl(fd, SIOCADDRT, rt) != 0)
                throw new GuestInitException($"SIOCADDRT default via {gateway}: {Libc.LastError()}");
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    private static int OpenSocket()
    {
        int fd = Libc.Socket(Libc.AF_INET, Libc.SOCK_DGRAM, 0);
        if (fd < 0)
            throw new GuestInitException($"socket(AF_INET): {Libc.LastError()}");
        return fd;
    }

    private static void SetAddress(int fd, byte* ifr, string name, nuint request, IPAddress value)
    {
        Clear(ifr, IfReqSize);
        WriteName(ifr, name);
        WriteSockAddr(ifr + 16, value);
        if (Libc.Ioctl(fd, request, ifr) != 0)
            throw new GuestInitException($"ioctl 0x{request:x} {name} {value}: {Libc.LastError()}");
    }

    private static void WriteName(byte* ifr, string name)
    {
        if (name.Length > 15)
            throw new ArgumentException($"interface name too long: {name}");
        for (int i = 0; i < name.Length; i++)
            ifr[i] = (byte)name[i];
    }

    private static void WriteSockAddr(byte* destination, IPAddress address)
    {
        // struct sockaddr_in: sa_family (host order), sin_port, sin_addr (network order), 8 zero bytes.
        *(ushort*)destination = Libc.AF_INET;
        *(ushort*)(destination + 2) = 0;
        address.TryWriteBytes(new Span<byte>(destination + 4, 4), out _);
    }

    private static void Clear(byte* buffer, int length) => new Span<byte>(buffer, length).Clear();

    internal static uint ToHostOrder(IPAddress address) =>
        BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());
}
