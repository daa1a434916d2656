using System.Net.Http.Headers;
using AzureMlSdk.Backends.Remote.Http;
using AzureMlSdk.Backends.Transfer;

namespace AzureMlSdk.Backends.Remote.Mlflow;

/// <summary>
/// File operations on MLflow's artifacts proxy by proxy-relative path (<c>1/abc/artifacts/model/a.bin</c>,
/// <c>models/iris/&lt;guid&gt;/a.bin</c>), shared by the run artifact store and the model registry.
/// <list type="bullet">
/// <item>Uploads stream the content with progress; a content stream that cannot seek is first spooled to a temp file so a
/// retried PUT re-sends the whole file (the server writes each upload whole, so a replay only rewrites the same bytes).
/// The proxy re-sends it itself after a failure the HTTP pipeline did not retry (a 503 or a dropped connection: the
/// pipeline cannot replay a body it has streamed), rewinding the content, up to <c>maxRetries</c> times.</item>
/// <item>Downloads stream the answer (headers-read) into the destination with progress and an optional SHA-256.</item>
/// <item>Listing recurses: the proxy lists one level, with base names, <c>is_dir</c> for folders.</item>
/// </list>
/// </summary>
internal sealed class MlflowArtifactProxy(IMlflowArtifactsApi metadata, IMlflowArtifactsApi transfer, TimeProvider? time = null, int maxRetries = 3)
{
    private const int BufferSize = 256 * 1024;

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
            var start = source.Position;
            for (var attempt = 0; ; attempt++)
            {
                source.Position = start;
                using var hashing = new HashingReadStream(source, progress, progressBase);
                using var body = new StreamContent(hashing, BufferSize);
                body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                try
                {
                    await transfer.UploadAsync(path, body, cancellationToken).ConfigureAwait(false);
                    return (hashing.BytesRead, hashing.HashHex());
                }
                catch (ServiceUnavailableException) when (attempt < maxRetries && !cancellationToken.IsCancellationRequested)
                {
                    // A PUT of the whole file by path: sending it again only rewrites the same bytes.
                    var ms = Math.Min(8000, 500 << Math.Min(attempt, 4));
                    await Task.Delay(TimeSpan.FromMilliseconds(ms / 2 + Random.Shared.Next(ms / 2 + 1)), time ?? TimeProvider.System, cancellationToken).ConfigureAwait(false);
                }
            }
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
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var total = progressBase;
        using var writing = new HashingWriteStream(destination, progress is null ? null : count =>
        {
            total += count;
            progress.Report(total);
        });
        await body.CopyToAsync(writing, BufferSize, cancellationToken).ConfigureAwait(false);
        return (writing.Length, writing.HashHex());
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
