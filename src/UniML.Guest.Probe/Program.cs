using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using UniML.Guest;

// A stand-in for the inference server in boot tests: does the guest init work when it is PID 1, answers
// GET /v2/health/ready with 200 (anything else 404), and powers the VM off when asked to shut down.
var clock = Stopwatch.StartNew();
int port = KernelCommandLine.DefaultPort;
if (GuestInit.IsPid1)
{
    try
    {
        var settings = GuestInit.Prepare(static m => Console.WriteLine("uniml-guest: " + m));
        port = settings.Port;
    }
    catch (Exception e)
    {
        Console.WriteLine("uniml-guest: init failed: " + e.Message);
        GuestInit.PowerOff();
    }
}
else
{
    GuestInit.WatchShutdownRequests();
    if (args.Length > 0 && int.TryParse(args[0], out int p))
        port = p;
}

using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
listener.Bind(new IPEndPoint(IPAddress.Any, port));
listener.Listen(64);
Console.WriteLine($"uniml-guest-probe: listening on port {port} after {clock.ElapsedMilliseconds} ms");

var token = GuestInit.ShutdownRequested;
var serving = Task.Run(async () =>
{
    byte[] buffer = new byte[4096];
    while (!token.IsCancellationRequested)
    {
        Socket client;
        try { client = await listener.AcceptAsync(token); }
        catch (OperationCanceledException) { return; }
        using (client)
        {
            try
            {
                int length = 0;
                while (length < buffer.Length)
                {
                    int n = await client.ReceiveAsync(buffer.AsMemory(length), token);
                    if (n == 0) break;
                    length += n;
                    if (buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8) >= 0) break;
                }
                string request = Encoding.ASCII.GetString(buffer, 0, length);
                bool ready = request.StartsWith("GET /v2/health/ready ", StringComparison.Ordinal);
                string body = ready ? "{\"ready\":true}" : "{\"error\":\"not found\"}";
                string response = $"HTTP/1.1 {(ready ? "200 OK" : "404 Not Found")}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
                await client.SendAsync(Encoding.ASCII.GetBytes(response), token);
            }
            catch (OperationCanceledException) { return; }
            catch (SocketException) { }
        }
    }
});

try { await Task.Delay(Timeout.Infinite, token); } catch (OperationCanceledException) { }
Console.WriteLine($"uniml-guest-probe: shutdown requested ({GuestInit.ShutdownReason}), draining");
listener.Close();
await Task.WhenAny(serving, Task.Delay(2000));
Console.WriteLine("uniml-guest-probe: stopped");
if (GuestInit.IsPid1)
    GuestInit.PowerOff();
return 0;
