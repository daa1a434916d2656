using AzureMlSdk.Backends.Remote.Http;
using Refit;

namespace AzureMlSdk.Backends.Remote.Arm;

/// <summary>Route pieces of ARM <c>Microsoft.MachineLearningServices</c>, api-version 2026-07-01 (the newest stable one).</summary>
internal static class ArmRoutes
{
    /// <summary>The ARM api-version: the one constant the SDK's calls and the Emulator's routes (<c>ArmEndpoints.ApiVersion</c>) share.</summary>
    public const string ApiVersion = "2026-07-01";
    public const string V = "?api-version=" + ApiVersion;
    public const string Workspace = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}";
}

/// <summary>Workspaces (<c>Workspaces_Get</c>, <c>Workspaces_CreateOrUpdate</c>).</summary>
internal interface IArmWorkspacesApi
{
    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + ArmRoutes.V)]
    Task<ArmResource<WorkspaceProperties>> GetAsync(string subscriptionId, string resourceGroupName, string workspaceName, CancellationToken cancellationToken);

    /// <summary>LRO (202 + Location).</summary>
    [RetrySafe("PUT of the whole resource: a replay writes the same state")]
    [Put(ArmRoutes.Workspace + ArmRoutes.V)]
    Task<HttpResponseMessage> CreateOrUpdateAsync(string subscriptionId, string resourceGroupName, string workspaceName, [Body] ArmResource<WorkspaceProperties> body, CancellationToken cancellationToken);
}

