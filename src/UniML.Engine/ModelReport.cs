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

    public static ModelReport Create(string path)
    {
        var model = OnnxFile.ReadModel(path);
        var histogram = new Dictionary<string, int>();
        Count(model.Graph, histogram);
        var unsupported = new List<string>();
        string? loadError = null;
        try
        {
            InferenceSession.Compile(model, System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)), path);
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
}
