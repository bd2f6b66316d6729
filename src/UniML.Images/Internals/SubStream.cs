namespace UniML.Images.Internals;

/// <summary>A read-only window of <c>length</c> bytes starting at the base stream's current position.</summary>
internal sealed class SubStream(Stream inner, long size) : Stream
{
    private readonly long length = size;
    private long remaining = size;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => length;
    public override long Position { get => length - remaining; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (remaining <= 0)
            return 0;
        int n = inner.Read(buffer[..(int)Math.Min(buffer.Length, remaining)]);
        remaining -= n;
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
