using System.Diagnostics;

namespace UniML.Deps.Tests;

/// <summary>
/// Compiles the C fixtures with gcc once per test run, into a fresh temporary directory:
/// raw (freestanding static, inline-asm syscalls only), prog (dynamic, RUNPATH $ORIGIN/lib to
/// libuniml_a.so, which has RPATH $ORIGIN to libuniml_b.so and needs libuniml_gone.so that only
/// exists under extra/), prog-static (same source, glibc linked statically), waiter (waits for SIGTERM)
/// and libuniml_ldso.so (DT_NEEDED ld-linux-x86-64.so.2).
/// </summary>
public sealed class BuiltPrograms : IDisposable
{
    public string Directory { get; }
    public string Raw => Path.Combine(Directory, "raw");
    public string Dynamic => Path.Combine(Directory, "prog");
    public string Static => Path.Combine(Directory, "prog-static");
    public string Waiter => Path.Combine(Directory, "waiter");
    public string LdsoUser => Path.Combine(Directory, "libuniml_ldso.so");
    public string LibDirectory => Path.Combine(Directory, "lib");
    public string ExtraDirectory => Path.Combine(Directory, "extra");

    public BuiltPrograms()
    {
        Directory = Path.Combine(Path.GetTempPath(), "uniml-deps-tests-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(LibDirectory);
        System.IO.Directory.CreateDirectory(ExtraDirectory);
        string src = Path.Combine(AppContext.BaseDirectory, "Fixtures");
        Gcc("-O1", "-static", "-nostdlib", "-ffreestanding", "-fno-stack-protector", "-no-pie", "-o", Raw, Path.Combine(src, "raw.c"));
        Gcc("-O1", "-shared", "-fPIC", "-o", Path.Combine(ExtraDirectory, "libuniml_gone.so"), Path.Combine(src, "gone.c"));
        Gcc("-O1", "-shared", "-fPIC", "-o", Path.Combine(LibDirectory, "libuniml_b.so"), Path.Combine(src, "libb.c"));
        Gcc("-O1", "-shared", "-fPIC", "-o", Path.Combine(LibDirectory, "libuniml_a.so"), Path.Combine(src, "liba.c"),
            "-L" + LibDirectory, "-L" + ExtraDirectory, "-Wl,--no-as-needed", "-luniml_b", "-luniml_gone", "-Wl,--disable-new-dtags,-rpath,$ORIGIN");
        Gcc("-O1", "-fno-stack-protector", "-o", Dynamic, Path.Combine(src, "prog.c"),
            "-L" + LibDirectory, "-Wl,--no-as-needed", "-luniml_a", "-Wl,--enable-new-dtags,-rpath,$ORIGIN/lib");
        Gcc("-O1", "-fno-stack-protector", "-static", "-DSTATIC_BUILD", "-o", Static, Path.Combine(src, "prog.c"));
        Gcc("-O1", "-o", Waiter, Path.Combine(src, "waiter.c"));
        // Needs the loader by DT_NEEDED (as libonnxruntime.so does), so it is reached through ld.so.conf and as libc's PT_INTERP.
        Gcc("-O1", "-shared", "-fPIC", "-o", LdsoUser, Path.Combine(src, "libb.c"), "-Wl,--no-as-needed", "-l:ld-linux-x86-64.so.2");
    }

    /// <summary>Path gcc itself uses for a library, e.g. libc.so.6.</summary>
    public static string GccFile(string name) => Run("gcc", ["-print-file-name=" + name]).Trim();

    static void Gcc(params string[] args) => Run("gcc", args);

    static string Run(string exe, string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process p;
        try
        {
            p = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"'{exe}' could not be started ({e.Message}). These tests build their own ELF fixtures: install the Debian packages gcc and libc6-dev (and strace for the trace tests).", e);
        }
        using (p)
        {
            var stdout = p.StandardOutput.ReadToEndAsync();
            string stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"{exe} {string.Join(" ", args)} failed ({p.ExitCode}): {stderr}");
            return stdout.Result;
        }
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class BuiltProgramsCollection : ICollectionFixture<BuiltPrograms>
{
    public const string Name = "gcc-built programs";
}
