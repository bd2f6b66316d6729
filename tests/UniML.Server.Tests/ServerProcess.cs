using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace UniML.Server.Tests;

/// <summary>A real server process (the uniml-server app, or a published binary) whose logs are captured.</summary>
internal sealed partial class ServerProcess : IDisposable
{
    readonly Process _process;
    readonly StringBuilder _output = new();
    readonly TaskCompletionSource<string> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    ServerProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    void OnLine(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
        var match = Listening().Match(line);
        if (match.Success) _listening.TrySetResult(match.Groups[1].Value);
    }

    public string Output { get { lock (_output) return _output.ToString(); } }
    public int Id => _process.Id;
    public long StartTimestamp { get; private init; }

    /// <summary>Starts <paramref name="executable"/> (a .dll runs under dotnet).</summary>
    public static ServerProcess Start(string executable, params string[] args)
    {
        var info = new ProcessStartInfo
        {
            FileName = executable.EndsWith(".dll", StringComparison.Ordinal) ? "dotnet" : executable,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (executable.EndsWith(".dll", StringComparison.Ordinal)) info.ArgumentList.Add(executable);
        foreach (var a in args) info.ArgumentList.Add(a);
        long started = Stopwatch.GetTimestamp();
        return new ServerProcess(Process.Start(info)!) { StartTimestamp = started };
    }

    /// <summary>The address from the "listening on" log line.</summary>
    public async Task<string> WaitForListeningAsync(TimeSpan timeout)
    {
        var done = await Task.WhenAny(_listening.Task, _process.WaitForExitAsync(), Task.Delay(timeout));
        if (done != _listening.Task)
            throw new TimeoutException($"the server did not report its address (exited: {_process.HasExited}); output:\n{Output}");
        return _listening.Task.Result;
    }

    public async Task WaitForReadyAsync(HttpClient client, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            try
            {
                using var response = await client.GetAsync("/v2/health/ready");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            await Task.Delay(20);
        }
        throw new TimeoutException("the server did not become ready; output:\n" + Output);
    }

    public void Signal(int signal)
    {
        if (SendSignal(_process.Id, signal) != 0)
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    public const int SIGTERM = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int SendSignal(int pid, int signal);

    [GeneratedRegex(@"listening on (http://[0-9.:\[\]a-z]+)")]
    private static partial Regex Listening();
}
