using static UniML.Engine.Tests.Operators.Onnx.ElementWiseTestGraph;

namespace UniML.Engine.Tests.Operators.Onnx;

public class ReduceTests
{
    static readonly Tensor X = F(Enumerable.Range(1, 24).Select(i => (float)i).ToArray(), 2, 3, 4);

    [Fact]
    public void NonAdjacentAxesWithAndWithoutKeepdims()
    {
        // Sum over axes 0 and 2 of [2,3,4] values 1..24.
        var y = Run("ReduceSum", 11, n => n.Attr("axes", new[] { 0L, 2L }), X);
        Assert.Equal([1, 3, 1], y.Shape.ToArray());
        Assert.Equal([10f + 58f, 26f + 74f, 42f + 90f], y.ToArray<float>());
        var z = Run("ReduceMax", 13, n => n.Attr("axes", new[] { -1L, 0L }).Attr("keepdims", 0L), X);
        Assert.Equal([3], z.Shape.ToArray());
        Assert.Equal([16f, 20f, 24f], z.ToArray<float>());
    }

    [Fact]
    public void LeadingAxisIsCombinedRowByRow()
    {
        var y = Run("ReduceMean", 18, null, X, I64([0L], 1));
        Assert.Equal([1, 3, 4], y.Shape.ToArray());
        Assert.Equal(Enumerable.Range(1, 12).Select(i => (float)(i + i + 12) / 2).ToArray(), y.ToArray<float>());
    }

    [Fact]
    public void EmptyAxesReduceEverythingUnlessNoop()
    {
        Assert.Equal([300f], Run("ReduceSum", 13, n => n.Attr("keepdims", 0L), X).ToArray<float>());
        var noop = Run("ReduceL1", 18, n => n.Attr("noop_with_empty_axes", 1L), F([-1f, 2f], 2), I64([], 0));
        Assert.Equal([1f, 2f], noop.ToArray<float>());
    }

    [Fact]
    public void LogSumExpDoesNotOverflow()
    {
        var y = Run("ReduceLogSumExp", 13, n => n.Attr("axes", new[] { 1L }), F([1000f, 1000f, -1000f, -1000f], 2, 2));
        Near([1000f + MathF.Log(2), -1000f + MathF.Log(2)], y);
    }

    [Fact]
    public void IntegerReductions()
    {
        var x = I64([3, -1, 4, 1, -5, 9], 2, 3);
        Assert.Equal([-12L, -45L], Run("ReduceProd", 13, n => n.Attr("axes", new[] { 1L }).Attr("keepdims", 0L), x).ToArray<long>());
        Assert.Equal([-1L, -5L], Run("ReduceMin", 13, n => n.Attr("axes", new[] { 1L }).Attr("keepdims", 0L), x).ToArray<long>());
        Assert.Equal([9L + 1 + 16 + 1 + 25 + 81], Run("ReduceSumSquare", 13, n => n.Attr("keepdims", 0L), x).ToArray<long>());
    }

    [Fact]
    public void ArgMaxPicksFirstOrLastTie()
    {
        var x = F([1f, 5f, 5f, 2f, 2f, 0f], 2, 3);
        Assert.Equal([1L, 0L], Run("ArgMax", 13, n => n.Attr("axis", 1L).Attr("keepdims", 0L), x).ToArray<long>());
        Assert.Equal([2L, 1L], Run("ArgMax", 13, n => n.Attr("axis", 1L).Attr("keepdims", 0L).Attr("select_last_index", 1L), x).ToArray<long>());
        Assert.Equal([0L, 1L, 1L], Run("ArgMin", 13, null, x).ToArray<long>());
    }

    [Fact]
    public void CumSumExclusiveReverse()
    {
        var x = D([1, 2, 3, 4, 5, 6], 2, 3);
        Assert.Equal([5.0, 3.0, 0.0, 11.0, 6.0, 0.0], Run("CumSum", 14, n => n.Attr("exclusive", 1L).Attr("reverse", 1L), x, I32([1])).ToArray<double>());
        Assert.Equal([1.0, 2.0, 3.0, 5.0, 7.0, 9.0], Run("CumSum", 14, null, x, I64([0])).ToArray<double>());
    }

    [Fact]
    public void DeterminantWithPivoting()
    {
        var y = Run("Det", 11, null, F([0f, 1f, 1f, 0f, 2f, 0f, 0f, 3f], 2, 2, 2));
        Assert.Equal([-1f, 6f], y.ToArray<float>());
    }
}
