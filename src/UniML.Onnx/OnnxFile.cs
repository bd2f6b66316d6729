using Google.Protobuf;
using UniML.Onnx.Protos;

namespace UniML.Onnx;

/// <summary>
/// Reads ONNX protobuf files (models, lone TensorProtos, SequenceProtos) and turns every parse
/// failure into an <see cref="OnnxFormatException"/> that names the file.
/// </summary>
public static class OnnxFile
{
    /// <summary>Protobuf nesting allowed; deep enough for nested If/Loop bodies, low enough to stop stack exhaustion.</summary>
    const int RecursionLimit = 64;

    /// <summary>Largest file read whole: protobuf cannot address messages past 2 GiB anyway.</summary>
    const long MaxFileBytes = int.MaxValue;

    public static ModelProto ReadModel(string path)
    {
        var model = Parse(path, ModelProto.Parser, "ONNX model");
        ModelValidator.Validate(model, path);
        return model;
    }

    public static ModelProto ParseModel(ReadOnlySpan<byte> bytes, string nameForErrors)
    {
        var model = Parse(bytes, ModelProto.Parser, "ONNX model", nameForErrors);
        ModelValidator.Validate(model, nameForErrors);
        return model;
    }

    public static TensorProto ReadTensor(string path) => Parse(path, TensorProto.Parser, "ONNX TensorProto");

    public static SequenceProto ReadSequence(string path) => Parse(path, SequenceProto.Parser, "ONNX SequenceProto");

    public static MapProto ReadMap(string path) => Parse(path, MapProto.Parser, "ONNX MapProto");

    public static OptionalProto ReadOptional(string path) => Parse(path, OptionalProto.Parser, "ONNX OptionalProto");

    /// <summary>Reads a file's bytes, with a clear error for a missing or oversized file.</summary>
    public static byte[] ReadAllBytes(string path, string what)
    {
        FileInfo info;
        try { info = new FileInfo(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new OnnxFormatException($"{what} path '{path}' is not a valid path: {e.Message}");
        }
        if (!info.Exists)
            throw new OnnxFormatException($"{what} '{path}' does not exist");
        if (info.Length > MaxFileBytes)
            throw new OnnxFormatException($"{what} '{path}' is {info.Length} bytes; files over 2 GiB cannot be protobuf messages");
        try { return File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OnnxFormatException($"cannot read {what} '{path}': {e.Message}", e);
        }
    }

    static T Parse<T>(string path, MessageParser<T> parser, string what) where T : IMessage<T>
    {
        var bytes = ReadAllBytes(path, what);
        return Parse(bytes, parser, what, path);
    }

    static T Parse<T>(ReadOnlySpan<byte> bytes, MessageParser<T> parser, string what, string name) where T : IMessage<T>
    {
        if (bytes.Length == 0)
            throw new OnnxFormatException($"{name}: empty file, not an {what}");
        try
        {
            var input = CodedInputStream.CreateWithLimits(new MemoryStream(bytes.ToArray(), writable: false), bytes.Length, RecursionLimit);
            var message = parser.ParseFrom(input);
            return message;
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxFormatException($"{name}: not a valid {what}: {e.Message}", e);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or OverflowException or FormatException or IndexOutOfRangeException)
        {
            // Google.Protobuf reports some wire-type mismatches and bad enum/UTF-8 data this way.
            throw new OnnxFormatException($"{name}: not a valid {what}: {e.Message}", e);
        }
    }
}
