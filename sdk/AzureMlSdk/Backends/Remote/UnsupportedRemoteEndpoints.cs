namespace AzureMlSdk.Backends.Remote;

/// <summary>
/// Endpoints on a plain MLflow tracking server (no ARM behind it): every call says they need an Azure ML workspace,
/// with a typed error. Azure ML workspaces use <see cref="Arm.RemoteEndpointBackend"/>.
/// </summary>
internal sealed class UnsupportedRemoteEndpoints(Uri trackingUri) : IEndpointBackend
{
    private Task<T> No<T>() => Task.FromException<T>(Error());

    private Task No() => Task.FromException(Error());

    private AzureMlNotSupportedException Error() =>
        new($"Endpoints are not supported on a plain MLflow tracking server ({trackingUri.Host}); open an Azure ML workspace (or the Emulator), or use Workspace.Local() to deploy and serve models locally.");

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
    public Task DeleteBatchEndpointAsync(string endpointName, IProgress<string>? progress, CancellationToken cancellationToken) => No();
    public Task<BatchEndpointData> CreateOrUpdateBatchDeploymentAsync(string endpointName, BatchDeploymentSpec spec, bool makeDefault, IProgress<string>? progress, CancellationToken cancellationToken) => No<BatchEndpointData>();
    public Task<BatchScoringResult> InvokeBatchEndpointAsync(string endpointName, string? deploymentName, string inputPath, IProgress<BatchScoringProgress>? progress, CancellationToken cancellationToken) => No<BatchScoringResult>();
}
