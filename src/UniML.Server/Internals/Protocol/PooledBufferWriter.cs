using System.Buffers;

namespace UniML.Server.Internals.Protocol;

/// <summary>
/// A growable byte buffer rented from <see cref="ArrayPool{T}.Shared"/>: request bodies are read into it and
/// responses are written into it, so a large body costs no fresh large-object-heap array per request.
/// Sized up front from what is known (Content-Length, the outputs' sizes); it doubles only when that was short.
/// <see cref="Dispose"/> returns the array: nothing may use the written memory afterwards.
/// </summary>
internal sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    const int MinimumCapacity = 256;

    byte[] _buffer;
    int _written;

    public PooledBufferWriter(long capacity) =>
        _buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(capacity, MinimumCapacity, Array.MaxLength));

    public int WrittenCount => _written;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public void Advance(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - _written))
            throw new ArgumentOutOfRangeException(nameof(count), $"advanced {count} bytes past the {_buffer.Length - _written} available");
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsSpan(_written);
    }

    void Reserve(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written < sizeHint)
            Grow(sizeHint);
    }

    void Grow(int sizeHint)
    {
        long needed = (long)_written + sizeHint;
        if (needed > Array.MaxLength)
            throw new InvalidOperationException($"a buffer of {needed} bytes is beyond the largest array");
        var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(needed, 2L * _buffer.Length), Array.MaxLength));
        _buffer.AsSpan(0, _written).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _written = 0;
        if (buffer.Length > 0)
            ArrayPool<byte>.Shared.Return(buffer);
    }
}
