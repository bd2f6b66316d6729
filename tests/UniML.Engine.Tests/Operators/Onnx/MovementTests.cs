using UniML.Onnx;
using static UniML.Engine.Tests.Operators.Onnx.TensorOpsTestRunner;

namespace UniML.Engine.Tests.Operators.Onnx;

/// <summary>Transpose, Concat, Gather, Squeeze/Unsqueeze, Reshape and Tile on types and forms the node tests do not cover.</summary>
public class MovementTests
{
    [Fact]
    public void TransposeStrings()
    {
        var g = new GraphBuilder().Input("x", ElementType.String, 2, 3).Output("y");
        g.Node("Transpose", ["x"], ["y"]);
        var y = RunSingle(g, ("x", Tensor.FromStrings(["a", "b", "c", "d", "e", "f"], [2, 3])));
        Assert.Equal([3, 2], y.Shape.ToArray());
        Assert.Equal(["a", "d", "b", "e", "c", "f"], y.Strings().ToArray());
    }

    [Fact]
    public void TransposeKeepsInnerRunsWhenTheLastAxisStays()
    {
        var g = new GraphBuilder().Input("x", ElementType.Int16, 2, 2, 3).Output("y");
        g.Node("Transpose", ["x"], ["y"]).Attr("perm", new long[] { 1, 0, 2 });
        var x = Tensor.FromArray(new short[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }, [2, 2, 3]);
        var y = RunSingle(g, ("x", x));
        Assert.Equal(new short[] { 1, 2, 3, 7, 8, 9, 4, 5, 6, 10, 11, 12 }, y.ToArray<short>());
    }

    [Fact]
    public void ConcatBoolsOnInnerAxis()
    {
        var g = new GraphBuilder().Input("a", ElementType.Bool, 2, 1).Input("b", ElementType.Bool, 2, 2).Output("y");
        g.Node("Concat", ["a", "b"], ["y"]).Attr("axis", 1L);
        var y = RunSingle(g, ("a", Tensor.FromArray(new[] { true, false }, [2, 1])), ("b", Tensor.FromArray(new[] { false, true, true, true }, [2, 2])));
        Assert.Equal([true, false, true, false, true, true], y.ToArray<bool>());
    }

    [Fact]
    public void GatherWithInt32NegativeIndices()
    {
        var g = new GraphBuilder().Input("x", ElementType.Double, 3, 2).Input("i", ElementType.Int32, 2).Output("y");
        g.Node("Gather", ["x", "i"], ["y"]);
        var y = RunSingle(g, ("x", Tensor.FromArray(new double[] { 1, 2, 3, 4, 5, 6 }, [3, 2])), ("i", Tensor.FromArray(new[] { -1, 0 }, [2])));
        Assert.Equal([2, 2], y.Shape.ToArray());
        Assert.Equal([5d, 6, 1, 2], y.ToArray<double>());
    }

    [Fact]
    public void GatherOutOfRangeIndexFails()
    {
        var g = new GraphBuilder().Input("x", ElementType.Float, 3).Input("i", ElementType.Int64, 1).Output("y");
        g.Node("Gather", ["x", "i"], ["y"]);
        var e = Assert.Throws<InferenceException>(() => RunSingle(g, ("x", F32([3], 1, 2, 3)), ("i", I64(3))));
        Assert.Contains("out of range", e.Message);
    }

    [Fact]
    public void SqueezeAndUnsqueezeAxesAttributesBeforeOpset13()
    {
        var g = new GraphBuilder(11).Input("x", ElementType.Float, 1, 3, 1).Output("y");
        g.Node("Squeeze", ["x"], ["s"]).Attr("axes", new long[] { -1 });
        g.Node("Unsqueeze", ["s"], ["y"]).Attr("axes", new long[] { 3, 0 });
        var y = RunSingle(g, ("x", F32([1, 3, 1], 1, 2, 3)));
        Assert.Equal([1, 1, 3, 1], y.Shape.ToArray());
        Assert.Equal([1f, 2, 3], y.ToArray<float>());
    }

    [Fact]
    public void ReshapeWithWrongElementCountFails()
    {
        var g = new GraphBuilder().Input("x", ElementType.Float, 2, 3).Output("y");
        g.Initializer("s", I64(4, -1));
        g.Node("Reshape", ["x", "s"], ["y"]);
        Assert.Throws<InferenceException>(() => RunSingle(g, ("x", F32([2, 3], 1, 2, 3, 4, 5, 6))));
    }

    [Fact]
    public void TileRepeatsEachAxis()
    {
        var g = new GraphBuilder().Input("x", ElementType.UInt8, 1, 2).Output("y");
        g.Initializer("r", I64(2, 2));
        g.Node("Tile", ["x", "r"], ["y"]);
        var y = RunSingle(g, ("x", Tensor.FromArray(new byte[] { 1, 2 }, [1, 2])));
        Assert.Equal([2, 4], y.Shape.ToArray());
        Assert.Equal(new byte[] { 1, 2, 1, 2, 1, 2, 1, 2 }, y.ToArray<byte>());
    }
}
