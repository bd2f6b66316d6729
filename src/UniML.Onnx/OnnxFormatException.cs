namespace UniML.Onnx;

/// <summary>A file is not a well-formed ONNX model, tensor or sequence; the message names the file and the problem.</summary>
public sealed class OnnxFormatException : Exception
{
    public OnnxFormatException(string message) : base(message) { }
    public OnnxFormatException(string message, Exception inner) : base(message, inner) { }
}
