using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using UniML.Onnx;

namespace UniML.Engine;

/// <summary>
/// A dense tensor: an element type, a shape and a buffer. Numeric and bool elements live in any
/// primitive array viewed as bytes (so a planned byte buffer can hold any type, and a caller's float[]
/// can be used without a copy); strings live in a string array.
/// </summary>
public sealed class Tensor : Value
{
    Array _data;
    int[] _dims;
    int _rank;

    Tensor(ElementType type, Array data, ReadOnlySpan<int> shape)
    {
        Type = type;
        _data = data;
        _dims = new int[Math.Max(shape.Length, 4)];
        Reshape(shape);
    }

    /// <summary>The element type (ONNX numbering).</summary>
    public ElementType Type { get; private set; }

    /// <summary>The dimensions, outermost first; empty for a scalar.</summary>
    public ReadOnlySpan<int> Shape => _dims.AsSpan(0, _rank);

    public int Rank => _rank;

    /// <summary>Number of elements (the product of the dimensions; 1 for a scalar).</summary>
    public int Length { get; private set; }

    public override string TypeName => $"tensor({ElementTypeInfo.OnnxName(Type)})";

    public string ShapeString => ShapeText(Shape);

    public static string ShapeText(ReadOnlySpan<int> shape)
    {
        var sb = new StringBuilder("[");
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append(shape[i]);
        }
        return sb.Append(']').ToString();
    }

    /// <summary>Wraps an existing array (no copy). Its length must equal the shape's element count.</summary>
    public static Tensor FromArray<T>(T[] data, ReadOnlySpan<int> shape) where T : unmanaged
    {
        var t = new Tensor(TypeOf<T>(), data, shape);
        if (data.Length < t.Length)
            throw new ArgumentException($"array of {data.Length} elements is too small for shape {ShapeText(shape)}");
        return t;
    }

    /// <summary>Wraps a string array (no copy) as a tensor(string).</summary>
    public static Tensor FromStrings(string[] data, ReadOnlySpan<int> shape)
    {
        var t = new Tensor(ElementType.String, data, shape);
        if (data.Length < t.Length)
            throw new ArgumentException($"array of {data.Length} strings is too small for shape {ShapeText(shape)}");
        return t;
    }

    /// <summary>A zero-filled tensor (empty strings for tensor(string)).</summary>
    public static Tensor Create(ElementType type, ReadOnlySpan<int> shape)
    {
        long count = CheckedCount(shape);
        if (type == ElementType.String)
        {
            var strings = new string[count];
            Array.Fill(strings, string.Empty);
            return new Tensor(type, strings, shape);
        }
        int size = ElementSize(type);
        return new Tensor(type, new byte[count * size], shape);
    }

    public static Tensor Scalar<T>(T value) where T : unmanaged => FromArray(new[] { value }, []);

    /// <summary>Typed view of the elements. <typeparamref name="T"/> must match <see cref="Type"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<T> Span<T>() where T : unmanaged
    {
        if (TypeOf<T>() != Type && !SameStorage<T>(Type))
            ThrowTypeMismatch(typeof(T), Type);
        return MemoryMarshal.CreateSpan(ref Unsafe.As<byte, T>(ref MemoryMarshal.GetArrayDataReference(_data)), Length);
    }

    /// <summary>The elements of a tensor(string).</summary>
    public Span<string> Strings()
    {
        if (Type != ElementType.String)
            ThrowTypeMismatch(typeof(string), Type);
        return ((string[])_data).AsSpan(0, Length);
    }

    /// <summary>The elements as raw little-endian bytes (not for strings).</summary>
    public Span<byte> Bytes()
    {
        if (Type == ElementType.String)
            ThrowTypeMismatch(typeof(byte), Type);
        return MemoryMarshal.CreateSpan(ref MemoryMarshal.GetArrayDataReference(_data), Length * ElementSize(Type));
    }

    public T[] ToArray<T>() where T : unmanaged => Span<T>().ToArray();

    /// <summary>A deep copy that owns its buffer.</summary>
    public Tensor Clone()
    {
        if (Type == ElementType.String)
            return FromStrings(Strings().ToArray(), Shape);
        var copy = Create(Type, Shape);
        Bytes().CopyTo(copy.Bytes());
        return copy;
    }

    /// <summary>Changes the shape in place; the element count must not exceed the buffer.</summary>
    internal void Reshape(ReadOnlySpan<int> shape)
    {
        long count = CheckedCount(shape);
        if (shape.Length > _dims.Length)
            _dims = new int[shape.Length];
        shape.CopyTo(_dims);
        _rank = shape.Length;
        Length = (int)count;
    }

    /// <summary>Points this tensor at a (planned) buffer with a new type and shape; used by the execution frame.</summary>
    internal void Bind(ElementType type, Array data, ReadOnlySpan<int> shape)
    {
        Type = type;
        _data = data;
        Reshape(shape);
    }

    internal Array Storage => _data;

    internal static Tensor Empty(ElementType type) => new(type, Array.Empty<byte>(), [0]);

    public static long CheckedCount(ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0)
                throw new ArgumentException($"negative dimension in shape {ShapeText(shape)}");
            count *= d;
            if (count > int.MaxValue)
                throw new ArgumentException($"shape {ShapeText(shape)} has more than {int.MaxValue} elements");
        }
        return count;
    }

    /// <summary>Bytes per element in memory (bool is one byte; bfloat16 is stored as its 16 raw bits).</summary>
    public static int ElementSize(ElementType type) => type switch
    {
        ElementType.Float or ElementType.Int32 or ElementType.UInt32 => 4,
        ElementType.Double or ElementType.Int64 or ElementType.UInt64 => 8,
        ElementType.UInt8 or ElementType.Int8 or ElementType.Bool => 1,
        ElementType.UInt16 or ElementType.Int16 or ElementType.Float16 or ElementType.BFloat16 => 2,
        _ => throw new NotSupportedException($"element type {ElementTypeInfo.OnnxName(type)} is not supported by UniML tensors"),
    };

    public static bool IsSupported(ElementType type) => type is ElementType.Float or ElementType.Double or ElementType.Int8 or ElementType.Int16
        or ElementType.Int32 or ElementType.Int64 or ElementType.UInt8 or ElementType.UInt16 or ElementType.UInt32 or ElementType.UInt64
        or ElementType.Bool or ElementType.String or ElementType.Float16 or ElementType.BFloat16;

    /// <summary>The element type a CLR type maps to.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ElementType TypeOf<T>()
    {
        if (typeof(T) == typeof(float)) return ElementType.Float;
        if (typeof(T) == typeof(double)) return ElementType.Double;
        if (typeof(T) == typeof(long)) return ElementType.Int64;
        if (typeof(T) == typeof(int)) return ElementType.Int32;
        if (typeof(T) == typeof(bool)) return ElementType.Bool;
        if (typeof(T) == typeof(byte)) return ElementType.UInt8;
        if (typeof(T) == typeof(sbyte)) return ElementType.Int8;
        if (typeof(T) == typeof(short)) return ElementType.Int16;
        if (typeof(T) == typeof(ushort)) return ElementType.UInt16;
        if (typeof(T) == typeof(uint)) return ElementType.UInt32;
        if (typeof(T) == typeof(ulong)) return ElementType.UInt64;
        if (typeof(T) == typeof(Half)) return ElementType.Float16;
        if (typeof(T) == typeof(string)) return ElementType.String;
        return ElementType.Undefined;
    }

    // bfloat16 has no CLR type: kernels see its raw bits as ushort.
    static bool SameStorage<T>(ElementType type) => type == ElementType.BFloat16 && typeof(T) == typeof(ushort);

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void ThrowTypeMismatch(Type requested, ElementType actual) =>
        throw new InvalidOperationException($"tensor holds {ElementTypeInfo.OnnxName(actual)}, not {requested.Name}");
}
