using UniML.Onnx;
using UniML.Onnx.Protos;

namespace UniML.Engine.Tests.Operators.Onnx;

public class ControlFlowTests
{
    static GraphProto Body(string name, (string Name, ElementType Type)[] inputs, string[] outputs, params (string Op, string[] In, string[] Out)[] nodes)
    {
        var g = new GraphProto { Name = name };
        foreach (var (n, t) in inputs) g.Input.Add(GraphBuilder.ValueInfo(n, t, null));
        foreach (var o in outputs) g.Output.Add(new ValueInfoProto { Name = o });
        foreach (var (op, i, o) in nodes)
        {
            var node = new NodeProto { OpType = op };
            node.Input.AddRange(i);
            node.Output.AddRange(o);
            g.Node.Add(node);
        }
        return g;
    }

    [Fact]
    public void LoopCarriesValuesAndStacksScanOutputs()
    {
        // Body: v' = Relu(v) (captures nothing), scan output = Identity of the outer value w (captured).
        var body = Body("body", [("i", ElementType.Int64), ("c", ElementType.Bool), ("v", ElementType.Float)], ["c", "v2", "s"],
            ("Relu", ["v"], ["v2"]), ("Identity", ["w"], ["s"]));
        var g = new GraphBuilder().Input("M", ElementType.Int64).Input("v0", ElementType.Float, 2).Input("w", ElementType.Float, 1).Output("v").Output("scan");
        g.Node("Loop", ["M", "", "v0"], ["v", "scan"]).Attr("body", body);
        using var r = g.Build().Run([Tensor.Scalar(3L), Tensor.FromArray(new[] { -1f, 2f }, [2]), Tensor.FromArray(new[] { 5f }, [1])]);
        Assert.Equal(new[] { 0f, 2f }, ((Tensor)r[0]).ToArray<float>());
        var scan = (Tensor)r[1];
        Assert.Equal(new[] { 3, 1 }, scan.Shape.ToArray());
        Assert.Equal(new[] { 5f, 5f, 5f }, scan.ToArray<float>());
    }

    [Fact]
    public void LoopOfZeroIterationsGivesEmptyScanOutputsOfTheBodysTypeAndShape()
    {
        // The scan output is the captured int64 [2] value w: zero iterations stack to int64 [0, 2], not float [0].
        var body = Body("body", [("i", ElementType.Int64), ("c", ElementType.Bool), ("v", ElementType.Float)], ["c", "v2", "s"],
            ("Relu", ["v"], ["v2"]), ("Identity", ["w"], ["s"]));
        var g = new GraphBuilder().Input("M", ElementType.Int64).Input("v0", ElementType.Float, 2).Input("w", ElementType.Int64, 2).Output("v").Output("scan");
        g.Node("Loop", ["M", "", "v0"], ["v", "scan"]).Attr("body", body);
        using var r = g.Build().Run([Tensor.Scalar(0L), Tensor.FromArray(new[] { -1f, 2f }, [2]), Tensor.FromArray(new[] { 5L, 6L }, [2])]);
        Assert.Equal(new[] { -1f, 2f }, ((Tensor)r[0]).ToArray<float>());
        var scan = (Tensor)r[1];
        Assert.Equal(ElementType.Int64, scan.Type);
        Assert.Equal(new[] { 0, 2 }, scan.Shape.ToArray());
    }

    [Fact]
    public void LoopOfZeroIterationsRefusesToGuessAnUnknownScanOutputType()
    {
        // The scan output copies the body input v, declared without a shape: its rank is unknown at load time.
        var body = Body("body", [("i", ElementType.Int64), ("c", ElementType.Bool), ("v", ElementType.Float)], ["c", "v2", "s"],
            ("Relu", ["v"], ["v2"]), ("Identity", ["v"], ["s"]));
        var g = new GraphBuilder().Input("M", ElementType.Int64).Input("v0", ElementType.Float, 2).Output("v").Output("scan");
        g.Node("Loop", ["M", "", "v0"], ["v", "scan"]).Attr("body", body);
        var session = g.Build();
        var e = Assert.Throws<InferenceException>(() => session.Run([Tensor.Scalar(0L), Tensor.FromArray(new[] { -1f, 2f }, [2])]).Dispose());
        Assert.Contains("zero iterations", e.Message);
    }

    [Fact]
    public void ScanSlicesInputsInReverse()
    {
        var body = Body("body", [("s", ElementType.Float), ("x", ElementType.Float)], ["s2", "y"],
            ("Identity", ["x"], ["s2"]), ("Relu", ["x"], ["y"]));
        var g = new GraphBuilder().Input("s0", ElementType.Float, 2).Input("X", ElementType.Float, 3, 2).Output("last").Output("Y");
        g.Node("Scan", ["s0", "X"], ["last", "Y"]).Attr("body", body).Attr("num_scan_inputs", 1L).Attr("scan_input_directions", new long[] { 1 });
        using var r = g.Build().Run([Tensor.FromArray(new[] { 0f, 0f }, [2]), Tensor.FromArray(new[] { 1f, -2f, 3f, -4f, 5f, -6f }, [3, 2])]);
        Assert.Equal(new[] { 1f, -2f }, ((Tensor)r[0]).ToArray<float>());
        Assert.Equal(new[] { 5f, 0f, 3f, 0f, 1f, 0f }, ((Tensor)r[1]).ToArray<float>());
    }

