using UniML.Onnx;
using static UniML.Engine.Tests.Operators.Onnx.TensorOpsTestRunner;

namespace UniML.Engine.Tests.Operators.Onnx;

public class ScatterTests
{
    [Fact]
    public void ScatterElementsMaxReductionAtOpset18CombinesDuplicates()
    {
        var g = new GraphBuilder(18).Input("x", ElementType.Float, 1, 3).Input("i", ElementType.Int64, 1, 3).Input("u", ElementType.Float, 1, 3).Output("y");
        g.Node("ScatterElements", ["x", "i", "u"], ["y"]).Attr("axis", 1L).Attr("reduction", "max");
        var y = RunSingle(g, ("x", F32([1, 3], 5, 5, 5)), ("i", Tensor.FromArray(new long[] { 0, 0, 2 }, [1, 3])), ("u", F32([1, 3], 7, 9, 1)));
        Assert.Equal([9f, 5, 5], y.ToArray<float>());
    }

    [Fact]
    public void ScatterNDMultipliesSlicesOfInt64()
    {
        var g = new GraphBuilder(16).Input("x", ElementType.Int64, 2, 2).Input("i", ElementType.Int64, 2, 1).Input("u", ElementType.Int64, 2, 2).Output("y");
        g.Node("ScatterND", ["x", "i", "u"], ["y"]).Attr("reduction", "mul");
        var y = RunSingle(g,
            ("x", Tensor.FromArray(new long[] { 1, 2, 3, 4 }, [2, 2])),
            ("i", Tensor.FromArray(new long[] { 1, 1 }, [2, 1])),
            ("u", Tensor.FromArray(new long[] { 2, 3, 5, 7 }, [2, 2])));
        Assert.Equal([1L, 2, 30, 84], y.ToArray<long>());
    }

    [Fact]
    public void MaxReductionBeforeOpset18IsRefusedAtLoad()
    {
        var g = new GraphBuilder(16).Input("x", ElementType.Float, 3).Input("i", ElementType.Int64, 1).Input("u", ElementType.Float, 1).Output("y");
        g.Node("ScatterElements", ["x", "i", "u"], ["y"]).Attr("reduction", "max");
        Assert.Throws<ModelLoadException>(() => g.Build());
    }
}
