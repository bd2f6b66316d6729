using UniML.Onnx;

namespace UniML.Engine.Tests.Operators.Onnx;

public class RandomKernelTests
{
    [Fact]
    public void WarmRunsOfEveryGeneratorAllocateNothing()
    {
        // Seeded and unseeded nodes, a narrow output type (drawn in scratch, then converted), and training Dropout.
        var g = new GraphBuilder(15).Input("x", ElementType.Float, 4, 8).Input("t", ElementType.Bool)
            .Output("u").Output("n").Output("b").Output("m").Output("d").Output("mask");
        g.Initializer("r", Tensor.Scalar(0.5f));
        g.Node("RandomUniformLike", ["x"], ["u"]).Attr("dtype", (long)ElementType.Float16).Attr("seed", 1f);
        g.Node("RandomNormal", [], ["n"]).Attr("shape", [16L]);
        g.Node("Bernoulli", ["u"], ["b"]).Attr("dtype", (long)ElementType.Int64);
        g.Node("Multinomial", ["x"], ["m"]).Attr("sample_size", 3L);
        g.Node("Dropout", ["x", "r", "t"], ["d", "mask"]).Attr("seed", 3L);
        var session = g.Build();
        var inputs = new Value?[] { Tensor.Create(ElementType.Float, [4, 8]), Tensor.Scalar(true) };
        for (int i = 0; i < 3; i++) session.Run(inputs).Dispose();

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) session.Run(inputs).Dispose();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
