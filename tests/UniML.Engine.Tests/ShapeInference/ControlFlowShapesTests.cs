using UniML.Onnx;
using UniML.Onnx.Protos;

namespace UniML.Engine.Tests.ShapeInference;

public class ControlFlowShapesTests
{
    /// <summary>A subgraph; inputs declared with dims as in <see cref="ShapeTestModel.In"/> (ints fixed, strings named, null unknown).</summary>
    static GraphProto Body(string name, (string Name, ElementType Type, object?[]? Dims)[] inputs, string[] outputs, params (string Op, string[] In, string[] Out)[] nodes)
    {
        var scratch = new GraphBuilder();
        foreach (var (n, t, dims) in inputs)
        {
            if (dims is null) scratch.Graph.Input.Add(new ValueInfoProto { Name = n, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)t } } });
            else scratch.In(n, t, dims);
        }
        var g = new GraphProto { Name = name };
        g.Input.AddRange(scratch.Graph.Input);
        foreach (var o in outputs) g.Output.Add(new ValueInfoProto { Name = o });
        foreach (var (op, i, o) in nodes)
        {
            var node = new NodeProto { OpType = op };
            node.Input.AddRange(i);
            node.Output.AddRange(o);
            if (op == "Concat") node.Attr("axis", 0L);
            g.Node.Add(node);
        }
        return g;
    }

    static string IfOf(GraphBuilder g, GraphProto then, GraphProto otherwise)
    {
        g.In("c", ElementType.Bool);
        g.Node("If", ["c"], ["y"]).Attr("then_branch", then).Attr("else_branch", otherwise);
        return g.Infer();
    }

    [Fact]
    public void IfKeepsWhatItsBranchesAgreeOn()
    {
        var then = Body("then", [], ["t"], ("Relu", ["x"], ["t"]));
        var otherwise = Body("else", [], ["e"], ("Concat", ["x", "x"], ["e"]));
        // Dim 0 is N in one branch and 2·N in the other: unknown; dim 1 is 3 in both.
        Assert.Equal("tensor(float) [?,3]", IfOf(new GraphBuilder().In("x", ElementType.Float, "N", 3), then, otherwise));

        // Ranks that differ leave the rank unknown.
        then = Body("then", [], ["x"]);
        otherwise = Body("else", [], ["z"]);
        Assert.Equal("tensor(float) ?", IfOf(new GraphBuilder().In("x", ElementType.Float, "N", 3).In("z", ElementType.Float, 3), then, otherwise));

        // Element types that differ leave the type unknown.
        otherwise = Body("else", [], ["z"]);
        Assert.Equal("tensor(?) [N,3]", IfOf(new GraphBuilder().In("x", ElementType.Float, "N", 3).In("z", ElementType.Double, "N", 3), then, otherwise));
    }

    [Fact]
    public void LoopCarriedValuesAgreeWithTheirInitialValueAndScanOutputsStack()
    {
        // v' = Relu(v) keeps the body's declared [3,4]; the scan output stacks v' over an unknown number of iterations.
        var body = Body("body", [("i", ElementType.Int64, []), ("c", ElementType.Bool, []), ("v", ElementType.Float, [3, 4])], ["c", "v2", "s"],
            ("Relu", ["v"], ["v2"]), ("Identity", ["v2"], ["s"]));
        var g = new GraphBuilder().In("M", ElementType.Int64).In("v0", ElementType.Float, 3, 4);
        g.Node("Loop", ["M", "", "v0"], ["v", "scan"]).Attr("body", body);
        var s = g.Output("v").Output("scan").Build();
        Assert.Equal("tensor(float) [3,4]", s.TypeOf("v"));
        Assert.Equal("tensor(float) [?,3,4]", s.TypeOf("scan"));
    }

    [Fact]
    public void LoopCarriedValueThatGrowsStaysUnknown()
    {
        // v' = Concat(v, v) doubles each iteration: only the rank and element type carry over.
        var body = Body("body", [("i", ElementType.Int64, []), ("c", ElementType.Bool, []), ("v", ElementType.Float, null)], ["c", "v2"],
            ("Concat", ["v", "v"], ["v2"]));
        var g = new GraphBuilder().In("M", ElementType.Int64).In("v0", ElementType.Float, 2);
        g.Node("Loop", ["M", "", "v0"], ["v"]).Attr("body", body);
        Assert.Equal("tensor(float) [?]", g.Infer("v"));
    }

    [Fact]
    public void ScanOutputsTakeTheScanLength()
    {
        // States s [2]; scan input X [T,2] sliced along axis 0; the body adds each row to s and emits the sum.
        var body = Body("body", [("s", ElementType.Float, [2]), ("x", ElementType.Float, [2])], ["s2", "y"],
            ("Add", ["s", "x"], ["s2"]), ("Identity", ["s2"], ["y"]));
        var g = new GraphBuilder(11).In("s0", ElementType.Float, 2).In("X", ElementType.Float, "T", 2);
        g.Node("Scan", ["s0", "X"], ["last", "Y"]).Attr("body", body).Attr("num_scan_inputs", 1L).Attr("scan_output_axes", new long[] { 1 });
        var s = g.Output("last").Output("Y").Build();
        Assert.Equal("tensor(float) [2]", s.TypeOf("last"));
        Assert.Equal("tensor(float) [2,T]", s.TypeOf("Y"));
    }
}
