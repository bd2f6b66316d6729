using UniML.Onnx;

namespace UniML.Engine.Tests.ShapeInference;

public class TensorShapesTests
{
    [Fact]
    public void ReshapeWithZeroAndMinusOneCancelsSymbols()
    {
        var g = new GraphBuilder().In("x", ElementType.Float, "N", 3, 4).Ints("shape", 0, -1);
        g.Node("Reshape", ["x", "shape"], ["y"]);
        Assert.Equal("tensor(float) [N,12]", g.Infer());

        g = new GraphBuilder().In("x", ElementType.Float, "N", 3, 4).Ints("shape", -1, 4);
        g.Node("Reshape", ["x", "shape"], ["y"]);
        Assert.Equal("tensor(float) [?,4]", g.Infer()); // 3·N: not a symbol of its own

        g = new GraphBuilder().In("x", ElementType.Float, 2, 3, 4).Ints("shape", 4, -1, 2);
        g.Node("Reshape", ["x", "shape"], ["y"]);
        Assert.Equal("tensor(float) [4,3,2]", g.Infer());
    }

    [Fact]
    public void ReshapeToAnImpossibleCountIsALoadError()
    {
        var g = new GraphBuilder().In("x", ElementType.Float, 2, 3).Ints("shape", 4, 2).Output("y");
        g.Node("Reshape", ["x", "shape"], ["y"]);
        var e = Assert.Throws<ModelLoadException>(() => g.Build());
        Assert.Contains("Reshape node 'Reshape0'", e.Message);
    }

    [Fact]
    public void ShapeArithmeticFeedsReshape()
    {
        // The PyTorch export pattern: Shape → Gather(0) → Unsqueeze → Concat(−1) → Reshape flattens all but the batch.
        var g = new GraphBuilder(opset: 13).In("x", ElementType.Float, "batch", 16, 5, 5)
            .Initializer("zero", Tensor.Scalar(0L)).Ints("axes", 0).Ints("rest", -1);
        g.Node("Shape", ["x"], ["s"]);
        g.Node("Gather", ["s", "zero"], ["n"]);
        g.Node("Unsqueeze", ["n", "axes"], ["n1"]);
        g.Node("Concat", ["n1", "rest"], ["target"]).Attr("axis", 0L);
        g.Node("Reshape", ["x", "target"], ["y"]);
        var session = g.Output("y").Build();
        Assert.Equal("tensor(int64) [4]", session.TypeOf("s"));
        Assert.Equal("tensor(int64) []", session.TypeOf("n"));
        Assert.Equal("tensor(float) [batch,400]", session.TypeOf("y"));
    }

    [Fact]
    public void FlattenSqueezeUnsqueezeTranspose()
    {
        var g = new GraphBuilder().In("x", ElementType.Float, "N", 2, 3, 4);
        g.Node("Flatten", ["x"], ["y"]).Attr("axis", 2L);
        Assert.Equal("tensor(float) [?,12]", g.Infer());

        g = new GraphBuilder(opset: 13).In("x", ElementType.Float, "N", 1, 3).Ints("axes", 1);
        g.Node("Squeeze", ["x", "axes"], ["y"]);
        Assert.Equal("tensor(float) [N,3]", g.Infer());

        g = new GraphBuilder(opset: 11).In("x", ElementType.Float, "N", 1, 3);
        g.Node("Squeeze", ["x"], ["y"]);
        Assert.Equal("tensor(float) ?", g.Infer()); // N might be 1 too

        g = new GraphBuilder(opset: 11).In("x", ElementType.Float, "N", 3);
        g.Node("Unsqueeze", ["x"], ["y"]).Attr("axes", new long[] { 0, -1 });
        Assert.Equal("tensor(float) [1,N,3,1]", g.Infer());

        g = new GraphBuilder().In("x", ElementType.Float, "N", 3, 4);
        g.Node("Transpose", ["x"], ["y"]).Attr("perm", new long[] { 2, 0, 1 });
        Assert.Equal("tensor(float) [4,N,3]", g.Infer());
    }

