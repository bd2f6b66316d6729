using UniML.Engine.Internals.ShapeInference;
using UniML.Engine.Operators;
using UniML.Onnx;
using UniML.Onnx.Protos;

namespace UniML.Engine.Internals;

/// <summary>
/// Turns an ONNX graph into a <see cref="CompiledGraph"/>: orders nodes topologically, selects one
/// kernel per node (collecting every unsupported operator before failing), folds nodes whose inputs are
/// all constants, and plans buffers by value liveness.
/// </summary>
internal sealed class GraphCompiler
{
    readonly Dictionary<string, int> _opsets;
    readonly string? _baseDirectory;
    readonly string _modelName;
    readonly List<OperatorId> _unsupported = new();
    readonly List<string> _reasons = new();
    ShapeInferencePass? _shapes; // the innermost graph being compiled (subgraphs compile inside their node's kernel factory)
    // Each compiled subgraph's inferred output types, for the shape rules of If, Loop and Scan (which run after their kernel factory).
    readonly Dictionary<GraphProto, InferredType[]> _subgraphOutputs = new(ReferenceEqualityComparer.Instance);
    int _freshDims;

    public GraphCompiler(IReadOnlyDictionary<string, int> opsets, string? baseDirectory, string modelName)
    {
        _opsets = new Dictionary<string, int>(opsets);
        _baseDirectory = baseDirectory;
        _modelName = modelName;
    }

    public static string NormalizeDomain(string domain) => domain == "ai.onnx" ? "" : domain;

    /// <summary>Compiles the model's main graph; throws <see cref="UnsupportedOperatorException"/> listing every unsupported operator.</summary>
    public CompiledGraph CompileMain(GraphProto graph, out List<ValueInfoProto> inputs)
    {
        var initializerNames = new HashSet<string>(graph.Initializer.Select(t => t.Name));
        inputs = graph.Input.Where(i => !initializerNames.Contains(i.Name)).ToList();
        var compiled = Compile(graph, inputs.Select(i => i.Name).ToList(), []);
        Main = compiled;
        if (_unsupported.Count > 0)
            throw new UnsupportedOperatorException(_unsupported.ToArray(), _reasons.ToArray());
        return compiled;
    }

    /// <summary>The main graph once compiled, even when unsupported operators then fail the load (its shapes serve `uniml info`).</summary>
    public CompiledGraph? Main { get; private set; }

    Dim FreshDim() => Dim.Fresh(++_freshDims);

    CompiledGraph Compile(GraphProto graph, IReadOnlyList<string> formalInputs, IReadOnlyList<string> captured)
    {
        var outer = _shapes;
        try { return CompileScope(graph, formalInputs, captured, outer); }
        finally { _shapes = outer; }
    }

