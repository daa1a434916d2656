using AzureMlSdk.Assets;
using AzureMlSdk.Backends.Local.Jobs;
using AzureMlSdk.Jobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AzureMlSdk.Backends.Local;

/// <summary>
/// The embedded local workspace: metadata in <c>azureml.db</c> (SQLite, WAL), run artifacts under
/// <c>artifacts/</c>, model content under <c>models/</c> (hash-addressed). Several processes may open
/// the same folder at once. Endpoints are served by the <c>AzureMlSdk.Serving</c> package, found the first time
/// they are needed (<see cref="LocalServing"/>).
/// </summary>
internal sealed class LocalWorkspaceBackend : IWorkspaceBackend
{
    private readonly Lazy<IEndpointBackend> _endpoints;
    private volatile bool _disposed;

    /// <param name="directory">The workspace folder.</param>
    /// <param name="timeProvider">The clock; the system's when null.</param>
    /// <param name="trafficRandom">The endpoint traffic router's random source (seed it for reproducible splits).</param>
    /// <param name="serving">Who serves endpoints; the <c>AzureMlSdk.Serving</c> package when null (found by <see cref="LocalServing.Find"/>).</param>
    /// <param name="loggerFactory">Logging (categories <c>AzureMlSdk.Local</c> and <c>AzureMlSdk.Endpoints</c>); none when null.</param>
    /// <param name="jobLauncher">Who supervises this folder's jobs; <see cref="LocalJobLaunchers.Default"/> when null.</param>
    public LocalWorkspaceBackend(string directory, TimeProvider? timeProvider = null, Random? trafficRandom = null, ILocalServingProvider? serving = null, ILoggerFactory? loggerFactory = null,
        Func<LocalWorkspaceBackend, ILocalJobLauncher>? jobLauncher = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var root = Path.GetFullPath(directory);
        var time = timeProvider ?? TimeProvider.System;
        var loggers = loggerFactory ?? NullLoggerFactory.Instance;
        Database = new LocalDatabase(root, loggers.CreateLogger(LogCategories.Local));
        var tracking = new LocalTrackingStore(Database, root, time);
        LocalTracking = tracking;
        var artifacts = new LocalArtifactStore(Database, root);
        Tracking = tracking;
        Artifacts = artifacts;
        Models = new LocalModelRegistry(Database, root, artifacts, time);
        var datastores = new LocalDatastore(root);
        Datastores = datastores;
        Assets = new LocalAssetBackend(Database, root, datastores, time);
        RecoverFromCrashes(tracking, root);
        var context = new LocalServingContext(Models, Tracking, Artifacts, root, time, trafficRandom) { LoggerFactory = loggers };
        _endpoints = new Lazy<IEndpointBackend>(() => (serving ?? LocalServing.Find()).CreateEndpoints(context));
        Info = new WorkspaceInfo(WorkspaceInfo.LocalName, WorkspaceInfo.LocalSubscriptionId, WorkspaceInfo.LocalName, WorkspaceKind.Local, LocalDirectory: root);
        Computes = new LocalComputeBackend(Database, Info, time);
        Jobs = new LocalJobBackend(this, jobLauncher ?? LocalJobLaunchers.Default, time);
    }

    /// <summary>
    /// What a killed process left behind: its Running runs are marked Failed (<see cref="LocalTrackingStore.FailRunsOfDeadOwners"/>)
    /// and its uploads in progress deleted (<see cref="TempFiles.Sweep"/> of <c>tmp/</c>; <c>models/blobs/tmp</c> is swept by
    /// the model registry). Best effort: a busy or read-only folder still opens, and the next open tries again.
    /// </summary>
    private static void RecoverFromCrashes(LocalTrackingStore tracking, string root)
    {
        try
        {
            tracking.FailRunsOfDeadOwners();
        }
        catch (Exception ex) when (ex is AzureMlException or Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
        {
            System.Diagnostics.Trace.TraceWarning($"AzureMlSdk: marking the runs of ended processes Failed in '{root}' failed: {ex.Message}");
        }
        TempFiles.Sweep(LocalArtifactStore.TempFolder(root));
    }

    internal LocalDatabase Database { get; }

    public WorkspaceInfo Info { get; }

    public ITrackingStore Tracking { get; }

    /// <summary>The tracking store as its own type (jobs create their runs with chosen ids).</summary>
    internal LocalTrackingStore LocalTracking { get; }

    public IArtifactStore Artifacts { get; }

    public IModelRegistry Models { get; }

    /// <summary>The datastores: folders under <c>datastores/</c> (<see cref="LocalDatastore"/>).</summary>
    public LocalDatastore Datastores { get; }

    IDatastoreBackend IWorkspaceBackend.Datastores => Datastores;

    /// <summary>Versioned assets (<see cref="LocalAssetBackend"/>).</summary>
    public LocalAssetBackend Assets { get; }

    IAssetBackend IWorkspaceBackend.Assets => Assets;

    /// <summary>Computes: <c>local</c> and clusters as pools of slots (<see cref="LocalComputeBackend"/>).</summary>
    public LocalComputeBackend Computes { get; }

    IComputeBackend IWorkspaceBackend.Computes => Computes;

    /// <summary>Jobs (<see cref="LocalJobBackend"/>), run by the folder's supervisor.</summary>
    public LocalJobBackend Jobs { get; }

    IJobBackend IWorkspaceBackend.Jobs => Jobs;

    public IEndpointBackend Endpoints
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed && !_endpoints.IsValueCreated, this);
            return _endpoints.Value;
        }
    }

    /// <summary>Stops the in-process job supervisor, if this object started one (its running jobs end Failed), and the endpoints it serves (gracefully: in-flight requests finish first).</summary>
    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        if (Jobs.HasLauncher)
        {
            await Jobs.Launcher.DisposeAsync().ConfigureAwait(false);
        }
        if (_endpoints.IsValueCreated && _endpoints.Value is IAsyncDisposable endpoints)
        {
            await endpoints.DisposeAsync().ConfigureAwait(false);
        }
    }
}
