using AzureMlSdk.Assets;
using AzureMlSdk.Jobs;

namespace AzureMlSdk.Backends;

/// <summary>
/// One workspace's backend: the small per-concern contracts the object model is written against.
/// The local backend (SQLite + files) and the remote backend (Azure ML REST) both implement it;
/// the Emulator serves the local one behind the remote one's routes.
/// </summary>
/// <remarks>
/// The contract grows without breaking implementers (as MLflow's <c>AbstractStore</c> does): every member but
/// <see cref="Info"/> has a default, and every member of the per-concern interfaces has a default that fails with
/// <see cref="AzureMlNotSupportedException"/> naming the operation and the backend. A backend implements what it
/// supports; a concern it does not implement at all (say, <see cref="Endpoints"/>) answers every call with that error.
/// A new concern (jobs, assets…) is added the same way: a property here whose default is the not-supported concern.
/// </remarks>
public interface IWorkspaceBackend : IAsyncDisposable
{
    /// <summary>What and where the workspace is.</summary>
    WorkspaceInfo Info { get; }

    /// <summary>Experiments, runs, metrics, params, tags (MLflow tracking semantics).</summary>
    ITrackingStore Tracking => NotSupportedConcern.For(this);

    /// <summary>Run artifacts (files under a run).</summary>
    IArtifactStore Artifacts => NotSupportedConcern.For(this);

    /// <summary>The model registry (Azure ML semantics: names, integer versions, tags, properties, stage, aliases).</summary>
    IModelRegistry Models => NotSupportedConcern.For(this);

    /// <summary>Online endpoints and their deployments (ARM online endpoints; served in-process by the local backend).</summary>
    IEndpointBackend Endpoints => NotSupportedConcern.For(this);

    /// <summary>Jobs: command, sweep, pipeline and AutoML jobs (ARM <c>jobs</c>; run by a local supervisor on the local backend).</summary>
    IJobBackend Jobs => NotSupportedConcern.For(this);

    /// <summary>Versioned assets: data, environments, components, code snapshots.</summary>
    IAssetBackend Assets => NotSupportedConcern.For(this);

    /// <summary>Datastores as file storage (where data assets, code snapshots and job outputs live).</summary>
    IDatastoreBackend Datastores => NotSupportedConcern.For(this);

    /// <summary>Computes (<c>local</c>, and clusters: local pools of slots on the local backend).</summary>
    IComputeBackend Computes => NotSupportedConcern.For(this);

    /// <summary>
    /// Waits for a long-running operation this backend started, possibly in another process, from the resume token it reported
    /// while starting it; returns once it has succeeded, throws (<see cref="InvalidStateException"/> with the service's code) when it
    /// failed. Backends whose operations cannot be resumed elsewhere (the local one) leave the not-supported default.
    /// </summary>
    Task ResumeOperationAsync(string resumeToken, IProgress<string>? progress, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported(this, nameof(ResumeOperationAsync));

    /// <summary>Releases what the backend holds; nothing by default.</summary>
    ValueTask IAsyncDisposable.DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}

/// <summary>The identity of a workspace.</summary>
/// <param name="Name">Workspace name (<c>local</c> for the local workspace).</param>
/// <param name="SubscriptionId">Azure subscription id (all zeros for the local workspace).</param>
/// <param name="ResourceGroup">Resource group (<c>local</c> for the local workspace).</param>
/// <param name="Kind">Local or remote.</param>
/// <param name="LocalDirectory">The workspace folder, for a local workspace.</param>
/// <param name="TrackingUri">The MLflow tracking URI, for a remote workspace.</param>
/// <param name="Location">The Azure region, when known.</param>
public sealed record WorkspaceInfo(
    string Name,
    string SubscriptionId,
    string ResourceGroup,
    WorkspaceKind Kind,
    string? LocalDirectory = null,
    Uri? TrackingUri = null,
    string? Location = null)
{
    /// <summary>The subscription id the local workspace uses (and the Emulator's default workspace).</summary>
    public const string LocalSubscriptionId = "00000000-0000-0000-0000-000000000000";

    /// <summary>The resource group and workspace name of the local workspace.</summary>
    public const string LocalName = "local";
}

/// <summary>One page of a listing, MLflow style: the items and the token of the next page (null at the end).</summary>
/// <typeparam name="T">Item type.</typeparam>
/// <param name="Items">The items of this page.</param>
/// <param name="NextPageToken">Opaque token for the next page, or null when this is the last.</param>
public sealed record ResultPage<T>(IReadOnlyList<T> Items, string? NextPageToken);