    CompiledGraph CompileScope(GraphProto graph, IReadOnlyList<string> formalInputs, IReadOnlyList<string> captured, ShapeInferencePass? outerShapes)
    {
        var ids = new Dictionary<string, int>();
        var shapes = _shapes = new ShapeInferencePass(graph, ids, outerShapes, FreshDim, _modelName, g => _subgraphOutputs.GetValueOrDefault(g));
        var declaredInputs = new Dictionary<string, TypeProto>();
        foreach (var vi in graph.Input)
            if (vi.Type is not null) declaredInputs.TryAdd(vi.Name, vi.Type);
        var names = new List<string>();
        var constants = new List<Value?>();
        var declaredTypes = new Dictionary<string, TypeProto>();
        foreach (var vi in graph.Input.Concat(graph.ValueInfo).Concat(graph.Output))
            if (vi.Type is not null) declaredTypes.TryAdd(vi.Name, vi.Type);

        int Define(string name, Value? constant)
        {
            if (ids.ContainsKey(name))
                throw new ModelLoadException($"{_modelName}: value '{name}' is defined more than once");
            ids[name] = names.Count;
            names.Add(name);
            constants.Add(constant);
            return names.Count - 1;
        }

        var inputNames = formalInputs.Concat(captured).ToArray();
        var inputIds = new int[inputNames.Length];
        for (int i = 0; i < inputNames.Length; i++)
        {
            // A subgraph may list an outer value both as captured and formal only by mistake; keep the formal one.
            if (ids.TryGetValue(inputNames[i], out var existing)) { inputIds[i] = existing; continue; }
            inputIds[i] = Define(inputNames[i], null);
            shapes.DefineInput(inputIds[i], declaredInputs.GetValueOrDefault(inputNames[i]), i >= formalInputs.Count ? inputNames[i] : null);
        }
        if (graph.SparseInitializer.Count > 0)
            throw new ModelLoadException($"{_modelName}: sparse initializers are not supported ('{graph.SparseInitializer[0].Values?.Name}')");
        foreach (var init in graph.Initializer)
        {
            var where = $"{_modelName}: initializer '{init.Name}'";
            Tensor tensor;
            try { tensor = OnnxValueConverter.FromTensorProto(init, _baseDirectory, where); }
            catch (ArgumentException e) { throw new ModelLoadException($"{where}: {e.Message}", e); }
            if (ids.TryGetValue(init.Name, out var id))
                constants[id] = tensor; // an input with a default value: UniML treats it as a constant
            else
                id = Define(init.Name, tensor);
            shapes.DefineConstant(id, tensor);
        }

        var order = TopologicalOrder(graph, ids.Keys.ToHashSet());
        // Every name visible to nested subgraphs: this graph's own values plus what it captured.
        var visible = new HashSet<string>(ids.Keys);
        foreach (var node in graph.Node)
            foreach (var o in node.Output) if (o.Length > 0) visible.Add(o);

        var steps = new List<Step>();
        var stepNodes = new List<NodeProto>();
        foreach (var nodeIndex in order)
        {
            var node = graph.Node[nodeIndex];
            var capturedByNode = HasSubgraph(node) ? CapturedNames(node, visible) : [];
            var inputs = new int[node.Input.Count + capturedByNode.Count];
            var inputTypes = new ElementType?[node.Input.Count];
            var inputShapes = new int[]?[node.Input.Count];
            var constantInputs = new Tensor?[node.Input.Count];
            for (int i = 0; i < node.Input.Count; i++)
            {
                var name = node.Input[i];
                if (name.Length == 0) { inputs[i] = -1; continue; }
                if (!ids.TryGetValue(name, out var id))
                    throw new ModelLoadException($"{_modelName}: {Label(node)} reads '{name}', which nothing defines");
                inputs[i] = id;
                if (constants[id] is Tensor c && !inputIds.Contains(id))
                {
                    constantInputs[i] = c;
                    inputTypes[i] = c.Type;
                    inputShapes[i] = c.Shape.ToArray();
                }
                else if (declaredTypes.TryGetValue(name, out var tp) && tp.TensorType is { } tt && tt.ElemType != 0)
                {
                    inputTypes[i] = (ElementType)tt.ElemType;
                    inputShapes[i] = StaticShape(tt.Shape);
                }
            }
            for (int i = 0; i < capturedByNode.Count; i++)
                inputs[node.Input.Count + i] = ids[capturedByNode[i]];

            var outputs = new int[node.Output.Count];
            for (int i = 0; i < node.Output.Count; i++)
                outputs[i] = node.Output[i].Length == 0 ? -1 : Define(node.Output[i], null);

            var kernel = SelectKernel(node, capturedByNode, inputTypes, inputShapes, constantInputs);
            var domain = NormalizeDomain(node.Domain);
            int opset = _opsets.TryGetValue(domain, out var o) ? o : 1;
            if (kernel is null)
            {
                // Recorded as unsupported; compilation goes on to find the rest (and to infer shapes for `uniml info`).
                shapes.InferNode(node, domain, opset, outputs);
                continue;
            }
            bool foldable = _unsupported.Count == 0 && kernel.IsDeterministic && outputs.All(o => o >= 0)
                && inputs.All(id => id < 0 || (constants[id] is not null && !inputIds.Contains(id)));
            if (foldable)
            {
                var folded = FoldNode(kernel, inputs.Select(id => id < 0 ? null : constants[id]).ToArray(), outputs.Length, Label(node));
                for (int i = 0; i < outputs.Length; i++) constants[outputs[i]] = folded[i];
                shapes.RecordFolded(node, outputs, folded, Label(node));
                continue;
            }
            shapes.InferNode(node, domain, opset, outputs);
            steps.Add(new Step
            {
                Index = steps.Count,
                Kernel = kernel,
                Inputs = inputs,
                Outputs = outputs,
                OutputUsed = new bool[outputs.Length],
                Label = Label(node),
            });
            stepNodes.Add(node);
        }

        var outputIds = new int[graph.Output.Count];
        for (int i = 0; i < outputIds.Length; i++)
        {
            if (!ids.TryGetValue(graph.Output[i].Name, out outputIds[i]))
                throw new ModelLoadException($"{_modelName}: graph output '{graph.Output[i].Name}' is not produced by any node, input or initializer");
        }

        var constantArray = constants.ToArray();
        var valueTypes = shapes.ToArray(names.Count);
        if (_unsupported.Count == 0)
            Fusion.Apply(steps, stepNodes, constantArray, inputIds, outputIds, d => _opsets.TryGetValue(d, out var v) ? v : 1,
                id => id >= 0 && id < valueTypes.Length ? valueTypes[id] : InferredType.Unknown);
        return Plan(steps, names.ToArray(), constantArray, inputIds, outputIds, inputNames, graph.Output.Select(o => o.Name).ToArray(),
            valueTypes);
    }