/// <summary>Datastores (<c>Datastores_List/Get/CreateOrUpdate/ListSecrets</c>).</summary>
internal interface IArmDatastoresApi
{
    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/datastores" + ArmRoutes.V)]
    Task<ArmPage<DatastoreProperties>> ListAsync(string subscriptionId, string resourceGroupName, string workspaceName, [AliasAs("$skip")] string? skip, bool? isDefault, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/datastores/{name}" + ArmRoutes.V)]
    Task<ArmResource<DatastoreProperties>> GetAsync(string subscriptionId, string resourceGroupName, string workspaceName, string name, CancellationToken cancellationToken);

    [RetrySafe("PUT of the whole resource: a replay writes the same state")]
    [Put(ArmRoutes.Workspace + "/datastores/{name}" + ArmRoutes.V)]
    Task<ArmResource<DatastoreProperties>> CreateOrUpdateAsync(string subscriptionId, string resourceGroupName, string workspaceName, string name, [Body] ArmResource<DatastoreProperties> body, CancellationToken cancellationToken);

    [RetrySafe("reads the datastore's secrets; changes nothing")]
    [Post(ArmRoutes.Workspace + "/datastores/{name}/listSecrets" + ArmRoutes.V)]
    Task<DatastoreSecrets> ListSecretsAsync(string subscriptionId, string resourceGroupName, string workspaceName, string name, [Body] SecretExpiry body, CancellationToken cancellationToken);
}

/// <summary>Model containers and versions (<c>ModelContainers_*</c>, <c>ModelVersions_*</c>).</summary>
internal interface IArmModelsApi
{
    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/models" + ArmRoutes.V)]
    Task<ArmPage<ModelContainerProperties>> ListContainersAsync(string subscriptionId, string resourceGroupName, string workspaceName, [AliasAs("$skip")] string? skip, string? listViewType, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/models/{name}" + ArmRoutes.V)]
    Task<ArmResource<ModelContainerProperties>> GetContainerAsync(string subscriptionId, string resourceGroupName, string workspaceName, string name, CancellationToken cancellationToken);

    [RetrySafe("PUT of the whole resource: a replay writes the same state")]
    [Put(ArmRoutes.Workspace + "/models/{name}" + ArmRoutes.V)]
    Task<ArmResource<ModelContainerProperties>> CreateOrUpdateContainerAsync(string subscriptionId, string resourceGroupName, string workspaceName, string name, [Body] ArmResource<ModelContainerProperties> body, CancellationToken cancellationToken);

    [RetrySafe("DELETE is idempotent: ARM answers 204 for a resource already gone")]
    [Delete(ArmRoutes.Workspace + "/models/{name}" + ArmRoutes.V)]
    Task DeleteContainerAsync(string subscriptionId, string resourceGroupName, string workspaceName, string name, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/models/{name}/versions" + ArmRoutes.V)]
    Task<ArmPage<ModelVersionProperties>> ListVersionsAsync(string subscriptionId, string resourceGroupName, string workspaceName, string name,
        [AliasAs("$skip")] string? skip, [AliasAs("$orderBy")] string? orderBy, [AliasAs("$top")] int? top, string? tags, string? listViewType, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/models/{name}/versions/{version}" + ArmRoutes.V)]
    Task<ArmResource<ModelVersionProperties>> GetVersionAsync(string subscriptionId, string resourceGroupName, string workspaceName, string name, string version, CancellationToken cancellationToken);

    /// <summary>Creates or updates a version. <paramref name="ifNoneMatch"/> <c>*</c> asks the server not to replace an existing version.</summary>
    [RetrySafe("PUT of the whole version: a replay writes the same state (a conditional create with If-None-Match: * is not replayed, see RetrySafety)")]
    [Put(ArmRoutes.Workspace + "/models/{name}/versions/{version}" + ArmRoutes.V)]
    Task<ArmResource<ModelVersionProperties>> CreateOrUpdateVersionAsync(string subscriptionId, string resourceGroupName, string workspaceName, string name, string version,
        [Body] ArmResource<ModelVersionProperties> body, [Header("If-None-Match")] string? ifNoneMatch, CancellationToken cancellationToken);

    [RetrySafe("DELETE is idempotent: ARM answers 204 for a resource already gone")]
    [Delete(ArmRoutes.Workspace + "/models/{name}/versions/{version}" + ArmRoutes.V)]
    Task DeleteVersionAsync(string subscriptionId, string resourceGroupName, string workspaceName, string name, string version, CancellationToken cancellationToken);
}

/// <summary>Environment containers and versions.</summary>
internal interface IArmEnvironmentsApi
{
    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/environments" + ArmRoutes.V)]
    Task<ArmPage<EnvironmentContainerProperties>> ListContainersAsync(string subscriptionId, string resourceGroupName, string workspaceName, [AliasAs("$skip")] string? skip, string? listViewType, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/environments/{name}" + ArmRoutes.V)]
    Task<ArmResource<EnvironmentContainerProperties>> GetContainerAsync(string subscriptionId, string resourceGroupName, string workspaceName, string name, CancellationToken cancellationToken);

    [RetrySafe("PUT of the whole resource: a replay writes the same state")]
    [Put(ArmRoutes.Workspace + "/environments/{name}" + ArmRoutes.V)]
    Task<ArmResource<EnvironmentContainerProperties>> CreateOrUpdateContainerAsync(string subscriptionId, string resourceGroupName, string workspaceName, string name, [Body] ArmResource<EnvironmentContainerProperties> body, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/environments/{name}/versions" + ArmRoutes.V)]
    Task<ArmPage<EnvironmentVersionProperties>> ListVersionsAsync(string subscriptionId, string resourceGroupName, string workspaceName, string name, [AliasAs("$skip")] string? skip, [AliasAs("$orderBy")] string? orderBy, [AliasAs("$top")] int? top, string? listViewType, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/environments/{name}/versions/{version}" + ArmRoutes.V)]
    Task<ArmResource<EnvironmentVersionProperties>> GetVersionAsync(string subscriptionId, string resourceGroupName, string workspaceName, string name, string version, CancellationToken cancellationToken);

    [RetrySafe("PUT of the whole resource: a replay writes the same state")]
    [Put(ArmRoutes.Workspace + "/environments/{name}/versions/{version}" + ArmRoutes.V)]
    Task<ArmResource<EnvironmentVersionProperties>> CreateOrUpdateVersionAsync(string subscriptionId, string resourceGroupName, string workspaceName, string name, string version, [Body] ArmResource<EnvironmentVersionProperties> body, CancellationToken cancellationToken);
}

/// <summary>Code containers and versions, with pending upload (a SAS for the code's blob folder).</summary>
internal interface IArmCodesApi
{
    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/codes/{name}" + ArmRoutes.V)]
    Task<ArmResource<CodeContainerProperties>> GetContainerAsync(string subscriptionId, string resourceGroupName, string workspaceName, string name, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/codes/{name}/versions/{version}" + ArmRoutes.V)]
    Task<ArmResource<CodeVersionProperties>> GetVersionAsync(string subscriptionId, string resourceGroupName, string workspaceName, string name, string version, CancellationToken cancellationToken);

    [RetrySafe("PUT of the whole resource: a replay writes the same state")]
    [Put(ArmRoutes.Workspace + "/codes/{name}/versions/{version}" + ArmRoutes.V)]
    Task<ArmResource<CodeVersionProperties>> CreateOrUpdateVersionAsync(string subscriptionId, string resourceGroupName, string workspaceName, string name, string version, [Body] ArmResource<CodeVersionProperties> body, CancellationToken cancellationToken);

    [RetrySafe("issues a SAS for the version's blob folder; a replay only issues another one")]
    [Post(ArmRoutes.Workspace + "/codes/{name}/versions/{version}/startPendingUpload" + ArmRoutes.V)]
    Task<PendingUploadResponse> StartPendingUploadAsync(string subscriptionId, string resourceGroupName, string workspaceName, string name, string version, [Body] PendingUploadRequest body, CancellationToken cancellationToken);
}

/// <summary>Data containers and versions (<c>DataContainers_*</c>, <c>DataVersions_*</c>).</summary>
internal interface IArmDataApi
{
    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/data" + ArmRoutes.V)]
    Task<ArmPage<DataContainerProperties>> ListContainersAsync(string subscriptionId, string resourceGroupName, string workspaceName, [AliasAs("$skip")] string? skip, string? listViewType, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/data/{name}" + ArmRoutes.V)]
    Task<ArmResource<DataContainerProperties>> GetContainerAsync(string subscriptionId, string resourceGroupName, string workspaceName, string name, CancellationToken cancellationToken);

    [RetrySafe("PUT of the whole resource: a replay writes the same state")]
    [Put(ArmRoutes.Workspace + "/data/{name}" + ArmRoutes.V)]
    Task<ArmResource<DataContainerProperties>> CreateOrUpdateContainerAsync(string subscriptionId, string resourceGroupName, string workspaceName, string name, [Body] ArmResource<DataContainerProperties> body, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/data/{name}/versions" + ArmRoutes.V)]
    Task<ArmPage<DataVersionProperties>> ListVersionsAsync(string subscriptionId, string resourceGroupName, string workspaceName, string name, [AliasAs("$skip")] string? skip, [AliasAs("$orderBy")] string? orderBy, [AliasAs("$top")] int? top, string? listViewType, CancellationToken cancellationToken);

    [RetrySafe("PUT of the whole resource: a replay writes the same state")]
    [Put(ArmRoutes.Workspace + "/data/{name}/versions/{version}" + ArmRoutes.V)]
    Task<ArmResource<DataVersionProperties>> CreateOrUpdateVersionAsync(string subscriptionId, string resourceGroupName, string workspaceName, string name, string version, [Body] ArmResource<DataVersionProperties> body, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/data/{name}/versions/{version}" + ArmRoutes.V)]
    Task<ArmResource<DataVersionProperties>> GetVersionAsync(string subscriptionId, string resourceGroupName, string workspaceName, string name, string version, CancellationToken cancellationToken);
}

/// <summary>Jobs: command, sweep and pipeline (<c>Jobs_Get/CreateOrUpdate/List/Cancel</c>).</summary>
internal interface IArmJobsApi
{
    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/jobs" + ArmRoutes.V)]
    Task<ArmPage<JobProperties>> ListAsync(string subscriptionId, string resourceGroupName, string workspaceName, [AliasAs("$skip")] string? skip, string? jobType, string? tag, string? listViewType, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/jobs/{id}" + ArmRoutes.V)]
    Task<ArmResource<JobProperties>> GetAsync(string subscriptionId, string resourceGroupName, string workspaceName, string id, CancellationToken cancellationToken);

    /// <summary>The same GET, answered raw: a poller reads the job and the answer's <c>Retry-After</c>.</summary>
    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/jobs/{id}" + ArmRoutes.V)]
    Task<HttpResponseMessage> GetResponseAsync(string subscriptionId, string resourceGroupName, string workspaceName, string id, CancellationToken cancellationToken);

    [RetrySafe("PUT under the client-chosen job name: a replay targets the same job, never starts a second one")]
    [Put(ArmRoutes.Workspace + "/jobs/{id}" + ArmRoutes.V)]
    Task<ArmResource<JobProperties>> CreateOrUpdateAsync(string subscriptionId, string resourceGroupName, string workspaceName, string id, [Body] ArmResource<JobProperties> body, CancellationToken cancellationToken);

    /// <summary>LRO (202 + Location).</summary>
    [RetrySafe("cancelling a job twice is cancelling it once")]
    [Post(ArmRoutes.Workspace + "/jobs/{id}/cancel" + ArmRoutes.V)]
    Task<HttpResponseMessage> CancelAsync(string subscriptionId, string resourceGroupName, string workspaceName, string id, CancellationToken cancellationToken);
}

/// <summary>Online endpoints and deployments (+ keys, token, logs). Create/update/delete are LROs.</summary>
internal interface IArmOnlineEndpointsApi
{
    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/onlineEndpoints" + ArmRoutes.V)]
    Task<ArmPage<OnlineEndpointProperties>> ListAsync(string subscriptionId, string resourceGroupName, string workspaceName, [AliasAs("$skip")] string? skip, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/onlineEndpoints/{endpointName}" + ArmRoutes.V)]
    Task<ArmResource<OnlineEndpointProperties>> GetAsync(string subscriptionId, string resourceGroupName, string workspaceName, string endpointName, CancellationToken cancellationToken);

    /// <summary>LRO (201 + Azure-AsyncOperation, final state via the original URI).</summary>
    [RetrySafe("PUT of the whole resource: a replay writes the same state")]
    [Put(ArmRoutes.Workspace + "/onlineEndpoints/{endpointName}" + ArmRoutes.V)]
    Task<HttpResponseMessage> CreateOrUpdateAsync(string subscriptionId, string resourceGroupName, string workspaceName, string endpointName, [Body] ArmResource<OnlineEndpointProperties> body, CancellationToken cancellationToken);

    /// <summary>LRO (202 + Location).</summary>
    [RetrySafe("DELETE is idempotent: ARM answers 204 for a resource already gone")]
    [Delete(ArmRoutes.Workspace + "/onlineEndpoints/{endpointName}" + ArmRoutes.V)]
    Task<HttpResponseMessage> DeleteAsync(string subscriptionId, string resourceGroupName, string workspaceName, string endpointName, CancellationToken cancellationToken);

    [RetrySafe("reads the keys; changes nothing")]
    [Post(ArmRoutes.Workspace + "/onlineEndpoints/{endpointName}/listKeys" + ArmRoutes.V)]
    Task<EndpointAuthKeys> ListKeysAsync(string subscriptionId, string resourceGroupName, string workspaceName, string endpointName, CancellationToken cancellationToken);

    /// <summary>LRO (202 + Location).</summary>
    [NotRetrySafe("each call replaces the key again: a replay after a lost reply would invalidate a key already handed out")]
    [Post(ArmRoutes.Workspace + "/onlineEndpoints/{endpointName}/regenerateKeys" + ArmRoutes.V)]
    Task<HttpResponseMessage> RegenerateKeysAsync(string subscriptionId, string resourceGroupName, string workspaceName, string endpointName, [Body] RegenerateEndpointKeysRequest body, CancellationToken cancellationToken);

    [RetrySafe("issues a token; changes nothing")]
    [Post(ArmRoutes.Workspace + "/onlineEndpoints/{endpointName}/token" + ArmRoutes.V)]
    Task<EndpointAuthToken> GetTokenAsync(string subscriptionId, string resourceGroupName, string workspaceName, string endpointName, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/onlineEndpoints/{endpointName}/deployments" + ArmRoutes.V)]
    Task<ArmPage<OnlineDeploymentProperties>> ListDeploymentsAsync(string subscriptionId, string resourceGroupName, string workspaceName, string endpointName, [AliasAs("$skip")] string? skip, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/onlineEndpoints/{endpointName}/deployments/{deploymentName}" + ArmRoutes.V)]
    Task<ArmResource<OnlineDeploymentProperties>> GetDeploymentAsync(string subscriptionId, string resourceGroupName, string workspaceName, string endpointName, string deploymentName, CancellationToken cancellationToken);

    /// <summary>LRO (201 + Azure-AsyncOperation, final state via the original URI).</summary>
    [RetrySafe("PUT of the whole resource: a replay writes the same state")]
    [Put(ArmRoutes.Workspace + "/onlineEndpoints/{endpointName}/deployments/{deploymentName}" + ArmRoutes.V)]
    Task<HttpResponseMessage> CreateOrUpdateDeploymentAsync(string subscriptionId, string resourceGroupName, string workspaceName, string endpointName, string deploymentName, [Body] ArmResource<OnlineDeploymentProperties> body, CancellationToken cancellationToken);

    /// <summary>LRO (202 + Location).</summary>
    [RetrySafe("DELETE is idempotent: ARM answers 204 for a resource already gone")]
    [Delete(ArmRoutes.Workspace + "/onlineEndpoints/{endpointName}/deployments/{deploymentName}" + ArmRoutes.V)]
    Task<HttpResponseMessage> DeleteDeploymentAsync(string subscriptionId, string resourceGroupName, string workspaceName, string endpointName, string deploymentName, CancellationToken cancellationToken);

    [RetrySafe("reads the deployment's logs; changes nothing")]
    [Post(ArmRoutes.Workspace + "/onlineEndpoints/{endpointName}/deployments/{deploymentName}/getLogs" + ArmRoutes.V)]
    Task<DeploymentLogs> GetLogsAsync(string subscriptionId, string resourceGroupName, string workspaceName, string endpointName, string deploymentName, [Body] DeploymentLogsRequest body, CancellationToken cancellationToken);
}

/// <summary>Batch endpoints and deployments. Create/update/delete are LROs.</summary>
internal interface IArmBatchEndpointsApi
{
    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/batchEndpoints" + ArmRoutes.V)]
    Task<ArmPage<BatchEndpointProperties>> ListAsync(string subscriptionId, string resourceGroupName, string workspaceName, [AliasAs("$skip")] string? skip, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/batchEndpoints/{endpointName}" + ArmRoutes.V)]
    Task<ArmResource<BatchEndpointProperties>> GetAsync(string subscriptionId, string resourceGroupName, string workspaceName, string endpointName, CancellationToken cancellationToken);

    /// <summary>LRO (201 + Azure-AsyncOperation, final state via the original URI).</summary>
    [RetrySafe("PUT of the whole resource: a replay writes the same state")]
    [Put(ArmRoutes.Workspace + "/batchEndpoints/{endpointName}" + ArmRoutes.V)]
    Task<HttpResponseMessage> CreateOrUpdateAsync(string subscriptionId, string resourceGroupName, string workspaceName, string endpointName, [Body] ArmResource<BatchEndpointProperties> body, CancellationToken cancellationToken);

    /// <summary>LRO (202 + Location).</summary>
    [RetrySafe("DELETE is idempotent: ARM answers 204 for a resource already gone")]
    [Delete(ArmRoutes.Workspace + "/batchEndpoints/{endpointName}" + ArmRoutes.V)]
    Task<HttpResponseMessage> DeleteAsync(string subscriptionId, string resourceGroupName, string workspaceName, string endpointName, CancellationToken cancellationToken);

    [RetrySafe("reads the keys; changes nothing")]
    [Post(ArmRoutes.Workspace + "/batchEndpoints/{endpointName}/listkeys" + ArmRoutes.V)]
    Task<EndpointAuthKeys> ListKeysAsync(string subscriptionId, string resourceGroupName, string workspaceName, string endpointName, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/batchEndpoints/{endpointName}/deployments" + ArmRoutes.V)]
    Task<ArmPage<BatchDeploymentProperties>> ListDeploymentsAsync(string subscriptionId, string resourceGroupName, string workspaceName, string endpointName, [AliasAs("$skip")] string? skip, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get(ArmRoutes.Workspace + "/batchEndpoints/{endpointName}/deployments/{deploymentName}" + ArmRoutes.V)]
    Task<ArmResource<BatchDeploymentProperties>> GetDeploymentAsync(string subscriptionId, string resourceGroupName, string workspaceName, string endpointName, string deploymentName, CancellationToken cancellationToken);

    /// <summary>LRO (201 + Azure-AsyncOperation, final state via the original URI).</summary>
    [RetrySafe("PUT of the whole resource: a replay writes the same state")]
    [Put(ArmRoutes.Workspace + "/batchEndpoints/{endpointName}/deployments/{deploymentName}" + ArmRoutes.V)]
    Task<HttpResponseMessage> CreateOrUpdateDeploymentAsync(string subscriptionId, string resourceGroupName, string workspaceName, string endpointName, string deploymentName, [Body] ArmResource<BatchDeploymentProperties> body, CancellationToken cancellationToken);

    /// <summary>LRO (202 + Location).</summary>
    [RetrySafe("DELETE is idempotent: ARM answers 204 for a resource already gone")]
    [Delete(ArmRoutes.Workspace + "/batchEndpoints/{endpointName}/deployments/{deploymentName}" + ArmRoutes.V)]
    Task<HttpResponseMessage> DeleteDeploymentAsync(string subscriptionId, string resourceGroupName, string workspaceName, string endpointName, string deploymentName, CancellationToken cancellationToken);
}
