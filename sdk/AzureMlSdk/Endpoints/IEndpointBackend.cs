using AzureMlSdk.Backends;

namespace AzureMlSdk.Endpoints;

/// <summary>
/// Online endpoints contract, with ARM <c>Microsoft.MachineLearningServices</c> semantics: an endpoint (auth mode,
/// keys, scoring URI, traffic split) holds deployments (a model version, its scorer, instance count, request
/// settings). Create, update and delete are long-running: they report progress and return once the resource
/// has reached a final provisioning state (throwing when that state is <see cref="ProvisioningState.Failed"/>).
/// </summary>
public interface IEndpointBackend
{
    /// <summary>Creates the endpoint, or updates auth mode, description, tags and traffic of an existing one.</summary>
    Task<OnlineEndpointData> CreateOrUpdateEndpointAsync(OnlineEndpointSpec spec, IProgress<string>? progress, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<OnlineEndpointData>(this, nameof(CreateOrUpdateEndpointAsync));

    /// <summary>Gets an endpoint; throws <see cref="ResourceNotFoundException"/>.</summary>
    Task<OnlineEndpointData> GetEndpointAsync(string endpointName, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<OnlineEndpointData>(this, nameof(GetEndpointAsync));

    /// <summary>Lists the workspace's endpoints, by name.</summary>
    Task<IReadOnlyList<OnlineEndpointData>> ListEndpointsAsync(CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<IReadOnlyList<OnlineEndpointData>>(this, nameof(ListEndpointsAsync));

    /// <summary>Deletes an endpoint and its deployments; serving stops before this returns. Throws <see cref="ResourceNotFoundException"/>.</summary>
    Task DeleteEndpointAsync(string endpointName, IProgress<string>? progress, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported(this, nameof(DeleteEndpointAsync));

    /// <summary>Creates or replaces a deployment; returns once it serves (or throws, leaving it <see cref="ProvisioningState.Failed"/>).</summary>
    Task<OnlineDeploymentData> CreateOrUpdateDeploymentAsync(string endpointName, OnlineDeploymentSpec spec, IProgress<string>? progress, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<OnlineDeploymentData>(this, nameof(CreateOrUpdateDeploymentAsync));

    /// <summary>Gets a deployment; throws <see cref="ResourceNotFoundException"/>.</summary>
    Task<OnlineDeploymentData> GetDeploymentAsync(string endpointName, string deploymentName, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<OnlineDeploymentData>(this, nameof(GetDeploymentAsync));

    /// <summary>Lists an endpoint's deployments, by name.</summary>
    Task<IReadOnlyList<OnlineDeploymentData>> ListDeploymentsAsync(string endpointName, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<IReadOnlyList<OnlineDeploymentData>>(this, nameof(ListDeploymentsAsync));

    /// <summary>Deletes a deployment that receives no traffic; throws <see cref="InvalidStateException"/> while it does.</summary>
    Task DeleteDeploymentAsync(string endpointName, string deploymentName, IProgress<string>? progress, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported(this, nameof(DeleteDeploymentAsync));

    /// <summary>Replaces the traffic split (already validated: known deployments, 0..100, summing to 100 or all zero).</summary>
    Task<OnlineEndpointData> SetTrafficAsync(string endpointName, IReadOnlyDictionary<string, int> traffic, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<OnlineEndpointData>(this, nameof(SetTrafficAsync));

    /// <summary>The endpoint's keys (ARM <c>listKeys</c>); throws <see cref="InvalidStateException"/> for a token-auth endpoint.</summary>
    Task<EndpointKeys> GetKeysAsync(string endpointName, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<EndpointKeys>(this, nameof(GetKeysAsync));

    /// <summary>Regenerates one key (ARM <c>regenerateKeys</c>), or sets it to <paramref name="keyValue"/> when given.</summary>
    Task<EndpointKeys> RegenerateKeyAsync(string endpointName, EndpointKeyType keyType, string? keyValue, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<EndpointKeys>(this, nameof(RegenerateKeyAsync));

    /// <summary>A scoring token for an <see cref="EndpointAuthMode.AmlToken"/> endpoint (ARM <c>token</c>).</summary>
    Task<EndpointToken> GetTokenAsync(string endpointName, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<EndpointToken>(this, nameof(GetTokenAsync));

    /// <summary>The last <paramref name="tail"/> lines of a deployment's inference server log (ARM <c>getLogs</c>).</summary>
    Task<string> GetLogsAsync(string endpointName, string deploymentName, int tail, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<string>(this, nameof(GetLogsAsync));

    /// <summary>
    /// Posts <paramref name="requestJson"/> to the endpoint's scoring URI with the endpoint's credentials, pinned to
    /// <paramref name="deploymentName"/> when given (<c>azureml-model-deployment</c> header); returns the response body.
    /// Non-success answers raise the matching <see cref="AzureMlException"/> (400 <see cref="InvalidInputException"/>,
    /// 401 <see cref="AzureMlAuthenticationException"/>, 408/429/503 <see cref="ServiceUnavailableException"/>…).
    /// </summary>
    Task<string> InvokeAsync(string endpointName, string requestJson, string? deploymentName, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<string>(this, nameof(InvokeAsync));

    // ---- batch endpoints (ARM batchEndpoints / batchDeployments) ----

    /// <summary>Creates or updates a batch endpoint (long-running remotely: <paramref name="progress"/> hears its provisioning states).</summary>
    Task<BatchEndpointData> CreateOrUpdateBatchEndpointAsync(BatchEndpointSpec spec, IProgress<string>? progress, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<BatchEndpointData>(this, nameof(CreateOrUpdateBatchEndpointAsync));

    /// <summary>Gets a batch endpoint; throws <see cref="ResourceNotFoundException"/>.</summary>
    Task<BatchEndpointData> GetBatchEndpointAsync(string endpointName, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<BatchEndpointData>(this, nameof(GetBatchEndpointAsync));

    /// <summary>The workspace's batch endpoints, ordered by name.</summary>
    Task<IReadOnlyList<BatchEndpointData>> ListBatchEndpointsAsync(CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<IReadOnlyList<BatchEndpointData>>(this, nameof(ListBatchEndpointsAsync));

    /// <summary>Gets a batch deployment; throws <see cref="ResourceNotFoundException"/> (for the endpoint or the deployment).</summary>
    Task<BatchDeploymentData> GetBatchDeploymentAsync(string endpointName, string deploymentName, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<BatchDeploymentData>(this, nameof(GetBatchDeploymentAsync));

    /// <summary>A batch endpoint's deployments, ordered by name; throws <see cref="ResourceNotFoundException"/> for an unknown endpoint.</summary>
    Task<IReadOnlyList<BatchDeploymentData>> ListBatchDeploymentsAsync(string endpointName, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<IReadOnlyList<BatchDeploymentData>>(this, nameof(ListBatchDeploymentsAsync));

    /// <summary>Deletes a batch endpoint and its deployments; throws <see cref="ResourceNotFoundException"/>.</summary>
    Task DeleteBatchEndpointAsync(string endpointName, IProgress<string>? progress, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported(this, nameof(DeleteBatchEndpointAsync));

    /// <summary>Creates or replaces a batch deployment; the first one (or <paramref name="makeDefault"/>) becomes the endpoint's default.</summary>
    Task<BatchEndpointData> CreateOrUpdateBatchDeploymentAsync(string endpointName, BatchDeploymentSpec spec, bool makeDefault, IProgress<string>? progress, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<BatchEndpointData>(this, nameof(CreateOrUpdateBatchDeploymentAsync));

    /// <summary>
    /// Scores every <c>.csv</c> / <c>.jsonl</c> / <c>.parquet</c> file (or an MLTable folder's files) under <paramref name="inputPath"/> (a file or folder) with a deployment
    /// (the default when null) as a job run; returns once the job has ended.
    /// </summary>
    Task<BatchScoringResult> InvokeBatchEndpointAsync(string endpointName, string? deploymentName, string inputPath, IProgress<BatchScoringProgress>? progress, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<BatchScoringResult>(this, nameof(InvokeBatchEndpointAsync));
}

/// <summary>A batch endpoint as the backend knows it.</summary>
/// <param name="Name">Endpoint name.</param>
/// <param name="Description">Description.</param>
/// <param name="DefaultDeployment">The deployment used when an invocation names none.</param>
/// <param name="Deployments">Deployment names.</param>
public sealed record BatchEndpointData(string Name, string? Description, string? DefaultDeployment, IReadOnlyList<string> Deployments);

/// <summary>An online endpoint as the backend knows it (ARM <c>OnlineEndpoint</c> properties).</summary>
/// <param name="Name">Endpoint name.</param>
/// <param name="AuthMode">Auth mode.</param>
/// <param name="ScoringUri">The scoring URI (<c>…/score</c>).</param>
/// <param name="SwaggerUri">The OpenAPI document's URI (<c>…/swagger.json</c>).</param>
/// <param name="Traffic">Percent of traffic per deployment.</param>
/// <param name="ProvisioningState">Provisioning state.</param>
/// <param name="Description">Description.</param>
/// <param name="Tags">Tags.</param>
public sealed record OnlineEndpointData(
    string Name,
    EndpointAuthMode AuthMode,
    Uri? ScoringUri,
    Uri? SwaggerUri,
    IReadOnlyDictionary<string, int> Traffic,
    ProvisioningState ProvisioningState,
    string? Description,
    IReadOnlyDictionary<string, string> Tags);

/// <summary>An online deployment as the backend knows it (ARM <c>OnlineDeployment</c> properties).</summary>
/// <param name="EndpointName">The endpoint.</param>
/// <param name="Name">Deployment name.</param>
/// <param name="ModelName">The served model's name.</param>
/// <param name="ModelVersion">The served model's version.</param>
/// <param name="InstanceCount">Instances.</param>
/// <param name="InstanceType">Instance type, when known.</param>
/// <param name="RequestSettings">Concurrency limit and timeout.</param>
/// <param name="EnvironmentVariables">Environment variables.</param>
/// <param name="ProvisioningState">Provisioning state.</param>
/// <param name="Description">Description.</param>
/// <param name="LivenessProbe">Liveness probe, when set.</param>
/// <param name="ReadinessProbe">Readiness probe, when set.</param>
public sealed record OnlineDeploymentData(
    string EndpointName,
    string Name,
    string ModelName,
    int ModelVersion,
    int InstanceCount,
    string? InstanceType,
    OnlineRequestSettings RequestSettings,
    IReadOnlyDictionary<string, string> EnvironmentVariables,
    ProvisioningState ProvisioningState,
    string? Description,
    ProbeSettings? LivenessProbe,
    ProbeSettings? ReadinessProbe);
