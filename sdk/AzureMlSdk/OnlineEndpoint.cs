using System.Runtime.CompilerServices;
using System.Text.Json;

namespace AzureMlSdk;

/// <summary>
/// An online endpoint: a stable scoring URI with keys, in front of deployments that share its traffic by weight.
/// Properties describe the endpoint as last read (<see cref="RefreshAsync"/> reloads it); verbs change it and refresh
/// this object. On a local workspace the endpoint is served in-process on Kestrel (127.0.0.1) until it is deleted
/// or the workspace is disposed.
/// </summary>
public class OnlineEndpoint
{
    /// <summary>The request header that pins a request to one deployment, whatever the traffic split.</summary>
    public const string DeploymentHeader = "azureml-model-deployment";

    private static readonly JsonSerializerOptions DefaultJson = new(JsonSerializerDefaults.Web);

    private readonly Workspace _workspace = null!;
    private OnlineEndpointData _data = null!;

    /// <summary>For mocking only.</summary>
    protected OnlineEndpoint() { }

    internal OnlineEndpoint(Workspace workspace, OnlineEndpointData data)
    {
        _workspace = workspace;
        _data = data;
    }

    private IEndpointBackend Backend => _workspace.Backend.Endpoints;

    /// <summary>The endpoint name.</summary>
    public virtual string Name => _data.Name;

    /// <summary>How callers authenticate.</summary>
    public virtual EndpointAuthMode AuthMode => _data.AuthMode;

    /// <summary>Where to post scoring requests (<c>http://127.0.0.1:&lt;port&gt;/score</c> locally).</summary>
    public virtual Uri? ScoringUri => _data.ScoringUri;

    /// <summary>The OpenAPI (Swagger 2.0) document describing the scoring request and response.</summary>
    public virtual Uri? SwaggerUri => _data.SwaggerUri;

    /// <summary>Percent of traffic per deployment.</summary>
    public virtual IReadOnlyDictionary<string, int> Traffic => _data.Traffic;

    /// <summary>The provisioning state.</summary>
    public virtual ProvisioningState ProvisioningState => _data.ProvisioningState;

    /// <summary>Description.</summary>
    public virtual string? Description => _data.Description;

    /// <summary>Tags.</summary>
    public virtual IReadOnlyDictionary<string, string> Tags => _data.Tags;

    /// <summary>The workspace.</summary>
    public virtual Workspace Workspace => _workspace;

