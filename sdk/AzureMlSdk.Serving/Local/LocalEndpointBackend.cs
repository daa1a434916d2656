using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AzureMlSdk.Serving.Batch;
using AzureMlSdk.Serving.Scoring;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AzureMlSdk.Serving.Local;

/// <summary>
/// Online endpoints of the local workspace, served in this process: one Kestrel host per endpoint on 127.0.0.1
/// (ephemeral port), deployments as in-process scorers over a copy of the model version's files under
/// <c>&lt;workspace&gt;/endpoints/</c>. Endpoints live as long as this backend (the workspace object): disposing it stops them.
/// </summary>
internal sealed partial class LocalEndpointBackend : IEndpointBackend, IAsyncDisposable
{
    private const string KeyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private readonly Dictionary<string, LocalEndpointHost> _hosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly IModelRegistry _models;
    private readonly string _root;
    private readonly TimeProvider _time;
    private readonly Func<int> _percent;
    private readonly Lazy<HttpClient> _http = new(() => new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) }) { Timeout = Timeout.InfiniteTimeSpan });
    private readonly LocalBatchScoring _batch;
    private bool _disposed;

    /// <param name="models">Where deployments fetch model versions.</param>
    /// <param name="tracking">Where batch jobs record their runs.</param>
    /// <param name="artifacts">Where batch jobs write their outputs.</param>
    /// <param name="workspaceDirectory">The workspace folder (model copies go to its <c>endpoints/</c>).</param>
    /// <param name="time">Clock for logs and tokens.</param>
    /// <param name="random">The traffic router's random source (seed it for reproducible splits); a shared one when null.</param>
    public LocalEndpointBackend(IModelRegistry models, ITrackingStore tracking, IArtifactStore artifacts, string workspaceDirectory, TimeProvider time, Random? random = null)
    {
        _models = models;
        _root = Path.Combine(workspaceDirectory, "endpoints");
        _time = time;
        _batch = new LocalBatchScoring(models, tracking, artifacts, _root, time);
        if (random is null)
        {
            _percent = static () => Random.Shared.Next(100);
        }
        else
        {
            var gate = new Lock();
            _percent = () =>
            {
                lock (gate)
                {
                    return random.Next(100);
                }
            };
        }
    }

    /// <summary>
    /// Checks a Microsoft Entra bearer token presented to an <see cref="EndpointAuthMode.AadToken"/> endpoint. Null (the local workspace,
    /// which cannot check Entra tokens) refuses that auth mode; a server that has its own notion of a caller's token (the Emulator) sets it.
    /// </summary>
    internal Func<string, bool>? EntraTokenCheck { get; init; }

    public Task<OnlineEndpointData> CreateOrUpdateEndpointAsync(OnlineEndpointSpec spec, IProgress<string>? progress, CancellationToken cancellationToken) =>
        CreateOrUpdateEndpointAsync(spec, null, 0, progress, cancellationToken);

    /// <summary>
    /// Creates the endpoint with the given <paramref name="keys"/> (new ones when null), serving on <paramref name="preferredPort"/>
    /// when that port is free (0: any), or updates an existing one as <see cref="CreateOrUpdateEndpointAsync(OnlineEndpointSpec, IProgress{string}?, CancellationToken)"/>
    /// does (keys and port then stay). For a server that keeps endpoints across its restarts (the Emulator), so keys and scoring URI survive.
    /// </summary>
    internal async Task<OnlineEndpointData> CreateOrUpdateEndpointAsync(OnlineEndpointSpec spec, EndpointKeys? keys, int preferredPort, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        progress = Logged(progress);
        if (spec.AuthMode == EndpointAuthMode.AadToken && EntraTokenCheck is null)
        {
            throw new AzureMlNotSupportedException($"Endpoint '{spec.Name}': auth mode AadToken (Microsoft Entra) is not available on local endpoints; use Key or AmlToken.");
        }
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_hosts.TryGetValue(spec.Name, out var existing))
            {
                progress?.Report($"Endpoint '{spec.Name}': {ProvisioningState.Updating}");
                await existing.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    var traffic = spec.Traffic is null ? existing.Data.Traffic : CheckTraffic(existing, spec.Traffic);
                    existing.Data = existing.Data with
                    {
                        AuthMode = spec.AuthMode,
                        Description = spec.Description ?? existing.Data.Description,
                        Tags = spec.Tags is null ? existing.Data.Tags : new Dictionary<string, string>(spec.Tags),
                        Traffic = traffic,
                        ProvisioningState = ProvisioningState.Succeeded,
                    };
                    existing.SetRouting(existing.Deployments, traffic);
                }
                finally
                {
                    existing.Gate.Release();
                }
                progress?.Report($"Endpoint '{spec.Name}': {ProvisioningState.Succeeded}");
                return existing.Data;
            }

            progress?.Report($"Endpoint '{spec.Name}': {ProvisioningState.Creating}");
            if (spec.Traffic is { Count: > 0 } requested && requested.Values.Any(v => v > 0))
            {
                throw new InvalidInputException($"Endpoint '{spec.Name}' has no deployments yet, so traffic cannot name any ({string.Join(", ", requested.Keys)}); deploy first, then set traffic.", nameof(spec.Traffic));
            }
            var data = new OnlineEndpointData(spec.Name, spec.AuthMode, null, null, new Dictionary<string, int>(), ProvisioningState.Succeeded, spec.Description,
                spec.Tags is null ? new Dictionary<string, string>() : new Dictionary<string, string>(spec.Tags));
            var host = await LocalEndpointHost.StartAsync(data, keys ?? NewKeys(), _percent, _time, preferredPort, EntraTokenCheck, cancellationToken).ConfigureAwait(false);
            _hosts[spec.Name] = host;
            progress?.Report($"Endpoint '{spec.Name}': serving at {host.Data.ScoringUri}");
            progress?.Report($"Endpoint '{spec.Name}': {ProvisioningState.Succeeded}");
            return host.Data;
        }
        finally
        {
            _lock.Release();
        }
    }

    public async Task<OnlineEndpointData> GetEndpointAsync(string endpointName, CancellationToken cancellationToken) =>
        (await HostAsync(endpointName, cancellationToken).ConfigureAwait(false)).Data;

    public async Task<IReadOnlyList<OnlineEndpointData>> ListEndpointsAsync(CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _hosts.Values.Select(h => h.Data).OrderBy(d => d.Name, StringComparer.Ordinal).ToList();
        }
        finally
        {
            _lock.Release();
        }
    }

    public async Task DeleteEndpointAsync(string endpointName, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        progress = Logged(progress);
        LocalEndpointHost host;
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            host = Find(endpointName);
            _hosts.Remove(endpointName);
        }
        finally
        {
            _lock.Release();
        }
        progress?.Report($"Endpoint '{endpointName}': {ProvisioningState.Deleting}");
        // Let a deploy in progress on this endpoint finish first, so its scorer is stopped with the others.
        await host.Gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        await host.DisposeAsync().ConfigureAwait(false);
        progress?.Report($"Endpoint '{endpointName}': deleted");
    }

    public async Task<OnlineDeploymentData> CreateOrUpdateDeploymentAsync(string endpointName, OnlineDeploymentSpec spec, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        progress = Logged(progress);
        var host = await HostAsync(endpointName, cancellationToken).ConfigureAwait(false);
        await host.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var previous = host.Deployments.GetValueOrDefault(spec.Name);
            var state = previous is null ? ProvisioningState.Creating : ProvisioningState.Updating;
            var data = new OnlineDeploymentData(endpointName, spec.Name, spec.ModelName, spec.ModelVersion, spec.InstanceCount, spec.InstanceType, spec.RequestSettings,
                new Dictionary<string, string>(spec.EnvironmentVariables ?? new Dictionary<string, string>()), state, spec.Description, spec.LivenessProbe, spec.ReadinessProbe);
            var log = previous?.Log ?? new DeploymentLog(_time);
            Report(progress, log, $"Deployment '{endpointName}/{spec.Name}': {state} (model {spec.ModelName}:{spec.ModelVersion}, {spec.InstanceCount} instance(s), max {spec.RequestSettings.MaxConcurrentRequestsPerInstance} concurrent request(s) per instance, timeout {spec.RequestSettings.RequestTimeout.TotalMilliseconds:0} ms)");

            var modelDirectory = Path.Combine(_root, $"{endpointName}.{spec.Name}.{Guid.NewGuid():N}", spec.ModelName);
            IScorer? scorer = null;
            try
            {
                Report(progress, log, $"Downloading model {spec.ModelName}:{spec.ModelVersion} to {modelDirectory}");
                await _models.DownloadAsync(spec.ModelName, spec.ModelVersion, modelDirectory, null, cancellationToken).ConfigureAwait(false);
                scorer = spec.Scorer?.Invoke() ?? (OnnxScorer.FindModelFile(modelDirectory) is not null ? new OnnxScorer()
                    : throw new InvalidInputException($"Model {spec.ModelName}:{spec.ModelVersion} has no single .onnx file, so deployment '{spec.Name}' needs a custom scorer (OnlineDeploymentSpec.Scorer).", nameof(spec.Scorer)));
                Report(progress, log, $"Starting scorer {scorer.GetType().Name}");
                var environment = new Dictionary<string, string>(data.EnvironmentVariables) { ["AZUREML_MODEL_DIR"] = modelDirectory };
                await scorer.InitAsync(new ScorerContext(modelDirectory, endpointName, spec.Name, environment, log), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                log.Error($"Deployment '{spec.Name}' failed: {ex}");
                if (scorer is IDisposable disposable)
                {
                    disposable.Dispose();
                }
                TryDelete(Path.GetDirectoryName(modelDirectory)!);
                if (previous is null)
                {
                    var failed = new LocalDeployment(data with { ProvisioningState = ProvisioningState.Failed }, null, null, log);
                    host.SetRouting(With(host.Deployments, failed), host.Data.Traffic);
                }
                else
                {
                    // The previous version keeps serving, as in Azure ML when an update fails.
                    previous.Data = previous.Data with { ProvisioningState = ProvisioningState.Failed };
                }
                progress?.Report($"Deployment '{endpointName}/{spec.Name}': {ProvisioningState.Failed}");
                if (ex is OperationCanceledException)
                {
                    throw;
                }
                throw ex is AzureMlException azure
                    ? new InvalidStateException($"Deployment '{endpointName}/{spec.Name}' failed: {azure.Message}", azure.ErrorCode, azure.Status, innerException: ex)
                    : new AzureMlException($"Deployment '{endpointName}/{spec.Name}' failed: {ex.GetType().Name}: {ex.Message} (see its logs).", innerException: ex);
            }

            var ready = new LocalDeployment(data with { ProvisioningState = ProvisioningState.Succeeded }, scorer, Path.GetDirectoryName(modelDirectory), log);
            var traffic = host.Data.Traffic;
            if (spec.AllTraffic)
            {
                traffic = host.Deployments.Keys.Append(spec.Name).Distinct(StringComparer.OrdinalIgnoreCase)
                    .ToDictionary(n => n, n => string.Equals(n, spec.Name, StringComparison.OrdinalIgnoreCase) ? 100 : 0, StringComparer.OrdinalIgnoreCase);
                host.Data = host.Data with { Traffic = traffic };
            }
            host.SetRouting(With(host.Deployments, ready), traffic);
            Report(progress, log, $"Deployment '{endpointName}/{spec.Name}': {ProvisioningState.Succeeded}");
            if (previous is not null)
            {
                await previous.StopAsync(spec.RequestSettings.RequestTimeout).ConfigureAwait(false);
            }
            return ready.Data;
        }
        finally
        {
            host.Gate.Release();
        }
    }

    public async Task<OnlineDeploymentData> GetDeploymentAsync(string endpointName, string deploymentName, CancellationToken cancellationToken)
    {
        var host = await HostAsync(endpointName, cancellationToken).ConfigureAwait(false);
        return FindDeployment(host, deploymentName).Data;
    }

    public async Task<IReadOnlyList<OnlineDeploymentData>> ListDeploymentsAsync(string endpointName, CancellationToken cancellationToken)
    {
        var host = await HostAsync(endpointName, cancellationToken).ConfigureAwait(false);
        return host.Deployments.Values.Select(d => d.Data).OrderBy(d => d.Name, StringComparer.Ordinal).ToList();
    }

    public async Task DeleteDeploymentAsync(string endpointName, string deploymentName, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        progress = Logged(progress);
        var host = await HostAsync(endpointName, cancellationToken).ConfigureAwait(false);
        await host.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var deployment = FindDeployment(host, deploymentName);
            if (host.Data.Traffic.GetValueOrDefault(deployment.Name) > 0)
            {
                throw new InvalidStateException($"Deployment '{endpointName}/{deployment.Name}' still receives {host.Data.Traffic[deployment.Name]}% of the traffic; move it to other deployments first (SetTrafficAsync).");
            }
            progress?.Report($"Deployment '{endpointName}/{deployment.Name}': {ProvisioningState.Deleting}");
            var remaining = host.Deployments.Where(d => !string.Equals(d.Key, deployment.Name, StringComparison.OrdinalIgnoreCase)).ToDictionary(d => d.Key, d => d.Value);
            var traffic = host.Data.Traffic.Where(t => !string.Equals(t.Key, deployment.Name, StringComparison.OrdinalIgnoreCase)).ToDictionary(t => t.Key, t => t.Value);
            host.Data = host.Data with { Traffic = traffic };
            host.SetRouting(remaining, traffic);
            await deployment.StopAsync(deployment.Data.RequestSettings.RequestTimeout).ConfigureAwait(false);
            progress?.Report($"Deployment '{endpointName}/{deployment.Name}': deleted");
        }
        finally
        {
            host.Gate.Release();
        }
    }

    public async Task<OnlineEndpointData> SetTrafficAsync(string endpointName, IReadOnlyDictionary<string, int> traffic, CancellationToken cancellationToken)
    {
        var host = await HostAsync(endpointName, cancellationToken).ConfigureAwait(false);
        await host.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var checkedTraffic = CheckTraffic(host, traffic);
            host.Data = host.Data with { Traffic = checkedTraffic };
            host.SetRouting(host.Deployments, checkedTraffic);
            return host.Data;
        }
        finally
        {
            host.Gate.Release();
        }
    }

    public async Task<EndpointKeys> GetKeysAsync(string endpointName, CancellationToken cancellationToken)
    {
        var host = await HostAsync(endpointName, cancellationToken).ConfigureAwait(false);
        if (host.Data.AuthMode != EndpointAuthMode.Key)
        {
            throw new InvalidStateException($"Endpoint '{endpointName}' authenticates with {host.Data.AuthMode}, not keys; use GetTokenAsync.");
        }
        return host.Keys;
    }

    public async Task<EndpointKeys> RegenerateKeyAsync(string endpointName, EndpointKeyType keyType, string? keyValue, CancellationToken cancellationToken)
    {
        var host = await HostAsync(endpointName, cancellationToken).ConfigureAwait(false);
        if (host.Data.AuthMode != EndpointAuthMode.Key)
        {
            throw new InvalidStateException($"Endpoint '{endpointName}' authenticates with {host.Data.AuthMode}, not keys.");
        }
        var value = keyValue ?? NewKey();
        host.Keys = keyType == EndpointKeyType.Primary ? host.Keys with { PrimaryKey = value } : host.Keys with { SecondaryKey = value };
        return host.Keys;
    }

    public async Task<EndpointToken> GetTokenAsync(string endpointName, CancellationToken cancellationToken)
    {
        var host = await HostAsync(endpointName, cancellationToken).ConfigureAwait(false);
        if (host.Data.AuthMode != EndpointAuthMode.AmlToken)
        {
            throw new InvalidStateException($"Endpoint '{endpointName}' authenticates with {host.Data.AuthMode}, not tokens; use GetKeysAsync.");
        }
        return host.IssueToken();
    }

    public async Task<string> GetLogsAsync(string endpointName, string deploymentName, int tail, CancellationToken cancellationToken)
    {
        var host = await HostAsync(endpointName, cancellationToken).ConfigureAwait(false);
        return FindDeployment(host, deploymentName).Log.Tail(tail);
    }

    public async Task<string> InvokeAsync(string endpointName, string requestJson, string? deploymentName, CancellationToken cancellationToken)
    {
        var host = await HostAsync(endpointName, cancellationToken).ConfigureAwait(false);
        var credential = host.Data.AuthMode switch
        {
            EndpointAuthMode.Key => host.Keys.PrimaryKey,
            EndpointAuthMode.AmlToken => host.IssueToken().AccessToken,
            _ => throw new AzureMlNotSupportedException($"Endpoint '{endpointName}' takes the caller's Microsoft Entra token, which this process does not hold; invoke it through its scoring URI."),
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, host.Data.ScoringUri)
        {
            Content = new StringContent(requestJson, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        if (deploymentName is not null)
        {
            request.Headers.TryAddWithoutValidation(OnlineEndpoint.DeploymentHeader, deploymentName);
        }
        HttpResponseMessage response;
        try
        {
            response = await _http.Value.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new ServiceUnavailableException($"Endpoint '{endpointName}' did not answer at {host.Data.ScoringUri}: {ex.Message}", innerException: ex);
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return body;
            }
            throw ScoringError(endpointName, (int)response.StatusCode, body, response.Headers.TryGetValues("x-request-id", out var ids) ? ids.FirstOrDefault() : null);
        }
    }

    /// <summary>Maps a scoring URI's error answer (<c>{"error": {"code", "message", "target"}}</c> or plain text) to the SDK's errors.</summary>
    internal static AzureMlException ScoringError(string endpointName, int status, string body, string? requestId)
    {
        string? code = null, message = null, target = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                code = error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
                message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                target = error.TryGetProperty("target", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            }
        }
        catch (JsonException)
        {
        }
        message = $"Endpoint '{endpointName}' answered {status}: {message ?? Validate.Shorten(body)}";
        return status switch
        {
            400 => new InvalidInputException(message, target, code ?? AzureMlErrorCodes.InvalidParameterValue, status, requestId),
            401 or 403 => new AzureMlAuthenticationException(message, code ?? AzureMlErrorCodes.Unauthenticated, status, requestId),
            404 => new ResourceNotFoundException(message, code ?? AzureMlErrorCodes.ResourceDoesNotExist, status, requestId),
            408 or 429 or 503 => new ServiceUnavailableException(message, code ?? (status == 429 ? AzureMlErrorCodes.RequestLimitExceeded : AzureMlErrorCodes.TemporarilyUnavailable), status, requestId),
            _ => new AzureMlException(message, code ?? AzureMlErrorCodes.InternalError, status, requestId),
        };
    }

    public async ValueTask DisposeAsync()
    {
        List<LocalEndpointHost> hosts;
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            hosts = _hosts.Values.ToList();
            _hosts.Clear();
        }
        finally
        {
            _lock.Release();
        }
        await Task.WhenAll(hosts.Select(h => h.DisposeAsync().AsTask())).ConfigureAwait(false);
        if (_http.IsValueCreated)
        {
            _http.Value.Dispose();
        }
    }

    public Task<BatchEndpointData> CreateOrUpdateBatchEndpointAsync(BatchEndpointSpec spec, IProgress<string>? progress, CancellationToken cancellationToken) =>
        Task.FromResult(_batch.CreateOrUpdate(spec));

    public Task<BatchEndpointData> GetBatchEndpointAsync(string endpointName, CancellationToken cancellationToken) =>
        Task.FromResult(_batch.Get(endpointName));

    public Task<IReadOnlyList<BatchEndpointData>> ListBatchEndpointsAsync(CancellationToken cancellationToken) => Task.FromResult(_batch.List());

    public Task<BatchDeploymentData> GetBatchDeploymentAsync(string endpointName, string deploymentName, CancellationToken cancellationToken) =>
        Task.FromResult(_batch.GetDeployment(endpointName, deploymentName));

    public Task<IReadOnlyList<BatchDeploymentData>> ListBatchDeploymentsAsync(string endpointName, CancellationToken cancellationToken) =>
        Task.FromResult(_batch.ListDeployments(endpointName));

    public Task DeleteBatchEndpointAsync(string endpointName, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        _batch.Delete(endpointName);
        return Task.CompletedTask;
    }

    public async Task<BatchEndpointData> CreateOrUpdateBatchDeploymentAsync(string endpointName, BatchDeploymentSpec spec, bool makeDefault, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        progress = Logged(progress);
        _batch.Get(endpointName);
        try
        {
            // As on Azure ML, a deployment of a model version that does not exist fails (locally the files are fetched per job).
            await _models.GetVersionAsync(spec.ModelName, spec.ModelVersion, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException ex)
        {
            throw new InvalidStateException($"Batch deployment '{endpointName}/{spec.Name}' failed: {ex.Message}", ex.ErrorCode, innerException: ex);
        }
        return _batch.Deploy(endpointName, spec, makeDefault);
    }

    public Task<BatchScoringResult> InvokeBatchEndpointAsync(string endpointName, string? deploymentName, string inputPath, IProgress<BatchScoringProgress>? progress, CancellationToken cancellationToken) =>
        _batch.InvokeAsync(endpointName, deploymentName, inputPath, progress, cancellationToken);

    /// <summary>The running scorer of a deployment, for the scoring benchmark's bare baseline.</summary>
    internal IScorer? ScorerOf(string endpointName, string deploymentName)
    {
        _lock.Wait();
        try
        {
            return _hosts.TryGetValue(endpointName, out var host) && host.Deployments.TryGetValue(deploymentName, out var deployment) ? deployment.Scorer : null;
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task<LocalEndpointHost> HostAsync(string endpointName, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return Find(endpointName);
        }
        finally
        {
            _lock.Release();
        }
    }

    private LocalEndpointHost Find(string endpointName)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _hosts.TryGetValue(endpointName, out var host) ? host
            : throw new ResourceNotFoundException($"Online endpoint '{endpointName}' does not exist in the local workspace (local endpoints live as long as the Workspace object that created them).");
    }

    private static LocalDeployment FindDeployment(LocalEndpointHost host, string deploymentName) =>
        host.Deployments.TryGetValue(deploymentName, out var deployment) ? deployment
            : throw new ResourceNotFoundException($"Endpoint '{host.Data.Name}' has no deployment '{deploymentName}'; it has: {(host.Deployments.Count == 0 ? "none" : string.Join(", ", host.Deployments.Keys))}.");

    private static Dictionary<string, int> CheckTraffic(LocalEndpointHost host, IReadOnlyDictionary<string, int> traffic)
    {
        var result = EndpointTraffic.Resolve(host.Data.Name, traffic, host.Deployments.Keys.ToList(), nameof(traffic));
        foreach (var (name, weight) in result)
        {
            var deployment = host.Deployments[name];
            if (weight > 0 && !deployment.IsReady)
            {
                throw new InvalidStateException($"Deployment '{deployment.Name}' is {deployment.Data.ProvisioningState} and cannot take traffic.");
            }
        }
        return result;
    }

    private static Dictionary<string, LocalDeployment> With(IReadOnlyDictionary<string, LocalDeployment> deployments, LocalDeployment deployment)
    {
        var copy = new Dictionary<string, LocalDeployment>(deployments, StringComparer.OrdinalIgnoreCase) { [deployment.Name] = deployment };
        return copy;
    }

    /// <summary>The workspace's logger (category <c>AzureMlSdk.Endpoints</c>): every provisioning step is logged as well as reported.</summary>
    internal ILogger Logger { get; init; } = NullLogger.Instance;

    private IProgress<string>? Logged(IProgress<string>? progress) =>
        !Logger.IsEnabled(LogLevel.Information) ? progress : new LoggedProgress(progress, Logger);

    /// <summary>Reports synchronously to the caller's progress (if any) and logs each step.</summary>
    private sealed partial class LoggedProgress(IProgress<string>? inner, ILogger logger) : IProgress<string>
    {
        public void Report(string value)
        {
            LogStep(logger, value);
            inner?.Report(value);
        }

        [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "{Step}")]
        private static partial void LogStep(ILogger logger, string step);
    }

    private static void Report(IProgress<string>? progress, DeploymentLog log, string message)
    {
        log.Info(message);
        progress?.Report(message);
    }

    private static EndpointKeys NewKeys() => new(NewKey(), NewKey());

    private static string NewKey() => RandomNumberGenerator.GetString(KeyAlphabet, 32);

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
