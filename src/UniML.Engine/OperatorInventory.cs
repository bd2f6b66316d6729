using UniML.Engine.Operators;

namespace UniML.Engine;

/// <summary>Public view of the operator registry: what UniML implements.</summary>
public static class OperatorInventory
{
    /// <summary>"domain::Op (since N)" for every implemented operator, sorted.</summary>
    public static IEnumerable<string> List() =>
        OperatorRegistry.All.Select(e => $"{(e.Domain.Length == 0 ? "" : e.Domain + "::")}{e.OpType} ({e.MinSupported}+)");

    /// <summary>True when (domain, op) at this opset resolves to a kernel.</summary>
    public static bool IsSupported(string domain, string opType, int opset) => OperatorRegistry.IsSupported(domain, opType, opset);
}