    [Fact]
    public void ConcatSumsTheAxisAndChecksTheRest()
    {
        var g = new GraphBuilder().In("a", ElementType.Float, "N", 3).In("b", ElementType.Float, "N", 5);
        g.Node("Concat", ["a", "b"], ["y"]).Attr("axis", 1L);
        Assert.Equal("tensor(float) [N,8]", g.Infer());

        g = new GraphBuilder().In("a", ElementType.Float, 2, 3).In("b", ElementType.Float, 4, 5).Output("y");
        g.Node("Concat", ["a", "b"], ["y"]).Attr("axis", 1L);
        Assert.Throws<ModelLoadException>(() => g.Build());
    }

    [Fact]
    public void SplitSliceGather()
    {
        var g = new GraphBuilder(opset: 13).In("x", ElementType.Float, "N", 6).Ints("split", 2, 4);
        g.Node("Split", ["x", "split"], ["a", "b"]).Attr("axis", 1L);
        var s = g.Output("a").Output("b").Build();
        Assert.Equal("tensor(float) [N,2]", s.TypeOf("a"));
        Assert.Equal("tensor(float) [N,4]", s.TypeOf("b"));

        g = new GraphBuilder(opset: 18).In("x", ElementType.Float, 7);
        g.Node("Split", ["x"], ["a", "b", "c"]).Attr("num_outputs", 3L);
        s = g.Output("a").Output("c").Build();
        Assert.Equal("tensor(float) [3]", s.TypeOf("a"));
        Assert.Equal("tensor(float) [1]", s.TypeOf("c"));

        g = new GraphBuilder().In("x", ElementType.Float, "N", 10, 8).Ints("starts", 1, -1).Ints("ends", 100, 0).Ints("axes", 1, 2).Ints("steps", 3, -2);
        g.Node("Slice", ["x", "starts", "ends", "axes", "steps"], ["y"]);
        Assert.Equal("tensor(float) [N,3,4]", g.Infer());

        g = new GraphBuilder().In("x", ElementType.Float, "N", 10, 8).In("i", ElementType.Int64, 2, 3);
        g.Node("Gather", ["x", "i"], ["y"]).Attr("axis", 1L);
        Assert.Equal("tensor(float) [N,2,3,8]", g.Infer());
    }

    [Fact]
    public void ExpandTilePadConstantOfShape()
    {
        var g = new GraphBuilder().In("x", ElementType.Float, "N", 1).Ints("shape", 2, 1, 6);
        g.Node("Expand", ["x", "shape"], ["y"]);
        Assert.Equal("tensor(float) [2,N,6]", g.Infer());

        g = new GraphBuilder().In("x", ElementType.Float, "N", 3).Ints("repeats", 1, 2);
        g.Node("Tile", ["x", "repeats"], ["y"]);
        Assert.Equal("tensor(float) [N,6]", g.Infer());

        g = new GraphBuilder().In("x", ElementType.Float, "N", 3).Ints("pads", 0, 1, 0, 2);
        g.Node("Pad", ["x", "pads"], ["y"]);
        Assert.Equal("tensor(float) [N,6]", g.Infer());

        g = new GraphBuilder().In("x", ElementType.Float, "N", 3);
        g.Node("Shape", ["x"], ["s"]);
        g.Node("ConstantOfShape", ["s"], ["y"]).Attr("value", Tensor.FromArray(new[] { 1L }, [1]));
        Assert.Equal("tensor(int64) [N,3]", g.Infer());
    }

    [Fact]
    public void ShapeSizeAndNonZeroAreInt64()
    {
        var g = new GraphBuilder(opset: 15).In("x", ElementType.Float, "N", 3, 4);
        g.Node("Shape", ["x"], ["y"]).Attr("start", 1L);
        Assert.Equal("tensor(int64) [2]", g.Infer());

        g = new GraphBuilder().In("x", ElementType.Float, "N", 3);
        g.Node("Size", ["x"], ["y"]);
        Assert.Equal("tensor(int64) []", g.Infer());

        g = new GraphBuilder().In("x", ElementType.Float, "N", 3);
        g.Node("NonZero", ["x"], ["y"]);
        Assert.Equal("tensor(int64) [2,?]", g.Infer());
    }

