using System.Globalization;
using System.Runtime.InteropServices;
using ServerBodies;

// Large request and response bodies, before and after the large-body rework (bench/README.md, "Large bodies").
//
//   server-bodies [in-process] [--seconds S] [--rows N] [--width N]
//       the protocol code of the baseline commit and of this checkout on the same bytes, in one process
//   server-bodies loopback --server [LABEL=]BINARY... [--concurrency C] [--rounds R] [--rows N] [--width N]
//       whole requests against server binaries (NativeAOT executables or uniml-server.dll), rounds alternating
var inv = CultureInfo.InvariantCulture;
string mode = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "in-process";
int rows = 256, width = 1024, concurrency = 6, rounds = 20;
double seconds = 3;
var servers = new List<(string Label, string Binary)>();
for (int i = mode == "in-process" && (args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal)) ? 0 : 1; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--seconds": seconds = double.Parse(args[++i], inv); break;
        case "--rows": rows = int.Parse(args[++i], inv); break;
        case "--width": width = int.Parse(args[++i], inv); break;
        case "--concurrency": concurrency = int.Parse(args[++i], inv); break;
        case "--rounds": rounds = int.Parse(args[++i], inv); break;
        case "--server":
        {
            var value = args[++i];
            int eq = value.IndexOf('=', StringComparison.Ordinal);
            servers.Add(eq > 0 ? (value[..eq], value[(eq + 1)..]) : ($"server {servers.Count + 1}", value));
            break;
        }
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}");
            return 2;
    }
}

var work = new Workload(rows, width);
var report = Console.Out;
report.WriteLine($"Date: {DateTime.UtcNow:yyyy-MM-dd}. CPU: {CpuName()} ({Environment.ProcessorCount} logical CPUs). {RuntimeInformation.FrameworkDescription}.");
report.WriteLine($"Load average at start: {LoadAverage()}.");
report.WriteLine();
switch (mode)
{
    case "in-process":
        InProcess.Run(work, TimeSpan.FromSeconds(seconds), report);
        break;
    case "loopback":
        if (servers.Count == 0)
        {
            Console.Error.WriteLine("loopback needs --server BINARY (twice to compare)");
            return 2;
        }
        await Loopback.RunAsync(work, servers, concurrency, rounds, report);
        break;
    default:
        Console.Error.WriteLine($"unknown mode {mode} (in-process, loopback)");
        return 2;
}
report.WriteLine();
report.WriteLine($"Load average at end: {LoadAverage()}.");
return 0;

static string CpuName()
{
    try
    {
        foreach (var line in File.ReadLines("/proc/cpuinfo"))
            if (line.StartsWith("model name", StringComparison.Ordinal))
                return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }
    catch (IOException)
    {
    }
    return RuntimeInformation.ProcessArchitecture.ToString();
}

static string LoadAverage()
{
    try
    {
        return string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
    }
    catch (IOException)
    {
        return "unknown";
    }
}
