using System.Text;
using UniML.Onnx;
using UniML.Onnx.Protos;

namespace UniML.Engine;

/// <summary>What a model is made of and whether UniML can run it (for `uniml info`).</summary>
public sealed class ModelReport
{
    public required string Path { get; init; }
    public required ModelProto Model { get; init; }
    public required IReadOnlyList<ValueDescriptor> Inputs { get; init; }
    public required IReadOnlyList<ValueDescriptor> Outputs { get; init; }
    public required IReadOnlyList<(string Operator, int Count)> Histogram { get; init; }
    public required IReadOnlyList<string> Unsupported { get; init; }
    public string? LoadError { get; init; }

    /// <summary>
    /// Every value of the main graph (inputs, initializers, node outputs in execution order) with the type and
    /// shape load-time inference gives it; Constant marks initializers and folded values. Empty when the
    /// model failed to load for a reason other than unsupported operators.
    /// </summary>
    public IReadOnlyList<(ValueDescriptor Value, bool Constant)> Shapes { get; init; } = [];

    public static ModelReport Create(string path)
    {
        var model = OnnxFile.ReadModel(path);
        var histogram = new Dictionary<string, int>();
        Count(model.Graph, histogram);
        var unsupported = new List<string>();
        string? loadError = null;
        var compiler = new Internals.GraphCompiler(InferenceSession.Opsets(model), System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)), path);
        try
        {
            compiler.CompileMain(model.Graph, out _);
        }
        catch (UnsupportedOperatorException e)
        {
            for (int i = 0; i < e.Operators.Count; i++) unsupported.Add($"{e.Operators[i]}: {e.Reasons[i]}");
        }
        catch (Exception e) when (e is ModelLoadException or OnnxFormatException)
        {
            loadError = e.Message;
        }
        var initializerNames = model.Graph.Initializer.Select(t => t.Name).ToHashSet();
        return new ModelReport
        {
            Path = path,
            Model = model,
            Inputs = model.Graph.Input.Where(i => !initializerNames.Contains(i.Name)).Select(InferenceSession.Describe).ToArray(),
            Outputs = model.Graph.Output.Select(InferenceSession.Describe).ToArray(),
            Histogram = histogram.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Key, kv.Value)).ToArray(),
            Unsupported = unsupported,
            LoadError = loadError,
            Shapes = compiler.Main is { } main
                ? main.ValueTypes.Select((t, id) => (t.Describe(main.ValueNames[id]), main.Constants[id] is not null)).ToArray()
                : [],
        };
    }

    static void Count(GraphProto graph, Dictionary<string, int> histogram)
    {
        foreach (var node in graph.Node)
        {
            var key = (node.Domain.Length == 0 || node.Domain == "ai.onnx" ? "" : node.Domain + "::") + node.OpType;
            histogram[key] = histogram.GetValueOrDefault(key) + 1;
            foreach (var a in node.Attribute)
            {
                if (a.G is not null) Count(a.G, histogram);
                foreach (var g in a.Graphs) Count(g, histogram);
            }
        }
    }

    public string ToText()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"model: {Path}");
        sb.AppendLine($"producer: {Model.ProducerName} {Model.ProducerVersion}".TrimEnd());
        sb.AppendLine($"ir_version: {Model.IrVersion}");
        sb.AppendLine("opsets: " + string.Join(", ", Model.OpsetImport.Select(o => $"{(o.Domain.Length == 0 ? "ai.onnx" : o.Domain)} {o.Version}")));
        sb.AppendLine("inputs:");
        foreach (var i in Inputs) sb.AppendLine($"  {i}");
        sb.AppendLine("outputs:");
        foreach (var o in Outputs) sb.AppendLine($"  {o}");
        sb.AppendLine($"operators ({Histogram.Sum(h => h.Count)} nodes):");
        foreach (var (op, count) in Histogram) sb.AppendLine($"  {count,5}  {op}");
        if (LoadError is not null)
            sb.AppendLine($"load error: {LoadError}");
        if (Unsupported.Count == 0 && LoadError is null)
            sb.AppendLine("supported: yes, UniML can run this model");
        else if (Unsupported.Count > 0)
        {
            sb.AppendLine("unsupported:");
            foreach (var u in Unsupported) sb.AppendLine($"  {u}");
        }
        return sb.ToString();
    }

    /// <summary>The inferred type and shape of every value, one per line ("?" for a dim or rank not known at load time).</summary>
    public string ShapesText()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"values ({Shapes.Count}):");
        int width = Shapes.Count == 0 ? 0 : Math.Min(48, Shapes.Max(s => s.Value.Name.Length));
        foreach (var (value, constant) in Shapes)
        {
            var shape = value.Kind == ValueKind.Tensor ? " " + value.ShapeText : "";
            sb.AppendLine($"  {value.Name.PadRight(width)}  {value.TypeName}{shape}{(constant ? "  (constant)" : "")}");
        }
        return sb.ToString();
    }
}
