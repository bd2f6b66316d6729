namespace UniML.Deps.Reports;

/// <summary>A Markdown section for docs (docs/dependency-analysis.md is made of these).</summary>
public static class MarkdownReport
{
    /// <summary>Writes <paramref name="report"/> as a level-2 section.</summary>
    public static void Write(DependencyReport report, TextWriter w)
    {
        w.WriteLine($"## {report.Title}");
        w.WriteLine();
        if (report.Closure is { } closure)
        {
            w.WriteLine($"Library closure: **{closure.Members.Count} objects, {ReportFacts.Size(closure.TotalSize)}**" +
                        (closure.Missing.Count > 0 ? $", **{closure.Missing.Count} missing**" : "") + ".");
            w.WriteLine();
            w.WriteLine("| object | size | found via | syscall sites (resolved/unresolved) | direct | via libc imports | imports by library |");
            w.WriteLine("|---|---:|---|---:|---:|---:|---|");
            foreach (var o in report.Objects)
            {
                var m = o.Member;
                var imports = string.Join("; ", ReportFacts.ImportsByLibrary(closure, m.Object)
                    .Select(g => $"{g.Library}: {g.Symbols.Count} ({ReportFacts.VersionSummary(g.Symbols)})"));
                w.WriteLine($"| `{m.Object.FileName}` | {ReportFacts.Size(m.Object.FileSize)} | {string.Join(", ", m.Sources)} | {o.ResolvedSites}/{o.UnresolvedSites} | {o.Direct.Count} | {o.ViaImports.Count} | {Escape(imports)} |");
            }
            w.WriteLine();
            foreach (var missing in closure.Missing)
                w.WriteLine($"- Missing library `{missing.Name}` (needed by {string.Join(", ", missing.NeededBy)})");
            if (closure.Skipped.Count > 0)
                w.WriteLine($"- Skipped {closure.Skipped.Count} ELF files that are not x86_64 executables or shared objects.");
            var dl = closure.DlopenCandidates.GroupBy(c => c.Name).ToList();
            if (dl.Count > 0)
            {
                w.WriteLine($"- dlopen candidates: {string.Join(", ", dl.Select(g => $"`{g.Key}`" + (g.First().ResolvedPath is null ? " (not found)" : "")))}");
            }
            w.WriteLine();
            w.WriteLine($"Static syscall set of the closure (**{report.StaticRequired.Count}**): {Code(report.StaticRequired)}");
            w.WriteLine();
            w.WriteLine($"Upper bound from libc/ld.so's own sites ({report.CRuntimeBound.Count}): {Code(report.CRuntimeBound)}");
            w.WriteLine();
            int unresolved = report.Objects.Sum(o => o.UnresolvedSites);
            if (unresolved > 0)
                w.WriteLine($"Unresolved sites: {unresolved} (" + string.Join(", ", report.Objects.Where(o => o.UnresolvedSites > 0)
                    .Select(o => $"`{o.Member.Object.FileName}` {o.UnresolvedSites}")) + ").");
            w.WriteLine();
        }
        if (report.Trace is { } trace)
        {
            w.WriteLine($"Traced workload: `{string.Join(" ", trace.Command.Select(a => a.Contains(' ') ? $"'{a}'" : a))}` " +
                        $"({trace.Outcome}, {trace.Processes} threads/processes): **{trace.Syscalls.Count} distinct syscalls**.");
            w.WriteLine();
            if (report.Closure is not null)
            {
                var unpredicted = trace.Numbers.Where(n => !report.StaticRequired.Contains(n)).ToList();
                var outside = unpredicted.Where(n => !report.CRuntimeBound.Contains(n)).ToList();
                w.WriteLine(unpredicted.Count == 0
                    ? "Every traced syscall is in the static set."
                    : $"Traced but not in the static set ({unpredicted.Count}): {Code(unpredicted)}; " +
                      (outside.Count == 0 ? "all of them are within libc/ld.so's own sites (the upper bound)." : $"outside even libc/ld.so's sites: {Code(outside)}."));
                w.WriteLine();
            }
            if (trace.Signals.Count > 0)
            {
                w.WriteLine("Signals delivered: " + string.Join(", ", trace.Signals.Select(ReportFacts.Signal)) + ".");
                w.WriteLine();
            }
            w.WriteLine("| syscall | calls | failed | first errno |");
            w.WriteLine("|---|---:|---:|---|");
            foreach (var s in trace.Syscalls)
                w.WriteLine($"| {s.Name} | {s.Count} | {s.Failures} | {s.FirstErrno ?? ""} |");
            w.WriteLine();
        }
        w.WriteLine("| target | set | verdict | missing (ENOSYS) | stubbed | conditional |");
        w.WriteLine("|---|---|---|---|---|---|");
        var rows = report.Trace is not null ? report.Verdicts.Concat(report.Closure is null ? [] : report.StaticVerdicts) : report.Verdicts;
        foreach (var v in rows)
            w.WriteLine($"| {v.Target.Name} | {v.Basis} | {ReportFacts.Status(v)} | {Code(v.Missing)} | {Code(v.Stubbed)} | {Code(v.Conditional)} |");
        w.WriteLine();
    }

    static string Code(IEnumerable<int> numbers)
    {
        var names = ReportFacts.Names(numbers);
        return names.Length == 0 ? "none" : string.Join(" ", names.Split(' ').Select(n => $"`{n}`"));
    }

    static string Escape(string s) => s.Replace("|", "\\|", StringComparison.Ordinal);
}
