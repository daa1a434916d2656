using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;
using AzureMlSdk.Backends.Remote.Auth;
using AzureMlSdk.Backends.Remote.Blob;
using AzureMlSdk.Backends.Remote.Http;
using AzureMlSdk.Backends.Remote.Scoring;

namespace AzureMlSdk.Backends.Remote.Arm;

/// <summary>
/// <see cref="IEndpointBackend"/> on ARM online endpoints and deployments (api-version <see cref="ArmRoutes.ApiVersion"/>).
/// <list type="bullet">
/// <item>Create/update and delete are ARM long-running operations, polled by <see cref="ArmLongRunningOperation"/>; the
/// provisioning state and each polled status are reported through the caller's progress.</item>
/// <item>A deployment is a <c>ManagedOnlineDeployment</c> whose <c>model</c> is the ARM id of the model version, with the
/// instance count in <c>sku.capacity</c> (<c>Default</c> scale settings) and ISO 8601 request timeouts.</item>
/// <item>Traffic is the endpoint's <c>traffic</c> property: the endpoint is read and PUT back with the new split (ARM's PATCH
/// takes only tags and identity).</item>
/// <item>Invocations POST to the endpoint's <c>scoringUri</c> with its primary key, an AML token (ARM <c>token</c>) or, for an
/// <c>AADToken</c> endpoint, a Microsoft Entra token for <see cref="WorkspaceOptions.MachineLearningTokenScope"/> as a bearer credential,
/// on a client of their own without the ARM token. Keys and tokens are cached, refetched once on a 401/403, and never written to
/// logs or exception messages.</item>
/// <item>Batch endpoints are delegated to <see cref="RemoteBatchEndpoints"/> (ARM batchEndpoints/batchDeployments, jobs started
/// through the endpoint's scoring URI).</item>
/// </list>
/// </summary>
internal sealed partial class RemoteEndpointBackend(
    IArmOnlineEndpointsApi api,
    ArmLongRunningOperation lro,
    WorkspaceCoordinates ws,
    string? location,
    WorkspaceOptions options,
    Func<Uri, HttpClient> scoringClient,
    AccessTokenCache machineLearningTokens,
    RemoteBatchEndpoints batch) : IEndpointBackend, IDisposable
{
    private readonly ConcurrentDictionary<string, ScoringTarget> _targets = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, (HttpClient Http, ScoringClient Client)> _scoringClients = new(StringComparer.OrdinalIgnoreCase);
    private bool _disposed;

    // ---- endpoints ----

    public async Task<OnlineEndpointData> CreateOrUpdateEndpointAsync(OnlineEndpointSpec spec, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        progress = ArmProgress.Distinct(progress);
        var existing = await TryGetEndpointAsync(spec.Name, cancellationToken).ConfigureAwait(false);
        Dictionary<string, int>? traffic = existing?.Properties?.Traffic;
        if (spec.Traffic is not null)
        {
            if (existing is null)
            {
                EndpointTraffic.ValidateShape(spec.Traffic, nameof(spec.Traffic));
                if (spec.Traffic.Values.Any(v => v > 0))
                {
                    throw new InvalidInputException($"Endpoint '{spec.Name}' has no deployments yet, so traffic cannot name any ({string.Join(", ", spec.Traffic.Keys)}); deploy first, then set traffic.", nameof(spec.Traffic));
                }
                traffic = [];
            }
            else
            {
                var deployments = await ListDeploymentNamesAsync(spec.Name, cancellationToken).ConfigureAwait(false);
                traffic = EndpointTraffic.Resolve(spec.Name, spec.Traffic, deployments, nameof(spec.Traffic));
            }
        }

        var body = BuildEndpointBody(existing, spec, traffic, location);
        var state = existing is null ? ProvisioningState.Creating : ProvisioningState.Updating;
        progress?.Report($"Endpoint '{spec.Name}': {state}");
        var final = await PutEndpointAsync(spec.Name, body, progress, cancellationToken).ConfigureAwait(false);
        _targets.TryRemove(spec.Name, out _);
        return final;
    }

    /// <summary>The endpoint PUT body: the existing resource with the spec applied (so what the SDK does not model is kept), or a new one.</summary>
    internal static ArmResource<OnlineEndpointProperties> BuildEndpointBody(ArmResource<OnlineEndpointProperties>? existing, OnlineEndpointSpec spec, Dictionary<string, int>? traffic, string? location)
    {
        var resource = existing ?? new ArmResource<OnlineEndpointProperties>
        {
            Location = location ?? throw new InvalidStateException($"Endpoint '{spec.Name}' cannot be created: the workspace reports no location (Azure region)."),
        };
        var properties = resource.Properties ?? new OnlineEndpointProperties();
        properties.AuthMode = ToArm(spec.AuthMode);
        properties.Description = spec.Description ?? properties.Description;
        properties.Traffic = traffic ?? [];
        ClearReadOnly(properties);
        resource.Properties = properties;
        if (spec.Tags is not null)
        {
            resource.Tags = new Dictionary<string, string>(spec.Tags, StringComparer.Ordinal);
        }
        ClearReadOnly(resource);
        return resource;
    }

    public async Task<OnlineEndpointData> GetEndpointAsync(string endpointName, CancellationToken cancellationToken)
    {
        Validate.EndpointName(endpointName, nameof(endpointName));
        return ToData(await api.GetAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, cancellationToken).ConfigureAwait(false));
    }

    public async Task<IReadOnlyList<OnlineEndpointData>> ListEndpointsAsync(CancellationToken cancellationToken)
    {
        var all = new List<OnlineEndpointData>();
        string? skip = null;
        do
        {
            var page = await api.ListAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, skip, cancellationToken).ConfigureAwait(false);
            all.AddRange((page.Value ?? []).Select(ToData));
            skip = RemoteModelRegistry.SkipToken(page.NextLink);
        }
        while (skip is not null);
        return [.. all.OrderBy(e => e.Name, StringComparer.OrdinalIgnoreCase)];
    }

    public async Task DeleteEndpointAsync(string endpointName, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        Validate.EndpointName(endpointName, nameof(endpointName));
        progress?.Report($"Endpoint '{endpointName}': {ProvisioningState.Deleting}");
        _targets.TryRemove(endpointName, out _);
        var response = await api.DeleteAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, cancellationToken).ConfigureAwait(false);
        ThrowIfNothingDeleted(response, $"Online endpoint '{endpointName}' does not exist in workspace '{ws.WorkspaceName}'.");
        await lro.WaitAsync(response, ArmJsonContext.Default.ArmEmpty, cancellationToken, ArmProgress.Reporter(progress, $"Endpoint '{endpointName}'")).ConfigureAwait(false);
        progress?.Report($"Endpoint '{endpointName}': deleted");
    }

    // ---- deployments ----

    public async Task<OnlineDeploymentData> CreateOrUpdateDeploymentAsync(string endpointName, OnlineDeploymentSpec spec, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        Validate.EndpointName(endpointName, nameof(endpointName));
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        progress = ArmProgress.Distinct(progress);
        if (spec.Scorer is not null)
        {
            throw new AzureMlNotSupportedException(
                $"Deployment '{endpointName}/{spec.Name}' has a custom .NET scorer (OnlineDeploymentSpec.Scorer); it runs in-process on local endpoints only and cannot be sent to Azure ML, " +
                "whose online deployments run a scoring container. Deploy the model without a scorer (an MLflow model is served as is), or use Workspace.Local().");
        }
        var endpoint = await api.GetAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, cancellationToken).ConfigureAwait(false);
        var existing = await TryGetDeploymentAsync(endpointName, spec.Name, cancellationToken).ConfigureAwait(false);
        var body = BuildDeploymentBody(ws, spec, endpoint.Location ?? location);
        var label = $"Deployment '{endpointName}/{spec.Name}'";
        progress?.Report($"{label}: {(existing is null ? ProvisioningState.Creating : ProvisioningState.Updating)} (model {spec.ModelName}:{spec.ModelVersion}, {spec.InstanceCount} instance(s))");

        var response = await api.CreateOrUpdateDeploymentAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, spec.Name, body, cancellationToken).ConfigureAwait(false);
        await ArmProgress.ReportInitialStateAsync(response, label, progress, cancellationToken).ConfigureAwait(false);
        var final = await lro.WaitAsync(response, ArmJsonContext.Default.ArmResourceOnlineDeploymentProperties, cancellationToken, ArmProgress.Reporter(progress, label)).ConfigureAwait(false)
            ?? await api.GetDeploymentAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, spec.Name, cancellationToken).ConfigureAwait(false);
        var data = ToData(endpointName, final);
        progress?.Report($"{label}: {data.ProvisioningState}");
        if (data.ProvisioningState is ProvisioningState.Failed or ProvisioningState.Canceled)
        {
            throw new InvalidStateException($"{label} ended {data.ProvisioningState}; see its logs (GetLogsAsync).");
        }
        if (spec.AllTraffic)
        {
            var names = await ListDeploymentNamesAsync(endpointName, cancellationToken).ConfigureAwait(false);
            var all = names.Append(data.Name).Distinct(StringComparer.OrdinalIgnoreCase)
                .ToDictionary(n => n, n => string.Equals(n, data.Name, StringComparison.OrdinalIgnoreCase) ? 100 : 0, StringComparer.OrdinalIgnoreCase);
            await SetTrafficAsync(endpointName, all, cancellationToken).ConfigureAwait(false);
        }
        return data;
    }

    /// <summary>The deployment PUT body (a separate method so tests validate exactly what is sent against the spec).</summary>
    internal static ArmResource<OnlineDeploymentProperties> BuildDeploymentBody(WorkspaceCoordinates ws, OnlineDeploymentSpec spec, string? location) => new()
    {
        Location = location,
        Sku = new ArmSku { Name = "Default", Capacity = spec.InstanceCount },
        Properties = new OnlineDeploymentProperties
        {
            EndpointComputeType = "Managed",
            Model = ModelArmId(ws, spec.ModelName, spec.ModelVersion),
            InstanceType = spec.InstanceType,
            Description = spec.Description,
            EnvironmentVariables = spec.EnvironmentVariables?.ToDictionary(e => e.Key, e => (string?)e.Value, StringComparer.Ordinal),
            ScaleSettings = new ArmScaleSettings { ScaleType = "Default" },
            RequestSettings = new ArmRequestSettings
            {
                MaxConcurrentRequestsPerInstance = spec.RequestSettings.MaxConcurrentRequestsPerInstance,
                RequestTimeout = XmlConvert.ToString(spec.RequestSettings.RequestTimeout),
            },
            LivenessProbe = ToArm(spec.LivenessProbe),
            ReadinessProbe = ToArm(spec.ReadinessProbe),
        },
    };

    /// <summary>The ARM id of a workspace model version, as a deployment's <c>model</c>.</summary>
    internal static string ModelArmId(WorkspaceCoordinates ws, string modelName, int version) =>
        $"/subscriptions/{ws.SubscriptionId}/resourceGroups/{ws.ResourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/{ws.WorkspaceName}/models/{modelName}/versions/{version.ToString(CultureInfo.InvariantCulture)}";

    public async Task<OnlineDeploymentData> GetDeploymentAsync(string endpointName, string deploymentName, CancellationToken cancellationToken)
    {
        Validate.EndpointName(endpointName, nameof(endpointName));
        Validate.DeploymentName(deploymentName, nameof(deploymentName));
        return ToData(endpointName, await api.GetDeploymentAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, deploymentName, cancellationToken).ConfigureAwait(false));
    }

    public async Task<IReadOnlyList<OnlineDeploymentData>> ListDeploymentsAsync(string endpointName, CancellationToken cancellationToken)
    {
        Validate.EndpointName(endpointName, nameof(endpointName));
        var all = await ListDeploymentResourcesAsync(endpointName, cancellationToken).ConfigureAwait(false);
        return [.. all.Select(d => ToData(endpointName, d)).OrderBy(d => d.Name, StringComparer.OrdinalIgnoreCase)];
    }

    public async Task DeleteDeploymentAsync(string endpointName, string deploymentName, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        Validate.EndpointName(endpointName, nameof(endpointName));
        Validate.DeploymentName(deploymentName, nameof(deploymentName));
        var endpoint = await api.GetAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, cancellationToken).ConfigureAwait(false);
        var share = endpoint.Properties?.Traffic?.FirstOrDefault(t => string.Equals(t.Key, deploymentName, StringComparison.OrdinalIgnoreCase)).Value ?? 0;
        if (share > 0)
        {
            throw new InvalidStateException($"Deployment '{endpointName}/{deploymentName}' still receives {share}% of the traffic; move it to other deployments first (SetTrafficAsync).");
        }
        var label = $"Deployment '{endpointName}/{deploymentName}'";
        progress?.Report($"{label}: {ProvisioningState.Deleting}");
        var response = await api.DeleteDeploymentAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, deploymentName, cancellationToken).ConfigureAwait(false);
        ThrowIfNothingDeleted(response, $"Endpoint '{endpointName}' has no deployment '{deploymentName}'.");
        await lro.WaitAsync(response, ArmJsonContext.Default.ArmEmpty, cancellationToken, ArmProgress.Reporter(progress, label)).ConfigureAwait(false);
        progress?.Report($"{label}: deleted");
    }

    // ---- traffic, keys, token, logs ----

    public async Task<OnlineEndpointData> SetTrafficAsync(string endpointName, IReadOnlyDictionary<string, int> traffic, CancellationToken cancellationToken)
    {
        Validate.EndpointName(endpointName, nameof(endpointName));
        EndpointTraffic.ValidateShape(traffic, nameof(traffic));
        var endpoint = await api.GetAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, cancellationToken).ConfigureAwait(false);
        var deployments = await ListDeploymentResourcesAsync(endpointName, cancellationToken).ConfigureAwait(false);
        var resolved = EndpointTraffic.Resolve(endpointName, traffic, deployments.Select(d => d.Name ?? string.Empty).ToList(), nameof(traffic));
        foreach (var d in deployments)
        {
            if (resolved.GetValueOrDefault(d.Name ?? string.Empty) > 0 && ParseState(d.Properties?.ProvisioningState) is not ProvisioningState.Succeeded)
            {
                throw new InvalidStateException($"Deployment '{d.Name}' is {d.Properties?.ProvisioningState} and cannot take traffic.");
            }
        }
        var properties = endpoint.Properties ?? new OnlineEndpointProperties();
        properties.Traffic = resolved;
        ClearReadOnly(properties);
        endpoint.Properties = properties;
        ClearReadOnly(endpoint);
        return await PutEndpointAsync(endpointName, endpoint, null, cancellationToken).ConfigureAwait(false);
    }

    public async Task<EndpointKeys> GetKeysAsync(string endpointName, CancellationToken cancellationToken)
    {
        Validate.EndpointName(endpointName, nameof(endpointName));
        var endpoint = await api.GetAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, cancellationToken).ConfigureAwait(false);
        var mode = ParseAuthMode(endpoint.Properties?.AuthMode);
        if (mode != EndpointAuthMode.Key)
        {
            throw new InvalidStateException($"Endpoint '{endpointName}' uses {mode} auth and has no keys; use GetTokenAsync.");
        }
        return await ListKeysAsync(endpointName, cancellationToken).ConfigureAwait(false);
    }

    public async Task<EndpointKeys> RegenerateKeyAsync(string endpointName, EndpointKeyType keyType, string? keyValue, CancellationToken cancellationToken)
    {
        Validate.EndpointName(endpointName, nameof(endpointName));
        _targets.TryRemove(endpointName, out _);
        var response = await api.RegenerateKeysAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName,
            new RegenerateEndpointKeysRequest { KeyType = keyType.ToString(), KeyValue = keyValue }, cancellationToken).ConfigureAwait(false);
        await lro.WaitAsync(response, ArmJsonContext.Default.ArmEmpty, cancellationToken).ConfigureAwait(false);
        return await ListKeysAsync(endpointName, cancellationToken).ConfigureAwait(false);
    }

    public async Task<EndpointToken> GetTokenAsync(string endpointName, CancellationToken cancellationToken)
    {
        Validate.EndpointName(endpointName, nameof(endpointName));
        var token = await api.GetTokenAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(token.AccessToken))
        {
            throw new AzureMlException($"The token operation of endpoint '{endpointName}' returned no token.");
        }
        var expires = token.ExpiryTimeUtc is { } e ? DateTimeOffset.FromUnixTimeSeconds(e) : options.TimeProvider.GetUtcNow().AddHours(1);
        var refresh = token.RefreshAfterTimeUtc is { } r ? DateTimeOffset.FromUnixTimeSeconds(r) : expires - TimeSpan.FromMinutes(5);
        return new EndpointToken(token.AccessToken, expires, refresh);
    }

    public async Task<string> GetLogsAsync(string endpointName, string deploymentName, int tail, CancellationToken cancellationToken)
    {
        Validate.EndpointName(endpointName, nameof(endpointName));
        Validate.DeploymentName(deploymentName, nameof(deploymentName));
        var logs = await api.GetLogsAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, deploymentName,
            new DeploymentLogsRequest { ContainerType = "InferenceServer", Tail = tail }, cancellationToken).ConfigureAwait(false);
        return logs.Content ?? string.Empty;
    }

    // ---- invoke ----

    public async Task<string> InvokeAsync(string endpointName, string requestJson, string? deploymentName, CancellationToken cancellationToken)
    {
        Validate.EndpointName(endpointName, nameof(endpointName));
        ArgumentNullException.ThrowIfNull(requestJson);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var cached = _targets.TryGetValue(endpointName, out var found) && found.FreshAt(options.TimeProvider.GetUtcNow());
        var target = cached ? found! : await ResolveTargetAsync(endpointName, cancellationToken).ConfigureAwait(false);
        try
        {
            return await ScoringClientFor(target.ScoringUri).InvokeAsync(requestJson, await SecretOfAsync(target, cancellationToken).ConfigureAwait(false), deploymentName, cancellationToken).ConfigureAwait(false);
        }
        catch (AzureMlAuthenticationException) when (cached || target.UsesEntraToken)
        {
            // The key may have been regenerated elsewhere, or the Entra token revoked: fetch it again, once.
            if (target.UsesEntraToken)
            {
                machineLearningTokens.Invalidate();
            }
            target = await ResolveTargetAsync(endpointName, cancellationToken).ConfigureAwait(false);
            return await ScoringClientFor(target.ScoringUri).InvokeAsync(requestJson, await SecretOfAsync(target, cancellationToken).ConfigureAwait(false), deploymentName, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The bearer credential of a target: its key or AML token, or the current Entra token of Azure ML's scope.</summary>
    private async ValueTask<string> SecretOfAsync(ScoringTarget target, CancellationToken cancellationToken) =>
        target.UsesEntraToken ? (await machineLearningTokens.GetTokenAsync(cancellationToken).ConfigureAwait(false)).Token : target.Secret!;

    private async Task<ScoringTarget> ResolveTargetAsync(string endpointName, CancellationToken cancellationToken)
    {
        _targets.TryRemove(endpointName, out _);
        var endpoint = await api.GetAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, cancellationToken).ConfigureAwait(false);
        var scoringUri = Uri.TryCreate(endpoint.Properties?.ScoringUri, UriKind.Absolute, out var u) ? u
            : throw new InvalidStateException($"Endpoint '{endpointName}' has no scoring URI yet (provisioning state {endpoint.Properties?.ProvisioningState ?? "unknown"}).");
        var mode = ParseAuthMode(endpoint.Properties?.AuthMode);
        ScoringTarget target = mode switch
        {
            EndpointAuthMode.Key => new ScoringTarget(scoringUri, (await ListKeysAsync(endpointName, cancellationToken).ConfigureAwait(false)).PrimaryKey, null),
            EndpointAuthMode.AmlToken => await TokenTargetAsync(endpointName, scoringUri, cancellationToken).ConfigureAwait(false),
            // The endpoint checks the caller's own Entra token (the data-plane scope, as azure-ai-ml's invoke uses), not one ARM issues.
            _ => new ScoringTarget(scoringUri, null, null),
        };
        _targets[endpointName] = target;
        return target;
    }

    private async Task<ScoringTarget> TokenTargetAsync(string endpointName, Uri scoringUri, CancellationToken cancellationToken)
    {
        var token = await GetTokenAsync(endpointName, cancellationToken).ConfigureAwait(false);
        return new ScoringTarget(scoringUri, token.AccessToken, token.RefreshAfter);
    }

    private ScoringClient ScoringClientFor(Uri scoringUri)
    {
        var key = scoringUri.AbsoluteUri;
        if (_scoringClients.TryGetValue(key, out var existing))
        {
            return existing.Client;
        }
        // No auth handler: the ARM token must never reach a scoring host; the scoring client sets its own Authorization.
        var http = scoringClient(scoringUri);
        var entry = (http, new ScoringClient(http, scoringUri));
        if (!_scoringClients.TryAdd(key, entry))
        {
            http.Dispose();
        }
        return _scoringClients[key].Client;
    }

    // ---- batch (RemoteBatchEndpoints) ----

    public Task<BatchEndpointData> CreateOrUpdateBatchEndpointAsync(BatchEndpointSpec spec, IProgress<string>? progress, CancellationToken cancellationToken) =>
        batch.CreateOrUpdateAsync(spec, progress, cancellationToken);

    public Task<BatchEndpointData> GetBatchEndpointAsync(string endpointName, CancellationToken cancellationToken) => batch.GetAsync(endpointName, cancellationToken);

    public Task<IReadOnlyList<BatchEndpointData>> ListBatchEndpointsAsync(CancellationToken cancellationToken) => batch.ListAsync(cancellationToken);

    public Task<BatchDeploymentData> GetBatchDeploymentAsync(string endpointName, string deploymentName, CancellationToken cancellationToken) =>
        batch.GetDeploymentAsync(endpointName, deploymentName, cancellationToken);

    public Task<IReadOnlyList<BatchDeploymentData>> ListBatchDeploymentsAsync(string endpointName, CancellationToken cancellationToken) =>
        batch.ListDeploymentsAsync(endpointName, cancellationToken);

    public Task DeleteBatchEndpointAsync(string endpointName, IProgress<string>? progress, CancellationToken cancellationToken) =>
        batch.DeleteAsync(endpointName, progress, cancellationToken);

    public Task<BatchEndpointData> CreateOrUpdateBatchDeploymentAsync(string endpointName, BatchDeploymentSpec spec, bool makeDefault, IProgress<string>? progress, CancellationToken cancellationToken) =>
        batch.DeployAsync(endpointName, spec, makeDefault, progress, cancellationToken);

    public Task<BatchScoringResult> InvokeBatchEndpointAsync(string endpointName, string? deploymentName, string inputPath, IProgress<BatchScoringProgress>? progress, CancellationToken cancellationToken) =>
        batch.InvokeAsync(endpointName, deploymentName, inputPath, progress, cancellationToken);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (var (http, _) in _scoringClients.Values)
        {
            http.Dispose();
        }
        _scoringClients.Clear();
        _targets.Clear();
        batch.Dispose();
    }

    // ---- helpers ----

    private async Task<OnlineEndpointData> PutEndpointAsync(string endpointName, ArmResource<OnlineEndpointProperties> body, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var label = $"Endpoint '{endpointName}'";
        var response = await api.CreateOrUpdateAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, body, cancellationToken).ConfigureAwait(false);
        await ArmProgress.ReportInitialStateAsync(response, label, progress, cancellationToken).ConfigureAwait(false);
        var final = await lro.WaitAsync(response, ArmJsonContext.Default.ArmResourceOnlineEndpointProperties, cancellationToken, ArmProgress.Reporter(progress, label)).ConfigureAwait(false)
            ?? await api.GetAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, cancellationToken).ConfigureAwait(false);
        var data = ToData(final);
        progress?.Report($"{label}: {data.ProvisioningState}");
        if (data.ProvisioningState is ProvisioningState.Failed or ProvisioningState.Canceled)
        {
            throw new InvalidStateException($"{label} ended {data.ProvisioningState}.");
        }
        return data;
    }

    /// <summary>ARM answers a DELETE of a resource that does not exist with 204; the contract makes that a <see cref="ResourceNotFoundException"/>.</summary>
    private static void ThrowIfNothingDeleted(HttpResponseMessage response, string message)
    {
        if (response.StatusCode == System.Net.HttpStatusCode.NoContent)
        {
            var requestId = RemoteErrors.RequestId(response);
            response.Dispose();
            throw new ResourceNotFoundException(message, AzureMlErrorCodes.ResourceDoesNotExist, 404, requestId);
        }
    }

    private async Task<EndpointKeys> ListKeysAsync(string endpointName, CancellationToken cancellationToken)
    {
        var keys = await api.ListKeysAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(keys.PrimaryKey))
        {
            throw new AzureMlException($"The listKeys operation of endpoint '{endpointName}' returned no primary key.");
        }
        return new EndpointKeys(keys.PrimaryKey, keys.SecondaryKey ?? string.Empty);
    }

    private async Task<ArmResource<OnlineEndpointProperties>?> TryGetEndpointAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await api.GetAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, name, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
    }

    private async Task<ArmResource<OnlineDeploymentProperties>?> TryGetDeploymentAsync(string endpointName, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await api.GetDeploymentAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, name, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
    }

    private async Task<List<ArmResource<OnlineDeploymentProperties>>> ListDeploymentResourcesAsync(string endpointName, CancellationToken cancellationToken)
    {
        var all = new List<ArmResource<OnlineDeploymentProperties>>();
        string? skip = null;
        do
        {
            var page = await api.ListDeploymentsAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, skip, cancellationToken).ConfigureAwait(false);
            all.AddRange(page.Value ?? []);
            skip = RemoteModelRegistry.SkipToken(page.NextLink);
        }
        while (skip is not null);
        return all;
    }

    private async Task<List<string>> ListDeploymentNamesAsync(string endpointName, CancellationToken cancellationToken) =>
        [.. (await ListDeploymentResourcesAsync(endpointName, cancellationToken).ConfigureAwait(false)).Select(d => d.Name).OfType<string>()];

    private static void ClearReadOnly(OnlineEndpointProperties p)
    {
        p.ScoringUri = null;
        p.SwaggerUri = null;
        p.ProvisioningState = null;
    }

    private static void ClearReadOnly<T>(ArmResource<T> r) where T : class
    {
        r.Id = null;
        r.Type = null;
        r.SystemData = null;
    }

    internal static OnlineEndpointData ToData(ArmResource<OnlineEndpointProperties> r)
    {
        var p = r.Properties ?? new OnlineEndpointProperties();
        return new OnlineEndpointData(
            r.Name ?? string.Empty,
            ParseAuthMode(p.AuthMode),
            Uri.TryCreate(p.ScoringUri, UriKind.Absolute, out var scoring) ? scoring : null,
            Uri.TryCreate(p.SwaggerUri, UriKind.Absolute, out var swagger) ? swagger : null,
            new Dictionary<string, int>(p.Traffic ?? [], StringComparer.OrdinalIgnoreCase),
            ParseState(p.ProvisioningState),
            p.Description,
            new Dictionary<string, string>(r.Tags ?? [], StringComparer.Ordinal));
    }

    internal static OnlineDeploymentData ToData(string endpointName, ArmResource<OnlineDeploymentProperties> r)
    {
        var p = r.Properties ?? new OnlineDeploymentProperties();
        var (modelName, modelVersion) = ParseModel(p.Model);
        var defaults = new OnlineRequestSettings();
        var request = new OnlineRequestSettings
        {
            MaxConcurrentRequestsPerInstance = p.RequestSettings?.MaxConcurrentRequestsPerInstance ?? defaults.MaxConcurrentRequestsPerInstance,
            RequestTimeout = Duration(p.RequestSettings?.RequestTimeout) ?? defaults.RequestTimeout,
        };
        return new OnlineDeploymentData(
            endpointName,
            r.Name ?? string.Empty,
            modelName,
            modelVersion,
            r.Sku?.Capacity ?? 1,
            p.InstanceType,
            request,
            (p.EnvironmentVariables ?? []).ToDictionary(e => e.Key, e => e.Value ?? string.Empty, StringComparer.Ordinal),
            ParseState(p.ProvisioningState),
            p.Description,
            FromArm(p.LivenessProbe),
            FromArm(p.ReadinessProbe));
    }

    [GeneratedRegex(@"/models/(?<name>[^/]+)/versions/(?<version>\d+)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ModelIdPattern();

    [GeneratedRegex(@"^azureml:(?<name>[^:]+):(?<version>\d+)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ModelShortPattern();

    /// <summary>The model name and version of a deployment's <c>model</c> (an ARM id or <c>azureml:name:version</c>); version 0 when unknown.</summary>
    internal static (string Name, int Version) ParseModel(string? model)
    {
        if (string.IsNullOrEmpty(model))
        {
            return (string.Empty, 0);
        }
        var m = ModelIdPattern().Match(model);
        if (!m.Success)
        {
            m = ModelShortPattern().Match(model);
        }
        return m.Success && int.TryParse(m.Groups["version"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var v)
            ? (m.Groups["name"].Value, v)
            : (model, 0);
    }

    internal static string ToArm(EndpointAuthMode mode) => mode switch
    {
        EndpointAuthMode.Key => "Key",
        EndpointAuthMode.AmlToken => "AMLToken",
        EndpointAuthMode.AadToken => "AADToken",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    internal static EndpointAuthMode ParseAuthMode(string? mode) => mode?.ToUpperInvariant() switch
    {
        "AMLTOKEN" => EndpointAuthMode.AmlToken,
        "AADTOKEN" => EndpointAuthMode.AadToken,
        _ => EndpointAuthMode.Key,
    };

    /// <summary>ARM provisioning states share our enum's names; a resource that reports none is taken as ready.</summary>
    internal static ProvisioningState ParseState(string? state) =>
        string.IsNullOrEmpty(state) ? ProvisioningState.Succeeded
        : string.Equals(state, "Cancelled", StringComparison.OrdinalIgnoreCase) ? ProvisioningState.Canceled
        : Enum.TryParse<ProvisioningState>(state, ignoreCase: true, out var parsed) ? parsed : ProvisioningState.Updating;

    private static ArmProbeSettings? ToArm(ProbeSettings? probe) => probe is null ? null : new ArmProbeSettings
    {
        FailureThreshold = probe.FailureThreshold,
        SuccessThreshold = probe.SuccessThreshold,
        InitialDelay = probe.InitialDelay is { } d ? XmlConvert.ToString(d) : null,
        Period = XmlConvert.ToString(probe.Period),
        Timeout = XmlConvert.ToString(probe.Timeout),
    };

    private static ProbeSettings? FromArm(ArmProbeSettings? probe)
    {
        if (probe is null)
        {
            return null;
        }
        var defaults = new ProbeSettings();
        return new ProbeSettings
        {
            FailureThreshold = probe.FailureThreshold ?? defaults.FailureThreshold,
            SuccessThreshold = probe.SuccessThreshold ?? defaults.SuccessThreshold,
            InitialDelay = Duration(probe.InitialDelay),
            Period = Duration(probe.Period) ?? defaults.Period,
            Timeout = Duration(probe.Timeout) ?? defaults.Timeout,
        };
    }

    private static TimeSpan? Duration(string? iso)
    {
        if (string.IsNullOrEmpty(iso))
        {
            return null;
        }
        try
        {
            return XmlConvert.ToTimeSpan(iso);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// Where and with what an endpoint is invoked: a key or AML token, or (no secret) the caller's Entra token. A class, so no generated
    /// ToString can print the secret.
    /// </summary>
    private sealed class ScoringTarget(Uri scoringUri, string? secret, DateTimeOffset? refreshAt)
    {
        public Uri ScoringUri { get; } = scoringUri;

        public string? Secret { get; } = secret;

        public bool UsesEntraToken => Secret is null;

        public bool FreshAt(DateTimeOffset now) => refreshAt is not { } r || now < r;
    }
}
