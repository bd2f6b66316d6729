
namespace UniML.Engine.Operators;

/// <summary>One supported operator: its domain, name, the specification's version history and the oldest version implemented.</summary>
internal sealed record OperatorEntry(string Domain, string OpType, int[] SpecVersions, int MinSupported, KernelFactory Factory)
{
    public string DomainName => Domain.Length == 0 ? "ai.onnx" : Domain;
}

/// <summary>
/// The single list of what UniML supports. Each entry names an operator with the version history the
/// ONNX specification gives it (up to <see cref="MaxOnnxOpset"/> / <see cref="MaxOnnxMlOpset"/>); a model
/// resolves to the newest version not above its imported opset, and that version must be implemented.
/// </summary>
internal static partial class OperatorRegistry
{
    /// <summary>Newest ai.onnx opset whose operator changes UniML has reviewed (ONNX 1.17).</summary>
    public const int MaxOnnxOpset = 22;

    /// <summary>Newest ai.onnx.ml opset UniML has reviewed.</summary>
    public const int MaxOnnxMlOpset = 5;

    public const string Ml = "ai.onnx.ml";

    static readonly Dictionary<(string, string), OperatorEntry> Entries = Build();

    public static IEnumerable<OperatorEntry> All => Entries.Values.OrderBy(e => e.Domain).ThenBy(e => e.OpType, StringComparer.Ordinal);

    static Dictionary<(string, string), OperatorEntry> Build()
    {
        var map = new Dictionary<(string, string), OperatorEntry>();
        foreach (var e in OnnxOperators().Concat(OnnxMlOperators()))
        {
            if (!map.TryAdd((e.Domain, e.OpType), e))
                throw new InvalidOperationException($"operator {e.DomainName}::{e.OpType} is registered twice");
        }
        return map;
    }

    /// <summary>An ai.onnx operator; <paramref name="versions"/> is the specification's version history, the first of <paramref name="minSupported"/> onwards implemented.</summary>
    static OperatorEntry Op(string opType, int[] versions, KernelFactory factory, int minSupported = 0) =>
        new("", opType, versions, minSupported == 0 ? versions[0] : minSupported, factory);

    static OperatorEntry MlOp(string opType, int[] versions, KernelFactory factory, int minSupported = 0) =>
        new(Ml, opType, versions, minSupported == 0 ? versions[0] : minSupported, factory);

    /// <summary>The factory for (domain, op) at the model's opset, or null with the reason.</summary>
    public static KernelFactory? Resolve(string domain, string opType, int opset, out string reason)
    {
        int max = domain switch { "" => MaxOnnxOpset, Ml => MaxOnnxMlOpset, _ => -1 };
        if (max < 0)
        {
            reason = $"domain '{domain}' is not supported (UniML implements ai.onnx and ai.onnx.ml)";
            return null;
        }
        if (opset > max)
        {
            reason = $"opset {opset} of {(domain.Length == 0 ? "ai.onnx" : domain)} is newer than UniML knows (up to {max})";
            return null;
        }
        if (!Entries.TryGetValue((domain, opType), out var entry))
        {
            reason = "operator not implemented";
            return null;
        }
        int version = -1;
        foreach (var v in entry.SpecVersions)
            if (v <= opset) version = Math.Max(version, v);
        if (version < 0)
        {
            reason = $"the operator does not exist before opset {entry.SpecVersions.Min()}";
            return null;
        }
        if (version < entry.MinSupported)
        {
            reason = $"version {version} of the operator is not implemented (UniML implements version {entry.MinSupported} onwards)";
            return null;
        }
        reason = "";
        return entry.Factory;
    }

    /// <summary>True when UniML can compile this operator at this opset (attribute values may still be refused).</summary>
    public static bool IsSupported(string domain, string opType, int opset) => Resolve(domain, opType, opset, out _) is not null;
}
