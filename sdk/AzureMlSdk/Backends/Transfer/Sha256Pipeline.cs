using System.Buffers;
using System.Security.Cryptography;
using System.Threading.Channels;

namespace AzureMlSdk.Backends.Transfer;

/// <summary>
/// A SHA-256 taken off the transfer's path: <see cref="Append"/> copies the bytes into a pooled buffer and queues them, and
/// one worker on the thread pool hashes the queue in order, so the network or disk I/O of the next buffer overlaps the hash
/// of this one (a copy costs a tenth of the hash). At most <see cref="MaxQueued"/> buffers wait; a writer ahead of the worker
/// waits for it (bounded memory). Single producer: the hashing streams call it from one read or write at a time.
/// </summary>
internal sealed class Sha256Pipeline : IDisposable
{
    /// <summary>The buffers that may wait to be hashed (a few MiB at the transfer's buffer sizes).</summary>
    public const int MaxQueued = 16;

    private Channel<(byte[] Buffer, int Length)> _queue = NewQueue();
    private IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private Task _worker;
    private string? _result;
    private bool _disposed;

    public Sha256Pipeline() => _worker = StartWorker(_queue, _hash);

    /// <summary>Queues a copy of <paramref name="data"/> (waits while <see cref="MaxQueued"/> buffers are queued).</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }
        var item = Copy(data);
        if (!_queue.Writer.TryWrite(item))
        {
            _queue.Writer.WriteAsync(item).AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Queues a copy of <paramref name="data"/>, waiting asynchronously while <see cref="MaxQueued"/> buffers are queued.</summary>
    public ValueTask AppendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (data.IsEmpty)
        {
            return ValueTask.CompletedTask;
        }
        var item = Copy(data.Span);
        if (_queue.Writer.TryWrite(item))
        {
            return ValueTask.CompletedTask;
        }
        return WriteSlowAsync(item, cancellationToken);
    }

    /// <summary>Lower-case hex SHA-256 of everything appended; ends the pipeline (later appends throw).</summary>
    public string Finish()
    {
        if (_result is null)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _queue.Writer.TryComplete();
            _worker.GetAwaiter().GetResult();
            _result = Convert.ToHexStringLower(_hash.GetHashAndReset());
        }
        return _result;
    }

    /// <summary>Drops what was appended and starts again (a retried transfer rewound its content).</summary>
    public void Restart()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_result is not null)
        {
            throw new InvalidOperationException("The hash is finished.");
        }
        Drain();
        _hash.Dispose();
        _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        _queue = NewQueue();
        _worker = StartWorker(_queue, _hash);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (_result is null)
        {
            Drain();
        }
        _hash.Dispose();
    }

    private void Drain()
    {
        _queue.Writer.TryComplete();
        try
        {
            _worker.GetAwaiter().GetResult();
        }
        finally
        {
            while (_queue.Reader.TryRead(out var left))
            {
                ArrayPool<byte>.Shared.Return(left.Buffer);
            }
        }
    }

    private async ValueTask WriteSlowAsync((byte[] Buffer, int Length) item, CancellationToken cancellationToken)
    {
        try
        {
            await _queue.Writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(item.Buffer);
            throw;
        }
    }

    private (byte[] Buffer, int Length) Copy(ReadOnlySpan<byte> data)
    {
        if (_result is not null)
        {
            throw new InvalidOperationException("The hash is finished.");
        }
        ObjectDisposedException.ThrowIf(_disposed, this);
        var buffer = ArrayPool<byte>.Shared.Rent(data.Length);
        data.CopyTo(buffer);
        return (buffer, data.Length);
    }

    private static Channel<(byte[] Buffer, int Length)> NewQueue() =>
        Channel.CreateBounded<(byte[] Buffer, int Length)>(new BoundedChannelOptions(MaxQueued)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

    private static Task StartWorker(Channel<(byte[] Buffer, int Length)> queue, IncrementalHash hash) => Task.Run(async () =>
    {
        while (await queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (queue.Reader.TryRead(out var item))
            {
                try
                {
                    hash.AppendData(item.Buffer, 0, item.Length);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(item.Buffer);
                }
            }
        }
    });
}
