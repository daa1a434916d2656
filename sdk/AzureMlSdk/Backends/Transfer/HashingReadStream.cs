namespace AzureMlSdk.Backends.Transfer;

/// <summary>
/// A read-only pass-through that counts (and, unless told not to, SHA-256-hashes, off the read path with a
/// <see cref="Sha256Pipeline"/>) what is read and reports the running count, so content is hashed while it is sent: one
/// read of the source. Setting the position back to the start (as
/// <see cref="StreamContent"/> and Azure.Core do before a retried send) restarts the hash and the count; no other seek is
/// supported. The inner stream is not disposed.
/// </summary>
/// <param name="inner">The source.</param>
/// <param name="progress">Receives <paramref name="progressBase"/> + the bytes read so far after each read (throttle it: reads are small).</param>
/// <param name="progressBase">Added to every reported count (earlier files of a multi-file transfer).</param>
/// <param name="hash">False to count only (<see cref="HashHex"/> then throws).</param>
internal sealed class HashingReadStream(Stream inner, IProgress<long>? progress, long progressBase = 0, bool hash = true) : Stream
{
    private readonly long _start = inner.CanSeek ? inner.Position : 0;
    private readonly Sha256Pipeline? _hash = hash ? new Sha256Pipeline() : null;
    private string? _finalHash;
    private bool _disposed;

    /// <summary>The bytes read since the start (or the last rewind).</summary>
    public long BytesRead { get; private set; }

    /// <summary>
    /// Lower-case hex SHA-256 of the bytes read, once the reading is over (kept after disposal: <see cref="StreamContent"/>
    /// disposes its stream once sent); no read may follow.
    /// </summary>
    public string HashHex() =>
        _finalHash ??= (_hash ?? throw new InvalidOperationException("This stream only counts.")).Finish();

    public override bool CanRead => true;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => false;
    public override long Length => inner.Length - _start;

    public override long Position
    {
        get => BytesRead;
        set
        {
            if (value != 0)
            {
                throw new NotSupportedException("Only a rewind to the start is supported.");
            }
            ObjectDisposedException.ThrowIf(_disposed, this);
            inner.Position = _start;
            _hash?.Restart();
            BytesRead = 0;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        _hash?.Append(buffer[..n]);
        Count(n);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (_hash is not null)
        {
            await _hash.AppendAsync(buffer[..n], cancellationToken).ConfigureAwait(false);
        }
        Count(n);
        return n;
    }

    private void Count(int read)
    {
        if (read == 0)
        {
            return;
        }
        BytesRead += read;
        progress?.Report(progressBase + BytesRead);
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        if (origin == SeekOrigin.Begin)
        {
            Position = offset;
            return 0;
        }
        throw new NotSupportedException("Only a rewind to the start is supported.");
    }

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            if (_hash is not null)
            {
                _finalHash ??= _hash.Finish();
                _hash.Dispose();
            }
        }
        base.Dispose(disposing);
    }
}
