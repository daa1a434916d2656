using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using AzureMlSdk.Backends;
using AzureMlSdk.Backends.Local;
using AzureMlSdk.Operations;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AzureMlSdk;

/// <summary>
/// An Azure ML workspace: the entry point to experiments, runs and models. Open the embedded local
/// workspace with <see cref="Local(string?, LogBufferOptions?, ILoggerFactory?)"/>, a workspace named by <c>config.json</c> with
/// <see cref="FromConfigAsync"/>, or one in Azure with <see cref="GetAsync"/>. Local and remote workspaces
/// expose the same objects and behave the same.
/// </summary>
public partial class Workspace : IAsyncDisposable, IDisposable
{
    /// <summary>Environment variable that overrides the local workspace folder.</summary>
    public const string LocalDirectoryEnvironmentVariable = "AZUREML_LOCAL_DIR";

    private static readonly Uri AzureResourceManager = new("https://management.azure.com/");

    private readonly IWorkspaceBackend _backend = null!;
    private readonly ConcurrentDictionary<Run, byte> _liveRuns = new();
    private ConfigOverrides _overrides;
    private int _disposed;

    /// <summary>For mocking only.</summary>
    protected Workspace() { }

    internal Workspace(IWorkspaceBackend backend, TimeProvider? timeProvider, LogBufferOptions? logBuffer, ILoggerFactory? loggerFactory = null)
    {
        _backend = backend;
        Time = timeProvider ?? TimeProvider.System;
        LogBuffer = (logBuffer ?? new LogBufferOptions()).Validated();
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        var logger = LoggerFactory.CreateLogger(LogCategories.Workspace);
        Logger = loggerFactory is null ? null : logger;
        var info = backend.Info;
        var location = info.LocalDirectory ?? info.TrackingUri?.GetLeftPart(UriPartial.Path) ?? "(none)";
        LogOpened(logger, info.Kind, info.Name, location);
    }

    /// <summary>Where the SDK's loggers come from (README lists the categories).</summary>
    internal ILoggerFactory LoggerFactory { get; } = NullLoggerFactory.Instance;

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Opened {Kind} workspace '{Name}' at {Location}")]
    private static partial void LogOpened(ILogger logger, WorkspaceKind kind, string name, string location);

    internal IWorkspaceBackend Backend => _backend ?? throw new InvalidOperationException("This Workspace is a test double without a backend.");

    internal TimeProvider Time { get; } = TimeProvider.System;

    internal LogBufferOptions LogBuffer { get; } = new();

    /// <summary>Where disposal reports what it could not throw (<see cref="WorkspaceOptions.LoggerFactory"/>); null for none.</summary>
    internal ILogger? Logger { get; init; }

    /// <summary>The workspace name (<c>local</c> for the local workspace).</summary>
    public virtual string Name => Backend.Info.Name;

    /// <summary>The subscription id (all zeros for the local workspace).</summary>
    public virtual string SubscriptionId => Backend.Info.SubscriptionId;

    /// <summary>The resource group (<c>local</c> for the local workspace).</summary>
    public virtual string ResourceGroup => Backend.Info.ResourceGroup;

    /// <summary>Local or remote.</summary>
    public virtual WorkspaceKind Kind => Backend.Info.Kind;

    /// <summary>The workspace folder of a local workspace; null for a remote one.</summary>
    public virtual string? LocalDirectory => Backend.Info.LocalDirectory;

    /// <summary>The MLflow tracking URI of a remote workspace; null for a local one.</summary>
    public virtual Uri? TrackingUri => Backend.Info.TrackingUri;

    // ---- opening (Workspace.Open.cs) ------------------------------------------------------------

