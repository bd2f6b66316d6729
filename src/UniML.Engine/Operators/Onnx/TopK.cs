using System.Numerics;
using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// TopK: the k largest (or smallest, opset 11) elements along an axis with their int64 indices; equal
/// values keep the lower index first. k is an attribute before opset 10 and an input from 10.
/// Results are always sorted (allowed when sorted=0, whose order is unspecified).
/// </summary>
internal sealed class TopK(long axis, long? kAttribute, bool largest) : Kernel
{
    public static Kernel Create(NodeInfo node) =>
        new TopK(node.GetInt("axis", -1), node.Opset < 10 ? node.GetInt("k") : null, node.GetInt("largest", 1) != 0);

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        if (!ElementTypes.TryVisitNumeric(x.Type, new RunTyped(this, context)))
            throw new InferenceException($"TopK does not support {x.TypeName}");
    }

    readonly struct RunTyped(TopK kernel, KernelContext context) : INumericVisitor
    {
        public void Visit<T>() where T : unmanaged, INumber<T> => kernel.Run<T>(context);
    }

    void Run<T>(KernelContext context) where T : unmanaged, INumber<T>
    {
        var x = context.Input(0);
        int rank = x.Rank;
        int a = ShapeInputs.Axis(axis, rank);
        long kValue = kAttribute ?? ShapeInputs.ScalarInt64(context.Input(1));
        int dim = x.Shape[a];
        if (kValue < 0 || kValue > dim) throw new InferenceException($"k = {kValue} is out of range for axis {a} of size {dim}");
        int k = (int)kValue;
        Span<int> shape = stackalloc int[rank];
        x.Shape.CopyTo(shape);
        shape[a] = k;
        var values = context.Output(0, x.Type, shape).Span<T>();
        var indices = context.Output(1, ElementType.Int64, shape).Span<long>();
        var src = x.Span<T>();
        int outer = ShapeInputs.Product(x.Shape, 0, a);
        int inner = ShapeInputs.Product(x.Shape, a + 1, rank);
        var entries = context.Scratch<Entry<T>>(dim);
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int baseIn = o * dim * inner + i;
                for (int j = 0; j < dim; j++) entries[j] = new Entry<T>(src[baseIn + j * inner], j);
                if (largest) entries.Sort(new Descending<T>());
                else entries.Sort(new Ascending<T>());
                int baseOut = o * k * inner + i;
                for (int j = 0; j < k; j++)
                {
                    values[baseOut + j * inner] = entries[j].Value;
                    indices[baseOut + j * inner] = entries[j].Index;
                }
            }
        }
    }

    readonly record struct Entry<T>(T Value, int Index) where T : unmanaged;

    readonly struct Descending<T> : IComparer<Entry<T>> where T : unmanaged, INumber<T>
    {
        public int Compare(Entry<T> a, Entry<T> b) =>
            a.Value > b.Value ? -1 : a.Value < b.Value ? 1 : a.Index.CompareTo(b.Index);
    }

    readonly struct Ascending<T> : IComparer<Entry<T>> where T : unmanaged, INumber<T>
    {
        public int Compare(Entry<T> a, Entry<T> b) =>
            a.Value < b.Value ? -1 : a.Value > b.Value ? 1 : a.Index.CompareTo(b.Index);
    }
}
