using System.Numerics;
using System.Numerics.Tensors;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// LayerNormalization (opset 17): each row of X flattened from <c>axis</c> on is normalised by its mean and
/// variance, then scaled and shifted by Scale and B (broadcast over the row). The optional outputs Mean
/// and InvStdDev have X's leading dimensions followed by 1s. Statistics are computed in float for float16 input.
/// </summary>
internal sealed class LayerNormalization : Kernel
{
    readonly long _axis;
    readonly float _epsilon;

    LayerNormalization(long axis, float epsilon)
    {
        _axis = axis;
        _epsilon = epsilon;
    }

    public static Kernel Create(NodeInfo node)
    {
        if (node.InputTypes[0] is { } t && t is not (ElementType.Float or ElementType.Double))
            throw node.Unsupported($"LayerNormalization of {ElementTypeInfo.OnnxName(t)} is not implemented");
        return new LayerNormalization(node.GetInt("axis", -1), node.GetFloat("epsilon", 1e-5f));
    }

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        switch (x.Type)
        {
            case ElementType.Float: Run<float>(context, x); break;
            case ElementType.Double: Run<double>(context, x); break;
            default: throw new InferenceException($"LayerNormalization does not support {x.TypeName}");
        }
    }

    void Run<T>(KernelContext context, Tensor x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int axis = (int)(_axis < 0 ? _axis + x.Rank : _axis);
        if (axis < 0 || axis >= Math.Max(x.Rank, 1))
            throw new InferenceException($"LayerNormalization axis {_axis} is out of range for {x.ShapeString}");
        int rows = 1;
        for (int i = 0; i < axis; i++) rows *= x.Shape[i];
        int size = rows == 0 ? 0 : x.Length / rows;
        var scale = context.Input(1);
        var bias = context.OptionalInput(2);
        var sv = RowParameter<T>(scale, size, "Scale");
        var bv = bias is null ? default : RowParameter<T>(bias, size, "B");
        var y = context.Output(0, x.Type, x);
        Span<int> statShape = stackalloc int[x.Rank];
        x.Shape[..axis].CopyTo(statShape);
        statShape[axis..].Fill(1);
        var meanOut = context.OutputCount > 1 && context.IsOutputUsed(1) ? context.Output(1, x.Type, statShape).Span<T>() : default;
        var invOut = context.OutputCount > 2 && context.IsOutputUsed(2) ? context.Output(2, x.Type, statShape).Span<T>() : default;
        var xv = x.Span<T>();
        var yv = y.Span<T>();
        T eps = T.CreateTruncating(_epsilon), n = T.CreateTruncating(size);
        for (int row = 0; row < rows; row++)
        {
            var src = xv.Slice(row * size, size);
            var dst = yv.Slice(row * size, size);
            T mean = TensorPrimitives.Sum<T>(src) / n;
            TensorPrimitives.Subtract<T>(src, mean, dst);
            T variance = TensorPrimitives.SumOfSquares<T>(dst) / n;
            T inv = T.One / T.Sqrt(variance + eps);
            TensorPrimitives.Multiply<T>(dst, inv, dst);
            Apply(sv, dst, multiply: true);
            if (!bv.IsEmpty) Apply(bv, dst, multiply: false);
            if (!meanOut.IsEmpty) meanOut[row] = mean;
            if (!invOut.IsEmpty) invOut[row] = inv;
        }
    }

    static void Apply<T>(ReadOnlySpan<T> parameter, Span<T> row, bool multiply) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (parameter.Length == 1)
        {
            if (multiply) TensorPrimitives.Multiply<T>(row, parameter[0], row);
            else TensorPrimitives.Add<T>(row, parameter[0], row);
        }
        else if (multiply) TensorPrimitives.Multiply<T>(row, parameter, row);
        else TensorPrimitives.Add<T>(row, parameter, row);
    }

    /// <summary>Scale or B as one value per row element (or a single value); other broadcasts are refused.</summary>
    static ReadOnlySpan<T> RowParameter<T>(Tensor t, int size, string name) where T : unmanaged
    {
        if (t.Length != size && t.Length != 1)
            throw new InferenceException($"LayerNormalization {name} of shape {t.ShapeString} does not match the {size} normalised elements");
        return t.Span<T>();
    }
}
