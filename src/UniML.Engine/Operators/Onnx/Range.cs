using System.Numerics;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>Range: start, start+delta, ... while before limit; count = max(ceil((limit - start) / delta), 0).</summary>
internal sealed class Range : Kernel
{
    public static Kernel Create(NodeInfo node) => new Range();

    public override void Run(KernelContext context)
    {
        var start = context.Input(0);
        switch (start.Type)
        {
            case ElementType.Float: Run<float>(context); break;
            case ElementType.Double: Run<double>(context); break;
            case ElementType.Int16: Run<short>(context); break;
            case ElementType.Int32: Run<int>(context); break;
            case ElementType.Int64: Run<long>(context); break;
            default: throw new InferenceException($"Range does not support {start.TypeName}");
        }
    }

    static void Run<T>(KernelContext context) where T : unmanaged, INumber<T>
    {
        T start = Scalar<T>(context.Input(0)), limit = Scalar<T>(context.Input(1)), delta = Scalar<T>(context.Input(2));
        if (delta == T.Zero) throw new InferenceException("delta cannot be 0");
        double count = Math.Ceiling((double.CreateChecked(limit) - double.CreateChecked(start)) / double.CreateChecked(delta));
        if (count > int.MaxValue) throw new InferenceException($"Range would produce {count} elements");
        int n = (int)Math.Max(count, 0);
        var y = context.Output(0, Tensor.TypeOf<T>(), [n]).Span<T>();
        // Repeated addition, as the specification defines the sequence.
        T v = start;
        for (int i = 0; i < n; i++, v += delta) y[i] = v;
    }

    static T Scalar<T>(Tensor t) where T : unmanaged
    {
        if (t.Length != 1) throw new InferenceException($"Range inputs must be scalars, got shape {t.ShapeString}");
        return t.Span<T>()[0];
    }
}
