namespace AzureMlSdk;

/// <summary>
/// One deployment of a <see cref="BatchEndpoint"/> (azure-ai-ml's <c>BatchDeployment</c>): a model version and how its jobs cut and
/// score the input. Get it with <see cref="BatchEndpoint.GetDeploymentAsync"/> or <see cref="BatchEndpoint.ListDeploymentsAsync"/>.
/// </summary>
public class BatchDeployment
{
    private readonly BatchEndpoint _endpoint = null!;
    private BatchDeploymentData _data = null!;

    /// <summary>For mocking only.</summary>
    protected BatchDeployment() { }

    internal BatchDeployment(BatchEndpoint endpoint, BatchDeploymentData data)
    {
        _endpoint = endpoint;
        _data = data;
    }

    /// <summary>The endpoint's name.</summary>
    public virtual string EndpointName => _data.EndpointName;

    /// <summary>The deployment name.</summary>
    public virtual string Name => _data.Name;

    /// <summary>The model's name.</summary>
    public virtual string ModelName => _data.ModelName;

    /// <summary>The model's version.</summary>
    public virtual int ModelVersion => _data.ModelVersion;

    /// <summary>Rows per scoring call (ARM <c>miniBatchSize</c>).</summary>
    public virtual int MiniBatchSize => _data.MiniBatchSize;

    /// <summary>Mini-batches scored at once (ARM <c>maxConcurrencyPerInstance</c>).</summary>
    public virtual int MaxConcurrency => _data.MaxConcurrency;

    /// <summary>Failed rows tolerated before a job fails (-1: any number).</summary>
    public virtual int ErrorThreshold => _data.ErrorThreshold;

    /// <summary>The predictions file's name under a job run's <c>outputs/</c>.</summary>
    public virtual string OutputFileName => _data.OutputFileName;

    /// <summary>Provisioning state.</summary>
    public virtual ProvisioningState ProvisioningState => _data.ProvisioningState;

    /// <summary>Description.</summary>
    public virtual string? Description => _data.Description;

    /// <summary>The compute cluster that runs its jobs on Azure ML; null on a local workspace.</summary>
    public virtual string? Compute => _data.Compute;

    /// <summary>True when it is the endpoint's default deployment (as of the endpoint's last load).</summary>
    public virtual bool IsDefault => string.Equals(_endpoint.DefaultDeployment, Name, StringComparison.OrdinalIgnoreCase);

    /// <summary>The endpoint.</summary>
    public virtual BatchEndpoint Endpoint => _endpoint;

    /// <summary>Scores <paramref name="inputPath"/> with this deployment (see <see cref="BatchEndpoint.InvokeAsync"/>).</summary>
    public virtual Task<BatchScoringResult> InvokeAsync(string inputPath, IProgress<BatchScoringProgress>? progress = null, CancellationToken cancellationToken = default) =>
        _endpoint.InvokeAsync(inputPath, Name, progress, cancellationToken);

    /// <summary>Reloads the deployment.</summary>
    public virtual async Task RefreshAsync(CancellationToken cancellationToken = default) =>
        _data = await _endpoint.Workspace.Backend.Endpoints.GetBatchDeploymentAsync(EndpointName, Name, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public override string ToString() => $"{EndpointName}/{Name} ({ModelName}:{ModelVersion})";
}
