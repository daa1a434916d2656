using AzureMlSdk.Backends.Remote.Http;
using Refit;

namespace AzureMlSdk.Backends.Remote.Arm;

/// <summary>
/// ARM <c>jobs</c> with the whole 2026-07-01 <c>CommandJob</c> body (<see cref="CommandJobProperties"/>, <see cref="ArmJobJsonContext"/>):
/// what <see cref="Jobs.RemoteJobBackend"/> submits and reads. <see cref="IArmJobsApi"/> reads the common fields only (batch jobs, the poller).
/// Jobs of other kinds read through these routes keep their own fields in <see cref="ArmJobBaseProperties.Extra"/>.
/// </summary>
internal interface IArmCommandJobsApi
{
    /// <summary><c>Jobs_List</c>: <paramref name="listViewType"/> <c>ActiveOnly</c>, <c>ArchivedOnly</c> or <c>All</c>; pages by <c>$skip</c> (from <c>nextLink</c>).</summary>
    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/jobs" + ArmRoutes.V)]
    Task<ArmPage<CommandJobProperties>> ListJobsAsync(string subscriptionId, string resourceGroupName, string workspaceName,
        [AliasAs("$skip")] string? skip, string? jobType, string? tag, string? listViewType, CancellationToken cancellationToken);

    /// <summary><c>Jobs_Get</c>.</summary>
    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/jobs/{id}" + ArmRoutes.V)]
    Task<ArmResource<CommandJobProperties>> GetJobAsync(string subscriptionId, string resourceGroupName, string workspaceName, string id, CancellationToken cancellationToken);

    /// <summary><c>Jobs_CreateOrUpdate</c> (synchronous: 201 for a new job, 200 for an update of its mutable fields).</summary>
    [RetrySafe("PUT under the client-chosen job name: a replay after a lost reply targets the job the first attempt created (same body: 200), never starts a second one")]
    [Put(ArmRoutes.Workspace + "/jobs/{id}" + ArmRoutes.V)]
    Task<ArmResource<CommandJobProperties>> CreateOrUpdateJobAsync(string subscriptionId, string resourceGroupName, string workspaceName, string id,
        [Body] ArmResource<CommandJobProperties> body, CancellationToken cancellationToken);

    /// <summary><c>Jobs_Cancel</c>: LRO (202 + <c>Location</c>), 200 when there is nothing to wait for.</summary>
    [RetrySafe("cancelling a job twice is cancelling it once")]
    [Post(ArmRoutes.Workspace + "/jobs/{id}/cancel" + ArmRoutes.V)]
    Task<HttpResponseMessage> CancelJobAsync(string subscriptionId, string resourceGroupName, string workspaceName, string id, CancellationToken cancellationToken);
}
