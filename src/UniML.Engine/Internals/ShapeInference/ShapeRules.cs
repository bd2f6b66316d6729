using UniML.Engine.Internals.ShapeInference.Rules;
using UniML.Engine.Operators;

namespace UniML.Engine.Internals.ShapeInference;

/// <summary>
/// The table of shape rules, by (domain, operator), gathered from one file per operator family. An
/// operator without a rule gets unknown outputs. Rules are kept apart from kernels on purpose: they
/// run at load time only, and the run-time cross-check test holds them to what the kernels produce.
/// </summary>
internal static class ShapeRules
{
    static readonly Dictionary<(string Domain, string Op), ShapeRule> Table = Build();

    static Dictionary<(string, string), ShapeRule> Build()
    {
        var table = new Dictionary<(string, string), ShapeRule>();
        void Add(string domain, IEnumerable<(string Op, ShapeRule Rule)> rules)
        {
            foreach (var (op, rule) in rules)
                if (!table.TryAdd((domain, op), rule))
                    throw new InvalidOperationException($"shape rule for {op} is registered twice");
        }
        Add("", ElementWiseShapes.Rules());
        Add("", ReductionShapes.Rules());
        Add("", NeuralNetShapes.Rules());
        Add("", TensorShapes.Rules());
        Add("", SequenceShapes.Rules());
        Add("", RandomShapes.Rules());
        Add("", QuantizationShapes.Rules());
        Add("", RecurrentShapes.Rules());
        Add("", ControlFlowShapes.Rules());
        Add(OperatorRegistry.Ml, OnnxMlShapes.Rules());
        return table;
    }

    public static ShapeRule? Find(string domain, string opType) => Table.GetValueOrDefault((domain, opType));

    /// <summary>Every (domain, operator) with a rule.</summary>
    public static IEnumerable<(string Domain, string Op)> Covered => Table.Keys;
}
