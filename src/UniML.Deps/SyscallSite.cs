namespace UniML.Deps;

/// <summary>How a system call site was found in machine code.</summary>
public enum SyscallSiteKind
{
    /// <summary>A <c>syscall</c> instruction.</summary>
    Instruction,
    /// <summary>A call to the C library's <c>syscall()</c> function.</summary>
    LibcSyscallFunction,
}

/// <summary>One place in an object's code that enters the kernel.</summary>
/// <param name="Address">Virtual address of the instruction.</param>
/// <param name="Kind">syscall instruction or call to syscall().</param>
/// <param name="Number">The syscall number when a constant reaches eax (or the first argument); null if unresolved.</param>
/// <param name="Function">Nearest preceding function symbol, when the object has symbols.</param>
public sealed record SyscallSite(ulong Address, SyscallSiteKind Kind, int? Number, string? Function);
