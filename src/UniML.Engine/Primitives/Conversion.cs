using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using UniML.Engine.Operators;
using UniML.Onnx;

namespace UniML.Engine.Primitives;

/// <summary>
/// Element-type conversion between numeric, bool, float16 and bfloat16 tensors of equal length, as numpy's
/// astype does for in-range values: floats to integers truncate toward zero, anything to bool is "not zero",
/// bool to numbers is 0/1, float to float16/bfloat16 rounds to nearest even. (Out-of-range values saturate.)
/// </summary>
internal static class Conversion
{
    public static bool IsConvertible(ElementType t) => t is ElementType.Float or ElementType.Double or ElementType.Float16 or ElementType.BFloat16
        or ElementType.Int8 or ElementType.Int16 or ElementType.Int32 or ElementType.Int64 or ElementType.UInt8 or ElementType.UInt16
        or ElementType.UInt32 or ElementType.UInt64 or ElementType.Bool;

    /// <summary>Converts every element of <paramref name="source"/> into <paramref name="destination"/> (same length).</summary>
    public static void Convert(Tensor source, Tensor destination)
    {
        // The common cases inline (see ElementTypes): float, and int64 (class labels).
        if (source.Type == ElementType.Float) { From(source.Span<float>(), destination); return; }
        if (source.Type == ElementType.Int64) { From(source.Span<long>(), destination); return; }
        if (ElementTypes.TryVisitNumeric(source.Type, new ConvertFrom(source, destination))) return;
        switch (source.Type)
        {
            case ElementType.Bool: From<byte>(source.Bytes(), destination); break;
            case ElementType.BFloat16:
                var bits = source.Span<ushort>();
                if (destination.Type == ElementType.BFloat16) { bits.CopyTo(destination.Span<ushort>()); break; }
                for (int i = 0; i < bits.Length; i++) SetFromFloat(destination, i, ElementWise.FromBFloat16(bits[i]));
                break;
            default: throw new InferenceException($"cannot convert from {ElementTypeInfo.OnnxName(source.Type)}");
        }
    }

    readonly struct ConvertFrom(Tensor source, Tensor destination) : INumericVisitor
    {
        public void Visit<T>() where T : unmanaged, INumber<T> => From(source.Span<T>(), destination);
    }

