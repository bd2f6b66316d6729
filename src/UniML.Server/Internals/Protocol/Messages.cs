using System.Text.Json.Serialization;
using UniML.Server.Internals.Repository;

namespace UniML.Server.Internals.Protocol;

// The protocol's small JSON messages (everything except inference bodies), serialized by the
// System.Text.Json source generator: no reflection, trim- and AOT-safe.

internal sealed record ErrorResponse([property: JsonPropertyName("error")] string Error);

internal sealed record ServerMetadata(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("extensions")] string[] Extensions);

internal sealed record TensorMetadata(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("datatype")] string DataType,
    [property: JsonPropertyName("shape")] long[] Shape);

internal sealed record ModelMetadata(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("versions")] string[] Versions,
    [property: JsonPropertyName("platform")] string Platform,
    [property: JsonPropertyName("inputs")] TensorMetadata[] Inputs,
    [property: JsonPropertyName("outputs")] TensorMetadata[] Outputs);

internal sealed record ModelReady(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("ready")] bool Ready);

internal sealed record RepositoryIndexRequest([property: JsonPropertyName("ready")] bool? Ready);

internal sealed record RepositoryIndexEntry(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("version"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Version,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("reason")] string Reason);

internal sealed record EmptyResponse;

[JsonSourceGenerationOptions(
    GenerationMode = JsonSourceGenerationMode.Default,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(ServerMetadata))]
[JsonSerializable(typeof(ModelMetadata))]
[JsonSerializable(typeof(ModelReady))]
[JsonSerializable(typeof(RepositoryIndexRequest))]
[JsonSerializable(typeof(RepositoryIndexEntry[]))]
[JsonSerializable(typeof(EmptyResponse))]
[JsonSerializable(typeof(ModelConfig))]
internal sealed partial class ProtocolJson : JsonSerializerContext
{
    /// <summary>Messages echo model names and errors: keep quotes and apostrophes readable (no HTML-safe escaping).</summary>
    public static ProtocolJson Relaxed { get; } = new(new System.Text.Json.JsonSerializerOptions
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    });
}
