using UniML.Onnx;
using static UniML.Engine.Tests.ShapeInference.ShapeTestModel;

namespace UniML.Engine.Tests.ShapeInference;

public class RecurrentShapesTests
{
    [Fact]
    public void LstmOutputsInBothLayouts()
    {
        var g = new GraphBuilder(14).In("x", ElementType.Float, "T", "N", 5).Initializer("w", Weights(2, 12, 5)).Initializer("r", Weights(2, 12, 3));
        g.Node("LSTM", ["x", "w", "r"], ["y", "h", "c"]).Attr("hidden_size", 3L).Attr("direction", "bidirectional");
        var s = g.Output("y").Output("h").Output("c").Build();
        Assert.Equal("tensor(float) [T,2,N,3]", s.TypeOf("y"));
        Assert.Equal("tensor(float) [2,N,3]", s.TypeOf("h"));
        Assert.Equal("tensor(float) [2,N,3]", s.TypeOf("c"));

        g = new GraphBuilder(14).In("x", ElementType.Float, "N", "T", 5).Initializer("w", Weights(1, 12, 5)).Initializer("r", Weights(1, 12, 3));
        g.Node("LSTM", ["x", "w", "r"], ["y", "h"]).Attr("hidden_size", 3L).Attr("layout", 1L);
        s = g.Output("y").Output("h").Build();
        Assert.Equal("tensor(float) [N,T,1,3]", s.TypeOf("y"));
        Assert.Equal("tensor(float) [N,1,3]", s.TypeOf("h"));
    }

    [Fact]
    public void HiddenSizeFromRWhenTheAttributeIsMissing()
    {
        var g = new GraphBuilder(14).In("x", ElementType.Float, "T", "N", 5).In("w", ElementType.Float, 1, 9, 5).In("r", ElementType.Float, 1, 9, 3);
        g.Node("GRU", ["x", "w", "r"], ["y"]);
        Assert.Equal("tensor(float) [T,1,N,3]", g.Infer());

        g = new GraphBuilder(14).In("x", ElementType.Float, "T", "N", 5).In("w", ElementType.Float, 1, 4, 5).In("r", ElementType.Float, 1, 4, null);
        g.Node("RNN", ["x", "w", "r"], ["y"]);
        Assert.Equal("tensor(float) [T,1,N,?]", g.Infer());
    }
}
