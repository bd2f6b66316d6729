namespace UniML.Deps;

/// <summary>How one syscall set fares on one target.</summary>
public sealed class TargetVerdict
{
    internal TargetVerdict(UnikernelTarget target, IEnumerable<int> required, string basis, IReadOnlyList<MissingLibrary> missingLibraries)
    {
        Target = target;
        Basis = basis;
        var missing = new List<int>();
        var stubbed = new List<int>();
        var conditional = new List<int>();
        foreach (int nr in required.Distinct().Order())
        {
            switch (target.SupportOf(nr).Level)
            {
                case SyscallSupportLevel.Missing: missing.Add(nr); break;
                case SyscallSupportLevel.Stubbed: stubbed.Add(nr); break;
                case SyscallSupportLevel.Conditional: conditional.Add(nr); break;
            }
        }
        Missing = missing;
        Stubbed = stubbed;
        Conditional = conditional;
        MissingLibraries = missingLibraries;
    }

    /// <summary>The target.</summary>
    public UnikernelTarget Target { get; }

    /// <summary>"traced" or "static": which syscall set decided the verdict.</summary>
    public string Basis { get; }

    /// <summary>Required syscalls that return ENOSYS on the target.</summary>
    public IReadOnlyList<int> Missing { get; }

    /// <summary>Required syscalls the target accepts but does not really implement.</summary>
    public IReadOnlyList<int> Stubbed { get; }

    /// <summary>Required syscalls available only with an optional component.</summary>
    public IReadOnlyList<int> Conditional { get; }

    /// <summary>Libraries that could not be found and so cannot be put in the image.</summary>
    public IReadOnlyList<MissingLibrary> MissingLibraries { get; }

    /// <summary>No missing syscall and no missing library. Stubs may still change behaviour.</summary>
    public bool IsCompatible => Missing.Count == 0 && MissingLibraries.Count == 0;
}

/// <summary>
/// Everything <c>uniml deps</c> reports: the library closure, static syscall sets per object and per
/// closure, an optional traced set, and a verdict per target.
/// </summary>
public sealed class DependencyReport
{
    DependencyReport(string title, DependencyClosure? closure, IReadOnlyList<ObjectSyscalls> objects, SyscallTrace? trace, IReadOnlyList<UnikernelTarget> targets)
    {
        Title = title;
        Closure = closure;
        Objects = objects;
        Trace = trace;
        var required = new SortedSet<int>();
        var cRuntime = new SortedSet<int>();
        foreach (var o in objects)
        {
            if (o.Member.IsCRuntime) { cRuntime.UnionWith(o.Direct); required.UnionWith(o.ViaImports); }
            else required.UnionWith(o.All);
        }
        StaticRequired = required;
        CRuntimeBound = cRuntime;
        var verdicts = new List<TargetVerdict>();
        foreach (var t in targets)
        {
            var missingLibs = closure?.Missing ?? [];
            verdicts.Add(trace is not null
                ? new TargetVerdict(t, trace.Numbers, "traced", missingLibs)
                : new TargetVerdict(t, required, "static", missingLibs));
        }
        Verdicts = verdicts;
        StaticVerdicts = [.. targets.Select(t => new TargetVerdict(t, required, "static", closure?.Missing ?? []))];
    }

    /// <summary>Heading for the report.</summary>
    public string Title { get; }

    /// <summary>The closure, when inputs were analysed.</summary>
    public DependencyClosure? Closure { get; }

    /// <summary>Per-object static findings, in closure order.</summary>
    public IReadOnlyList<ObjectSyscalls> Objects { get; }

    /// <summary>The traced run, when one was made.</summary>
    public SyscallTrace? Trace { get; }

    /// <summary>
    /// Static set of the closure: every non-C-runtime object's own sites and libc imports. glibc's own
    /// sites are excluded because libc and ld.so contain code for nearly every syscall; see <see cref="CRuntimeBound"/>.
    /// </summary>
    public IReadOnlySet<int> StaticRequired { get; }

    /// <summary>Syscalls resolved in libc.so.6 and ld.so themselves: an upper bound on what the C runtime may issue.</summary>
    public IReadOnlySet<int> CRuntimeBound { get; }

    /// <summary>Verdicts on the traced set when there is a trace, otherwise on the static set.</summary>
    public IReadOnlyList<TargetVerdict> Verdicts { get; }

    /// <summary>Verdicts on the static set, always.</summary>
    public IReadOnlyList<TargetVerdict> StaticVerdicts { get; }

    /// <summary>True when every verdict is compatible.</summary>
    public bool IsCompatible => Verdicts.All(v => v.IsCompatible);

    /// <summary>Builds the report from a closure (may be null for a trace-only report) and an optional trace.</summary>
    public static DependencyReport Create(string title, DependencyClosure? closure, SyscallTrace? trace, IReadOnlyList<UnikernelTarget> targets)
    {
        var objects = closure?.Members.Select(m => new ObjectSyscalls(m, LibcSyscallMap.Glibc)).ToList() ?? [];
        return new DependencyReport(title, closure, objects, trace, targets);
    }
}
