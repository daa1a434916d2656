using Azure;
using Azure.Storage.Blobs.Models;
using AzureMlSdk.Backends.Transfer;

namespace AzureMlSdk.Backends.Remote.Blob;

/// <summary>
/// Run artifacts in the default datastore's container, where Azure ML keeps them:
/// <c>ExperimentRun/dcid.&lt;runId&gt;/&lt;path&gt;</c>. Transfers go through <see cref="BlobTransfer"/> (one request for
/// a file up to 256 MiB, parallel blocks or ranges beyond; readers see the old or the whole new file); progress is thinned by
/// <see cref="ThrottledProgress"/> and always ends with the total.
/// </summary>
internal sealed class RemoteArtifactStore(DatastoreBlobContainer datastore) : IArtifactStore
{
    /// <summary>The blob prefix of a run's artifacts.</summary>
    public static string RunPrefix(string runId) => $"ExperimentRun/dcid.{runId}/";

    public async Task UploadAsync(string runId, string artifactPath, Stream content, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        Validate.Required(runId, nameof(runId));
        var path = Validate.ArtifactPath(artifactPath, nameof(artifactPath));
        ArgumentNullException.ThrowIfNull(content);
        var ds = await datastore.GetAsync(cancellationToken).ConfigureAwait(false);
        var blobName = RunPrefix(runId) + path;
        var throttle = ThrottledProgress.Create(progress, TransferSizes.Remaining(content));
        try
        {
            var (length, _) = await BlobTransfer.UploadAsync(ds.Container.GetBlobClient(blobName), content, throttle, 0, sha256: false, cancellationToken).ConfigureAwait(false);
            throttle?.Complete(length);
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
        var throttle = ThrottledProgress.Create(progress, null);
        try
        {
            var (length, _) = await BlobTransfer.DownloadAsync(ds.Container.GetBlobClient(RunPrefix(runId) + path), destination, throttle, 0, sha256: false, cancellationToken).ConfigureAwait(false);
            throttle?.Complete(length);
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
