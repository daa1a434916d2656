using AzureMlSdk.Backends.Local.Endpoints;

namespace AzureMlSdk.Backends.Local;

/// <summary>
/// The embedded local workspace: metadata in <c>azureml.db</c> (SQLite, WAL), run artifacts under
/// <c>artifacts/</c>, model content under <c>models/</c> (hash-addressed). Several processes may open
/// the same folder at once.
/// </summary>
internal sealed class LocalWorkspaceBackend : IWorkspaceBackend
{
    public LocalWorkspaceBackend(string directory, TimeProvider? timeProvider = null, Random? trafficRandom = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var root = Path.GetFullPath(directory);
        var time = timeProvider ?? TimeProvider.System;
        Database = new LocalDatabase(root);
        var tracking = new LocalTrackingStore(Database, root, time);
        var artifacts = new LocalArtifactStore(Database, root);
        Tracking = tracking;
        Artifacts = artifacts;
        Models = new LocalModelRegistry(Database, root, artifacts, time);
        _endpoints = new LocalEndpointBackend(Models, Tracking, Artifacts, root, time, trafficRandom);
        Info = new WorkspaceInfo(WorkspaceInfo.LocalName, WorkspaceInfo.LocalSubscriptionId, WorkspaceInfo.LocalName, WorkspaceKind.Local, LocalDirectory: root);
    }

    private readonly LocalEndpointBackend _endpoints;

    internal LocalDatabase Database { get; }

    public WorkspaceInfo Info { get; }

    public ITrackingStore Tracking { get; }

    public IArtifactStore Artifacts { get; }

    public IModelRegistry Models { get; }

    public IEndpointBackend Endpoints => _endpoints;

    internal LocalEndpointBackend LocalEndpoints => _endpoints;

    /// <summary>Stops the endpoints this workspace object serves (gracefully: in-flight requests finish first).</summary>
    public ValueTask DisposeAsync() => _endpoints.DisposeAsync();
}
