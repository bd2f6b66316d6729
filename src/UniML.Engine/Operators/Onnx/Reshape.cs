using UniML.Engine.Primitives;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Reshape (opset 5+, shape as an input): 0 copies the input's dimension unless allowzero=1 (opset 14),
/// -1 is inferred from the element count.
/// </summary>
internal sealed class Reshape(bool allowZero) : Kernel
{
    public static Kernel Create(NodeInfo node) => new Reshape(node.GetInt("allowzero", 0) != 0);

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        var shapeInput = context.Input(1);
        if (shapeInput.Rank != 1)
            throw new InferenceException($"the shape input must be 1-D, got shape {shapeInput.ShapeString}");
        Span<long> requested = stackalloc long[shapeInput.Length];
        ShapeInputs.ReadInt64(shapeInput, requested);
        Span<int> shape = stackalloc int[requested.Length];
        Resolve(x.Shape, x.Length, requested, allowZero, shape);
        ElementView.Copy(x, context.Output(0, x.Type, shape));
    }

    /// <summary>Resolves 0 and -1 entries of a requested shape against the input.</summary>
    public static void Resolve(ReadOnlySpan<int> input, int count, ReadOnlySpan<long> requested, bool allowZero, Span<int> shape)
    {
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < requested.Length; i++)
        {
            long d = requested[i];
            if (d == -1)
            {
                if (inferred >= 0) throw new InferenceException($"the shape has more than one -1");
                inferred = i;
                continue;
            }
            if (d == 0 && !allowZero)
            {
                if (i >= input.Length) throw new InferenceException($"shape entry {i} is 0 but the input has rank {input.Length}");
                d = input[i];
            }
            shape[i] = ShapeInputs.Dim(d);
            known *= d;
        }
        if (inferred >= 0)
        {
            if (known == 0 || count % known != 0)
                throw new InferenceException($"cannot reshape {Tensor.ShapeText(input)} to {Text(requested)}");
            shape[inferred] = (int)(count / known);
        }
        else if (known != count)
            throw new InferenceException($"cannot reshape {Tensor.ShapeText(input)} ({count} elements) to {Text(requested)}");
    }

    static string Text(ReadOnlySpan<long> s) => "[" + string.Join(",", s.ToArray()) + "]";
}
