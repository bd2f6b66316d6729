using UniML.Onnx.Protos;

namespace UniML.Onnx;

/// <summary>
/// Finds where a TensorProto's elements are stored: raw_data, the typed repeated fields, or an
/// external file next to the model (ONNX external data: keys location, offset, length).
/// </summary>
public static class TensorPayload
{
    /// <summary>
    /// The little-endian element bytes when the tensor stores them as raw bytes (raw_data or external
    /// data), checked against the declared element count; null when the typed fields hold the data.
    /// </summary>
    public static byte[]? RawBytes(TensorProto tensor, string? baseDirectory, string where)
    {
        var type = (ElementType)tensor.DataType;
        long count = TensorValidator.ElementCount(tensor, where);
        byte[]? bytes = null;
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
            bytes = ReadExternal(tensor, baseDirectory, where);
        else if (!tensor.RawData.IsEmpty)
            bytes = tensor.RawData.ToByteArray();
        else if (count == 0 || !HasTypedData(tensor))
            bytes = type == ElementType.String ? null : (count == 0 ? [] : null);
        if (bytes is null)
        {
            if (type != ElementType.String && !HasTypedData(tensor) && count > 0)
                throw new OnnxFormatException($"{where}: declares {count} elements of {ElementTypeInfo.OnnxName(type)} but holds no data");
            return null;
        }
        if (type == ElementType.String)
            throw new OnnxFormatException($"{where}: string tensors cannot use raw_data");
        long expected = ExpectedRawLength(type, count, where);
        if (bytes.Length != expected)
            throw new OnnxFormatException($"{where}: raw data holds {bytes.Length} bytes but dims [{string.Join(",", tensor.Dims)}] of {ElementTypeInfo.OnnxName(type)} need {expected}");
        return bytes;
    }

    static long ExpectedRawLength(ElementType type, long count, string where)
    {
        if (type is ElementType.Int4 or ElementType.UInt4 or ElementType.Float4E2M1)
            return (count + 1) / 2;
        int size = ElementTypeInfo.SizeOf(type);
        if (size == 0)
            throw new OnnxFormatException($"{where}: element type {type} has no raw layout");
        return count * size;
    }

    static bool HasTypedData(TensorProto t) =>
        t.FloatData.Count > 0 || t.Int32Data.Count > 0 || t.Int64Data.Count > 0 || t.DoubleData.Count > 0 ||
        t.Uint64Data.Count > 0 || t.StringData.Count > 0;

    static byte[] ReadExternal(TensorProto tensor, string? baseDirectory, string where)
    {
        string? location = null;
        long offset = 0, length = -1;
        foreach (var entry in tensor.ExternalData)
        {
            switch (entry.Key)
            {
                case "location": location = entry.Value; break;
                case "offset":
                    if (!long.TryParse(entry.Value, out offset) || offset < 0)
                        throw new OnnxFormatException($"{where}: external data offset '{entry.Value}' is not a non-negative integer");
                    break;
                case "length":
                    if (!long.TryParse(entry.Value, out length) || length < 0)
                        throw new OnnxFormatException($"{where}: external data length '{entry.Value}' is not a non-negative integer");
                    break;
            }
        }
        if (string.IsNullOrEmpty(location))
            throw new OnnxFormatException($"{where}: external data has no 'location'");
        if (baseDirectory is null)
            throw new OnnxFormatException($"{where}: external data '{location}' needs the model's directory, which is unknown (model read from memory)");
        // Like ONNX Runtime, external files must stay inside the model's directory.
        if (Path.IsPathRooted(location) || location.Split('/', '\\').Contains(".."))
            throw new OnnxFormatException($"{where}: external data location '{location}' must be a relative path inside the model's directory");
        var path = Path.Combine(baseDirectory, location);
        if (!File.Exists(path))
            throw new OnnxFormatException($"{where}: external data file '{path}' does not exist");
        try
        {
            using var file = File.OpenRead(path);
            if (offset > file.Length)
                throw new OnnxFormatException($"{where}: external data offset {offset} is past the end of '{path}' ({file.Length} bytes)");
            long available = file.Length - offset;
            if (length < 0) length = available;
            if (length > available)
                throw new OnnxFormatException($"{where}: external data wants {length} bytes at offset {offset} but '{path}' has only {available} there");
            if (length > int.MaxValue)
                throw new OnnxFormatException($"{where}: external data of {length} bytes is over the 2 GiB tensor limit");
            var bytes = new byte[length];
            file.Position = offset;
            file.ReadExactly(bytes);
            return bytes;
        }
        catch (IOException e)
        {
            throw new OnnxFormatException($"{where}: cannot read external data '{path}': {e.Message}", e);
        }
    }
}