    static int[]? StaticShape(TensorShapeProto? shape)
    {
        if (shape is null) return null;
        var dims = new int[shape.Dim.Count];
        for (int i = 0; i < dims.Length; i++)
        {
            var d = shape.Dim[i];
            if (d.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue || d.DimValue > int.MaxValue) return null;
            dims[i] = (int)d.DimValue;
        }
        return dims;
    }

    static string Label(NodeProto node) =>
        node.Name.Length > 0 ? $"{node.OpType} node '{node.Name}'" : $"{node.OpType} node (output '{(node.Output.Count > 0 ? node.Output[0] : "")}')";

    Kernel? SelectKernel(NodeProto node, IReadOnlyList<string> captured, ElementType?[] inputTypes, int[]?[] inputShapes, Tensor?[] constantInputs)
    {
        var domain = NormalizeDomain(node.Domain);
        if (!_opsets.TryGetValue(domain, out var opset))
        {
            if (domain.Length == 0 && _opsets.Count == 0) opset = 1; // IR < 3 models imported opset 1 implicitly
            else
            {
                Unsupported(new OperatorId(domain, node.OpType, 0), $"the model does not import domain '{(domain.Length == 0 ? "ai.onnx" : domain)}'");
                return null;
            }
        }
        var id = new OperatorId(domain, node.OpType, opset);
        var factory = OperatorRegistry.Resolve(domain, node.OpType, opset, out var reason);
        if (factory is null)
        {
            Unsupported(id, reason);
            return null;
        }
        var info = new NodeInfo(node, opset, node.Input.Count, captured, CompileSubgraph, inputTypes, inputShapes, _opsets, constantInputs);
        try
        {
            return factory(info);
        }
        catch (NotSupportedException e)
        {
            Unsupported(id, e.Message);
            return null;
        }
        catch (ModelLoadException) { throw; }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Any other failure while reading a node's attributes means the model is malformed for this operator.
            throw new ModelLoadException($"{_modelName}: {Label(node)}: {e.Message}", e);
        }
    }

    void Unsupported(OperatorId id, string reason)
    {
        for (int i = 0; i < _unsupported.Count; i++)
            if (_unsupported[i] == id && _reasons[i] == reason) return;
        _unsupported.Add(id);
        _reasons.Add(reason);
    }

    CompiledGraph CompileSubgraph(GraphProto graph, IReadOnlyList<string> formalInputs, IReadOnlyList<string> captured)
    {
        var compiled = Compile(graph, formalInputs, captured);
        _subgraphOutputs[graph] = Array.ConvertAll(compiled.OutputIds, id => compiled.ValueTypes[id]);
        return compiled;
    }

    static bool HasSubgraph(NodeProto node) => node.Attribute.Any(a => a.G is not null || a.Graphs.Count > 0);

    /// <summary>Names a node's subgraphs read from enclosing scopes (free variables), in first-use order.</summary>
    static List<string> CapturedNames(NodeProto node, HashSet<string> visible)
    {
        var result = new List<string>();
        foreach (var attribute in node.Attribute)
        {
            if (attribute.G is not null) CollectFree(attribute.G, visible, result);
            foreach (var g in attribute.Graphs) CollectFree(g, visible, result);
        }
        return result;
    }

    static void CollectFree(GraphProto graph, HashSet<string> outer, List<string> result)
    {
        var local = new HashSet<string>();
        foreach (var i in graph.Input) local.Add(i.Name);
        foreach (var t in graph.Initializer) local.Add(t.Name);
        foreach (var n in graph.Node) foreach (var o in n.Output) local.Add(o);
        void Use(string name)
        {
            if (name.Length == 0 || local.Contains(name)) return;
            if (outer.Contains(name) && !result.Contains(name)) result.Add(name);
        }
        foreach (var n in graph.Node)
        {
            foreach (var i in n.Input) Use(i);
            foreach (var a in n.Attribute)
            {
                var nested = new List<string>();
                var scope = new HashSet<string>(outer);
                scope.UnionWith(local);
                if (a.G is not null) CollectFree(a.G, scope, nested);
                foreach (var g in a.Graphs) CollectFree(g, scope, nested);
                foreach (var name in nested) Use(name);
            }
        }
        foreach (var o in graph.Output) Use(o.Name);
    }

    List<int> TopologicalOrder(GraphProto graph, HashSet<string> available)
    {
        // Producers of each name, then Kahn's algorithm; ONNX requires sorted graphs but exporters slip.
        var producer = new Dictionary<string, int>();
        for (int n = 0; n < graph.Node.Count; n++)
            foreach (var o in graph.Node[n].Output)
                if (o.Length > 0 && !producer.TryAdd(o, n))
                    throw new ModelLoadException($"{_modelName}: value '{o}' is produced by more than one node");
        var pending = new int[graph.Node.Count];
        var consumers = new List<int>[graph.Node.Count];
        for (int n = 0; n < graph.Node.Count; n++)
        {
            consumers[n] = new List<int>();
        }
        for (int n = 0; n < graph.Node.Count; n++)
        {
            var deps = new HashSet<int>();
            var node = graph.Node[n];
            IEnumerable<string> reads = node.Input;
            if (HasSubgraph(node))
            {
                var visible = new HashSet<string>(available);
                visible.UnionWith(producer.Keys);
                reads = reads.Concat(CapturedNames(node, visible));
            }
            foreach (var name in reads)
            {
                if (name.Length == 0 || available.Contains(name)) continue;
                if (!producer.TryGetValue(name, out var p))
                    throw new ModelLoadException($"{_modelName}: {Label(node)} reads '{name}', which nothing defines");
                if (p == n)
                    throw new ModelLoadException($"{_modelName}: {Label(node)} reads its own output '{name}'");
                if (deps.Add(p)) consumers[p].Add(n);
            }
            pending[n] = deps.Count;
        }
        var order = new List<int>(graph.Node.Count);
        var ready = new Queue<int>();
        for (int n = 0; n < pending.Length; n++) if (pending[n] == 0) ready.Enqueue(n);
        while (ready.Count > 0)
        {
            int n = ready.Dequeue();
            order.Add(n);
            foreach (var c in consumers[n]) if (--pending[c] == 0) ready.Enqueue(c);
        }
        if (order.Count != graph.Node.Count)
            throw new ModelLoadException($"{_modelName}: the graph has a cycle (nodes that depend on each other)");
        return order;
    }

    /// <summary>
    /// Runs one node at load time on constant inputs and returns its outputs, in a throwaway graph of just
    /// that node, so later kernels see the results as constants (and can prepare from them).
    /// </summary>
    static Value?[] FoldNode(Kernel kernel, Value?[] inputs, int outputCount, string label)
    {
        int n = inputs.Length;
        var constants = new Value?[n + outputCount];
        inputs.CopyTo(constants, 0);
        var step = new Step
        {
            Index = 0, Kernel = kernel, Label = label,
            Inputs = Enumerable.Range(0, n).Select(i => inputs[i] is null ? -1 : i).ToArray(),
            Outputs = Enumerable.Range(n, outputCount).ToArray(),
            OutputUsed = Enumerable.Repeat(true, outputCount).ToArray(),
        };
        var graph = new CompiledGraph
        {
            ValueNames = new string[n + outputCount], Constants = constants, Steps = [step], InputIds = [], OutputIds = [],
            BufferOf = Enumerable.Repeat(-1, n + outputCount).ToArray(), BufferCount = 0, InputNames = [], OutputNames = [],
        };
        var frame = new ExecutionFrame(graph);
        try { graph.Execute(frame); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ModelLoadException($"{label}: failed while folding constants at load time: {e.Message}", e);
        }
        var outputs = new Value?[outputCount];
        for (int i = 0; i < outputCount; i++)
            outputs[i] = frame.Values[n + i] is Tensor t ? t.Clone() : frame.Values[n + i];
        return outputs;
    }

    static CompiledGraph Plan(List<Step> stepList, string[] names, Value?[] constants, int[] inputIds, int[] outputIds,
        string[] inputNames, string[] outputNames, InferredType[] valueTypes)
    {
        var steps = new Step[stepList.Count];
        for (int i = 0; i < steps.Length; i++)
        {
            var s = stepList[i];
            steps[i] = new Step { Index = i, Kernel = s.Kernel, Inputs = s.Inputs, Outputs = s.Outputs, OutputUsed = s.OutputUsed, Label = s.Label };
        }

        // Liveness: the last step that reads each value; graph outputs stay alive to the end.
        var lastUse = new int[names.Length];
        Array.Fill(lastUse, -1);
        for (int s = 0; s < steps.Length; s++)
            foreach (var id in steps[s].Inputs) if (id >= 0) lastUse[id] = s;
        foreach (var id in outputIds) lastUse[id] = int.MaxValue;
        foreach (var step in steps)
            for (int o = 0; o < step.Outputs.Length; o++)
                step.OutputUsed[o] = step.Outputs[o] >= 0 && lastUse[step.Outputs[o]] >= 0;

        var bufferOf = new int[names.Length];
        Array.Fill(bufferOf, -1);
        var free = new Stack<int>();
        int bufferCount = 0;
        var isInput = new HashSet<int>(inputIds);
        var released = new bool[names.Length];
        for (int s = 0; s < steps.Length; s++)
        {
            foreach (var id in steps[s].Outputs)
            {
                if (id < 0) continue;
                bufferOf[id] = free.Count > 0 ? free.Pop() : bufferCount++;
            }
            // Release after assigning outputs, so no output shares memory with an input of its own step.
            foreach (var id in steps[s].Inputs)
                Release(id, s);
            foreach (var id in steps[s].Outputs)
                if (id >= 0 && lastUse[id] < 0) Release(id, s);
        }

        void Release(int id, int step)
        {
            if (id < 0 || released[id] || bufferOf[id] < 0 || isInput.Contains(id) || constants[id] is not null) return;
            if (lastUse[id] > step && lastUse[id] != -1) return;
            released[id] = true;
            free.Push(bufferOf[id]);
        }

        return new CompiledGraph
        {
            ValueNames = names, Constants = constants, Steps = steps, InputIds = inputIds, OutputIds = outputIds,
            BufferOf = bufferOf, BufferCount = bufferCount, InputNames = inputNames, OutputNames = outputNames, ValueTypes = valueTypes,
        };
    }
}
