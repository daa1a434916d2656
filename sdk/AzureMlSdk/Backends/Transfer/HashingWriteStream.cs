namespace AzureMlSdk.Backends.Transfer;

/// <summary>
/// A write-only pass-through that counts (and, unless told not to, SHA-256-hashes, off the write path with a
/// <see cref="Sha256Pipeline"/>) everything written to <c>inner</c>, so content is checked while it is copied: one pass
/// over the bytes, whatever the source is. The inner stream is not disposed.
/// </summary>
internal sealed class HashingWriteStream : Stream
{
    private readonly Stream _inner;
    private readonly Sha256Pipeline? _hash;
    private readonly Action<long>? _onWritten;
    private long _length;

    /// <param name="inner">Where the bytes go.</param>
    /// <param name="onWritten">Called after each write with the count of bytes it wrote.</param>
    /// <param name="hash">False to count only (<see cref="HashHex"/> then throws).</param>
    public HashingWriteStream(Stream inner, Action<long>? onWritten = null, bool hash = true)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _onWritten = onWritten;
        _hash = hash ? new Sha256Pipeline() : null;
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _length;

    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException();
    }

    /// <summary>Lower-case hex SHA-256 of the bytes written, once the writing is over (no write may follow).</summary>
    public string HashHex() => (_hash ?? throw new InvalidOperationException("This stream only counts.")).Finish();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _hash?.Append(buffer);
        _inner.Write(buffer);
        Advance(buffer.Length);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_hash is not null)
        {
            await _hash.AppendAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        await _inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        Advance(buffer.Length);
    }

    public override void Flush() => _inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash?.Dispose();
        }
        base.Dispose(disposing);
    }

    private void Advance(int count)
    {
        _length += count;
        _onWritten?.Invoke(count);
    }
}
