using System.Text.Json;

namespace UniML.Deps.Reports;

/// <summary>Machine-readable report; syscalls appear by their Linux names. Written with Utf8JsonWriter (no reflection, AOT-safe).</summary>
public static class JsonReport
{
    /// <summary>Writes <paramref name="report"/> as one JSON object.</summary>
    public static void Write(DependencyReport report, Stream output)
    {
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("title", report.Title);
        w.WriteString("syscallTable", "linux-x86_64");
        w.WriteString("libcTable", LibcSyscallMap.Glibc.DataFile);
        if (report.Closure is { } closure)
        {
            w.WriteStartObject("closure");
            w.WriteNumber("totalSize", closure.TotalSize);
            w.WriteStartArray("objects");
            foreach (var o in report.Objects)
            {
                var m = o.Member;
                var obj = m.Object;
                w.WriteStartObject();
                w.WriteString("path", obj.Path);
                w.WriteString("canonicalPath", m.CanonicalPath);
                w.WriteString("fileName", obj.FileName);
                w.WriteNumber("size", obj.FileSize);
                Strings(w, "foundVia", m.Sources.Select(s => s.ToString()));
                w.WriteString("kind", obj.IsStatic ? "static-executable" : obj.IsSharedLibrary ? "shared-library" : "dynamic-executable");
                if (obj.Soname is not null) w.WriteString("soname", obj.Soname);
                if (obj.Interpreter is not null) w.WriteString("interpreter", obj.Interpreter);
                Strings(w, "needed", obj.Needed);
                Strings(w, "rpath", obj.RPath);
                Strings(w, "runpath", obj.RunPath);
                Strings(w, "neededBy", m.NeededBy);
                w.WriteBoolean("cRuntime", m.IsCRuntime);
                w.WriteStartObject("imports");
                foreach (var (library, symbols) in ReportFacts.ImportsByLibrary(closure, obj))
                    Strings(w, library, symbols.Select(s => s.ToString()));
                w.WriteEndObject();
                Strings(w, "dlopenCandidates", obj.DlopenCandidates);
                w.WriteStartObject("syscalls");
                w.WriteNumber("codeBytes", obj.CodeBytes);
                w.WriteNumber("resolvedSites", o.ResolvedSites);
                w.WriteNumber("unresolvedSites", o.UnresolvedSites);
                Strings(w, "unresolvedInFunctions", o.UnresolvedFunctions);
                Syscalls(w, "direct", o.Direct);
                Syscalls(w, "viaLibcImports", o.ViaImports);
                Strings(w, "unmappedLibcImports", o.UnmappedLibcImports);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("missingLibraries");
            foreach (var missing in closure.Missing)
            {
                w.WriteStartObject();
                w.WriteString("name", missing.Name);
                Strings(w, "neededBy", missing.NeededBy);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("dlopenCandidates");
            foreach (var c in closure.DlopenCandidates)
            {
                w.WriteStartObject();
                w.WriteString("name", c.Name);
                w.WriteString("requester", c.Requester);
                if (c.ResolvedPath is null) w.WriteNull("resolvedPath"); else w.WriteString("resolvedPath", c.ResolvedPath);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("skipped");
            foreach (var s in closure.Skipped)
            {
                w.WriteStartObject();
                w.WriteString("path", s.Path);
                w.WriteString("reason", s.Reason);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
            Syscalls(w, "staticSyscalls", report.StaticRequired);
            Syscalls(w, "cRuntimeBound", report.CRuntimeBound);
        }
        if (report.Trace is { } trace)
        {
            w.WriteStartObject("trace");
            Strings(w, "command", trace.Command);
            w.WriteNumber("exitCode", trace.ExitCode);
            if (trace.KilledBy is null) w.WriteNull("killedBy"); else w.WriteString("killedBy", trace.KilledBy);
            w.WriteStartArray("signals");
            foreach (var s in trace.Signals)
            {
                w.WriteStartObject();
                w.WriteString("name", s.Name);
                w.WriteNumber("count", s.Count);
                w.WriteBoolean("fromOutside", s.FromOutside);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNumber("processes", trace.Processes);
            w.WriteString("strace", trace.StraceVersion);
            w.WriteStartArray("syscalls");
            foreach (var s in trace.Syscalls)
            {
                w.WriteStartObject();
                w.WriteString("name", s.Name);
                if (s.Number is int n) w.WriteNumber("number", n); else w.WriteNull("number");
                w.WriteNumber("count", s.Count);
                w.WriteNumber("failures", s.Failures);
                if (s.FirstErrno is null) w.WriteNull("firstErrno"); else w.WriteString("firstErrno", s.FirstErrno);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteStartArray("targets");
        foreach (var v in report.Verdicts)
        {
            w.WriteStartObject();
            w.WriteString("target", v.Target.Name);
            w.WriteString("description", v.Target.Description);
            if (v.Target.DataFile is not null) w.WriteString("dataFile", v.Target.DataFile);
            w.WriteString("basis", v.Basis);
            w.WriteBoolean("compatible", v.IsCompatible);
            Syscalls(w, "missing", v.Missing);
            Syscalls(w, "stubbed", v.Stubbed);
            Syscalls(w, "conditional", v.Conditional);
            Strings(w, "missingLibraries", v.MissingLibraries.Select(l => l.Name));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteBoolean("compatible", report.IsCompatible);
        w.WriteEndObject();
    }

    static void Strings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    static void Syscalls(Utf8JsonWriter w, string name, IEnumerable<int> numbers) =>
        Strings(w, name, numbers.Order().Select(SyscallTable.X86_64.NameOf));
}
