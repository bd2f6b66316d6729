using System.Buffers;
using System.IO.Pipelines;

namespace UniML.Server.Internals.Protocol;

/// <summary>
/// Reads a whole request body from Kestrel's <see cref="PipeReader"/> into one pooled buffer: sized from
/// Content-Length when there is one (so a large body is copied once, out of Kestrel's 4 KB pipe segments,
/// and never regrown), doubling for chunked bodies; never beyond the server's byte limit (413).
/// </summary>
internal static class RequestBody
{
    /// <summary>First capacity for a body without Content-Length (chunked).</summary>
    const int ChunkedInitialCapacity = 16 * 1024;

    public static string TooLargeMessage(long maxBytes) =>
        $"the request body is larger than the server's limit of {maxBytes} bytes (--max-request-bytes)";

    /// <summary>The body; the caller disposes the result (returning its buffer to the pool).</summary>
    public static async ValueTask<PooledBufferWriter> ReadAsync(PipeReader reader, long? contentLength, long maxBytes, CancellationToken cancellation)
    {
        if (contentLength > maxBytes)
            throw new ProtocolException(413, $"the request body has {contentLength} bytes, more than the server's limit of {maxBytes} bytes (--max-request-bytes)", FailureReasons.TooLarge);
        var body = new PooledBufferWriter(contentLength ?? ChunkedInitialCapacity);
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellation).ConfigureAwait(false);
                var buffer = result.Buffer;
                if (body.WrittenCount + buffer.Length > maxBytes)
                    throw new ProtocolException(413, TooLargeMessage(maxBytes), FailureReasons.TooLarge);
                if (!buffer.IsEmpty)
                {
                    buffer.CopyTo(body.GetSpan((int)buffer.Length));
                    body.Advance((int)buffer.Length);
                }
                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                    return body;
            }
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }
}
