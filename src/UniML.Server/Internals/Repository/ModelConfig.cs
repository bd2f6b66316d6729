using System.Text.Json;
using System.Text.Json.Serialization;
using UniML.Server.Internals.Protocol;

namespace UniML.Server.Internals.Repository;

/// <summary>
/// A model's optional <c>config.json</c> (next to its version folders). Every field is optional; unknown
/// fields are an error so a typo does not silently fall back to a default. See docs/server.md.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class ModelConfig
{
    /// <summary>Largest merged batch (rows along the first dimension); 0 turns dynamic batching off.</summary>
    [JsonPropertyName("max_batch_size")]
    public int MaxBatchSize { get; set; }

    /// <summary>How long the first request of a batch may wait for others to join it.</summary>
    [JsonPropertyName("max_queue_delay_microseconds")]
    public int MaxQueueDelayMicroseconds { get; set; } = 500;

    /// <summary>Requests waiting for an execution slot beyond which new ones get 503 at once.</summary>
    [JsonPropertyName("max_queue_size")]
    public int MaxQueueSize { get; set; } = 256;

    /// <summary>Engine runs of this model at the same time; null for one per processor.</summary>
    [JsonPropertyName("max_concurrency")]
    public int? MaxConcurrency { get; set; }

    /// <summary>Which version folders to serve: <c>latest</c> (the highest number), <c>all</c>, or <c>specific</c> (<see cref="Versions"/>).</summary>
    [JsonPropertyName("version_policy")]
    public string VersionPolicy { get; set; } = "latest";

    /// <summary>The versions served when <see cref="VersionPolicy"/> is <c>specific</c>.</summary>
    [JsonPropertyName("versions")]
    public long[]? Versions { get; set; }

    /// <summary>Run each version once on zero inputs before it is ready (first real request is not the slow one).</summary>
    [JsonPropertyName("warmup")]
    public bool Warmup { get; set; } = true;

    public int Concurrency => MaxConcurrency ?? Environment.ProcessorCount;

    public static ModelConfig Default => new();

    /// <summary>Reads and checks a config file; throws <see cref="ModelConfigException"/> naming the file and the problem.</summary>
    public static ModelConfig Read(string path)
    {
        ModelConfig? config;
        try
        {
            using var stream = File.OpenRead(path);
            config = JsonSerializer.Deserialize(stream, ProtocolJson.Relaxed.ModelConfig);
        }
        catch (JsonException e)
        {
            throw new ModelConfigException($"{path}: {e.Message}");
        }
        catch (IOException e)
        {
            throw new ModelConfigException($"{path}: {e.Message}");
        }
        if (config is null) throw new ModelConfigException($"{path}: expected a JSON object");
        config.Check(path);
        return config;
    }

    void Check(string path)
    {
        if (MaxBatchSize < 0) throw new ModelConfigException($"{path}: max_batch_size must be >= 0 (0 turns batching off)");
        if (MaxQueueDelayMicroseconds < 0) throw new ModelConfigException($"{path}: max_queue_delay_microseconds must be >= 0");
        if (MaxQueueSize < 0) throw new ModelConfigException($"{path}: max_queue_size must be >= 0");
        if (MaxConcurrency is < 1) throw new ModelConfigException($"{path}: max_concurrency must be >= 1");
        switch (VersionPolicy)
        {
            case "latest" or "all":
                if (Versions is not null) throw new ModelConfigException($"{path}: 'versions' needs \"version_policy\": \"specific\"");
                break;
            case "specific":
                if (Versions is null || Versions.Length == 0) throw new ModelConfigException($"{path}: \"version_policy\": \"specific\" needs a non-empty 'versions' list");
                break;
            default:
                throw new ModelConfigException($"{path}: version_policy must be latest, all or specific, not '{VersionPolicy}'");
        }
    }
}

internal sealed class ModelConfigException : Exception
{
    public ModelConfigException(string message) : base(message) { }
}
