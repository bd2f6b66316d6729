using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using UniML.Onnx;

namespace UniML.Engine.Primitives;

/// <summary>
/// Views a tensor's elements as a same-size carrier type (byte, ushort, uint, ulong) or as strings, so
/// operators that only move elements are written once per element width instead of once per type.
/// </summary>
internal static class ElementView
{
    /// <summary>Bytes per element, or 0 for tensor(string).</summary>
    public static int Width(ElementType type) => type == ElementType.String ? 0 : Tensor.ElementSize(type);

    /// <summary>
    /// The elements as <typeparamref name="T"/>: string for tensor(string), else any type of the element's width
    /// (the byte/ushort/uint/ulong carriers, or the element type itself in generic code that lacks the
    /// unmanaged constraint of <see cref="Tensor.Span{T}"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Span<T> Of<T>(Tensor tensor)
    {
        if (typeof(T) == typeof(string))
        {
            var s = tensor.Strings();
            return MemoryMarshal.CreateSpan(ref Unsafe.As<string, T>(ref MemoryMarshal.GetReference(s)), s.Length);
        }
        var bytes = tensor.Bytes();
        return MemoryMarshal.CreateSpan(ref Unsafe.As<byte, T>(ref MemoryMarshal.GetReference(bytes)), tensor.Length);
    }

    /// <summary>Copies all elements of <paramref name="source"/> into <paramref name="destination"/> (same type and count).</summary>
    public static void Copy(Tensor source, Tensor destination)
    {
        if (source.Type == ElementType.String)
            source.Strings().CopyTo(destination.Strings());
        else
            source.Bytes().CopyTo(destination.Bytes());
    }

    /// <summary>The bytes of a scalar of <paramref name="type"/> holding <paramref name="value"/> (for fill values given as float attributes).</summary>
    public static void WriteScalar(ElementType type, double value, Span<byte> destination)
    {
        switch (type)
        {
            case ElementType.Float: MemoryMarshal.Write(destination, (float)value); break;
            case ElementType.Double: MemoryMarshal.Write(destination, value); break;
            case ElementType.Float16: MemoryMarshal.Write(destination, (Half)value); break;
            case ElementType.BFloat16: MemoryMarshal.Write(destination, (ushort)(BitConverter.SingleToUInt32Bits((float)value) >> 16)); break;
            case ElementType.Int8: MemoryMarshal.Write(destination, (sbyte)value); break;
            case ElementType.UInt8: MemoryMarshal.Write(destination, (byte)value); break;
            case ElementType.Int16: MemoryMarshal.Write(destination, (short)value); break;
            case ElementType.UInt16: MemoryMarshal.Write(destination, (ushort)value); break;
            case ElementType.Int32: MemoryMarshal.Write(destination, (int)value); break;
            case ElementType.UInt32: MemoryMarshal.Write(destination, (uint)value); break;
            case ElementType.Int64: MemoryMarshal.Write(destination, (long)value); break;
            case ElementType.UInt64: MemoryMarshal.Write(destination, (ulong)value); break;
            case ElementType.Bool: destination[0] = value != 0 ? (byte)1 : (byte)0; break;
            default: throw new NotSupportedException($"cannot write a number as {ElementTypeInfo.OnnxName(type)}");
        }
    }

    /// <summary>A scalar of <paramref name="type"/> holding <paramref name="value"/>, reinterpreted as the width carrier <typeparamref name="T"/>.</summary>
    public static T Scalar<T>(ElementType type, double value)
    {
        if (typeof(T) == typeof(string)) return (T)(object)string.Empty;
        Span<byte> bytes = stackalloc byte[8];
        bytes.Clear();
        WriteScalar(type, value, bytes);
        return Unsafe.As<byte, T>(ref bytes[0]);
    }

    /// <summary>
    /// True when the element is not zero: bitwise for integers and bools, by value for floating point
    /// (so -0 is zero and NaN is not).
    /// </summary>
    public static bool IsNonZero(ElementType type, ReadOnlySpan<byte> element) => type switch
    {
        ElementType.Float => MemoryMarshal.Read<float>(element) != 0,
        ElementType.Double => MemoryMarshal.Read<double>(element) != 0,
        ElementType.Float16 or ElementType.BFloat16 => (MemoryMarshal.Read<ushort>(element) & 0x7FFF) != 0,
        _ => element.IndexOfAnyExcept((byte)0) >= 0,
    };
}
