using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// StringNormalizer: drops stopwords (whole-string match, case-insensitive unless is_case_sensitive=1),
/// then lower- or upper-cases what remains (culture-invariant: UniML runs with invariant globalization,
/// so the 'locale' attribute is accepted but only invariant casing is applied). Input is [C] or [1, C];
/// if every string is dropped the output is a single empty string, as ONNX Runtime does.
/// </summary>
internal sealed class StringNormalizer(int caseChange, HashSet<string> stopwords) : Kernel
{
    public static Kernel Create(NodeInfo node)
    {
        var action = node.GetString("case_change_action", "NONE");
        int caseChange = action switch
        {
            "NONE" => 0,
            "LOWER" => 1,
            "UPPER" => 2,
            _ => throw node.Invalid($"case_change_action '{action}' is not NONE, LOWER or UPPER"),
        };
        bool caseSensitive = node.GetInt("is_case_sensitive", 0) != 0;
        var set = new HashSet<string>(caseSensitive ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);
        foreach (var w in node.GetStrings("stopwords") ?? []) set.Add(w);
        return new StringNormalizer(caseChange, set);
    }

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        if (x.Type != ElementType.String) throw new InferenceException($"input must be tensor(string), got {x.TypeName}");
        bool twoD = x.Rank == 2;
        if (!(x.Rank == 1 || (twoD && x.Shape[0] == 1)))
            throw new InferenceException($"input must have shape [C] or [1, C], got {x.ShapeString}");
        var src = x.Strings();
        int kept = 0;
        foreach (var s in src) if (!stopwords.Contains(s)) kept++;
        int n = Math.Max(kept, 1);
        var dst = context.Output(0, ElementType.String, twoD ? [1, n] : [n]).Strings();
        if (kept == 0) { dst[0] = string.Empty; return; }
        int j = 0;
        foreach (var s in src)
        {
            if (stopwords.Contains(s)) continue;
            dst[j++] = caseChange switch { 1 => s.ToLowerInvariant(), 2 => s.ToUpperInvariant(), _ => s };
        }
    }
}