    [Fact]
    public void OperatorsWithoutARuleAreUnknown()
    {
        var g = new GraphBuilder().In("x", ElementType.Float, "N", 3);
        g.Node("Unique", ["x"], ["y"]);
        Assert.Equal("unknown", g.Infer());
    }
}

public class ShapeArithmeticTests
{
    [Fact]
    public void MultipliedShapeValuesFeedReshape()
    {
        // [B, S, H, D] → [B, S, H·D] the way attention exports compute it: Shape, Gather, Mul, Concat, Reshape.
        var g = new GraphBuilder(opset: 13).In("x", ElementType.Float, "B", "S", 4, 8).Ints("i0", 0).Ints("i1", 1).Ints("i2", 2).Ints("i3", 3);
        g.Node("Shape", ["x"], ["s"]);
        g.Node("Gather", ["s", "i0"], ["b"]);
        g.Node("Gather", ["s", "i1"], ["seq"]);
        g.Node("Gather", ["s", "i2"], ["h"]);
        g.Node("Gather", ["s", "i3"], ["d"]);
        g.Node("Mul", ["h", "d"], ["hd"]);
        g.Node("Concat", ["b", "seq", "hd"], ["target"]).Attr("axis", 0L);
        g.Node("Reshape", ["x", "target"], ["y"]);
        Assert.Equal("tensor(float) [B,S,32]", g.Infer());
    }

    [Fact]
    public void ScattersKeepTheDataShape()
    {
        foreach (var op in (string[])["ScatterElements", "ScatterND"])
        {
            var g = new GraphBuilder(13).In("data", ElementType.Float, "N", 4).In("i", ElementType.Int64, "K", 1).In("u", ElementType.Float, "K");
            g.Node(op, ["data", "i", "u"], ["y"]);
            Assert.Equal("tensor(float) [N,4]", g.Infer());
        }
    }

    [Fact]
    public void OneHotInsertsTheDepthAxis()
    {
        var g = new GraphBuilder(11).In("i", ElementType.Int64, "N", 3).Initializer("depth", Tensor.Scalar(10L)).Initializer("v", Tensor.FromArray(new[] { 0f, 1f }, [2]));
        g.Node("OneHot", ["i", "depth", "v"], ["y"]);
        Assert.Equal("tensor(float) [N,3,10]", g.Infer());

        g = new GraphBuilder(11).In("i", ElementType.Int64, "N", 3).Initializer("depth", Tensor.Scalar(4.0f)).Initializer("v", Tensor.FromArray(new[] { 0L, 1L }, [2]));
        g.Node("OneHot", ["i", "depth", "v"], ["y"]).Attr("axis", 0L);
        Assert.Equal("tensor(int64) [4,N,3]", g.Infer());

        // A depth computed from a shape is that dim, symbolic or not.
        g = new GraphBuilder(13).In("i", ElementType.Int64, "N").In("x", ElementType.Float, "C", 4).Initializer("zero", Tensor.Scalar(0L))
            .Initializer("v", Tensor.FromArray(new[] { 0f, 1f }, [2]));
        g.Node("Shape", ["x"], ["s"]);
        g.Node("Gather", ["s", "zero"], ["depth"]);
        g.Node("OneHot", ["i", "depth", "v"], ["y"]);
        Assert.Equal("tensor(float) [N,C]", g.Infer());

        // A depth known only at run time stays unknown.
        g = new GraphBuilder(11).In("i", ElementType.Int64, "N", 3).In("depth", ElementType.Int64).Initializer("v", Tensor.FromArray(new[] { 0f, 1f }, [2]));
        g.Node("OneHot", ["i", "depth", "v"], ["y"]).Attr("axis", 1L);
        Assert.Equal("tensor(float) [N,?,3]", g.Infer());
    }
}
