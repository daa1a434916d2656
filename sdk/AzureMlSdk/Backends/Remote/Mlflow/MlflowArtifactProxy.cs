using System.Net.Http.Headers;
using System.Security.Cryptography;
using AzureMlSdk.Backends.Remote.Http;

namespace AzureMlSdk.Backends.Remote.Mlflow;

/// <summary>
/// File operations on MLflow's artifacts proxy by proxy-relative path (<c>1/abc/artifacts/model/a.bin</c>,
/// <c>models/iris/&lt;guid&gt;/a.bin</c>), shared by the run artifact store and the model registry.
/// <list type="bullet">
/// <item>Uploads stream the content with progress; a content stream that cannot seek is first spooled to a temp file so a
/// retried PUT re-sends the whole file (the server writes each upload whole, so a replay only rewrites the same bytes).</item>
/// <item>Downloads stream the answer (headers-read) into the destination with progress and an optional SHA-256.</item>
/// <item>Listing recurses: the proxy lists one level, with base names, <c>is_dir</c> for folders.</item>
/// </list>
/// </summary>
internal sealed class MlflowArtifactProxy(IMlflowArtifactsApi metadata, IMlflowArtifactsApi transfer)
{
    private const int BufferSize = 81920;

    /// <summary>PUTs <paramref name="content"/> at <paramref name="path"/>; returns the byte count and SHA-256 of what was sent.</summary>
    public async Task<(long Length, string Sha256)> UploadAsync(string path, Stream content, IProgress<long>? progress, long progressBase, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        FileStream? spool = null;
        try
        {
            var source = content;
            if (!content.CanSeek)
            {
                spool = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, BufferSize, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
                await content.CopyToAsync(spool, BufferSize, cancellationToken).ConfigureAwait(false);
                spool.Position = 0;
                source = spool;
            }
            using var hashing = new HashingReadStream(source, progress, progressBase);
            using var body = new StreamContent(hashing, BufferSize);
            body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            await transfer.UploadAsync(path, body, cancellationToken).ConfigureAwait(false);
            return (hashing.BytesRead, hashing.HashHex());
        }
        finally
        {
            if (spool is not null)
            {
                await spool.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Streams the file at <paramref name="path"/> into <paramref name="destination"/>; returns length and SHA-256 of the bytes written.</summary>
    public async Task<(long Length, string Sha256)> DownloadAsync(string path, Stream destination, IProgress<long>? progress, long progressBase, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var response = await transfer.DownloadAsync(path, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await RemoteErrors.FromResponseAsync(response, cancellationToken).ConfigureAwait(false);
        }
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[BufferSize];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            total += read;
            progress?.Report(progressBase + total);
        }
        return (total, Convert.ToHexStringLower(hash.GetCurrentHash()));
    }

    /// <summary>Every file under the folder <paramref name="root"/> (recursively), with paths relative to it.</summary>
    public async Task<List<ArtifactItem>> ListRecursiveAsync(string root, CancellationToken cancellationToken)
    {
        var items = new List<ArtifactItem>();
        var pending = new Queue<string>();
        pending.Enqueue(string.Empty);
        while (pending.TryDequeue(out var relative))
        {
            var folder = relative.Length == 0 ? root : root + "/" + relative;
            var reply = await metadata.ListAsync(folder, cancellationToken).ConfigureAwait(false);
            foreach (var file in reply.Files ?? [])
            {
                var name = BaseName(file.Path);
                if (name.Length == 0)
                {
                    continue;
                }
                var child = relative.Length == 0 ? name : relative + "/" + name;
                if (file.IsDir == true)
                {
                    pending.Enqueue(child);
                }
                else
                {
                    items.Add(new ArtifactItem(child, file.FileSize ?? 0));
                }
            }
        }
        items.Sort(static (a, b) => string.CompareOrdinal(a.Path, b.Path));
        return items;
    }

    /// <summary>The entry named <paramref name="path"/> if it is a file (listed in its parent folder), else null.</summary>
    public async Task<ArtifactItem?> FindFileAsync(string path, CancellationToken cancellationToken)
    {
        var slash = path.LastIndexOf('/');
        var parent = slash < 0 ? null : path[..slash];
        var name = path[(slash + 1)..];
        var reply = await metadata.ListAsync(parent, cancellationToken).ConfigureAwait(false);
        var hit = (reply.Files ?? []).FirstOrDefault(f => f.IsDir != true && BaseName(f.Path) == name);
        return hit is null ? null : new ArtifactItem(name, hit.FileSize ?? 0);
    }

    // The proxy answers base names; older servers answered paths relative to the listed folder.
    private static string BaseName(string? path)
    {
        var p = (path ?? string.Empty).TrimEnd('/');
        return p[(p.LastIndexOf('/') + 1)..];
    }
}

/// <summary>
/// A read-only pass-through that hashes and counts what is read and reports progress. Setting the position back to the
/// start (as <see cref="StreamContent"/> does before a retried send) restarts the hash and the count.
/// </summary>
internal sealed class HashingReadStream(Stream inner, IProgress<long>? progress, long progressBase) : Stream
{
    private readonly long _start = inner.CanSeek ? inner.Position : 0;
    private IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long BytesRead { get; private set; }

    private string? _finalHash;

    /// <summary>Lower-case hex SHA-256 of the bytes read so far (kept after disposal: <see cref="StreamContent"/> disposes its stream once sent).</summary>
    public string HashHex() => _finalHash ?? Convert.ToHexStringLower(_hash.GetCurrentHash());

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
            ObjectDisposedException.ThrowIf(_finalHash is not null, this);
            inner.Position = _start;
            _hash.Dispose();
            _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            BytesRead = 0;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        Count(buffer[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Count(buffer.Span[..n]);
        return n;
    }

    private void Count(ReadOnlySpan<byte> data)
    {
        if (data.Length == 0)
        {
            return;
        }
        _hash.AppendData(data);
        BytesRead += data.Length;
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
        if (disposing && _finalHash is null)
        {
            _finalHash = Convert.ToHexStringLower(_hash.GetCurrentHash());
            _hash.Dispose();
        }
        base.Dispose(disposing);
    }
}
