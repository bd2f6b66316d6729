using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>Shape: the input's dimensions as int64, optionally a [start, end) slice of them (opset 15).</summary>
internal sealed class Shape(long start, long? end) : Kernel
{
    public static Kernel Create(NodeInfo node) =>
        new Shape(node.GetInt("start", 0), node.Has("end") ? node.GetInt("end") : null);

    public override void Run(KernelContext context)
    {
        var x = context.Input(0).Shape;
        int rank = x.Length;
        int s = Clamp(start, rank), e = end is { } v ? Clamp(v, rank) : rank;
        int n = Math.Max(e - s, 0);
        var y = context.Output(0, ElementType.Int64, [n]).Span<long>();
        for (int i = 0; i < n; i++) y[i] = x[s + i];
    }

    static int Clamp(long axis, int rank) => (int)Math.Clamp(axis < 0 ? axis + rank : axis, 0, rank);
}
