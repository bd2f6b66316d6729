using UniML.Engine;
using UniML.Onnx;
using UniML.Onnx.Protos;

namespace UniML.Conformance;

/// <summary>
/// The random draws of a backend-test model. Their reference values are numpy's draws, which no other
/// generator reproduces, so such a test cannot pass by comparison. Instead the model is run with every
/// draw's inputs and outputs exposed as extra graph outputs, and the runner checks: the output count, each
/// output's type and shape against the reference, by value the outputs no draw feeds, and every draw against
/// its operator's domain. The result is <see cref="TestStatus.RandomChecked"/>, never a pass.
/// </summary>
public sealed class RandomDraws
{
    /// <summary>The ai.onnx operators whose outputs are random draws; Dropout only in training mode (see <see cref="IsRandom"/>).</summary>
    public static readonly IReadOnlyList<string> Operators =
        ["Bernoulli", "Multinomial", "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike", "Dropout"];

    readonly List<NodeProto> _nodes;
    readonly HashSet<string> _dependent;
    readonly int _opset;

    RandomDraws(ModelProto model, int opset, List<NodeProto> nodes, HashSet<string> dependent)
    {
        _opset = opset;
        _nodes = nodes;
        _dependent = dependent;
        ExposedModel = model.Clone();
        var outputs = ExposedModel.Graph.Output;
        var named = new HashSet<string>(outputs.Select(o => o.Name));
        foreach (var node in nodes)
            foreach (var name in node.Input.Concat(node.Output))
                if (name.Length > 0 && named.Add(name))
                    outputs.Add(new ValueInfoProto { Name = name });
    }

    /// <summary>The model with the inputs and outputs of every main-graph draw appended to its graph outputs (original outputs keep their indices).</summary>
    public ModelProto ExposedModel { get; }

    /// <summary>The random draws of <paramref name="model"/>, or null when it makes none (in its main graph or any subgraph).</summary>
    public static RandomDraws? Find(ModelProto model)
    {
        int opset = InferenceSession.Opsets(model).GetValueOrDefault("", 1);
        var graph = model.Graph;
        var nodes = graph.Node.Where(n => IsRandom(n, opset, graph)).ToList();
        var dependent = new HashSet<string>(StringComparer.Ordinal);
        // A value depends on a draw when its node draws, holds a subgraph that draws, or reads a dependent
        // value (subgraphs read outer values by name). Nodes are in topological order, but iterate to a
        // fixed point rather than rely on it.
        bool anyDraw = false, changed = true;
        while (changed)
        {
            changed = false;
            foreach (var node in graph.Node)
            {
                bool draws = IsRandom(node, opset, graph) || Subgraphs(node).Any(g => Draws(g, opset));
                anyDraw |= draws;
                if (!draws && !ReadNames(node).Any(dependent.Contains)) continue;
                foreach (var output in node.Output)
                    if (output.Length > 0 && dependent.Add(output)) changed = true;
            }
        }
        return anyDraw ? new RandomDraws(model, opset, nodes, dependent) : null;
    }

    /// <summary>True when graph output <paramref name="name"/> is computed from a draw.</summary>
    public bool DependsOnDraws(string name) => _dependent.Contains(name);

    /// <summary>
    /// True for a node of <see cref="Operators"/> that draws: Dropout only in training mode (opset 1–6 with
    /// is_test = 0, or opset 12+ with a training_mode input that is not a constant false).
    /// </summary>
    public static bool IsRandom(NodeProto node, int opset, GraphProto graph)
    {
        if (node.Domain is not ("" or "ai.onnx") || !Operators.Contains(node.OpType)) return false;
        if (node.OpType != "Dropout") return true;
        if (opset < 7) return IntAttribute(node, "is_test", 0) == 0;
        if (opset < 12 || node.Input.Count < 3 || node.Input[2].Length == 0) return false;
        var constant = graph.Initializer.FirstOrDefault(t => t.Name == node.Input[2]);
        return constant is null || OnnxValueConverter.FromTensorProto(constant, null, constant.Name) is not { Type: ElementType.Bool, Length: 1 } flag
            || flag.Span<bool>()[0];
    }

    static bool Draws(GraphProto graph, int opset) =>
        graph.Node.Any(n => IsRandom(n, opset, graph) || Subgraphs(n).Any(g => Draws(g, opset)));

    static IEnumerable<GraphProto> Subgraphs(NodeProto node) =>
        node.Attribute.SelectMany(a => a.G is { } g ? a.Graphs.Prepend(g) : a.Graphs);

    /// <summary>Names a node reads: its inputs and everything its subgraphs' nodes read.</summary>
    static IEnumerable<string> ReadNames(NodeProto node) =>
        node.Input.Concat(Subgraphs(node).SelectMany(g => g.Node.SelectMany(ReadNames)));

