using static UniML.Engine.Tests.Operators.Onnx.ElementWiseTestGraph;

namespace UniML.Engine.Tests.Operators.Onnx;

public class SoftmaxTests
{
    static float[] Softmax(params float[] v)
    {
        var m = v.Max();
        var e = v.Select(x => MathF.Exp(x - m)).ToArray();
        var s = e.Sum();
        return e.Select(x => x / s).ToArray();
    }

    [Fact]
    public void BeforeOpset13TheInputIsCoercedTo2D()
    {
        // axis=1 over [2,2,2] normalises each block of 4, not each pair along dimension 1.
        var x = F([1f, 2f, 3f, 4f, 0f, 0f, 0f, 0f], 2, 2, 2);
        Near([.. Softmax(1, 2, 3, 4), .. Softmax(0, 0, 0, 0)], Run("Softmax", 11, null, x));
        var a = Softmax(1, 3);
        var b = Softmax(2, 4);
        Near([a[0], b[0], a[1], b[1], 0.5f, 0.5f, 0.5f, 0.5f], Run("Softmax", 13, n => n.Attr("axis", 1L), x));
    }

    [Fact]
    public void LargeInputsDoNotOverflow()
    {
        var x = F([1000f, 1001f, -1000f, -1001f], 2, 2);
        Near([.. Softmax(0, 1), .. Softmax(1, 0)], Run("Softmax", 13, null, x));
        Near([-1.3132616f, -0.3132616f, -0.3132616f, -1.3132616f], Run("LogSoftmax", 13, null, x));
    }

    [Fact]
    public void HardmaxMarksTheFirstMaximumAlongAnInnerAxis()
    {
        var x = F([1f, 7f, 3f, 7f, 2f, 0f], 3, 2);
        Assert.Equal([0f, 1f, 1f, 0f, 0f, 0f], Run("Hardmax", 13, n => n.Attr("axis", 0L), x).ToArray<float>());
    }

    [Fact]
    public void CrossEntropyWithIgnoredTargetAndLogProb()
    {
        var scores = F([0f, 1f, 2f, 2f, 1f, 0f], 2, 3);
        var outs = RunAll("SoftmaxCrossEntropyLoss", 13, 2, n => n.Attr("ignore_index", 2L), scores, I64([2, 0], 2));
        var lp = outs[1].ToArray<float>();
        // Only the second sample counts; mean over a total weight of 1.
        Near([-lp[3]], outs[0]);
        Near([MathF.Log(Softmax(0, 1, 2)[0])], F([lp[0]]));
    }
}
