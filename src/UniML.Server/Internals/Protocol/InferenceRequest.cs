using UniML.Engine;
using UniML.Onnx;

namespace UniML.Server.Internals.Protocol;

/// <summary>A decoded <c>POST .../infer</c> request: inputs as engine tensors, and which outputs to return how.</summary>
internal sealed class InferenceRequest
{
    public string? Id { get; set; }

    public List<RequestInput> Inputs { get; } = [];

    /// <summary>Outputs asked for, in the order to return them; null when the request names none (return all).</summary>
    public List<RequestedOutput>? Outputs { get; set; }

    /// <summary>The request-level <c>binary_data_output</c> parameter: the default for every output.</summary>
    public bool BinaryOutputByDefault { get; set; }

    /// <summary>Elements over all inputs (checked against the request limit).</summary>
    public long ElementCount { get; set; }
}

internal sealed class RequestInput
{
    public RequestInput(string name, ElementType type, int[] shape, Tensor value)
    {
        Name = name;
        Type = type;
        Shape = shape;
        Value = value;
    }

    public string Name { get; }
    public ElementType Type { get; }
    public int[] Shape { get; }
    public Tensor Value { get; }
}

internal sealed class RequestedOutput
{
    public RequestedOutput(string name, bool? binary)
    {
        Name = name;
        Binary = binary;
    }

    public string Name { get; }

    /// <summary>The output's own <c>binary_data</c> parameter; null to follow the request's default.</summary>
    public bool? Binary { get; }
}

/// <summary>A client mistake or an unavailable resource, answered with this status and <c>{"error": message}</c>.</summary>
internal sealed class ProtocolException : Exception
{
    public ProtocolException(int statusCode, string message, string reason = FailureReasons.BadInput) : base(message)
    {
        StatusCode = statusCode;
        Reason = reason;
    }

    public int StatusCode { get; }

    /// <summary>The failure reason label on the metrics (see <see cref="FailureReasons"/>).</summary>
    public string Reason { get; }

    public static ProtocolException BadRequest(string message) => new(400, message);
}

/// <summary>Values of the <c>reason</c> label of <c>uniml_inference_request_failure_total</c>.</summary>
internal static class FailureReasons
{
    public const string BadInput = "bad_input";
    public const string TooLarge = "too_large";
    public const string QueueFull = "queue_full";
    public const string Unavailable = "unavailable";
    public const string Canceled = "canceled";
    public const string Internal = "internal";
}
