using System.Numerics;
using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Unique: the distinct elements (or slices along 'axis'), sorted ascending (sorted=1) or in order of
/// first occurrence, with the index of each one's first occurrence, the inverse map and the counts.
/// The output sizes depend on the data, so this kernel allocates its work arrays per run.
/// </summary>
internal sealed class Unique(long? axis, bool sorted) : Kernel
{
    public static Kernel Create(NodeInfo node) =>
        new Unique(node.Has("axis") ? node.GetInt("axis") : null, node.GetInt("sorted", 1) != 0);

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        switch (x.Type)
        {
            case ElementType.Bool: Run<bool>(context); break;
            case ElementType.String: Run<string>(context); break;
            default:
                if (!ElementTypes.TryVisitNumeric(x.Type, new RunTyped(this, context)))
                    throw new InferenceException($"Unique does not support {x.TypeName}");
                break;
        }
    }

    readonly struct RunTyped(Unique kernel, KernelContext context) : INumericVisitor
    {
        public void Visit<T>() where T : unmanaged, INumber<T> => kernel.Run<T>(context);
    }

    void Run<T>(KernelContext context)
    {
        var x = context.Input(0);
        var data = ElementView.Of<T>(x);
        int rank = x.Rank;
        int a = axis is { } ax ? ShapeInputs.Axis(ax, rank) : -1;
        int items = a < 0 ? x.Length : x.Shape[a];
        int outer = a < 0 ? 1 : ShapeInputs.Product(x.Shape, 0, a);
        int inner = a < 0 ? 1 : ShapeInputs.Product(x.Shape, a + 1, rank);
        var comparer = new ItemComparer<T>(data.ToArray(), outer, items, inner);

        // Sort item numbers (ties by position, so each group starts with its first occurrence), then group.
        var order = new int[items];
        for (int i = 0; i < items; i++) order[i] = i;
        Array.Sort(order, comparer);
        var groupOf = new int[items];
        var firsts = new List<int>();
        var counts = new List<long>();
        for (int i = 0; i < items; i++)
        {
            if (i == 0 || comparer.CompareItems(order[i - 1], order[i]) != 0)
            {
                firsts.Add(order[i]);
                counts.Add(0);
            }
            groupOf[order[i]] = firsts.Count - 1;
            counts[^1]++;
        }
        int unique = firsts.Count;
        // Output position of each group: sorted order, or order of first occurrence.
        var position = new int[unique];
        if (sorted)
            for (int g = 0; g < unique; g++) position[g] = g;
        else
        {
            var byFirst = new int[unique];
            for (int g = 0; g < unique; g++) byFirst[g] = g;
            Array.Sort(byFirst, (p, q) => firsts[p].CompareTo(firsts[q]));
            for (int r = 0; r < unique; r++) position[byFirst[r]] = r;
        }

        Span<int> shape = stackalloc int[Math.Max(rank, 1)];
        if (a < 0) shape[0] = unique;
        else { x.Shape.CopyTo(shape); shape[a] = unique; }
        var y = context.Output(0, x.Type, shape[..(a < 0 ? 1 : rank)]);
        var dst = ElementView.Of<T>(y);
        for (int g = 0; g < unique; g++)
        {
            int p = position[g], src = firsts[g];
            for (int o = 0; o < outer; o++)
                for (int i = 0; i < inner; i++)
                    dst[(o * unique + p) * inner + i] = data[(o * items + src) * inner + i];
        }
        if (context.OutputCount > 1 && context.IsOutputUsed(1))
        {
            var indices = context.Output(1, ElementType.Int64, [unique]).Span<long>();
            for (int g = 0; g < unique; g++) indices[position[g]] = firsts[g];
        }
        if (context.OutputCount > 2 && context.IsOutputUsed(2))
        {
            var inverse = context.Output(2, ElementType.Int64, [items]).Span<long>();
            for (int i = 0; i < items; i++) inverse[i] = position[groupOf[i]];
        }
        if (context.OutputCount > 3 && context.IsOutputUsed(3))
        {
            var c = context.Output(3, ElementType.Int64, [unique]).Span<long>();
            for (int g = 0; g < unique; g++) c[position[g]] = counts[g];
        }
    }

    /// <summary>Orders items (elements or slices) lexicographically, then by position.</summary>
    sealed class ItemComparer<T>(T[] data, int outer, int items, int inner) : IComparer<int>
    {
        public int Compare(int p, int q)
        {
            int c = CompareItems(p, q);
            return c != 0 ? c : p.CompareTo(q);
        }

        public int CompareItems(int p, int q)
        {
            for (int o = 0; o < outer; o++)
                for (int i = 0; i < inner; i++)
                {
                    int c = CompareValues(data[(o * items + p) * inner + i], data[(o * items + q) * inner + i]);
                    if (c != 0) return c;
                }
            return 0;
        }

        static int CompareValues(T a, T b) =>
            typeof(T) == typeof(string) ? string.CompareOrdinal((string)(object)a!, (string)(object)b!) : Comparer<T>.Default.Compare(a, b);
    }
}
