using System.Globalization;
using System.Text;
using System.Text.Json;
using UniML.Engine;
using UniML.Onnx;

namespace UniML.Cli.Commands;

/// <summary>
/// A KServe v2 JSON inference request for a served model: its declared inputs (from the server's model
/// metadata), filled from <c>test_data_set_0/input_N.pb</c> beside the model file when present (the ONNX
/// test-data layout of the fixtures), else zeros with every dynamic dimension set to 1.
/// </summary>
internal static class SampleRequest
{
    /// <summary>Builds the request body; <paramref name="source"/> says where the data came from.</summary>
    /// <param name="metadata">Body of <c>GET /v2/models/NAME</c>.</param>
    /// <param name="modelFile">The model file on the host, or null.</param>
    public static string Build(JsonElement metadata, string? modelFile, out string source)
    {
        string? dataDirectory = modelFile is null ? null : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelFile))!, "test_data_set_0");
        var notes = new List<string>();
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("inputs");
            int index = 0;
            foreach (var input in metadata.GetProperty("inputs").EnumerateArray())
            {
                string name = input.GetProperty("name").GetString()!;
                string datatype = input.GetProperty("datatype").GetString()!;
                long[] declared = [.. input.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64())];
                string? file = dataDirectory is null ? null : Path.Combine(dataDirectory, $"input_{index}.pb");
                json.WriteStartObject();
                json.WriteString("name", name);
                if (file is not null && File.Exists(file) && TryWriteTensor(json, OnnxValueConverter.ReadTensorFile(file), datatype))
                {
                    notes.Add($"{name} from {Path.GetRelativePath(Environment.CurrentDirectory, file)}");
                }
                else
                {
                    WriteZeros(json, declared, datatype);
                    notes.Add($"{name} zeros");
                }
                json.WriteEndObject();
                index++;
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        source = string.Join(", ", notes);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteZeros(Utf8JsonWriter json, long[] declared, string datatype)
    {
        long[] shape = [.. declared.Select(d => d < 0 ? 1 : d)];
        long count = shape.Aggregate(1L, (a, b) => a * b);
        WriteHeader(json, shape, datatype);
        for (long i = 0; i < count; i++)
        {
            switch (datatype)
            {
                case "BYTES": json.WriteStringValue(""); break;
                case "BOOL": json.WriteBooleanValue(false); break;
                default: json.WriteNumberValue(0); break;
            }
        }
        json.WriteEndArray();
    }

    private static void WriteHeader(Utf8JsonWriter json, IEnumerable<long> shape, string datatype)
    {
        json.WriteStartArray("shape");
        foreach (long d in shape) json.WriteNumberValue(d);
        json.WriteEndArray();
        json.WriteString("datatype", datatype);
        json.WriteStartArray("data");
    }

    /// <summary>Writes shape, datatype and data of <paramref name="tensor"/>; false (nothing written) when its
    /// element type is not the declared <paramref name="datatype"/> or has no JSON form here.</summary>
    private static bool TryWriteTensor(Utf8JsonWriter json, Tensor tensor, string datatype)
    {
        if (V2Name(tensor.Type) != datatype)
            return false;
        WriteHeader(json, tensor.Shape.ToArray().Select(d => (long)d), datatype);
        switch (tensor.Type)
        {
            case ElementType.Float: foreach (var v in tensor.Span<float>()) json.WriteNumberValue(v); break;
            case ElementType.Double: foreach (var v in tensor.Span<double>()) json.WriteNumberValue(v); break;
            case ElementType.Int64: foreach (var v in tensor.Span<long>()) json.WriteNumberValue(v); break;
            case ElementType.Int32: foreach (var v in tensor.Span<int>()) json.WriteNumberValue(v); break;
            case ElementType.Int16: foreach (var v in tensor.Span<short>()) json.WriteNumberValue(v); break;
            case ElementType.UInt16: foreach (var v in tensor.Span<ushort>()) json.WriteNumberValue(v); break;
            case ElementType.Int8: foreach (var v in tensor.Span<sbyte>()) json.WriteNumberValue(v); break;
            case ElementType.UInt8: foreach (var v in tensor.Span<byte>()) json.WriteNumberValue(v); break;
            case ElementType.UInt32: foreach (var v in tensor.Span<uint>()) json.WriteNumberValue(v); break;
            case ElementType.UInt64: foreach (var v in tensor.Span<ulong>()) json.WriteNumberValue(v); break;
            case ElementType.Bool: foreach (var v in tensor.Span<bool>()) json.WriteBooleanValue(v); break;
            case ElementType.String: foreach (var v in tensor.Strings()) json.WriteStringValue(v); break;
            default: throw new InvalidOperationException($"unreachable: {tensor.Type} has no v2 JSON form");
        }
        json.WriteEndArray();
        return true;
    }

    /// <summary>The v2 protocol's datatype name for an ONNX element type, or null when JSON cannot carry it here.</summary>
    private static string? V2Name(ElementType type) => type switch
    {
        ElementType.Float => "FP32",
        ElementType.Double => "FP64",
        ElementType.Int64 => "INT64",
        ElementType.Int32 => "INT32",
        ElementType.Int16 => "INT16",
        ElementType.Int8 => "INT8",
        ElementType.UInt64 => "UINT64",
        ElementType.UInt32 => "UINT32",
        ElementType.UInt16 => "UINT16",
        ElementType.UInt8 => "UINT8",
        ElementType.Bool => "BOOL",
        ElementType.String => "BYTES",
        _ => null,
    };

    /// <summary>Shortens long JSON for the terminal (the full body is saved to a file).</summary>
    public static string Abbreviate(string json, int limit = 600) =>
        json.Length <= limit ? json : json[..limit] + string.Create(CultureInfo.InvariantCulture, $"... ({json.Length} characters)");
}