    /// <summary>What was checked, for the report (independent of the drawn values, so the report is stable).</summary>
    public string Describe(IReadOnlyList<string> comparedOutputs)
    {
        var parts = new List<string> { "draws are random, values not compared; output count, types and shapes match the reference" };
        if (comparedOutputs.Count > 0)
            parts.Add($"outputs no draw feeds compared by value ({string.Join(", ", comparedOutputs.Select(o => $"'{o}'"))})");
        foreach (var node in _nodes)
            parts.Add($"{Label(node)}: every value {Domain(node)}");
        if (_nodes.Count == 0)
            parts.Add("the draws are inside subgraphs, so only the outputs' types and shapes are checked");
        return string.Join("; ", parts);
    }

    static string Label(NodeProto node) => node.Name.Length > 0 ? $"{node.OpType} '{node.Name}'" : $"{node.OpType} (output '{node.Output[0]}')";

    string Domain(NodeProto node) => node.OpType switch
    {
        "Bernoulli" => "0 or 1 (0 where p <= 0, 1 where p >= 1)",
        "RandomUniform" or "RandomUniformLike" => $"in [{FloatAttribute(node, "low", 0):R}, {FloatAttribute(node, "high", 1):R})",
        "RandomNormal" or "RandomNormalLike" => "finite",
        "Multinomial" => "a class index in [0, classes), never a class of log-probability -inf",
        _ => "0 or x/(1-ratio), as the mask says (x itself when not training or ratio is 0)",
    };

    /// <summary>Checks every main-graph draw of one run, reading values by name; null when all are in their domain.</summary>
    public string? CheckDomains(Func<string, Value?> value)
    {
        foreach (var node in _nodes)
        {
            Tensor? Get(int input) => input < node.Input.Count && node.Input[input].Length > 0 ? value(node.Input[input]) as Tensor : null;
            var y = value(node.Output[0]) as Tensor;
            if (y is null) return $"{Label(node)}: no tensor output";
            var violation = node.OpType switch
            {
                "Bernoulli" => CheckBernoulli(node, Get(0), y),
                "RandomUniform" or "RandomUniformLike" => CheckUniform(node, Get(0), y),
                "RandomNormal" or "RandomNormalLike" => CheckNormal(node, Get(0), y),
                "Multinomial" => CheckMultinomial(node, Get(0), y),
                _ => CheckDropout(node, Get(0), Get(1), Get(2), node.Output.Count > 1 && node.Output[1].Length > 0 ? value(node.Output[1]) as Tensor : null, y),
            };
            if (violation is not null) return $"{Label(node)}: {violation}";
        }
        return null;
    }

    static string? CheckBernoulli(NodeProto node, Tensor? p, Tensor y)
    {
        if (p is null) return "input missing";
        if (Layout(y, node.Attribute.Any(a => a.Name == "dtype") ? (ElementType)IntAttribute(node, "dtype", 0) : p.Type, p.Shape) is { } layout) return layout;
        double[] ps = Numbers(p), ys = Numbers(y);
        for (int i = 0; i < ys.Length; i++)
        {
            if (ys[i] is not (0 or 1)) return $"element {i} is {ys[i]:R}, not 0 or 1";
            if (ps[i] <= 0 && ys[i] != 0) return $"element {i} is 1 where p is {ps[i]:R}";
            if (ps[i] >= 1 && ys[i] != 1) return $"element {i} is 0 where p is {ps[i]:R}";
        }
        return null;
    }

    static string? CheckUniform(NodeProto node, Tensor? like, Tensor y)
    {
        if (LikeLayout(node, like, y) is { } layout) return layout;
        double low = FloatAttribute(node, "low", 0), high = FloatAttribute(node, "high", 1);
        var ys = Numbers(y);
        for (int i = 0; i < ys.Length; i++)
            if (!(ys[i] >= low && ys[i] < high)) return $"element {i} is {ys[i]:R}, outside [{low:R}, {high:R})";
        return null;
    }

    static string? CheckNormal(NodeProto node, Tensor? like, Tensor y)
    {
        if (LikeLayout(node, like, y) is { } layout) return layout;
        var ys = Numbers(y);
        for (int i = 0; i < ys.Length; i++)
            if (!double.IsFinite(ys[i])) return $"element {i} is {ys[i]:R}, not finite";
        return null;
    }

    /// <summary>RandomUniform/RandomNormal: 'shape' and 'dtype' (float); their -Like forms: the input's shape, 'dtype' or the input's type.</summary>
    static string? LikeLayout(NodeProto node, Tensor? like, Tensor y)
    {
        bool hasDType = node.Attribute.Any(a => a.Name == "dtype");
        if (!node.OpType.EndsWith("Like", StringComparison.Ordinal))
        {
            var shape = node.Attribute.FirstOrDefault(a => a.Name == "shape")?.Ints.Select(d => (int)d).ToArray() ?? [];
            return Layout(y, hasDType ? (ElementType)IntAttribute(node, "dtype", 0) : ElementType.Float, shape);
        }
        if (like is null) return "input missing";
        return Layout(y, hasDType ? (ElementType)IntAttribute(node, "dtype", 0) : like.Type, like.Shape);
    }

