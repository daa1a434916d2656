namespace AzureMlSdk;

/// <summary>A deployment of an online endpoint: one model version served by one scorer. Properties describe it as last read.</summary>
public class OnlineDeployment
{
    private readonly OnlineEndpoint _endpoint = null!;
    private OnlineDeploymentData _data = null!;

    /// <summary>For mocking only.</summary>
    protected OnlineDeployment() { }

    internal OnlineDeployment(OnlineEndpoint endpoint, OnlineDeploymentData data)
    {
        _endpoint = endpoint;
        _data = data;
    }

    /// <summary>The deployment name.</summary>
    public virtual string Name => _data.Name;

    /// <summary>The endpoint's name.</summary>
    public virtual string EndpointName => _data.EndpointName;

    /// <summary>The endpoint.</summary>
    public virtual OnlineEndpoint Endpoint => _endpoint;

    /// <summary>The served model's name.</summary>
    public virtual string ModelName => _data.ModelName;

    /// <summary>The served model's version.</summary>
    public virtual int ModelVersion => _data.ModelVersion;

    /// <summary>Instances.</summary>
    public virtual int InstanceCount => _data.InstanceCount;

    /// <summary>Instance type, when known.</summary>
    public virtual string? InstanceType => _data.InstanceType;

    /// <summary>Concurrency limit and timeout.</summary>
    public virtual OnlineRequestSettings RequestSettings => _data.RequestSettings;

    /// <summary>Environment variables.</summary>
    public virtual IReadOnlyDictionary<string, string> EnvironmentVariables => _data.EnvironmentVariables;

    /// <summary>Liveness probe settings, when set.</summary>
    public virtual ProbeSettings? LivenessProbe => _data.LivenessProbe;

    /// <summary>Readiness probe settings, when set.</summary>
    public virtual ProbeSettings? ReadinessProbe => _data.ReadinessProbe;

    /// <summary>The provisioning state.</summary>
    public virtual ProvisioningState ProvisioningState => _data.ProvisioningState;

    /// <summary>Description.</summary>
    public virtual string? Description => _data.Description;

    /// <summary>Posts a request to this deployment only (the <c>azureml-model-deployment</c> header).</summary>
    public virtual Task<string> InvokeAsync(string requestJson, CancellationToken cancellationToken = default) =>
        _endpoint.InvokeAsync(requestJson, Name, cancellationToken);

    /// <summary>The last <paramref name="tail"/> lines of the deployment's logs.</summary>
    public virtual Task<string> GetLogsAsync(int tail = 100, CancellationToken cancellationToken = default) =>
        _endpoint.GetLogsAsync(Name, tail, cancellationToken);

    /// <summary>Deletes the deployment; it must receive no traffic (set its weight to 0 first).</summary>
    public virtual async Task DeleteAsync(IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        await using var ordered = OrderedProgress<string>.Wrap(progress);
        await _endpoint.Workspace.Backend.Endpoints.DeleteDeploymentAsync(EndpointName, Name, ordered.Progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reloads the deployment.</summary>
    public virtual async Task RefreshAsync(CancellationToken cancellationToken = default) =>
        _data = await _endpoint.Workspace.Backend.Endpoints.GetDeploymentAsync(EndpointName, Name, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public override string ToString() => $"{EndpointName}/{Name} ({ModelName}:{ModelVersion})";
}
