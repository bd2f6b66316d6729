using System.Net.Sockets;
using System.Text;

namespace UniML.Images;

/// <summary>Minimal QEMU Machine Protocol client over a unix socket: greeting, capabilities, one command.</summary>
internal static class QmpClient
{
    public static async Task ExecuteAsync(string socketPath, string command, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancel.Token);
        using var stream = new NetworkStream(socket, ownsSocket: false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        await ReadUntilAsync(reader, "\"QMP\"", cancel.Token);
        await SendAsync(stream, "{\"execute\":\"qmp_capabilities\"}", cancel.Token);
        await ReadUntilAsync(reader, "\"return\"", cancel.Token);
        await SendAsync(stream, $"{{\"execute\":\"{command}\"}}", cancel.Token);
        await ReadUntilAsync(reader, "\"return\"", cancel.Token);
    }

    private static async Task SendAsync(NetworkStream stream, string json, CancellationToken token) =>
        await stream.WriteAsync(Encoding.UTF8.GetBytes(json + "\n"), token);

    private static async Task ReadUntilAsync(StreamReader reader, string marker, CancellationToken token)
    {
        while (true)
        {
            string line = await reader.ReadLineAsync(token) ?? throw new IOException("QMP connection closed");
            if (line.Contains("\"error\"", StringComparison.Ordinal))
                throw new InvalidOperationException("QMP error: " + line);
            if (line.Contains(marker, StringComparison.Ordinal))
                return;
        }
    }
}
