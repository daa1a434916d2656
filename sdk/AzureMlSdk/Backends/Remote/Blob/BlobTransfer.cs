using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using AzureMlSdk.Backends.Transfer;

namespace AzureMlSdk.Backends.Remote.Blob;

/// <summary>
/// Moves bytes between streams and block blobs, counting and (when asked) SHA-256-hashing them on the way: one pass over
/// the content, no temp files, no second read to hash.
/// <list type="bullet">
/// <item>Uploads of content whose length is known (a file) up to 256 MiB are one Put Blob that streams the content, as
/// Azure.Storage's own default does (Azure.Core retries it by rewinding the stream, which restarts the hash); larger or
/// unknown-length content goes as 8 MiB blocks, 4 in flight, committed at once, read through one bounded buffer per block.
/// Either way readers see the old blob or the whole new one.</item>
/// <item>Downloads of up to 256 MiB are one streamed GET (Azure.Storage's default too, resumed from where it broke on a
/// network error); larger blobs continue in 8 MiB ranges, 4 in flight. Ranges are written to the destination in order, so
/// the hash is taken as they are written.</item>
/// <item>Progress counts bytes read from the source (uploads) or written to the destination (downloads); callers thin it
/// with <see cref="ThrottledProgress"/>.</item>
/// </list>
/// </summary>
internal static class BlobTransfer
{
    private const int MiB = 1024 * 1024;

    /// <summary>Seekable content up to this size goes in one request, and so does a download of up to this size.</summary>
    internal const long SingleRequestLimit = 256L * MiB;

    internal static readonly StorageTransferOptions SeekableUpload = new()
    {
        InitialTransferSize = SingleRequestLimit,
        MaximumTransferSize = 8 * MiB,
        MaximumConcurrency = 4,
    };

    /// <summary>Content of unknown length is buffered per block, so its first request is a block too (not 256 MiB of memory).</summary>
    internal static readonly StorageTransferOptions StreamingUpload = new()
    {
        InitialTransferSize = 8 * MiB,
        MaximumTransferSize = 8 * MiB,
        MaximumConcurrency = 4,
    };

    internal static readonly StorageTransferOptions Download = new()
    {
        InitialTransferSize = SingleRequestLimit,
        MaximumTransferSize = 8 * MiB,
        MaximumConcurrency = 4,
    };

    /// <summary>Uploads <paramref name="content"/> (read to its end) to <paramref name="blob"/>, replacing it; returns the bytes sent and their SHA-256 when asked.</summary>
    public static async Task<(long Length, string? Sha256)> UploadAsync(BlobClient blob, Stream content, IProgress<long>? progress, long progressBase, bool sha256, CancellationToken cancellationToken)
    {
        var length = TransferSizes.Remaining(content);
        using var reading = new HashingReadStream(content, progress, progressBase, sha256);
        await blob.UploadAsync(reading, new BlobUploadOptions
        {
            TransferOptions = length is not null ? SeekableUpload : StreamingUpload,
        }, cancellationToken).ConfigureAwait(false);
        return (reading.BytesRead, sha256 ? reading.HashHex() : null);
    }

    /// <summary>Writes <paramref name="blob"/> to <paramref name="destination"/>; returns the bytes written and their SHA-256 when asked.</summary>
    public static async Task<(long Length, string? Sha256)> DownloadAsync(BlobClient blob, Stream destination, IProgress<long>? progress, long progressBase, bool sha256, CancellationToken cancellationToken)
    {
        var written = progressBase;
        using var writing = new HashingWriteStream(destination, progress is null ? null : count =>
        {
            written += count;
            progress.Report(written);
        }, sha256);
        await blob.DownloadToAsync(writing, new BlobDownloadToOptions { TransferOptions = Download }, cancellationToken).ConfigureAwait(false);
        return (writing.Length, sha256 ? writing.HashHex() : null);
    }
}
