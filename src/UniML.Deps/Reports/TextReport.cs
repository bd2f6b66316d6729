namespace UniML.Deps.Reports;

/// <summary>The terminal table.</summary>
public static class TextReport
{
    /// <summary>Writes <paramref name="report"/>; <paramref name="listSymbols"/> lists every imported symbol.</summary>
    public static void Write(DependencyReport report, TextWriter w, bool listSymbols = false)
    {
        w.WriteLine(report.Title);
        w.WriteLine(new string('=', Math.Min(report.Title.Length, 100)));
        if (report.Closure is { } closure)
        {
            w.WriteLine();
            w.WriteLine($"Library closure: {closure.Members.Count} objects, {ReportFacts.Size(closure.TotalSize)}");
            w.WriteLine($"  {"object",-36} {"size",10}  {"found via",-11} {"sites ok/unres",14}  {"direct",6} {"via libc",8}  path");
            foreach (var o in report.Objects)
            {
                var m = o.Member;
                w.WriteLine($"  {Trim(m.Object.FileName, 36),-36} {ReportFacts.Size(m.Object.FileSize),10}  {string.Join(",", m.Sources),-11} {$"{o.ResolvedSites}/{o.UnresolvedSites}",14}  {o.Direct.Count,6} {o.ViaImports.Count,8}  {m.Object.Path}");
            }
            foreach (var missing in closure.Missing)
                w.WriteLine($"  MISSING {missing.Name} (needed by {string.Join(", ", missing.NeededBy)})");
            foreach (var s in closure.Skipped)
                w.WriteLine($"  skipped {s.Path}: {s.Reason}");

            w.WriteLine();
            w.WriteLine("Imported symbols by providing library:");
            foreach (var o in report.Objects)
            {
                var groups = ReportFacts.ImportsByLibrary(closure, o.Member.Object);
                if (groups.Count == 0) continue;
                w.WriteLine($"  {o.Member.Object.FileName}:");
                foreach (var (library, symbols) in groups)
                {
                    w.WriteLine($"    {library}: {symbols.Count} symbols ({ReportFacts.VersionSummary(symbols)})");
                    if (listSymbols)
                        foreach (var s in symbols) w.WriteLine($"      {s}");
                }
            }

            if (closure.DlopenCandidates.Count > 0)
            {
                w.WriteLine();
                w.WriteLine("dlopen candidates (names in the data of objects that use dlopen):");
                foreach (var c in closure.DlopenCandidates)
                    w.WriteLine($"  {c.Name,-40} in {c.Requester,-30} {c.ResolvedPath ?? "not found"}");
            }

            w.WriteLine();
            w.WriteLine($"Static syscalls of the closure ({report.StaticRequired.Count}): {ReportFacts.Names(report.StaticRequired)}");
            w.WriteLine($"C runtime upper bound, sites in libc/ld.so ({report.CRuntimeBound.Count}): {ReportFacts.Names(report.CRuntimeBound)}");
            foreach (var o in report.Objects)
            {
                if (o.UnresolvedSites == 0) continue;
                w.WriteLine($"  unresolved sites in {o.Member.Object.FileName}: {o.UnresolvedSites} in {string.Join(", ", o.UnresolvedFunctions.Take(12))}{(o.UnresolvedFunctions.Count > 12 ? ", ..." : "")}");
            }
        }

        if (report.Trace is { } trace)
        {
            w.WriteLine();
            w.WriteLine($"Traced: {string.Join(" ", trace.Command)}  ({trace.Outcome}, {trace.Processes} threads/processes, {trace.StraceVersion})");
            if (trace.Signals.Count > 0) w.WriteLine("  signals delivered: " + string.Join(", ", trace.Signals.Select(ReportFacts.Signal)));
            w.WriteLine($"  {"syscall",-24} {"calls",10} {"failed",8}  first errno");
            foreach (var s in trace.Syscalls)
                w.WriteLine($"  {s.Name,-24} {s.Count,10} {s.Failures,8}  {s.FirstErrno ?? ""}");
            w.WriteLine($"  {trace.Syscalls.Count} distinct syscalls");
        }

        w.WriteLine();
        w.WriteLine("Targets:");
        foreach (var v in report.Verdicts)
        {
            w.WriteLine($"  {v.Target.Name,-9} {ReportFacts.Status(v)} ({v.Basis} set){(v.Target.DataFile is null ? "" : $"  [data: {v.Target.DataFile}]")}");
            if (v.Missing.Count > 0) w.WriteLine($"    missing (ENOSYS): {ReportFacts.Names(v.Missing)}");
            if (v.Stubbed.Count > 0) w.WriteLine($"    stubbed: {ReportFacts.Names(v.Stubbed)}");
            if (v.Conditional.Count > 0) w.WriteLine($"    conditional: {ReportFacts.Names(v.Conditional)}");
            foreach (var lib in v.MissingLibraries) w.WriteLine($"    missing library: {lib.Name}");
        }
        if (report.Closure is { } c2)
        {
            w.WriteLine();
            w.WriteLine("Files the image must contain:");
            foreach (var m in c2.Members) w.WriteLine($"  {m.Object.Path}");
        }
    }

    static string Trim(string s, int width) => s.Length <= width ? s : s[..(width - 1)] + "~";
}