    static string? CheckMultinomial(NodeProto node, Tensor? x, Tensor y)
    {
        if (x is not { Rank: 2 }) return "input missing or not 2-D";
        int batch = x.Shape[0], classes = x.Shape[1], samples = (int)IntAttribute(node, "sample_size", 1);
        if (Layout(y, (ElementType)IntAttribute(node, "dtype", (long)ElementType.Int32), [batch, samples]) is { } layout) return layout;
        double[] logits = Numbers(x), ys = Numbers(y);
        for (int i = 0; i < ys.Length; i++)
        {
            double c = ys[i];
            if (!(c >= 0 && c < classes)) return $"element {i} is {c:R}, not a class index in [0, {classes})";
            if (double.IsNegativeInfinity(logits[i / samples * classes + (int)c])) return $"element {i} drew class {c:R}, whose log-probability is -inf";
        }
        return null;
    }

    string? CheckDropout(NodeProto node, Tensor? x, Tensor? ratioInput, Tensor? trainingInput, Tensor? mask, Tensor y)
    {
        if (x is null) return "input missing";
        if (Layout(y, x.Type, x.Shape) is { } layout) return layout;
        if (mask is not null && Layout(mask, _opset >= 10 ? ElementType.Bool : x.Type, x.Shape) is { } maskLayout) return $"mask: {maskLayout}";
        bool training;
        double ratio;
        if (_opset < 7)
        {
            training = IntAttribute(node, "is_test", 0) == 0;
            ratio = FloatAttribute(node, "ratio", 0.5f);
        }
        else
        {
            training = trainingInput is not null && Numbers(trainingInput)[0] != 0;
            ratio = ratioInput is null ? 0.5 : Numbers(ratioInput)[0];
        }
        double[] xs = Numbers(x), ys = Numbers(y), kept = mask is null ? [] : Numbers(mask);
        bool keepsAll = !training || ratio == 0;
        double scale = keepsAll ? 1 : 1 / (1 - ratio);
        var tolerance = x.Type is ElementType.Float16 or ElementType.BFloat16 ? Tolerance.HalfPrecision : Tolerance.Default;
        for (int i = 0; i < ys.Length; i++)
        {
            if (mask is not null && kept[i] is not (0 or 1)) return $"mask element {i} is {kept[i]:R}, not 0 or 1";
            bool dropped = mask is not null ? kept[i] == 0 : ys[i] == 0;
            if (keepsAll && dropped && !(mask is null && xs[i] == 0))
                return $"element {i} was dropped, but {(training ? "ratio is 0" : "Dropout is not training")}";
            if (dropped ? ys[i] != 0 : !tolerance.Accepts(ys[i], xs[i] * scale))
                return $"element {i} is {ys[i]:R} for x = {xs[i]:R}: expected {(dropped ? "0 (dropped)" : $"{xs[i] * scale:R} (kept, x/(1-ratio) with ratio {ratio:R})")}";
        }
        return null;
    }

    static string? Layout(Tensor y, ElementType type, ReadOnlySpan<int> shape)
    {
        if (y.Type != type) return $"element type {y.TypeName}, expected tensor({ElementTypeInfo.OnnxName(type)})";
        return y.Shape.SequenceEqual(shape) ? null : $"shape {y.ShapeString}, expected {Tensor.ShapeText(shape)}";
    }

    static long IntAttribute(NodeProto node, string name, long fallback) => node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.I : fallback;

    static double FloatAttribute(NodeProto node, string name, float fallback) => node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.F : fallback;

    /// <summary>Any numeric or bool tensor's elements as doubles (bfloat16 from its 16 raw bits).</summary>
    static double[] Numbers(Tensor t) => t.Type switch
    {
        ElementType.Float => Array.ConvertAll(t.ToArray<float>(), v => (double)v),
        ElementType.Double => t.ToArray<double>(),
        ElementType.Float16 => Array.ConvertAll(t.ToArray<Half>(), v => (double)v),
        ElementType.BFloat16 => Array.ConvertAll(t.ToArray<ushort>(), b => (double)BitConverter.Int32BitsToSingle(b << 16)),
        ElementType.Int8 => Array.ConvertAll(t.ToArray<sbyte>(), v => (double)v),
        ElementType.Int16 => Array.ConvertAll(t.ToArray<short>(), v => (double)v),
        ElementType.Int32 => Array.ConvertAll(t.ToArray<int>(), v => (double)v),
        ElementType.Int64 => Array.ConvertAll(t.ToArray<long>(), v => (double)v),
        ElementType.UInt8 => Array.ConvertAll(t.ToArray<byte>(), v => (double)v),
        ElementType.Bool => Array.ConvertAll(t.Bytes().ToArray(), v => (double)v),
        ElementType.UInt16 => Array.ConvertAll(t.ToArray<ushort>(), v => (double)v),
        ElementType.UInt32 => Array.ConvertAll(t.ToArray<uint>(), v => (double)v),
        ElementType.UInt64 => Array.ConvertAll(t.ToArray<ulong>(), v => (double)v),
        _ => throw new NotSupportedException($"cannot read {t.TypeName} as numbers"),
    };
}