    [Theory]
    [InlineData(false, new long[] { 3, 1 }, new[] { 6f, 10f }, new[] { 1f, 3f, 6f, 10f, 0f, 0f })]
    [InlineData(true, new long[] { 3, 2 }, new[] { 6f, 30f }, new[] { 3f, 5f, 6f, 20f, 30f, 0f })]
    public void Scan8LoopsPerBatchEntryOverItsSequenceLength(bool reverse, long[] lengths, float[] final, float[] steps)
    {
        // Running sum; the second entry stops after its length and its scan output is zero-padded.
        var body = Body("body", [("s", ElementType.Float), ("x", ElementType.Float)], ["s2", "y"],
            ("Add", ["s", "x"], ["s2"]), ("Identity", ["s2"], ["y"]));
        var g = new GraphBuilder(8).Input("lens", ElementType.Int64, 2).Input("s0", ElementType.Float, 2, 1).Input("X", ElementType.Float, 2, 3, 1)
            .Output("last").Output("Y");
        g.Node("Scan", ["lens", "s0", "X"], ["last", "Y"]).Attr("body", body).Attr("num_scan_inputs", 1L).Attr("directions", new long[] { reverse ? 1 : 0 });
        using var r = g.Build().Run([Tensor.FromArray(lengths, [2]), Tensor.FromArray(new[] { 0f, 0f }, [2, 1]),
            Tensor.FromArray(new[] { 1f, 2f, 3f, 10f, 20f, 30f }, [2, 3, 1])]);
        Assert.Equal(final, ((Tensor)r[0]).ToArray<float>());
        Assert.Equal(new[] { 2, 1 }, ((Tensor)r[0]).Shape.ToArray());
        Assert.Equal(new[] { 2, 3, 1 }, ((Tensor)r[1]).Shape.ToArray());
        Assert.Equal(steps, ((Tensor)r[1]).ToArray<float>());
    }

    [Fact]
    public void Scan8RefusesScan9Attributes()
    {
        var body = Body("body", [("s", ElementType.Float), ("x", ElementType.Float)], ["s2"], ("Add", ["s", "x"], ["s2"]));
        var g = new GraphBuilder(8).Input("s0", ElementType.Float, 1, 1).Input("X", ElementType.Float, 1, 3, 1).Output("last");
        g.Node("Scan", ["", "s0", "X"], ["last"]).Attr("body", body).Attr("num_scan_inputs", 1L).Attr("scan_input_axes", new long[] { 1 });
        Assert.ThrowsAny<Exception>(() => g.Build());
    }

    [Fact]
    public void IfPicksABranchAndReadsOuterValues()
    {
        var then = Body("then", [], ["y"], ("Relu", ["x"], ["y"]));
        var otherwise = Body("else", [], ["y"], ("Identity", ["x"], ["y"]));
        var g = new GraphBuilder().Input("c", ElementType.Bool).Input("x", ElementType.Float, 2).Output("y");
        g.Node("If", ["c"], ["y"]).Attr("then_branch", then).Attr("else_branch", otherwise);
        var session = g.Build();
        var x = Tensor.FromArray(new[] { -1f, 1f }, [2]);
        using (var r = session.Run([Tensor.Scalar(true), x])) Assert.Equal(new[] { 0f, 1f }, ((Tensor)r[0]).ToArray<float>());
        using (var r = session.Run([Tensor.Scalar(false), x])) Assert.Equal(new[] { -1f, 1f }, ((Tensor)r[0]).ToArray<float>());
    }

    [Fact]
    public void SplitAndConcatSequences()
    {
        var g = new GraphBuilder().Input("x", ElementType.Float, 2, 3).Output("y").Output("n");
        g.Node("SplitToSequence", ["x"], ["s"]).Attr("axis", 1L).Attr("keepdims", 0L);
        g.Node("SequenceLength", ["s"], ["n"]);
        g.Node("ConcatFromSequence", ["s"], ["y"]).Attr("axis", 0L).Attr("new_axis", 1L);
        using var r = g.Build().Run([Tensor.FromArray(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, [2, 3])]);
        var y = (Tensor)r[0];
        Assert.Equal(new[] { 3, 2 }, y.Shape.ToArray());
        Assert.Equal(new[] { 1f, 4f, 2f, 5f, 3f, 6f }, y.ToArray<float>());
        Assert.Equal(3L, ((Tensor)r[1]).ToArray<long>()[0]);
    }
}
