using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>NonZero: the coordinates of the non-zero elements, as an int64 [rank, count] tensor in row-major order.</summary>
internal sealed class NonZero : Kernel
{
    public static Kernel Create(NodeInfo node) => new NonZero();

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        if (x.Type == ElementType.String) throw new InferenceException("NonZero does not support tensor(string)");
        int width = Tensor.ElementSize(x.Type);
        var bytes = x.Bytes();
        int n = x.Length, count = 0;
        for (int i = 0; i < n; i++)
            if (ElementView.IsNonZero(x.Type, bytes.Slice(i * width, width))) count++;
        int rank = x.Rank;
        // A scalar is treated as a 1-D tensor of one element, as numpy does.
        int rows = Math.Max(rank, 1);
        var y = context.Output(0, ElementType.Int64, [rows, count]).Span<long>();
        Span<int> index = stackalloc int[rows];
        index.Clear();
        int c = 0;
        for (int i = 0; i < n; i++)
        {
            if (ElementView.IsNonZero(x.Type, bytes.Slice(i * width, width)))
            {
                for (int k = 0; k < rows; k++) y[k * count + c] = index[k];
                c++;
            }
            for (int k = rank - 1; k >= 0; k--)
            {
                if (++index[k] < x.Shape[k]) break;
                index[k] = 0;
            }
        }
    }
}
