using UniML.Onnx;

namespace UniML.Engine.Primitives;

/// <summary>Reads the small integer tensors that describe shapes, axes, pads and repeats, and normalises axes.</summary>
internal static class ShapeInputs
{
    /// <summary>Copies an integer tensor's values (int64 or int32, as ONNX allows for indices) into <paramref name="dst"/>.</summary>
    public static void ReadInt64(Tensor t, Span<long> dst)
    {
        switch (t.Type)
        {
            case ElementType.Int64: t.Span<long>().CopyTo(dst); break;
            case ElementType.Int32:
            {
                var s = t.Span<int>();
                for (int i = 0; i < s.Length; i++) dst[i] = s[i];
                break;
            }
            default: throw new InferenceException($"expected an int64 or int32 tensor, got {t.TypeName}");
        }
    }

    /// <summary>Reads a scalar (or single-element) integer or floating tensor as a 64-bit integer.</summary>
    public static long ScalarInt64(Tensor t)
    {
        if (t.Length != 1) throw new InferenceException($"expected a single value, got shape {t.ShapeString}");
        return t.Type switch
        {
            ElementType.Int64 => t.Span<long>()[0],
            ElementType.Int32 => t.Span<int>()[0],
            ElementType.Int16 => t.Span<short>()[0],
            ElementType.Int8 => t.Span<sbyte>()[0],
            ElementType.UInt8 => t.Span<byte>()[0],
            ElementType.UInt16 => t.Span<ushort>()[0],
            ElementType.UInt32 => t.Span<uint>()[0],
            ElementType.UInt64 => (long)t.Span<ulong>()[0],
            ElementType.Float => (long)t.Span<float>()[0],
            ElementType.Double => (long)t.Span<double>()[0],
            ElementType.Float16 => (long)(float)t.Span<Half>()[0],
            _ => throw new InferenceException($"expected a number, got {t.TypeName}"),
        };
    }

    /// <summary>An axis in [-rank, rank) made non-negative, or an <see cref="InferenceException"/>.</summary>
    public static int Axis(long axis, int rank)
    {
        if (axis < -rank || axis >= rank)
            throw new InferenceException($"axis {axis} is out of range for rank {rank}");
        return (int)(axis < 0 ? axis + rank : axis);
    }

    /// <summary>Product of dims[from..to).</summary>
    public static int Product(ReadOnlySpan<int> dims, int from, int to)
    {
        long p = 1;
        for (int i = from; i < to; i++) p *= dims[i];
        return checked((int)p);
    }

    /// <summary>Product of all dims.</summary>
    public static int Product(ReadOnlySpan<int> dims) => Product(dims, 0, dims.Length);

    /// <summary>Dimension that fits in int, or an <see cref="InferenceException"/>.</summary>
    public static int Dim(long value)
    {
        if (value < 0 || value > int.MaxValue)
            throw new InferenceException($"dimension {value} is out of range");
        return (int)value;
    }
}
