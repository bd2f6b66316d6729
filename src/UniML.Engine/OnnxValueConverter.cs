using System.Runtime.InteropServices;
using System.Text;
using UniML.Onnx;
using UniML.Onnx.Protos;

namespace UniML.Engine;

/// <summary>Converts between ONNX protobuf values (TensorProto, SequenceProto, MapProto) and engine values.</summary>
public static class OnnxValueConverter
{
    /// <summary>Reads a value file of a test data set, choosing the message type from the declared kind.</summary>
    /// <remarks>An optional value is read from an OptionalProto and is its element, or null when it has none.</remarks>
    public static Value? ReadFile(string path, ValueKind kind)
    {
        try
        {
            return kind switch
            {
                ValueKind.Sequence => FromSequenceProto(OnnxFile.ReadSequence(path), path),
                ValueKind.Map => FromMapProto(OnnxFile.ReadMap(path), path),
                ValueKind.Optional => FromOptionalProto(OnnxFile.ReadOptional(path), path),
                _ => FromTensorProto(OnnxFile.ReadTensor(path), Path.GetDirectoryName(path), path),
            };
        }
        catch (ArgumentException e)
        {
            throw new OnnxFormatException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>An OptionalProto's element, or null when it holds none.</summary>
    public static Value? FromOptionalProto(OptionalProto proto, string where) => (OptionalProto.Types.DataType)proto.ElemType switch
    {
        OptionalProto.Types.DataType.Undefined => null,
        OptionalProto.Types.DataType.Tensor => proto.TensorValue is null ? null : FromTensorProto(proto.TensorValue, null, where),
        OptionalProto.Types.DataType.Sequence => proto.SequenceValue is null ? null : FromSequenceProto(proto.SequenceValue, where),
        OptionalProto.Types.DataType.Map => proto.MapValue is null ? null : FromMapProto(proto.MapValue, where),
        OptionalProto.Types.DataType.Optional => proto.OptionalValue is null ? null : FromOptionalProto(proto.OptionalValue, where),
        _ => throw new OnnxFormatException($"{where}: optional of element kind {proto.ElemType} is not supported"),
    };

    public static Tensor ReadTensorFile(string path) => FromTensorProto(OnnxFile.ReadTensor(path), Path.GetDirectoryName(path), path);

    public static Tensor FromTensorProto(TensorProto proto, string? baseDirectory, string where)
    {
        TensorValidator.ValidateHeader(proto, where);
        var type = (ElementType)proto.DataType;
        if (!Tensor.IsSupported(type))
            throw new OnnxFormatException($"{where}: element type {ElementTypeInfo.OnnxName(type)} is not supported by UniML");
        var shape = new int[proto.Dims.Count];
        for (int i = 0; i < shape.Length; i++) shape[i] = (int)proto.Dims[i];
        long count = TensorValidator.ElementCount(proto, where);

        if (type == ElementType.String)
        {
            if (proto.DataLocation == TensorProto.Types.DataLocation.External || !proto.RawData.IsEmpty)
                throw new OnnxFormatException($"{where}: string tensors must use string_data");
            if (proto.StringData.Count != count)
                throw new OnnxFormatException($"{where}: string_data has {proto.StringData.Count} entries, dims need {count}");
            var strings = new string[count];
            for (int i = 0; i < strings.Length; i++) strings[i] = proto.StringData[i].ToStringUtf8();
            return Tensor.FromStrings(strings, shape);
        }

        // Validate the payload against the declared size before allocating anything of that size.
        var raw = TensorPayload.RawBytes(proto, baseDirectory, where);
        if (raw is null && TypedFieldCount(proto, type) != count)
            throw new OnnxFormatException($"{where}: holds {TypedFieldCount(proto, type)} values but dims [{string.Join(",", proto.Dims)}] need {count}");
        var tensor = Tensor.Create(type, shape);
        if (raw is not null)
        {
            raw.CopyTo(tensor.Bytes());
            if (type == ElementType.Bool) NormalizeBools(tensor.Span<bool>());
            return tensor;
        }
        FillFromTypedFields(proto, tensor, count, where);
        return tensor;
    }

    static int TypedFieldCount(TensorProto p, ElementType type) => type switch
    {
        ElementType.Float => p.FloatData.Count,
        ElementType.Double => p.DoubleData.Count,
        ElementType.Int64 => p.Int64Data.Count,
        ElementType.UInt64 or ElementType.UInt32 => p.Uint64Data.Count,
        _ => p.Int32Data.Count,
    };

    static void NormalizeBools(Span<bool> values)
    {
        var bytes = MemoryMarshal.AsBytes(values);
        for (int i = 0; i < bytes.Length; i++) bytes[i] = bytes[i] != 0 ? (byte)1 : (byte)0;
    }

    static void FillFromTypedFields(TensorProto p, Tensor t, long count, string where)
    {
        void Check(int have, string field)
        {
            if (have != count)
                throw new OnnxFormatException($"{where}: {field} has {have} entries but dims [{string.Join(",", p.Dims)}] need {count}");
        }
        switch (t.Type)
        {
            case ElementType.Float:
                Check(p.FloatData.Count, "float_data");
                for (int i = 0; i < count; i++) t.Span<float>()[i] = p.FloatData[i];
                break;
            case ElementType.Double:
                Check(p.DoubleData.Count, "double_data");
                for (int i = 0; i < count; i++) t.Span<double>()[i] = p.DoubleData[i];
                break;
            case ElementType.Int64:
                Check(p.Int64Data.Count, "int64_data");
                for (int i = 0; i < count; i++) t.Span<long>()[i] = p.Int64Data[i];
                break;
            case ElementType.UInt64:
                Check(p.Uint64Data.Count, "uint64_data");
                for (int i = 0; i < count; i++) t.Span<ulong>()[i] = p.Uint64Data[i];
                break;
            case ElementType.UInt32:
                Check(p.Uint64Data.Count, "uint64_data");
                for (int i = 0; i < count; i++) t.Span<uint>()[i] = (uint)p.Uint64Data[i];
                break;
            case ElementType.Int32:
                Check(p.Int32Data.Count, "int32_data");
                for (int i = 0; i < count; i++) t.Span<int>()[i] = p.Int32Data[i];
                break;
            case ElementType.Int16:
                Check(p.Int32Data.Count, "int32_data");
                for (int i = 0; i < count; i++) t.Span<short>()[i] = (short)p.Int32Data[i];
                break;
            case ElementType.UInt16:
            case ElementType.Float16:
            case ElementType.BFloat16:
                // 16-bit floats are stored as their bit patterns in int32_data.
                Check(p.Int32Data.Count, "int32_data");
                var bits = MemoryMarshal.Cast<byte, ushort>(t.Bytes());
                for (int i = 0; i < count; i++) bits[i] = (ushort)p.Int32Data[i];
                break;
            case ElementType.Int8:
                Check(p.Int32Data.Count, "int32_data");
                for (int i = 0; i < count; i++) t.Span<sbyte>()[i] = (sbyte)p.Int32Data[i];
                break;
            case ElementType.UInt8:
                Check(p.Int32Data.Count, "int32_data");
                for (int i = 0; i < count; i++) t.Span<byte>()[i] = (byte)p.Int32Data[i];
                break;
            case ElementType.Bool:
                Check(p.Int32Data.Count, "int32_data");
                for (int i = 0; i < count; i++) t.Span<bool>()[i] = p.Int32Data[i] != 0;
                break;
            default:
                throw new OnnxFormatException($"{where}: element type {ElementTypeInfo.OnnxName(t.Type)} is not supported");
        }
    }

    public static SequenceValue FromSequenceProto(SequenceProto proto, string where)
    {
        var items = new List<Value>();
        string elementType;
        switch ((SequenceProto.Types.DataType)proto.ElemType)
        {
            case SequenceProto.Types.DataType.Tensor:
                foreach (var t in proto.TensorValues) items.Add(FromTensorProto(t, null, where));
                elementType = items.Count > 0 ? items[0].TypeName : "tensor(undefined)";
                break;
            case SequenceProto.Types.DataType.Map:
                foreach (var m in proto.MapValues) items.Add(FromMapProto(m, where));
                elementType = items.Count > 0 ? items[0].TypeName : "map(undefined)";
                break;
            case SequenceProto.Types.DataType.Sequence:
                foreach (var s in proto.SequenceValues) items.Add(FromSequenceProto(s, where));
                elementType = items.Count > 0 ? items[0].TypeName : "seq(undefined)";
                break;
            default:
                throw new OnnxFormatException($"{where}: sequences of element kind {proto.ElemType} are not supported");
        }
        return new SequenceValue(items, elementType);
    }

    /// <summary>A MapProto's values are a SequenceProto of tensors; scalars (or 1-element tensors) are joined into one 1-D tensor.</summary>
    public static MapValue FromMapProto(MapProto proto, string where)
    {
        Tensor keys;
        var keyType = (ElementType)proto.KeyType;
        if (keyType == ElementType.String)
        {
            var k = new string[proto.StringKeys.Count];
            for (int i = 0; i < k.Length; i++) k[i] = proto.StringKeys[i].ToStringUtf8();
            keys = Tensor.FromStrings(k, [k.Length]);
        }
        else if (keyType == ElementType.Int64 || keyType == ElementType.Int32)
        {
            var k = new long[proto.Keys.Count];
            for (int i = 0; i < k.Length; i++) k[i] = proto.Keys[i];
            keys = Tensor.FromArray(k, [k.Length]);
        }
        else
            throw new OnnxFormatException($"{where}: map key type {ElementTypeInfo.OnnxName(keyType)} is not supported");

        if (proto.Values is null || (SequenceProto.Types.DataType)proto.Values.ElemType != SequenceProto.Types.DataType.Tensor)
            throw new OnnxFormatException($"{where}: map values must be a sequence of tensors");
        var parts = new List<Tensor>();
        foreach (var t in proto.Values.TensorValues) parts.Add(FromTensorProto(t, null, where));
        if (parts.Count != keys.Length)
            throw new OnnxFormatException($"{where}: map has {keys.Length} keys but {parts.Count} values");
        var valueType = parts.Count > 0 ? parts[0].Type : ElementType.Float;
        var values = Tensor.Create(valueType, [parts.Count]);
        for (int i = 0; i < parts.Count; i++)
        {
            if (parts[i].Length != 1 || parts[i].Type != valueType)
                throw new OnnxFormatException($"{where}: map value {i} is not a single {ElementTypeInfo.OnnxName(valueType)}");
            if (valueType == ElementType.String) values.Strings()[i] = parts[i].Strings()[0];
            else parts[i].Bytes().CopyTo(values.Bytes().Slice(i * Tensor.ElementSize(valueType)));
        }
        return new MapValue(keys, values);
    }

    /// <summary>Writes a tensor as a TensorProto (raw_data for numbers, string_data for strings).</summary>
    public static TensorProto ToTensorProto(Tensor tensor, string name)
    {
        var proto = new TensorProto { Name = name, DataType = (int)tensor.Type };
        foreach (var d in tensor.Shape) proto.Dims.Add(d);
        if (tensor.Type == ElementType.String)
            foreach (var s in tensor.Strings()) proto.StringData.Add(Google.Protobuf.ByteString.CopyFrom(Encoding.UTF8.GetBytes(s)));
        else
            proto.RawData = Google.Protobuf.ByteString.CopyFrom(tensor.Bytes());
        return proto;
    }
}