    /// <summary>
    /// Writes this workspace's <c>config.json</c>: to <paramref name="path"/> when it names a <c>.json</c> file, else into that folder;
    /// default <c>./.azureml/config.json</c>. Returns the file written. The file opens this same workspace again through
    /// <see cref="FromConfigAsync"/>: the endpoint overrides it was opened with (<c>resource_manager_endpoint</c>,
    /// <c>mlflow_tracking_uri</c>, <c>blob_service_uri</c>) are written too, and a local workspace's folder as <c>local_dir</c>.
    /// </summary>
    public virtual async Task<string> WriteConfigAsync(string? path = null, CancellationToken cancellationToken = default)
    {
        var file = path ?? Path.Combine(Environment.CurrentDirectory, ".azureml", "config.json");
        if (Directory.Exists(file) || !file.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            file = Path.Combine(file, "config.json");
        }
        file = Path.GetFullPath(file);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var config = new WorkspaceConfig
        {
            SubscriptionId = SubscriptionId,
            ResourceGroup = ResourceGroup,
            WorkspaceName = Name,
            LocalDirectory = LocalDirectory,
            ResourceManagerEndpoint = _overrides.ResourceManagerEndpoint,
            MlflowTrackingUri = _overrides.MlflowTrackingUri,
            BlobServiceUri = _overrides.BlobServiceUri,
        };
        if (Backend is Backends.Remote.RemoteWorkspaceBackend { Arm: null } && TrackingUri is { } mlflowServer)
        {
            // A plain MLflow server has no subscription: its config.json names it by mlflow_tracking_uri alone, which FromConfigAsync opens back.
            config = new WorkspaceConfig { MlflowTrackingUri = mlflowServer.AbsoluteUri };
        }
        var temp = file + ".tmp";
        await using (var stream = File.Create(temp))
        {
            await JsonSerializer.SerializeAsync(stream, config, WorkspaceConfigJsonContext.Default.WorkspaceConfig, cancellationToken).ConfigureAwait(false);
        }
        File.Move(temp, file, overwrite: true);
        return file;
    }

    // ---- experiments and runs -----------------------------------------------------------------

    /// <summary>Gets the experiment of that name, creating it when missing (safe when several processes race).</summary>
    public virtual async Task<Experiment> GetOrCreateExperimentAsync(string name, CancellationToken cancellationToken = default)
    {
        Validate.ExperimentName(name);
        var existing = await Backend.Tracking.GetExperimentByNameAsync(name, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            try
            {
                existing = await Backend.Tracking.CreateExperimentAsync(name, null, cancellationToken).ConfigureAwait(false);
            }
            catch (ResourceExistsException)
            {
                existing = await Backend.Tracking.GetExperimentByNameAsync(name, cancellationToken).ConfigureAwait(false)
                    ?? throw new ResourceNotFoundException($"Experiment '{name}' was created by someone else and then disappeared.");
            }
        }
        if (existing.IsDeleted)
        {
            throw new InvalidStateException($"Experiment '{name}' (id {existing.ExperimentId}) is deleted; restore it or choose another name.");
        }
        return new Experiment(this, existing);
    }

    /// <summary>Gets an existing experiment by name; throws <see cref="ResourceNotFoundException"/>.</summary>
    public virtual async Task<Experiment> GetExperimentAsync(string name, CancellationToken cancellationToken = default)
    {
        Validate.ExperimentName(name);
        var data = await Backend.Tracking.GetExperimentByNameAsync(name, cancellationToken).ConfigureAwait(false);
        if (data is null || data.IsDeleted)
        {
            throw new ResourceNotFoundException($"Experiment '{name}' does not exist in workspace '{Name}'.");
        }
        return new Experiment(this, data);
    }

    /// <summary>
    /// Lists the workspace's active experiments, by id — MLflow's <c>Default</c> experiment (id <c>0</c>, where runs that name no
    /// experiment go) included, on every backend, as <c>mlflow.search_experiments()</c> shows it.
    /// </summary>
    public virtual IAsyncEnumerable<Experiment> ListExperimentsAsync(CancellationToken cancellationToken = default) =>
        ListExperimentsAsync(includeArchived: false, cancellationToken);

