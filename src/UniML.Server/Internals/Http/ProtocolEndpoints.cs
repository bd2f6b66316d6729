using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using UniML.Engine;
using UniML.Server.Internals.Metrics;
using UniML.Server.Internals.Protocol;
using UniML.Server.Internals.Repository;

namespace UniML.Server.Internals.Http;

/// <summary>
/// The REST endpoints of the Open Inference Protocol (health, server and model metadata, inference),
/// its model repository extension, and /metrics. Handlers are plain <see cref="RequestDelegate"/>s: no
/// parameter binding, so no reflection and no request-delegate generator in the AOT binary.
/// </summary>
internal sealed class ProtocolEndpoints
{
    public const string ServerName = "uniml";
    public static readonly string ServerVersion = typeof(ProtocolEndpoints).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
    public static readonly string[] Extensions = ["binary_tensor_data", "model_repository"];
    const string HeaderLengthHeader = "Inference-Header-Content-Length";

    /// <summary>The largest body <c>--inline-io auto</c> parses on a socket I/O thread (~100 µs of JSON).</summary>
    const int QuickBodyBytes = 64 * 1024;

    readonly ModelRepository _repository;
    readonly ServerMetrics _metrics;
    readonly ServerOptions _options;
    readonly ILogger _log;
    readonly Func<bool> _isReady;

    public ProtocolEndpoints(ModelRepository repository, ServerMetrics metrics, ServerOptions options, ILogger log, Func<bool> isReady)
    {
        _repository = repository;
        _metrics = metrics;
        _options = options;
        _log = log;
        _isReady = isReady;
    }

    public void Map(WebApplication app)
    {
        app.Use(CountAndCatch);
        app.MapGet("/v2/health/live", Live);
        app.MapGet("/v2/health/ready", Ready);
        app.MapGet("/v2", ServerMetadata);
        app.MapGet("/v2/models/{model}", ModelMetadata);
        app.MapGet("/v2/models/{model}/versions/{version}", ModelMetadata);
        app.MapGet("/v2/models/{model}/ready", ModelReady);
        app.MapGet("/v2/models/{model}/versions/{version}/ready", ModelReady);
        app.MapPost("/v2/models/{model}/infer", Infer);
        app.MapPost("/v2/models/{model}/versions/{version}/infer", Infer);
        app.MapPost("/v2/repository/index", RepositoryIndex);
        app.MapPost("/v2/repository/models/{model}/load", Load);
        app.MapPost("/v2/repository/models/{model}/unload", Unload);
        app.MapGet("/metrics", Metrics);
        app.MapFallback(NotFound);
    }

    /// <summary>Counts responses by status and turns the errors of non-inference handlers into protocol errors.</summary>
    async Task CountAndCatch(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (ProtocolException e)
        {
            await WriteError(context, e.StatusCode, e.Message).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e)
        {
            await WriteError(context, e.StatusCode, e.StatusCode == 413 ? TooLargeMessage() : e.Message).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            await WriteError(context, 400, $"malformed JSON: {e.Message}").ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody to answer.
        }
        catch (Exception e)
        {
            _log.LogError(e, "{Method} {Path} failed", context.Request.Method, context.Request.Path.Value);
            await WriteError(context, 500, $"internal error: {e.Message}").ConfigureAwait(false);
        }
        _metrics.CountResponse(context.Response.StatusCode);
    }

    string TooLargeMessage() => RequestBody.TooLargeMessage(_options.MaxRequestBytes);

    Task Live(HttpContext context) => WriteRaw(context, 200, "{\"live\":true}"u8.ToArray());

    Task Ready(HttpContext context) => _isReady()
        ? WriteRaw(context, 200, "{\"ready\":true}"u8.ToArray())
        : WriteRaw(context, 503, "{\"ready\":false}"u8.ToArray());

    Task ServerMetadata(HttpContext context) =>
        WriteJson(context, 200, new ServerMetadata(ServerName, ServerVersion, Extensions), ProtocolJson.Relaxed.ServerMetadata);

