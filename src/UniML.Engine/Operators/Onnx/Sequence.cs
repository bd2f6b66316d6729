using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Sequence operators (opset 11): SequenceEmpty, SequenceConstruct, SequenceAt, SequenceInsert, SequenceErase,
/// SequenceLength, SplitToSequence, ConcatFromSequence. A sequence owns its tensors (copies of planned buffers),
/// so a new sequence may share items with the one it was derived from: items are never written.
/// </summary>
internal static class Sequence
{
    public static Kernel Empty(NodeInfo node)
    {
        var type = (ElementType)node.GetInt("dtype", (long)ElementType.Float);
        if (!Tensor.IsSupported(type)) throw node.Unsupported($"dtype {ElementTypeInfo.OnnxName(type)} is not supported");
        return new EmptyKernel($"tensor({ElementTypeInfo.OnnxName(type)})");
    }

    public static Kernel Construct(NodeInfo node) => new ConstructKernel();
    public static Kernel At(NodeInfo node) => new AtKernel();
    public static Kernel Insert(NodeInfo node) => new InsertKernel();
    public static Kernel Erase(NodeInfo node) => new EraseKernel();
    public static Kernel Length(NodeInfo node) => new LengthKernel();

    public static Kernel SplitTo(NodeInfo node) => new SplitToSequenceKernel((int)node.GetInt("axis", 0), node.GetInt("keepdims", 1) != 0);

    public static Kernel ConcatFrom(NodeInfo node)
    {
        if (!node.Has("axis")) throw node.Invalid("attribute 'axis' is missing");
        return new ConcatFromSequenceKernel((int)node.GetInt("axis"), node.GetInt("new_axis", 0) != 0);
    }

    internal static SequenceValue Input(KernelContext context, int index) =>
        context.InputValue(index) as SequenceValue ?? throw new InferenceException($"input {index} must be a sequence, got {context.InputValue(index)?.TypeName ?? "nothing"}");

    static int Normalize(long position, int count, bool allowEnd)
    {
        long p = position < 0 ? position + count : position;
        if (p < 0 || p > count || (!allowEnd && p == count))
            throw new InferenceException($"position {position} is out of range for a sequence of {count}");
        return (int)p;
    }

    sealed class EmptyKernel(string elementType) : Kernel
    {
        public override void Run(KernelContext context) => context.SetOutput(0, new SequenceValue(new List<Value>(), elementType));
    }

    sealed class ConstructKernel : Kernel
    {
        public override void Run(KernelContext context)
        {
            var items = new List<Value>(context.InputCount);
            for (int i = 0; i < context.InputCount; i++) items.Add(context.Input(i).Clone());
            if (items.Count > 1)
                foreach (var item in items)
                    if (((Tensor)item).Type != ((Tensor)items[0]).Type) throw new InferenceException("SequenceConstruct inputs must share one element type");
            context.SetOutput(0, new SequenceValue(items, items.Count > 0 ? items[0].TypeName : "tensor(float)"));
        }
    }

    sealed class AtKernel : Kernel
    {
        public override void Run(KernelContext context)
        {
            var seq = Input(context, 0);
            int p = Normalize(Indices.Scalar(context.Input(1), "position"), seq.Items.Count, false);
            Subgraph.SetOutput(context, 0, seq.Items[p]);
        }
    }

    sealed class InsertKernel : Kernel
    {
        public override void Run(KernelContext context)
        {
            var seq = Input(context, 0);
            var tensor = context.Input(1);
            if (seq.Items.Count > 0 && seq.Items[0] is Tensor first && first.Type != tensor.Type)
                throw new InferenceException($"cannot insert {tensor.TypeName} into {seq.TypeName}");
            int p = context.OptionalInput(2) is { } pos ? Normalize(Indices.Scalar(pos, "position"), seq.Items.Count, true) : seq.Items.Count;
            var items = new List<Value>(seq.Items);
            items.Insert(p, tensor.Clone());
            context.SetOutput(0, new SequenceValue(items, tensor.TypeName));
        }
    }

    sealed class EraseKernel : Kernel
    {
        public override void Run(KernelContext context)
        {
            var seq = Input(context, 0);
            int p = context.OptionalInput(1) is { } pos ? Normalize(Indices.Scalar(pos, "position"), seq.Items.Count, false) : Normalize(-1, seq.Items.Count, false);
            var items = new List<Value>(seq.Items);
            items.RemoveAt(p);
            context.SetOutput(0, new SequenceValue(items, seq.ElementTypeName));
        }
    }

    sealed class LengthKernel : Kernel
    {
        public override void Run(KernelContext context)
        {
            var seq = Input(context, 0);
            context.Output(0, ElementType.Int64, []).Span<long>()[0] = seq.Items.Count;
        }
    }

