namespace AzureMlSdk.Endpoints;

/// <summary>
/// Endpoints a workspace cannot have: every call fails with the <see cref="AzureMlNotSupportedException"/> that
/// <paramref name="error"/> builds (saying why, and what to do instead).
/// </summary>
internal class NotSupportedEndpoints(Func<AzureMlNotSupportedException> error) : IEndpointBackend
{
    private Task<T> No<T>() => Task.FromException<T>(error());

    private Task No() => Task.FromException(error());

    public Task<OnlineEndpointData> CreateOrUpdateEndpointAsync(OnlineEndpointSpec spec, IProgress<string>? progress, CancellationToken cancellationToken) => No<OnlineEndpointData>();
    public Task<OnlineEndpointData> GetEndpointAsync(string endpointName, CancellationToken cancellationToken) => No<OnlineEndpointData>();
    public Task<IReadOnlyList<OnlineEndpointData>> ListEndpointsAsync(CancellationToken cancellationToken) => No<IReadOnlyList<OnlineEndpointData>>();
    public Task DeleteEndpointAsync(string endpointName, IProgress<string>? progress, CancellationToken cancellationToken) => No();
    public Task<OnlineDeploymentData> CreateOrUpdateDeploymentAsync(string endpointName, OnlineDeploymentSpec spec, IProgress<string>? progress, CancellationToken cancellationToken) => No<OnlineDeploymentData>();
    public Task<OnlineDeploymentData> GetDeploymentAsync(string endpointName, string deploymentName, CancellationToken cancellationToken) => No<OnlineDeploymentData>();
    public Task<IReadOnlyList<OnlineDeploymentData>> ListDeploymentsAsync(string endpointName, CancellationToken cancellationToken) => No<IReadOnlyList<OnlineDeploymentData>>();
    public Task DeleteDeploymentAsync(string endpointName, string deploymentName, IProgress<string>? progress, CancellationToken cancellationToken) => No();
    public Task<OnlineEndpointData> SetTrafficAsync(string endpointName, IReadOnlyDictionary<string, int> traffic, CancellationToken cancellationToken) => No<OnlineEndpointData>();
    public Task<EndpointKeys> GetKeysAsync(string endpointName, CancellationToken cancellationToken) => No<EndpointKeys>();
    public Task<EndpointKeys> RegenerateKeyAsync(string endpointName, EndpointKeyType keyType, string? keyValue, CancellationToken cancellationToken) => No<EndpointKeys>();
    public Task<EndpointToken> GetTokenAsync(string endpointName, CancellationToken cancellationToken) => No<EndpointToken>();
    public Task<string> GetLogsAsync(string endpointName, string deploymentName, int tail, CancellationToken cancellationToken) => No<string>();
    public Task<string> InvokeAsync(string endpointName, string requestJson, string? deploymentName, CancellationToken cancellationToken) => No<string>();
    public Task<BatchEndpointData> CreateOrUpdateBatchEndpointAsync(BatchEndpointSpec spec, IProgress<string>? progress, CancellationToken cancellationToken) => No<BatchEndpointData>();
    public Task<BatchEndpointData> GetBatchEndpointAsync(string endpointName, CancellationToken cancellationToken) => No<BatchEndpointData>();
    public Task<IReadOnlyList<BatchEndpointData>> ListBatchEndpointsAsync(CancellationToken cancellationToken) => No<IReadOnlyList<BatchEndpointData>>();
    public Task<BatchDeploymentData> GetBatchDeploymentAsync(string endpointName, string deploymentName, CancellationToken cancellationToken) => No<BatchDeploymentData>();
    public Task<IReadOnlyList<BatchDeploymentData>> ListBatchDeploymentsAsync(string endpointName, CancellationToken cancellationToken) => No<IReadOnlyList<BatchDeploymentData>>();
    public Task DeleteBatchEndpointAsync(string endpointName, IProgress<string>? progress, CancellationToken cancellationToken) => No();
    public Task<BatchEndpointData> CreateOrUpdateBatchDeploymentAsync(string endpointName, BatchDeploymentSpec spec, bool makeDefault, IProgress<string>? progress, CancellationToken cancellationToken) => No<BatchEndpointData>();
    public Task<BatchScoringResult> InvokeBatchEndpointAsync(string endpointName, string? deploymentName, string inputPath, IProgress<BatchScoringProgress>? progress, CancellationToken cancellationToken) => No<BatchScoringResult>();
}