    Task ModelMetadata(HttpContext context)
    {
        var model = _repository.Resolve(RouteModel(context), RouteVersion(context));
        var session = model.Session;
        var served = _repository.AllServed().Where(m => m.Name == model.Name).Select(m => m.VersionText).ToArray();
        var metadata = new ModelMetadata(model.Name, served, "uniml_onnx",
            session.Inputs.Select(Describe).ToArray(), session.Outputs.Select(Describe).ToArray());
        return WriteJson(context, 200, metadata, ProtocolJson.Relaxed.ModelMetadata);
    }

    static TensorMetadata Describe(ValueDescriptor d) =>
        new(d.Name, DataTypes.Describe(d), d.Kind == ValueKind.Tensor ? d.Dims?.Select(x => (long)x).ToArray() ?? [] : [-1]);

    Task ModelReady(HttpContext context)
    {
        var name = RouteModel(context);
        var model = _repository.Resolve(name, RouteVersion(context));
        return WriteJson(context, 200, new ModelReady(model.Name, true), ProtocolJson.Relaxed.ModelReady);
    }

    async Task Infer(HttpContext context)
    {
        long started = Stopwatch.GetTimestamp();
        ServedModel? model = null;
        try
        {
            model = _repository.Acquire(RouteModel(context), RouteVersion(context));
            try
            {
                await InferCore(context, model, started).ConfigureAwait(false);
            }
            finally
            {
                model.Release();
            }
        }
        catch (ProtocolException e)
        {
            model?.Metrics.Fail(e.Reason);
            await WriteError(context, e.StatusCode, e.Message).ConfigureAwait(false);
        }
        catch (InferenceInputException e)
        {
            model?.Metrics.Fail(FailureReasons.BadInput);
            await WriteError(context, 400, e.Message).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e)
        {
            model?.Metrics.Fail(e.StatusCode == 413 ? FailureReasons.TooLarge : FailureReasons.BadInput);
            await WriteError(context, e.StatusCode, e.StatusCode == 413 ? TooLargeMessage() : e.Message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            model?.Metrics.Fail(FailureReasons.Canceled);
        }
        catch (InferenceException e)
        {
            model?.Metrics.Fail(FailureReasons.Internal);
            _log.LogError("model {Model} version {Version}: inference failed: {Error}", model?.Name, model?.VersionText, e.Message);
            await WriteError(context, 500, $"inference failed: {e.Message}").ConfigureAwait(false);
        }
    }

    async Task InferCore(HttpContext context, ServedModel model, long started)
    {
        long headerLength = -1;
        if (context.Request.Headers.TryGetValue(HeaderLengthHeader, out var headerValue))
        {
            if (!long.TryParse(headerValue.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out headerLength))
                throw ProtocolException.BadRequest($"{HeaderLengthHeader} must be a non-negative integer, got '{headerValue}'");
        }
        InferenceRequest request;
        using (var requestBody = await ReadBodyAsync(context).ConfigureAwait(false))
        {
            if (_options.InlineIo == InlineIoMode.Auto && (requestBody.WrittenCount > QuickBodyBytes || !model.IsQuick))
                await Task.Yield(); // continue on the thread pool: this request would hold its I/O thread's other connections up
            request = InferenceRequestReader.Read(requestBody.WrittenSpan, headerLength, _options.MaxRequestElements);
        }

        var work = model.Prepare(request);
        var outputs = await model.ExecuteAsync(work, context.RequestAborted).ConfigureAwait(false);

        var session = model.Session;
        ResponseOutput[] chosen;
        if (request.Outputs is null)
        {
            chosen = new ResponseOutput[outputs.Length];
            for (int i = 0; i < outputs.Length; i++)
                chosen[i] = new ResponseOutput(session.Outputs[i].Name, outputs[i]!, request.BinaryOutputByDefault);
        }
        else
        {
            chosen = new ResponseOutput[request.Outputs.Count];
            for (int i = 0; i < chosen.Length; i++)
            {
                var r = request.Outputs[i];
                chosen[i] = new ResponseOutput(r.Name, outputs[model.OutputIndex(r.Name)]!, r.Binary ?? request.BinaryOutputByDefault);
            }
        }
        using var body = new PooledBufferWriter(InferenceResponseWriter.EstimateLength(chosen));
        int jsonLength = InferenceResponseWriter.Write(body, model.Name, model.VersionText, request.Id, chosen);
        var response = context.Response;
        response.StatusCode = 200;
        if (jsonLength >= 0)
        {
            response.ContentType = "application/octet-stream";
            response.Headers[HeaderLengthHeader] = jsonLength.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            response.ContentType = "application/json";
        }
        response.ContentLength = body.WrittenCount;
        await response.Body.WriteAsync(body.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
        Interlocked.Increment(ref model.Metrics.Success);
        model.Metrics.RequestDuration.Observe(Stopwatch.GetTimestamp() - started);
    }

    /// <summary>The whole body in a pooled buffer (the caller disposes it), within the size limit.</summary>
    ValueTask<PooledBufferWriter> ReadBodyAsync(HttpContext context) =>
        RequestBody.ReadAsync(context.Request.BodyReader, context.Request.ContentLength, _options.MaxRequestBytes, context.RequestAborted);

    async Task RepositoryIndex(HttpContext context)
    {
        bool readyOnly = false;
        if (context.Request.ContentLength is not 0)
        {
            using var body = await ReadBodyAsync(context).ConfigureAwait(false);
            if (body.WrittenCount > 0 && JsonSerializer.Deserialize(body.WrittenSpan, ProtocolJson.Relaxed.RepositoryIndexRequest) is { } request)
                readyOnly = request.Ready == true;
        }
        await WriteJson(context, 200, _repository.Index(readyOnly).ToArray(), ProtocolJson.Relaxed.RepositoryIndexEntryArray).ConfigureAwait(false);
    }

    async Task Load(HttpContext context)
    {
        var name = RouteModel(context);
        var failure = await _repository.LoadAsync(name).ConfigureAwait(false);
        if (failure is not null)
            throw ProtocolException.BadRequest($"failed to load model '{name}': {failure}");
        await WriteJson(context, 200, new EmptyResponse(), ProtocolJson.Relaxed.EmptyResponse).ConfigureAwait(false);
    }

    async Task Unload(HttpContext context)
    {
        await _repository.UnloadAsync(RouteModel(context)).ConfigureAwait(false);
        await WriteJson(context, 200, new EmptyResponse(), ProtocolJson.Relaxed.EmptyResponse).ConfigureAwait(false);
    }

    Task Metrics(HttpContext context)
    {
        var text = _metrics.Render(_repository.AllServed().Select(m => (m.Name, m.VersionText, true, m.Pending)));
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        return context.Response.WriteAsync(text);
    }

    Task NotFound(HttpContext context) =>
        WriteError(context, 404, $"no endpoint {context.Request.Method} {context.Request.Path.Value} (see GET /v2 and docs/server.md)");

    static string RouteModel(HttpContext context) => (string)context.Request.RouteValues["model"]!;

    static string? RouteVersion(HttpContext context) => context.Request.RouteValues.TryGetValue("version", out var v) ? v as string : null;

    static Task WriteRaw(HttpContext context, int status, byte[] json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = json.Length;
        return context.Response.Body.WriteAsync(json).AsTask();
    }

    static Task WriteJson<T>(HttpContext context, int status, T value, JsonTypeInfo<T> type)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, type);
        return WriteRaw(context, status, bytes);
    }

    static Task WriteError(HttpContext context, int status, string message)
    {
        if (context.Response.HasStarted) return Task.CompletedTask;
        context.Response.Clear();
        return WriteJson(context, status, new ErrorResponse(message), ProtocolJson.Relaxed.ErrorResponse);
    }
}
