using AzureMlSdk.Backends.Remote.Http;
using Refit;

namespace AzureMlSdk.Backends.Remote.Arm;

/// <summary>Component containers and versions (<c>ComponentContainers_*</c>, <c>ComponentVersions_*</c>).</summary>
internal interface IArmComponentsApi
{
    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/components" + ArmRoutes.V)]
    Task<ArmPage<ComponentContainerProperties>> ListContainersAsync(string subscriptionId, string resourceGroupName, string workspaceName, [AliasAs("$skip")] string? skip, string? listViewType, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/components/{name}" + ArmRoutes.V)]
    Task<ArmResource<ComponentContainerProperties>> GetContainerAsync(string subscriptionId, string resourceGroupName, string workspaceName, string name, CancellationToken cancellationToken);

    [RetrySafe("PUT of the whole resource: a replay writes the same state")]
    [Put(ArmRoutes.Workspace + "/components/{name}" + ArmRoutes.V)]
    Task<ArmResource<ComponentContainerProperties>> CreateOrUpdateContainerAsync(string subscriptionId, string resourceGroupName, string workspaceName, string name, [Body] ArmResource<ComponentContainerProperties> body, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/components/{name}/versions" + ArmRoutes.V)]
    Task<ArmPage<ComponentVersionProperties>> ListVersionsAsync(string subscriptionId, string resourceGroupName, string workspaceName, string name, [AliasAs("$skip")] string? skip, [AliasAs("$orderBy")] string? orderBy, [AliasAs("$top")] int? top, string? listViewType, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/components/{name}/versions/{version}" + ArmRoutes.V)]
    Task<ArmResource<ComponentVersionProperties>> GetVersionAsync(string subscriptionId, string resourceGroupName, string workspaceName, string name, string version, CancellationToken cancellationToken);

    [RetrySafe("PUT of the whole resource: a replay writes the same state")]
    [Put(ArmRoutes.Workspace + "/components/{name}/versions/{version}" + ArmRoutes.V)]
    Task<ArmResource<ComponentVersionProperties>> CreateOrUpdateVersionAsync(string subscriptionId, string resourceGroupName, string workspaceName, string name, string version, [Body] ArmResource<ComponentVersionProperties> body, CancellationToken cancellationToken);
}

/// <summary>Computes (<c>Compute_List/Get/CreateOrUpdate/Delete</c>). Create and delete are long-running.</summary>
internal interface IArmComputesApi
{
    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/computes" + ArmRoutes.V)]
    Task<ArmPage<ComputeProperties>> ListAsync(string subscriptionId, string resourceGroupName, string workspaceName, [AliasAs("$skip")] string? skip, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/computes/{computeName}" + ArmRoutes.V)]
    Task<ArmResource<ComputeProperties>> GetAsync(string subscriptionId, string resourceGroupName, string workspaceName, string computeName, CancellationToken cancellationToken);

    /// <summary>LRO (201 + Azure-AsyncOperation, final state via the original URI).</summary>
    [RetrySafe("PUT of the whole resource: a replay writes the same state")]
    [Put(ArmRoutes.Workspace + "/computes/{computeName}" + ArmRoutes.V)]
    Task<HttpResponseMessage> CreateOrUpdateAsync(string subscriptionId, string resourceGroupName, string workspaceName, string computeName, [Body] ArmResource<ComputeProperties> body, CancellationToken cancellationToken);

    /// <summary>LRO (202 + Location); <paramref name="underlyingResourceAction"/> is <c>Delete</c> (or <c>Detach</c>).</summary>
    [RetrySafe("DELETE is idempotent: ARM answers 204 for a resource already gone")]
    [Delete(ArmRoutes.Workspace + "/computes/{computeName}" + ArmRoutes.V)]
    Task<HttpResponseMessage> DeleteAsync(string subscriptionId, string resourceGroupName, string workspaceName, string computeName, string underlyingResourceAction, CancellationToken cancellationToken);
}