    /// <summary>Converts a numeric span into <paramref name="destination"/>'s element type.</summary>
    public static void From<TFrom>(ReadOnlySpan<TFrom> s, Tensor destination) where TFrom : unmanaged, INumber<TFrom>
    {
        switch (destination.Type)
        {
            case ElementType.Float:
                if (typeof(TFrom) == typeof(Half)) TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<TFrom, Half>(s), destination.Span<float>());
                else TensorPrimitives.ConvertTruncating(s, destination.Span<float>());
                break;
            case ElementType.Double: TensorPrimitives.ConvertTruncating(s, destination.Span<double>()); break;
            case ElementType.Float16:
                if (typeof(TFrom) == typeof(float)) TensorPrimitives.ConvertToHalf(MemoryMarshal.Cast<TFrom, float>(s), destination.Span<Half>());
                else TensorPrimitives.ConvertTruncating(s, destination.Span<Half>());
                break;
            case ElementType.Int8: TensorPrimitives.ConvertTruncating(s, destination.Span<sbyte>()); break;
            case ElementType.Int16: TensorPrimitives.ConvertTruncating(s, destination.Span<short>()); break;
            case ElementType.Int32: TensorPrimitives.ConvertTruncating(s, destination.Span<int>()); break;
            case ElementType.Int64: TensorPrimitives.ConvertTruncating(s, destination.Span<long>()); break;
            case ElementType.UInt8: TensorPrimitives.ConvertTruncating(s, destination.Span<byte>()); break;
            case ElementType.UInt16: TensorPrimitives.ConvertTruncating(s, destination.Span<ushort>()); break;
            case ElementType.UInt32: TensorPrimitives.ConvertTruncating(s, destination.Span<uint>()); break;
            case ElementType.UInt64: TensorPrimitives.ConvertTruncating(s, destination.Span<ulong>()); break;
            case ElementType.Bool:
                var d = destination.Bytes();
                for (int i = 0; i < s.Length; i++) d[i] = s[i] != TFrom.Zero ? (byte)1 : (byte)0;
                break;
            case ElementType.BFloat16:
                var b = destination.Span<ushort>();
                for (int i = 0; i < s.Length; i++) b[i] = ElementWise.ToBFloat16(float.CreateTruncating(s[i]));
                break;
            default: throw new InferenceException($"cannot convert to {ElementTypeInfo.OnnxName(destination.Type)}");
        }
    }

    static void SetFromFloat(Tensor destination, int i, float v)
    {
        switch (destination.Type)
        {
            case ElementType.Float: destination.Span<float>()[i] = v; break;
            case ElementType.Double: destination.Span<double>()[i] = v; break;
            case ElementType.Float16: destination.Span<Half>()[i] = (Half)v; break;
            case ElementType.Int8: destination.Span<sbyte>()[i] = sbyte.CreateTruncating(v); break;
            case ElementType.Int16: destination.Span<short>()[i] = short.CreateTruncating(v); break;
            case ElementType.Int32: destination.Span<int>()[i] = int.CreateTruncating(v); break;
            case ElementType.Int64: destination.Span<long>()[i] = long.CreateTruncating(v); break;
            case ElementType.UInt8: destination.Span<byte>()[i] = byte.CreateTruncating(v); break;
            case ElementType.UInt16: destination.Span<ushort>()[i] = ushort.CreateTruncating(v); break;
            case ElementType.UInt32: destination.Span<uint>()[i] = uint.CreateTruncating(v); break;
            case ElementType.UInt64: destination.Span<ulong>()[i] = ulong.CreateTruncating(v); break;
            case ElementType.Bool: destination.Bytes()[i] = v != 0 ? (byte)1 : (byte)0; break;
            default: throw new InferenceException($"cannot convert to {ElementTypeInfo.OnnxName(destination.Type)}");
        }
    }

    /// <summary>
    /// A float, double or float16 tensor's elements as floats, for kernels that compute in float: the tensor's
    /// own elements when it is float (no copy), else converted into <paramref name="scratch"/>.
    /// </summary>
    public static ReadOnlySpan<float> AsFloats(Tensor source, Span<float> scratch)
    {
        switch (source.Type)
        {
            case ElementType.Float: return source.Span<float>();
            case ElementType.Double: TensorPrimitives.ConvertTruncating<double, float>(source.Span<double>(), scratch); break;
            case ElementType.Float16: TensorPrimitives.ConvertToSingle(source.Span<Half>(), scratch); break;
            default: throw new InferenceException($"expected a float, double or float16 tensor, got {source.TypeName}");
        }
        return scratch[..source.Length];
    }

    /// <summary>Reads any numeric tensor as doubles (for mixed-type kernels such as Pow).</summary>
    public static void ToDouble(Tensor source, Span<double> destination)
    {
        if (source.Type == ElementType.BFloat16)
        {
            var bits = source.Span<ushort>();
            for (int i = 0; i < bits.Length; i++) destination[i] = ElementWise.FromBFloat16(bits[i]);
            return;
        }
        if (!ElementTypes.TryVisitNumeric(source.Type, new ConvertToDouble(source, destination)))
            throw new InferenceException($"cannot read {ElementTypeInfo.OnnxName(source.Type)} as numbers");
    }

    readonly ref struct ConvertToDouble(Tensor source, Span<double> destination) : INumericVisitor
    {
        readonly Span<double> _destination = destination;

        public void Visit<T>() where T : unmanaged, INumber<T> => TensorPrimitives.ConvertTruncating<T, double>(source.Span<T>(), _destination);
    }
}
