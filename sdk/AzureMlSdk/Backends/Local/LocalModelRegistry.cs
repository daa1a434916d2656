namespace AzureMlSdk.Backends.Local;

/// <summary>The model registry over the local SQLite file, content stored once by SHA-256 under <c>models/</c>.</summary>
internal sealed class LocalModelRegistry : IModelRegistry
{
    public LocalModelRegistry(LocalDatabase database, string root, IArtifactStore artifacts, TimeProvider time)
    {
        _ = (database, root, artifacts, time);
    }

    public Task<ModelVersionData> CreateVersionAsync(NewModelVersion model, IProgress<long>? progress, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task DeleteAliasAsync(string name, string alias, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task DeleteVersionAsync(string name, int version, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task<IReadOnlyList<string>> DownloadAsync(string name, int version, string destinationDirectory, IProgress<long>? progress, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task<ModelVersionData> GetLatestVersionAsync(string name, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task<ModelVersionData> GetVersionAsync(string name, int version, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task<ModelVersionData> GetVersionByAliasAsync(string name, string alias, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task<ResultPage<ModelVersionData>> ListVersionsAsync(ModelQuery query, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task SetAliasAsync(string name, string alias, int version, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task<ModelVersionData> UpdateVersionAsync(string name, int version, ModelVersionUpdate update, CancellationToken cancellationToken) => throw new NotImplementedException();
}
