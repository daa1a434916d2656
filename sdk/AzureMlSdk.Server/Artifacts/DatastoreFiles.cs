using System.Security.Cryptography;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using AzureMlSdk.Server.Mlflow;

namespace AzureMlSdk.Server.Artifacts;


/// <summary>
/// Files of a workspace's default datastore as folders and files over the flat blob namespace (<c>/</c> separates
/// folders; a folder exists while a blob is under it). Storage errors other than "not found" surface as 503
/// <c>TEMPORARILY_UNAVAILABLE</c>, without the storage message (it lists request headers).
/// </summary>
internal sealed class DatastoreFiles(BlobContainerClient container) : IArtifactFiles
{
    private const int BufferSize = 81920;

    /// <summary>One level of <paramref name="folder"/> ("" is the root), folders and files together by name (as MLflow sorts them).</summary>
    public async Task<IReadOnlyList<FolderEntry>> ListLevelAsync(string folder, CancellationToken cancellationToken)
    {
        var prefix = folder.Length == 0 ? string.Empty : folder + "/";
        var entries = new List<FolderEntry>();
        await GuardAsync(async () =>
        {
            await foreach (var item in container.GetBlobsByHierarchyAsync(new GetBlobsByHierarchyOptions { Delimiter = "/", Prefix = prefix }, cancellationToken).ConfigureAwait(false))
            {
                if (item.IsPrefix)
                {
                    entries.Add(new FolderEntry(item.Prefix[prefix.Length..].TrimEnd('/'), true, null));
                }
                else
                {
                    entries.Add(new FolderEntry(item.Blob.Name[prefix.Length..], false, item.Blob.Properties.ContentLength ?? 0));
                }
            }
        }).ConfigureAwait(false);
        return entries.Where(e => e.Name.Length > 0).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>Every file under <paramref name="folder"/>, recursively, with paths relative to it, in name order.</summary>
    public async Task<IReadOnlyList<FileUnder>> ListUnderAsync(string folder, CancellationToken cancellationToken)
    {
        var prefix = folder.TrimEnd('/') + "/";
        var files = new List<FileUnder>();
        await GuardAsync(async () =>
        {
            await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken).ConfigureAwait(false))
            {
                files.Add(new FileUnder(blob.Name[prefix.Length..], blob.Properties.ContentLength ?? 0));
            }
        }).ConfigureAwait(false);
        files.Sort(static (a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        return files;
    }

    /// <summary>Whether a file (blob) exists at <paramref name="path"/>.</summary>
    public async Task<bool> FileExistsAsync(string path, CancellationToken cancellationToken)
    {
        var exists = false;
        await GuardAsync(async () => exists = (await container.GetBlobClient(path).ExistsAsync(cancellationToken).ConfigureAwait(false)).Value).ConfigureAwait(false);
        return exists;
    }

    /// <summary>Opens the file at <paramref name="path"/> for reading; null when there is none.</summary>
    public async Task<ArtifactDownload?> OpenReadAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var result = (await container.GetBlobClient(path).DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            return new ArtifactDownload(result.Content, result.Details.ContentLength, result);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
        catch (RequestFailedException ex)
        {
            throw Unavailable(ex);
        }
    }

    /// <summary>Writes <paramref name="content"/> (read to its end) as the file at <paramref name="path"/>, replacing any; returns its size.</summary>
    public async Task<long> WriteAsync(string path, Stream content, string? contentType, CancellationToken cancellationToken)
    {
        await using var counting = new CountingStream(content);
        await GuardAsync(() => container.GetBlobClient(path).UploadAsync(counting, new BlobUploadOptions
        {
            HttpHeaders = contentType is null ? null : new BlobHttpHeaders { ContentType = contentType },
            TransferOptions = new Azure.Storage.StorageTransferOptions { MaximumTransferSize = 8 * 1024 * 1024, InitialTransferSize = 8 * 1024 * 1024 },
        }, cancellationToken)).ConfigureAwait(false);
        return counting.Count;
    }

    /// <summary>Deletes the file at <paramref name="path"/> and every file under it as a folder; returns how many were deleted.</summary>
    public async Task<int> DeleteAsync(string path, CancellationToken cancellationToken)
    {
        var deleted = 0;
        await GuardAsync(async () =>
        {
            if ((await container.GetBlobClient(path).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value)
            {
                deleted++;
            }
            await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { Prefix = path + "/" }, cancellationToken).ConfigureAwait(false))
            {
                if ((await container.GetBlobClient(blob.Name).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value)
                {
                    deleted++;
                }
            }
        }).ConfigureAwait(false);
        return deleted;
    }

    /// <summary>Length and lower-case hex SHA-256 of the file at <paramref name="path"/> (read through once).</summary>
    public async Task<(long Length, string Sha256)> HashAsync(string path, CancellationToken cancellationToken)
    {
        using var download = await OpenReadAsync(path, cancellationToken).ConfigureAwait(false)
            ?? throw new MlflowException("RESOURCE_DOES_NOT_EXIST", $"No file at '{path}'.");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[BufferSize];
        long total = 0;
        int read;
        var body = download.Content;
        while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            total += read;
        }
        return (total, Convert.ToHexStringLower(hash.GetCurrentHash()));
    }

    private static async Task GuardAsync(Func<Task> work)
    {
        try
        {
            await work().ConfigureAwait(false);
        }
        catch (RequestFailedException ex)
        {
            throw Unavailable(ex);
        }
    }

    private static MlflowException Unavailable(RequestFailedException ex) =>
        new("TEMPORARILY_UNAVAILABLE", $"The datastore's blob storage answered {ex.Status} {ex.ErrorCode}.");

    /// <summary>Counts what the blob client reads from a request body.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Count { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Count; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Counted(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Counted(int read)
        {
            Count += read;
            return read;
        }
    }
}