    sealed class SplitToSequenceKernel(int axis, bool keepdims) : Kernel
    {
        public override void Run(KernelContext context)
        {
            var x = context.Input(0);
            int a = axis < 0 ? axis + x.Rank : axis;
            if (a < 0 || a >= x.Rank) throw new InferenceException($"axis {axis} is out of range for {x.ShapeString}");
            int length = x.Shape[a];
            var sizes = new List<int>();
            bool squeeze = false;
            if (context.OptionalInput(1) is not { } split)
            {
                for (int i = 0; i < length; i++) sizes.Add(1);
                squeeze = !keepdims;
            }
            else
            {
                var s = split.Type == ElementType.Int64 ? split.ToArray<long>() : split.ToArray<int>().Select(v => (long)v).ToArray();
                if (split.Rank == 0)
                {
                    if (s[0] <= 0) throw new InferenceException($"split {s[0]} must be positive");
                    for (int done = 0; done < length; done += (int)s[0]) sizes.Add((int)Math.Min(s[0], length - done));
                }
                else
                {
                    if (s.Sum() != length) throw new InferenceException($"split sizes sum to {s.Sum()}, the axis has {length}");
                    sizes.AddRange(s.Select(v => (int)v));
                }
            }
            var items = new List<Value>(sizes.Count);
            int start = 0;
            foreach (var size in sizes)
            {
                items.Add(squeeze ? Subgraph.Slice(x, a, start) : Range(x, a, start, size));
                start += size;
            }
            context.SetOutput(0, new SequenceValue(items, x.TypeName));
        }

        static Tensor Range(Tensor x, int axis, int start, int count)
        {
            var shape = x.Shape.ToArray();
            int n = shape[axis];
            shape[axis] = count;
            int outer = 1, inner = 1;
            for (int i = 0; i < axis; i++) outer *= shape[i];
            for (int i = axis + 1; i < shape.Length; i++) inner *= shape[i];
            var result = Tensor.Create(x.Type, shape);
            if (x.Type == ElementType.String)
            {
                var s = x.Strings(); var d = result.Strings();
                for (int o = 0; o < outer; o++) s.Slice((o * n + start) * inner, count * inner).CopyTo(d.Slice(o * count * inner));
            }
            else
            {
                int size = Tensor.ElementSize(x.Type);
                var s = x.Bytes(); var d = result.Bytes();
                for (int o = 0; o < outer; o++) s.Slice((o * n + start) * inner * size, count * inner * size).CopyTo(d.Slice(o * count * inner * size));
            }
            return result;
        }
    }

    sealed class ConcatFromSequenceKernel(int axis, bool newAxis) : Kernel
    {
        public override void Run(KernelContext context)
        {
            var seq = Input(context, 0);
            if (seq.Items.Count == 0) throw new InferenceException("ConcatFromSequence needs a non-empty sequence");
            var parts = seq.Items.Select(v => v as Tensor ?? throw new InferenceException("sequence items must be tensors")).ToList();
            if (newAxis)
            {
                Subgraph.Stack(context, 0, parts, axis, false, parts[0].Type);
                return;
            }
            var first = parts[0];
            int a = axis < 0 ? axis + first.Rank : axis;
            if (a < 0 || a >= first.Rank) throw new InferenceException($"axis {axis} is out of range for {first.ShapeString}");
            var shape = first.Shape.ToArray();
            int total = 0;
            foreach (var p in parts)
            {
                if (p.Rank != first.Rank || p.Type != first.Type) throw new InferenceException("sequence items differ in rank or type");
                for (int i = 0; i < shape.Length; i++)
                    if (i != a && p.Shape[i] != shape[i]) throw new InferenceException($"cannot concatenate {first.ShapeString} and {p.ShapeString} on axis {a}");
                total += p.Shape[a];
            }
            shape[a] = total;
            int outer = 1, inner = 1;
            for (int i = 0; i < a; i++) outer *= shape[i];
            for (int i = a + 1; i < shape.Length; i++) inner *= shape[i];
            var y = context.Output(0, first.Type, shape);
            int offset = 0;
            foreach (var p in parts)
            {
                int n = p.Shape[a];
                if (first.Type == ElementType.String)
                {
                    var s = p.Strings(); var d = y.Strings();
                    for (int o = 0; o < outer; o++) s.Slice(o * n * inner, n * inner).CopyTo(d.Slice((o * total + offset) * inner));
                }
                else
                {
                    int size = Tensor.ElementSize(first.Type);
                    var s = p.Bytes(); var d = y.Bytes();
                    for (int o = 0; o < outer; o++) s.Slice(o * n * inner * size, n * inner * size).CopyTo(d.Slice((o * total + offset) * inner * size));
                }
                offset += n;
            }
        }
    }
}
