using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using UniML.Onnx;

namespace UniML.Engine.Primitives;

/// <summary>
/// Index tensors (int64 or int32, as ONNX allows for indices): reading them, and resolving an index against
/// the size of the axis it selects on, where a negative index counts back from the end.
/// </summary>
internal static class Indices
{
    /// <summary>Element <paramref name="i"/> of an int64 or int32 tensor; <paramref name="name"/> names the input in the error for other types.</summary>
    public static long At(Tensor t, int i, string name = "indices") => t.Type switch
    {
        ElementType.Int64 => t.Span<long>()[i],
        ElementType.Int32 => t.Span<int>()[i],
        _ => throw new InferenceException($"{name} must be int32 or int64, got {t.TypeName}"),
    };

    /// <summary>The value of a single-element int64 or int32 tensor (an axis, a position).</summary>
    public static long Scalar(Tensor t, string name)
    {
        if (t.Length != 1) throw new InferenceException($"{name} must be a scalar, not shape {t.ShapeString}");
        return At(t, 0, name);
    }

    /// <summary>
    /// <paramref name="index"/> as a position in [0, <paramref name="dim"/>), counting back from the end when
    /// negative, or an <see cref="InferenceException"/> naming the index and the axis.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Resolve(long index, int dim, int axis)
    {
        long i = index < 0 ? index + dim : index;
        if ((ulong)i >= (ulong)dim) ThrowOutOfRange(index, dim, axis);
        return (int)i;
    }

    /// <summary>
    /// For each element of <paramref name="indices"/> (of data's rank, and no larger than data off the axis), the
    /// data offset of its own position with the axis coordinate replaced by its value: where GatherElements reads
    /// and ScatterElements writes.
    /// </summary>
    public static void AlongAxis(Tensor indices, ReadOnlySpan<int> dataShape, int axis, Span<int> offsets)
    {
        for (int k = 0; k < dataShape.Length; k++)
            if (k != axis && indices.Shape[k] > dataShape[k])
                throw new InferenceException($"indices shape {indices.ShapeString} exceeds data shape {Tensor.ShapeText(dataShape)} on axis {k}");
        switch (indices.Type)
        {
            case ElementType.Int64: AlongAxis(indices.Span<long>(), indices.Shape, dataShape, axis, offsets); break;
            case ElementType.Int32: AlongAxis(indices.Span<int>(), indices.Shape, dataShape, axis, offsets); break;
            default: throw new InferenceException($"indices must be int32 or int64, got {indices.TypeName}");
        }
    }

    static void AlongAxis<TIndex>(ReadOnlySpan<TIndex> idx, ReadOnlySpan<int> shape, ReadOnlySpan<int> dataShape, int axis, Span<int> offsets)
        where TIndex : IBinaryInteger<TIndex>
    {
        int rank = dataShape.Length;
        Span<long> strides = stackalloc long[rank];
        StridedCopy.DenseStrides(dataShape, strides);
        Span<int> position = stackalloc int[rank];
        position.Clear();
        int dim = dataShape[axis];
        long axisStride = strides[axis];
        long offset = 0; // data offset of the current position, without the axis coordinate
        for (int e = 0; e < offsets.Length; e++)
        {
            offsets[e] = (int)(offset + Resolve(long.CreateTruncating(idx[e]), dim, axis) * axisStride);
            for (int k = rank - 1; k >= 0; k--)
            {
                if (k != axis) offset += strides[k];
                if (++position[k] < shape[k]) break;
                if (k != axis) offset -= strides[k] * shape[k];
                position[k] = 0;
            }
        }
    }

    [DoesNotReturn]
    static void ThrowOutOfRange(long index, int dim, int axis) =>
        throw new InferenceException($"index {index} is out of range for axis {axis} of size {dim}");
}
