namespace UniML.Deps;

/// <summary>
/// Input the analysis cannot handle (not an ELF, truncated, unsupported machine, nothing to analyse,
/// a command that cannot be traced). The message is meant for the user as-is.
/// </summary>
public sealed class DependencyAnalysisException : Exception
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public DependencyAnalysisException(string message) : base(message) { }

    /// <summary>Creates the exception with a user-facing message and the underlying cause.</summary>
    public DependencyAnalysisException(string message, Exception inner) : base(message, inner) { }
}
