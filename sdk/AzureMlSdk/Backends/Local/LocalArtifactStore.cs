namespace AzureMlSdk.Backends.Local;

/// <summary>Run artifacts as files under <c>artifacts/&lt;runId&gt;/</c>.</summary>
internal sealed class LocalArtifactStore : IArtifactStore
{
    public LocalArtifactStore(LocalDatabase database, string root)
    {
        _ = (database, root);
    }

    public Task DownloadAsync(string runId, string artifactPath, Stream destination, IProgress<long>? progress, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task<IReadOnlyList<ArtifactItem>> ListAsync(string runId, string? prefix, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task UploadAsync(string runId, string artifactPath, Stream content, IProgress<long>? progress, CancellationToken cancellationToken) => throw new NotImplementedException();
}
