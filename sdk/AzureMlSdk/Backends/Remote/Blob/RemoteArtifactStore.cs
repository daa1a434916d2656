using Azure;
using Azure.Storage;
using Azure.Storage.Blobs.Models;

namespace AzureMlSdk.Backends.Remote.Blob;

/// <summary>
/// Run artifacts in the default datastore's container, where Azure ML keeps them:
/// <c>ExperimentRun/dcid.&lt;runId&gt;/&lt;path&gt;</c>. Uploads are block blobs staged in parallel chunks and committed
/// at once (readers see the old or the whole new file); Azure.Core retries each block request on its own, so a failed
/// chunk never re-sends the consumed stream.
/// </summary>
internal sealed class RemoteArtifactStore(DatastoreBlobContainer datastore) : IArtifactStore
{
    /// <summary>The blob prefix of a run's artifacts.</summary>
    public static string RunPrefix(string runId) => $"ExperimentRun/dcid.{runId}/";

    internal static readonly StorageTransferOptions Transfer = new()
    {
        InitialTransferSize = 8 * 1024 * 1024,
        MaximumTransferSize = 8 * 1024 * 1024,
        MaximumConcurrency = 4,
    };

    public async Task UploadAsync(string runId, string artifactPath, Stream content, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        Validate.Required(runId, nameof(runId));
        var path = Validate.ArtifactPath(artifactPath, nameof(artifactPath));
        ArgumentNullException.ThrowIfNull(content);
        var ds = await datastore.GetAsync(cancellationToken).ConfigureAwait(false);
        var blobName = RunPrefix(runId) + path;
        try
        {
            await ds.Container.GetBlobClient(blobName).UploadAsync(content, new BlobUploadOptions
            {
                TransferOptions = Transfer,
                ProgressHandler = progress,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex)
        {
            throw DatastoreBlobContainer.Map(ex, $"artifact '{path}' of run {runId}");
        }
    }

    public async Task DownloadAsync(string runId, string artifactPath, Stream destination, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        Validate.Required(runId, nameof(runId));
        var path = Validate.ArtifactPath(artifactPath, nameof(artifactPath));
        ArgumentNullException.ThrowIfNull(destination);
        var ds = await datastore.GetAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ds.Container.GetBlobClient(RunPrefix(runId) + path).DownloadToAsync(destination, new BlobDownloadToOptions
            {
                TransferOptions = Transfer,
                ProgressHandler = progress,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new ResourceNotFoundException($"Run {runId} has no artifact '{path}'.", requestId: ex.GetRawResponse()?.Headers.RequestId);
        }
        catch (RequestFailedException ex)
        {
            throw DatastoreBlobContainer.Map(ex, $"artifact '{path}' of run {runId}");
        }
    }

    public async Task<IReadOnlyList<ArtifactItem>> ListAsync(string runId, string? prefix, CancellationToken cancellationToken)
    {
        Validate.Required(runId, nameof(runId));
        var relative = prefix is null ? null : Validate.ArtifactPath(prefix, nameof(prefix));
        var ds = await datastore.GetAsync(cancellationToken).ConfigureAwait(false);
        var runPrefix = RunPrefix(runId);
        var items = new List<ArtifactItem>();
        try
        {
            await foreach (var blob in ds.Container.GetBlobsAsync(new GetBlobsOptions { Prefix = runPrefix + relative }, cancellationToken).ConfigureAwait(false))
            {
                var path = blob.Name[runPrefix.Length..];
                if (relative is null || path == relative || path.StartsWith(relative + "/", StringComparison.Ordinal))
                {
                    items.Add(new ArtifactItem(path, blob.Properties.ContentLength ?? 0));
                }
            }
        }
        catch (RequestFailedException ex)
        {
            throw DatastoreBlobContainer.Map(ex, $"the artifacts of run {runId}");
        }
        items.Sort(static (a, b) => string.CompareOrdinal(a.Path, b.Path));
        return items;
    }
}