    /// <summary>
    /// Creates or replaces the deployment <see cref="OnlineDeploymentSpec.Name"/>: fetches the model version's files,
    /// starts its scorer and returns once it serves. Traffic is left alone unless <see cref="OnlineDeploymentSpec.AllTraffic"/> is set;
    /// a deployment is always reachable with the <see cref="DeploymentHeader"/> header.
    /// </summary>
    /// <param name="spec">The deployment.</param>
    /// <param name="progress">Receives provisioning steps.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public virtual async Task<OnlineDeployment> DeployAsync(OnlineDeploymentSpec spec, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        await Workspace.RequireModelVersionAsync(spec.ModelName, spec.ModelVersion, $"online deployment '{Name}/{spec.Name}'", cancellationToken).ConfigureAwait(false);
        OnlineDeploymentData data;
        await using (var ordered = OrderedProgress<string>.Wrap(progress))
        {
            data = await Backend.CreateOrUpdateDeploymentAsync(Name, spec, ordered.Progress, cancellationToken).ConfigureAwait(false);
        }
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        return new OnlineDeployment(this, data);
    }

    /// <summary>Gets a deployment; throws <see cref="ResourceNotFoundException"/>.</summary>
    public virtual async Task<OnlineDeployment> GetDeploymentAsync(string deploymentName, CancellationToken cancellationToken = default)
    {
        Validate.DeploymentName(deploymentName, nameof(deploymentName));
        return new OnlineDeployment(this, await Backend.GetDeploymentAsync(Name, deploymentName, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Lists the endpoint's deployments, by name.</summary>
    public virtual async IAsyncEnumerable<OnlineDeployment> ListDeploymentsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var data in await Backend.ListDeploymentsAsync(Name, cancellationToken).ConfigureAwait(false))
        {
            yield return new OnlineDeployment(this, data);
        }
    }

    /// <summary>
    /// Splits traffic between deployments by percent, e.g. <c>{ ["blue"] = 90, ["green"] = 10 }</c>. Every name must be a
    /// deployment of this endpoint, every weight 0 to 100, and the weights must sum to 100 (or all be zero).
    /// Deployments left out receive none.
    /// </summary>
    public virtual async Task SetTrafficAsync(IReadOnlyDictionary<string, int> traffic, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(traffic);
        EndpointTraffic.ValidateShape(traffic, nameof(traffic));
        var deployments = await Backend.ListDeploymentsAsync(Name, cancellationToken).ConfigureAwait(false);
        EndpointTraffic.Resolve(Name, traffic, deployments.Select(d => d.Name).ToList(), nameof(traffic));
        _data = await Backend.SetTrafficAsync(Name, traffic, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Posts <paramref name="requestJson"/> to <see cref="ScoringUri"/> with the endpoint's key or token and returns the
    /// response body. With <paramref name="deploymentName"/> the request goes to that deployment whatever the traffic split.
    /// Errors: 400 <see cref="InvalidInputException"/> (the message names the bad input), 401 <see cref="AzureMlAuthenticationException"/>,
    /// 408/429/503 <see cref="ServiceUnavailableException"/>, others <see cref="AzureMlException"/>.
    /// </summary>
    public virtual Task<string> InvokeAsync(string requestJson, string? deploymentName = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requestJson);
        if (deploymentName is not null)
        {
            Validate.DeploymentName(deploymentName, nameof(deploymentName));
        }
        return Backend.InvokeAsync(Name, requestJson, deploymentName, cancellationToken);
    }

    /// <summary>Typed <see cref="InvokeAsync(string, string?, CancellationToken)"/>: serializes <paramref name="request"/> and deserializes the reply (web defaults: camelCase, case-insensitive) unless <paramref name="jsonOptions"/> says otherwise.</summary>
    public virtual async Task<TResponse> InvokeAsync<TRequest, TResponse>(TRequest request, string? deploymentName = null, JsonSerializerOptions? jsonOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var options = jsonOptions ?? DefaultJson;
        var reply = await InvokeAsync(JsonSerializer.Serialize(request, options), deploymentName, cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize<TResponse>(reply, options)
                ?? throw new AzureMlException($"Endpoint '{Name}' answered 'null', which is not a {typeof(TResponse).Name}.");
        }
        catch (JsonException ex)
        {
            throw new AzureMlException($"Endpoint '{Name}' answered JSON that does not fit {typeof(TResponse).Name}: {ex.Message} Reply: {Validate.Shorten(reply)}", innerException: ex);
        }
    }

    /// <summary>The endpoint's keys (for <see cref="EndpointAuthMode.Key"/> endpoints).</summary>
    public virtual Task<EndpointKeys> GetKeysAsync(CancellationToken cancellationToken = default) =>
        Backend.GetKeysAsync(Name, cancellationToken);

    /// <summary>Regenerates the primary or secondary key (or sets it to <paramref name="keyValue"/>); the old value stops working at once.</summary>
    public virtual Task<EndpointKeys> RegenerateKeysAsync(EndpointKeyType keyType, string? keyValue = null, CancellationToken cancellationToken = default)
    {
        if (keyValue is not null && keyValue.Length < 16)
        {
            throw new InvalidInputException("A key must be at least 16 characters long.", nameof(keyValue));
        }
        return Backend.RegenerateKeyAsync(Name, keyType, keyValue, cancellationToken);
    }

    /// <summary>A scoring token (for <see cref="EndpointAuthMode.AmlToken"/> endpoints).</summary>
    public virtual Task<EndpointToken> GetTokenAsync(CancellationToken cancellationToken = default) =>
        Backend.GetTokenAsync(Name, cancellationToken);

    /// <summary>The last <paramref name="tail"/> lines of a deployment's logs.</summary>
    public virtual Task<string> GetLogsAsync(string deploymentName, int tail = 100, CancellationToken cancellationToken = default)
    {
        Validate.DeploymentName(deploymentName, nameof(deploymentName));
        if (tail < 1)
        {
            throw new InvalidInputException($"tail must be at least 1; got {tail}.", nameof(tail));
        }
        return Backend.GetLogsAsync(Name, deploymentName, tail, cancellationToken);
    }

    /// <summary>Deletes the endpoint and its deployments; it stops serving before this returns.</summary>
    public virtual async Task DeleteAsync(IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        await using var ordered = OrderedProgress<string>.Wrap(progress);
        await Backend.DeleteEndpointAsync(Name, ordered.Progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reloads the endpoint.</summary>
    public virtual async Task RefreshAsync(CancellationToken cancellationToken = default) =>
        _data = await Backend.GetEndpointAsync(Name, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({ScoringUri})";
}