    /// <summary>Lists the workspace's experiments, archived (deleted) ones too when <paramref name="includeArchived"/> is set.</summary>
    /// <param name="includeArchived">Also list archived experiments (<see cref="Experiment.IsArchived"/>), to restore one.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    public virtual async IAsyncEnumerable<Experiment> ListExperimentsAsync(bool includeArchived, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? token = null;
        do
        {
            var page = await Backend.Tracking.SearchExperimentsAsync(new ExperimentQuery(PageToken: token, ViewType: includeArchived ? ViewType.All : ViewType.ActiveOnly), cancellationToken).ConfigureAwait(false);
            foreach (var data in page.Items)
            {
                yield return new Experiment(this, data);
            }
            token = page.NextPageToken;
        }
        while (token is not null);
    }

    /// <summary>Gets a run by id; throws <see cref="ResourceNotFoundException"/>. The handle does not complete the run when disposed.</summary>
    public virtual async Task<Run> GetRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        Validate.Required(runId, nameof(runId));
        var data = await Backend.Tracking.GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
        return new Run(this, data, ownsLifecycle: false);
    }

    /// <summary>Searches runs across experiments (all experiments when <paramref name="experimentNames"/> is null) with MLflow's filter and order-by syntax.</summary>
    public virtual async IAsyncEnumerable<Run> SearchRunsAsync(string? filter = null, string? orderBy = null, IEnumerable<string>? experimentNames = null, int? maxResults = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var ids = new List<string>();
        if (experimentNames is null)
        {
            await foreach (var experiment in ListExperimentsAsync(cancellationToken).ConfigureAwait(false))
            {
                ids.Add(experiment.Id);
            }
        }
        else
        {
            foreach (var name in experimentNames)
            {
                ids.Add((await GetExperimentAsync(name, cancellationToken).ConfigureAwait(false)).Id);
            }
        }
        if (ids.Count == 0)
        {
            yield break;
        }
        var clauses = string.IsNullOrWhiteSpace(orderBy) ? null : Experiment.SplitOrderBy(orderBy);
        await foreach (var data in SearchRunDataAsync(ids, filter, clauses, maxResults, cancellationToken).ConfigureAwait(false))
        {
            yield return new Run(this, data, ownsLifecycle: false);
        }
    }

    internal async IAsyncEnumerable<RunData> SearchRunDataAsync(IReadOnlyList<string> experimentIds, string? filter, IReadOnlyList<string>? orderBy, int? maxResults, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? token = null;
        var returned = 0;
        do
        {
            var pageSize = maxResults is { } max ? Math.Min(1000, max - returned) : 1000;
            var page = await Backend.Tracking.SearchRunsAsync(new RunQuery(experimentIds, filter, orderBy, pageSize, token), cancellationToken).ConfigureAwait(false);
            foreach (var data in page.Items)
            {
                yield return data;
                if (++returned == maxResults)
                {
                    yield break;
                }
            }
            token = page.NextPageToken;
        }
        while (token is not null);
    }

    // ---- models -------------------------------------------------------------------------------

    /// <summary>Registers a local file or folder as the next version of model <paramref name="name"/>.</summary>
    public virtual async Task<Model> RegisterModelAsync(string name, string path, IReadOnlyDictionary<string, string>? tags = null, string? description = null, ModelRegistrationOptions? options = null, CancellationToken cancellationToken = default)
    {
        Validate.ModelName(name);
        Validate.Required(path, nameof(path));
        Experiment.ValidateTags(tags);
        var framework = options?.Framework ?? ModelRegistrationOptions.InferFramework(path);
        await using var ordered = OrderedProgress<long>.Wrap(options?.Progress);
        var data = await Backend.Models.CreateVersionAsync(
            new NewModelVersion(name, new LocalModelSource(Path.GetFullPath(path)), description, tags, options?.Properties, framework, options?.RunId),
            ordered.Progress, cancellationToken).ConfigureAwait(false);
        return new Model(this, data);
    }

    /// <summary>Gets a model version: the latest when neither <paramref name="version"/> nor <paramref name="alias"/> is given.</summary>
    public virtual async Task<Model> GetModelAsync(string name, int? version = null, string? alias = null, CancellationToken cancellationToken = default)
    {
        Validate.ModelName(name);
        if (version is not null && alias is not null)
        {
            throw new InvalidInputException($"Give a version or an alias for model '{name}', not both (got version {version} and alias '{alias}').", nameof(alias));
        }
        ModelVersionData data;
        if (version is { } v)
        {
            data = await Backend.Models.GetVersionAsync(name, Validate.ModelVersion(v), cancellationToken).ConfigureAwait(false);
        }
        else if (alias is not null)
        {
            data = await Backend.Models.GetVersionByAliasAsync(name, Validate.Alias(alias), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            data = await Backend.Models.GetLatestVersionAsync(name, cancellationToken).ConfigureAwait(false);
        }
        return new Model(this, data);
    }

    /// <summary>Lists model versions (one model's when <paramref name="name"/> is given): names in order, newest version first.</summary>
    public virtual async IAsyncEnumerable<Model> ListModelsAsync(string? name = null, ModelListOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (name is not null)
        {
            Validate.ModelName(name);
        }
        string? token = null;
        do
        {
            var page = await Backend.Models.ListVersionsAsync(new ModelQuery(name, options?.Tags, options?.IncludeArchived ?? false, options?.LatestOnly ?? false, 100, token), cancellationToken).ConfigureAwait(false);
            foreach (var data in page.Items)
            {
                yield return new Model(this, data);
            }
            token = page.NextPageToken;
        }
        while (token is not null);
    }

    // ---- endpoints ----------------------------------------------------------------------------

    /// <summary>
    /// Creates the online endpoint <see cref="OnlineEndpointSpec.Name"/>, or updates it when it exists; returns once it has
    /// been provisioned. On a local workspace it is served on 127.0.0.1 (an ephemeral port) until deleted or until this
    /// workspace is disposed.
    /// </summary>
    /// <param name="spec">The endpoint.</param>
    /// <param name="progress">Receives provisioning steps.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public virtual Task<OnlineEndpoint> CreateOrUpdateEndpointAsync(OnlineEndpointSpec spec, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ValidateEndpointSpec(spec);
        return CreateOrUpdateEndpointCoreAsync(spec, progress, cancellationToken);
    }

    /// <summary>
    /// Starts creating or updating the online endpoint <see cref="OnlineEndpointSpec.Name"/> and returns the operation, whose
    /// value is the endpoint once provisioned (see <see cref="CreateOrUpdateEndpointAsync"/>, which waits for it).
    /// </summary>
    /// <param name="spec">The endpoint.</param>
    /// <param name="progress">Receives provisioning steps.</param>
    /// <param name="cancellationToken">Cancels starting the operation (not the operation: it goes on in the background).</param>
    public virtual Task<AzureMlOperation<OnlineEndpoint>> BeginCreateOrUpdateEndpointAsync(OnlineEndpointSpec spec, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ValidateEndpointSpec(spec);
        return OperationRunner.StartAsync(this, OperationKind.OnlineEndpoint, spec.Name, null, (p, ct) => CreateOrUpdateEndpointCoreAsync(spec, p, ct), progress, cancellationToken);
    }

    private static void ValidateEndpointSpec(OnlineEndpointSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Tags is not null)
        {
            Experiment.ValidateTags(spec.Tags);
        }
        if (spec.Traffic is not null)
        {
            EndpointTraffic.ValidateShape(spec.Traffic, nameof(spec.Traffic));
        }
    }

    private async Task<OnlineEndpoint> CreateOrUpdateEndpointCoreAsync(OnlineEndpointSpec spec, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        await using var ordered = OrderedProgress<string>.Wrap(progress);
        var data = await Backend.Endpoints.CreateOrUpdateEndpointAsync(spec, ordered.Progress, cancellationToken).ConfigureAwait(false);
        return new OnlineEndpoint(this, data);
    }

    /// <summary>
    /// The long-running operation <paramref name="id"/> names (an <see cref="AzureMlOperation.Id"/>): in the process that started it,
    /// that same operation; on a remote workspace, from any process, the service's operation polled again — its value is read once it has
    /// succeeded. A local workspace's operation is found only in the process that started it (<see cref="ResourceNotFoundException"/> elsewhere).
    /// </summary>
    /// <typeparam name="T">What the operation produces: <see cref="OnlineEndpoint"/>, <see cref="OnlineDeployment"/>, <see cref="BatchEndpoint"/>,
    /// or <see cref="bool"/> for a deletion.</typeparam>
    /// <param name="id">The operation's id.</param>
    /// <param name="progress">Receives the statuses heard while polling a resumed operation.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    public virtual Task<AzureMlOperation<T>> GetOperationAsync<T>(string id, IProgress<string>? progress = null, CancellationToken cancellationToken = default) =>
        OperationRunner.GetAsync(this, id, async (op, ct) => (T)await OperationValueAsync(op, ct).ConfigureAwait(false), progress, cancellationToken);

    /// <summary>The long-running operation <paramref name="id"/> names, whatever it produces (see <see cref="GetOperationAsync{T}"/>).</summary>
    /// <param name="id">The operation's id.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    public virtual async Task<AzureMlOperation> GetOperationAsync(string id, CancellationToken cancellationToken = default) =>
        OperationId.Decode(id).Kind switch
        {
            OperationKind.OnlineEndpoint => await GetOperationAsync<OnlineEndpoint>(id, null, cancellationToken).ConfigureAwait(false),
            OperationKind.OnlineDeployment => await GetOperationAsync<OnlineDeployment>(id, null, cancellationToken).ConfigureAwait(false),
            OperationKind.BatchEndpoint or OperationKind.BatchDeployment => await GetOperationAsync<BatchEndpoint>(id, null, cancellationToken).ConfigureAwait(false),
            _ => await GetOperationAsync<bool>(id, null, cancellationToken).ConfigureAwait(false),
        };

    /// <summary>What a resumed operation produces, read once it has succeeded.</summary>
    private async Task<object> OperationValueAsync(OperationId operation, CancellationToken cancellationToken) => operation.Kind switch
    {
        OperationKind.OnlineEndpoint => await GetEndpointAsync(operation.Endpoint, cancellationToken).ConfigureAwait(false),
        OperationKind.OnlineDeployment => await (await GetEndpointAsync(operation.Endpoint, cancellationToken).ConfigureAwait(false))
            .GetDeploymentAsync(operation.Deployment ?? string.Empty, cancellationToken).ConfigureAwait(false),
        OperationKind.BatchEndpoint or OperationKind.BatchDeployment => await GetBatchEndpointAsync(operation.Endpoint, cancellationToken).ConfigureAwait(false),
        _ => true,
    };

    /// <summary>Gets an online endpoint; throws <see cref="ResourceNotFoundException"/>.</summary>
    public virtual async Task<OnlineEndpoint> GetEndpointAsync(string name, CancellationToken cancellationToken = default)
    {
        Validate.EndpointName(name);
        return new OnlineEndpoint(this, await Backend.Endpoints.GetEndpointAsync(name, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Lists the workspace's online endpoints, by name.</summary>
    public virtual async IAsyncEnumerable<OnlineEndpoint> ListEndpointsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var data in await Backend.Endpoints.ListEndpointsAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new OnlineEndpoint(this, data);
        }
    }

    /// <summary>Creates or updates a batch endpoint.</summary>
    public virtual Task<BatchEndpoint> CreateOrUpdateBatchEndpointAsync(BatchEndpointSpec spec, CancellationToken cancellationToken = default) =>
        CreateOrUpdateBatchEndpointAsync(spec, null, cancellationToken);

    /// <summary>Creates or updates a batch endpoint (on Azure ML a long-running operation; <paramref name="progress"/> hears its provisioning states).</summary>
    /// <param name="spec">The endpoint.</param>
    /// <param name="progress">Receives provisioning steps.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public virtual async Task<BatchEndpoint> CreateOrUpdateBatchEndpointAsync(BatchEndpointSpec spec, IProgress<string>? progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        await using var ordered = OrderedProgress<string>.Wrap(progress);
        return new BatchEndpoint(this, await Backend.Endpoints.CreateOrUpdateBatchEndpointAsync(spec, ordered.Progress, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Starts creating or updating a batch endpoint and returns the operation (see <see cref="CreateOrUpdateBatchEndpointAsync(BatchEndpointSpec, IProgress{string}, CancellationToken)"/>).</summary>
    /// <param name="spec">The endpoint.</param>
    /// <param name="progress">Receives provisioning steps.</param>
    /// <param name="cancellationToken">Cancels starting the operation (not the operation).</param>
    public virtual Task<AzureMlOperation<BatchEndpoint>> BeginCreateOrUpdateBatchEndpointAsync(BatchEndpointSpec spec, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return OperationRunner.StartAsync(this, OperationKind.BatchEndpoint, spec.Name, null,
            async (p, ct) => new BatchEndpoint(this, await Backend.Endpoints.CreateOrUpdateBatchEndpointAsync(spec, p, ct).ConfigureAwait(false)), progress, cancellationToken);
    }

    /// <summary>Gets a batch endpoint; throws <see cref="ResourceNotFoundException"/>.</summary>
    public virtual async Task<BatchEndpoint> GetBatchEndpointAsync(string name, CancellationToken cancellationToken = default)
    {
        Validate.EndpointName(name);
        return new BatchEndpoint(this, await Backend.Endpoints.GetBatchEndpointAsync(name, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Lists the workspace's batch endpoints, by name.</summary>
    public virtual async IAsyncEnumerable<BatchEndpoint> ListBatchEndpointsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var data in await Backend.Endpoints.ListBatchEndpointsAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new BatchEndpoint(this, data);
        }
    }

    // ---- lifetime -----------------------------------------------------------------------------

    internal void Track(Run run) => _liveRuns.TryAdd(run, 0);

    /// <summary>
    /// The tags of a run this process starts: on a local workspace, plus <c>azureml.localOwner</c> (host, process id and start
    /// time) so that the next open of the workspace marks the run Failed if this process is killed before ending it.
    /// </summary>
    internal IReadOnlyDictionary<string, string>? WithOwner(IReadOnlyDictionary<string, string>? tags)
    {
        if (_backend is not LocalWorkspaceBackend)
        {
            return tags;
        }
        var all = tags is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(tags, StringComparer.Ordinal);
        all[LocalTrackingStore.OwnerTag] = LocalTrackingStore.CurrentOwner;
        return all;
    }

    internal void Untrack(Run run) => _liveRuns.TryRemove(run, out _);

    /// <summary>
    /// Disposes the runs still open on this workspace (flushing them; completing those this process started, or marking them
    /// Failed when their buffered writes failed), then the backend (which stops local endpoints gracefully). Never throws:
    /// disposal often runs while another exception is leaving an <c>await using</c> block, and an exception thrown here would
    /// replace it. What fails here is logged instead (error level, <see cref="WorkspaceOptions.LoggerFactory"/>, category
    /// <c>AzureMlSdk.Workspace</c>, and <see cref="System.Diagnostics.Trace"/>). To get those failures as exceptions, end runs
    /// explicitly first (<see cref="Run.CompleteAsync"/>, <see cref="Run.FlushAsync"/>) — those throw.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await DisposeAsyncCore().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>The disposal logic; see <see cref="DisposeAsync"/>.</summary>
    protected virtual async ValueTask DisposeAsyncCore()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || _backend is null)
        {
            return;
        }
        foreach (var run in _liveRuns.Keys.ToList())
        {
            try
            {
                await run.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                ReportDisposeFailure($"Run {run.Id} could not be flushed or ended while workspace '{Name}' was disposed", ex);
            }
        }
        try
        {
            await _backend.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            ReportDisposeFailure($"Workspace '{Name}' could not release its resources", ex);
        }
    }

    private static bool UriEquals(Uri a, Uri b) =>
        string.Equals(a.AbsoluteUri.TrimEnd('/'), b.AbsoluteUri.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Throws <see cref="ResourceNotFoundException"/> (<c>RESOURCE_DOES_NOT_EXIST</c>, 404) when a model version a deployment names does
    /// not exist: the same error on every backend, before anything is created (Azure ML would fail the long-running operation instead).
    /// </summary>
    internal async Task RequireModelVersionAsync(string modelName, int version, string what, CancellationToken cancellationToken)
    {
        try
        {
            await Backend.Models.GetVersionAsync(modelName, version, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException ex)
        {
            throw new ResourceNotFoundException(
                $"Model '{modelName}' version {version.ToString(System.Globalization.CultureInfo.InvariantCulture)} does not exist in workspace '{Name}', so {what} cannot be created. Register it first, or name an existing version.",
                AzureMlErrorCodes.ResourceDoesNotExist, 404, ex.RequestId, ex);
        }
    }

    private readonly record struct ConfigOverrides(string? ResourceManagerEndpoint, string? MlflowTrackingUri, string? BlobServiceUri);

    private void ReportDisposeFailure(string what, Exception ex)
    {
        DisposeFailures.Add(ex);
        Logger?.LogError(ex, "{What}: {Error}", what, ex.Message);
        System.Diagnostics.Trace.TraceError($"AzureMlSdk: {what}: {ex.GetType().Name}: {ex.Message}");
    }

    /// <summary>What <see cref="DisposeAsync"/> caught and reported instead of throwing (for tests and diagnostics).</summary>
    internal ConcurrentBag<Exception> DisposeFailures { get; } = [];
}
