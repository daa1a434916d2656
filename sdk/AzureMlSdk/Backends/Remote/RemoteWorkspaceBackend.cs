using System.Net.Http.Headers;
using Azure.Core;
using AzureMlSdk.Assets;
using AzureMlSdk.Backends.Remote.Arm;
using AzureMlSdk.Backends.Remote.Blob;
using AzureMlSdk.Backends.Remote.History;
using AzureMlSdk.Backends.Remote.Http;
using AzureMlSdk.Backends.Remote.Jobs;
using AzureMlSdk.Backends.Remote.Mlflow;
using AzureMlSdk.Backends.Remote.Scoring;
using Microsoft.Extensions.DependencyInjection;

namespace AzureMlSdk.Backends.Remote;

/// <summary>
/// A workspace reached over Azure ML's REST surfaces: ARM <c>Microsoft.MachineLearningServices</c> for the workspace,
/// datastores and models; MLflow's REST API at the workspace's <c>mlFlowTrackingUri</c> for tracking; Azure Blob for
/// artifacts and model files. The same code talks to Azure, the Emulator, or any MLflow server (see <see cref="ConnectMlflow(Uri, AzureMlHttpClients)"/>).
/// </summary>
internal sealed class RemoteWorkspaceBackend : IWorkspaceBackend
{
    private readonly List<IDisposable> _owned = [];
    private ServiceProvider? _ownedProvider;

    private RemoteWorkspaceBackend(WorkspaceInfo info, ITrackingStore tracking, IArtifactStore artifacts, IModelRegistry models, IEndpointBackend endpoints)
    {
        Info = info;
        Tracking = tracking;
        Artifacts = artifacts;
        Models = models;
        Endpoints = endpoints;
    }

    public WorkspaceInfo Info { get; }

    public ITrackingStore Tracking { get; }

    public IArtifactStore Artifacts { get; }

    public IModelRegistry Models { get; }

    /// <summary>Online endpoints through ARM (<see cref="RemoteEndpointBackend"/>); on a plain MLflow server every call throws <see cref="AzureMlNotSupportedException"/>.</summary>
    public IEndpointBackend Endpoints { get; }

    /// <summary>Data, environments, components and code snapshots through ARM (<see cref="RemoteAssetStore"/>); not-supported on a plain MLflow server.</summary>
    public IAssetBackend Assets { get; private init; } = null!;

    /// <summary>The default datastore's blob container as file storage (<see cref="RemoteDatastore"/>); not-supported on a plain MLflow server.</summary>
    public IDatastoreBackend Datastores { get; private init; } = null!;

    /// <summary>Computes through ARM (<see cref="RemoteComputes"/>); not-supported on a plain MLflow server.</summary>
    public IComputeBackend Computes { get; private init; } = null!;

    /// <summary>Jobs through ARM and run history (<see cref="RemoteJobBackend"/>); on a plain MLflow server every call throws <see cref="AzureMlNotSupportedException"/>.</summary>
    public AzureMlSdk.Jobs.IJobBackend Jobs { get; private set; } = null!;

    /// <summary>Polls the ARM long-running operation the token names (see <see cref="ArmLongRunningOperation.ResumeAsync"/>).</summary>
    public Task ResumeOperationAsync(string resumeToken, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(resumeToken);
        return Arm is { } arm
            ? arm.Lro.ResumeAsync(resumeToken, cancellationToken, progress is null ? null : status => progress.Report($"Operation: {status}"))
            : ContractDefaults.NotSupported(this, nameof(ResumeOperationAsync));
    }

    /// <summary>The ARM surfaces beyond the contract (jobs, endpoints, environments, code), for the object model; null for a plain MLflow server.</summary>
    internal ArmClients? Arm { get; private init; }

    /// <summary>
    /// Opens a workspace with a private copy of the SDK's HTTP pipeline (<see cref="AzureMlHttpRegistration.CreatePrivateProvider"/>),
    /// which the backend owns: the path of <c>Workspace.GetAsync</c>.
    /// </summary>
    internal static async Task<RemoteWorkspaceBackend> ConnectAsync(
        string subscriptionId, string resourceGroup, string workspaceName, TokenCredential credential, WorkspaceOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentNullException.ThrowIfNull(options);
        var provider = AzureMlHttpRegistration.CreatePrivateProvider(new AzureMlHttpSettings(options, credential));
        try
        {
            var backend = await ConnectAsync(subscriptionId, resourceGroup, workspaceName, provider.GetRequiredService<AzureMlHttpClients>(), ct).ConfigureAwait(false);
            backend._ownedProvider = provider;
            return backend;
        }
        catch
        {
            await provider.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Opens a workspace over the SDK's HTTP pipeline <paramref name="http"/> (a DI container's, or a private one): GETs it through ARM,
    /// derives the MLflow base URL from its <c>mlFlowTrackingUri</c> (<c>azureml://host/mlflow/v1.0/…</c> → <c>https://host/mlflow/v1.0/…</c>;
    /// an http(s) value, as the Emulator serves, is used as is; <see cref="WorkspaceOptions.MlflowTrackingUri"/> overrides both) and builds the stores.
    /// </summary>
    internal static async Task<RemoteWorkspaceBackend> ConnectAsync(
        string subscriptionId, string resourceGroup, string workspaceName, AzureMlHttpClients http, CancellationToken ct)
    {
        Validate.Required(subscriptionId, nameof(subscriptionId));
        Validate.Required(resourceGroup, nameof(resourceGroup));
        Validate.Required(workspaceName, nameof(workspaceName));
        ArgumentNullException.ThrowIfNull(http);
        var options = http.Options;

        var owned = new List<IDisposable>();
        try
        {
            var armHttp = http.Create(AzureMlHttpClientNames.Arm, options.ResourceManagerEndpoint);
            owned.Add(armHttp);
            var arm = new ArmClients(armHttp, options);
            var coordinates = new WorkspaceCoordinates(subscriptionId, resourceGroup, workspaceName);
            var workspace = await arm.Workspaces.GetAsync(subscriptionId, resourceGroup, workspaceName, ct).ConfigureAwait(false);

            var trackingUri = options.MlflowTrackingUri ?? MlflowBaseUri(workspace.Properties?.MlFlowTrackingUri)
                ?? throw new AzureMlException($"Workspace '{workspaceName}' reports no mlFlowTrackingUri; set WorkspaceOptions.MlflowTrackingUri.");
            // Azure ML's MLflow endpoint takes the ARM token, so it shares the ARM client kind.
            var mlflowHttp = http.Create(AzureMlHttpClientNames.Arm, trackingUri);
            owned.Add(mlflowHttp);
            var tracking = new RemoteTrackingStore(RemoteHttp.For<IMlflowTrackingApi>(mlflowHttp, MlflowJsonContext.Default), options.TimeProvider, options.MaxRetries);

            var blobHttp = http.CreateBlob();
            owned.Add(blobHttp);
            var datastore = new DatastoreBlobContainer(arm.Datastores, coordinates, options, http.Credential, blobHttp);
            owned.Add(datastore);
            var artifacts = new RemoteArtifactStore(datastore);
            var models = new RemoteModelRegistry(arm.Models, coordinates, datastore, artifacts, options.TimeProvider, options.MaxRetries);

            // Run history (a failed batch job's error) lives on the workspace's api host, the host of its MLflow endpoint.
            var historyHttp = http.Create(AzureMlHttpClientNames.Arm, new Uri(trackingUri.GetLeftPart(UriPartial.Authority)));
            owned.Add(historyHttp);
            // Azure ML's data plane (batch invocations, AADToken online endpoints) takes tokens for its own scope, never the ARM one.
            var batch = new RemoteBatchEndpoints(arm.BatchEndpoints, arm.Jobs, arm.Lro, coordinates, workspace.Location, datastore, artifacts,
                RemoteHttp.For<IRunHistoryApi>(historyHttp, RunHistoryJsonContext.Default), options,
                scoringUri => http.Create(AzureMlHttpClientNames.MachineLearning, ScoringClient.BaseOf(scoringUri)));
            var endpoints = new RemoteEndpointBackend(arm.OnlineEndpoints, arm.Lro, coordinates, workspace.Location, options,
                scoringUri => http.Create(AzureMlHttpClientNames.Scoring, ScoringClient.BaseOf(scoringUri)), http.Tokens.MachineLearning, batch);
            owned.Add(endpoints);

            var info = new WorkspaceInfo(workspaceName, subscriptionId, resourceGroup, WorkspaceKind.Remote, TrackingUri: trackingUri, Location: workspace.Location);
            var files = new RemoteDatastore(datastore);
            var backend = new RemoteWorkspaceBackend(info, tracking, artifacts, models, endpoints)
            {
                Arm = arm,
                Datastores = files,
                Assets = new RemoteAssetStore(arm, coordinates, files),
                Computes = new RemoteComputes(arm.Computes, arm.Lro, coordinates, workspace.Location),
            };
            backend.Jobs = new RemoteJobBackend(arm.CommandJobs, arm.Lro, coordinates, RemoteHttp.For<IRunHistoryApi>(historyHttp, RunHistoryJsonContext.Default),
                historyHttp, blobHttp, backend, options.TimeProvider);
            backend._owned.AddRange(owned);
            return backend;
        }
        catch
        {
            owned.ForEach(d => d.Dispose());
            throw;
        }
    }

    /// <summary>
    /// Opens a plain MLflow server at <paramref name="trackingUri"/> with a static <c>Authorization</c> header (bearer token or basic
    /// auth; none when null) and a private copy of the HTTP pipeline, which the backend owns.
    /// </summary>
    internal static RemoteWorkspaceBackend ConnectMlflow(Uri trackingUri, AuthenticationHeaderValue? authorization, WorkspaceOptions options, TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(trackingUri);
        ArgumentNullException.ThrowIfNull(options);
        var provider = AzureMlHttpRegistration.CreatePrivateProvider(new AzureMlHttpSettings(options, credential, authorization));
        try
        {
            var backend = ConnectMlflow(trackingUri, provider.GetRequiredService<AzureMlHttpClients>());
            backend._ownedProvider = provider;
            return backend;
        }
        catch
        {
            provider.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens a plain MLflow server at <paramref name="trackingUri"/> as a complete workspace over the pipeline <paramref name="http"/>
    /// (its <see cref="AzureMlHttpClientNames.Mlflow"/> clients carry the server's auth): tracking over the tracking API, run artifacts
    /// through the artifacts proxy (<c>mlflow server --serve-artifacts</c>; runs must have <c>mlflow-artifacts:</c> artifact URIs),
    /// the model registry over the registry API with model files on the proxy. File transfers use their own client with
    /// longer timeouts (at least 10 min per attempt, 1 h per call). Endpoints throw <see cref="AzureMlNotSupportedException"/>.
    /// </summary>
    internal static RemoteWorkspaceBackend ConnectMlflow(Uri trackingUri, AzureMlHttpClients http)
    {
        ArgumentNullException.ThrowIfNull(trackingUri);
        ArgumentNullException.ThrowIfNull(http);
        if (trackingUri.Scheme != Uri.UriSchemeHttp && trackingUri.Scheme != Uri.UriSchemeHttps)
        {
            throw new InvalidInputException($"An MLflow tracking URI must be http(s); got '{trackingUri.Scheme}:' (an azureml:// URI is opened with Workspace.GetAsync or FromConfigAsync).", nameof(trackingUri));
        }
        var options = http.Options;
        var client = http.Create(AzureMlHttpClientNames.Mlflow, trackingUri);
        var transferHttp = http.Create(AzureMlHttpClientNames.MlflowTransfer, trackingUri);
        var trackingApi = RemoteHttp.For<IMlflowTrackingApi>(client, MlflowJsonContext.Default);
        var tracking = new RemoteTrackingStore(trackingApi, options.TimeProvider, options.MaxRetries);
        var proxy = new MlflowArtifactProxy(
            RemoteHttp.For<IMlflowArtifactsApi>(client, MlflowJsonContext.Default),
            RemoteHttp.For<IMlflowArtifactsApi>(transferHttp, MlflowJsonContext.Default),
            options.TimeProvider,
            options.MaxRetries);
        var artifacts = new MlflowArtifactStore(trackingApi, proxy);
        var models = new MlflowModelRegistry(RemoteHttp.For<IMlflowRegistryApi>(client, MlflowJsonContext.Default), proxy, artifacts, options.TimeProvider, options.MaxRetries);
        var info = new WorkspaceInfo(trackingUri.Host, WorkspaceInfo.LocalSubscriptionId, WorkspaceInfo.LocalName, WorkspaceKind.Remote, TrackingUri: trackingUri);
        var unsupported = new NotSupportedConcern(nameof(RemoteWorkspaceBackend));
        var backend = new RemoteWorkspaceBackend(info, tracking, artifacts, models, new UnsupportedRemoteEndpoints(trackingUri))
        {
            Assets = unsupported,
            Datastores = unsupported,
            Computes = unsupported,
        };
        backend.Jobs = NotSupportedConcern.For(backend);
        backend._owned.Add(client);
        backend._owned.Add(transferHttp);
        return backend;
    }

    /// <summary>The options of the file-transfer client: the caller's, with timeouts long enough for large files.</summary>
    internal static WorkspaceOptions MlflowTransferOptions(WorkspaceOptions options)
    {
        var transfer = options.Copy();
        transfer.AttemptTimeout = options.AttemptTimeout > TimeSpan.FromMinutes(10) ? options.AttemptTimeout : TimeSpan.FromMinutes(10);
        transfer.TotalTimeout = options.TotalTimeout > TimeSpan.FromHours(1) ? options.TotalTimeout : TimeSpan.FromHours(1);
        return transfer;
    }

    /// <summary>The https base of an <c>azureml://</c> tracking URI; http(s) values are kept; null stays null.</summary>
    internal static Uri? MlflowBaseUri(string? mlFlowTrackingUri)
    {
        if (string.IsNullOrWhiteSpace(mlFlowTrackingUri))
        {
            return null;
        }
        if (mlFlowTrackingUri.StartsWith("azureml://", StringComparison.OrdinalIgnoreCase))
        {
            return new Uri("https://" + mlFlowTrackingUri["azureml://".Length..]);
        }
        if (Uri.TryCreate(mlFlowTrackingUri, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            return uri;
        }
        throw new InvalidInputException($"mlFlowTrackingUri '{mlFlowTrackingUri}' is neither azureml:// nor http(s)://.", "mlFlowTrackingUri");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var d in Enumerable.Reverse(_owned))
        {
            d.Dispose();
        }
        _owned.Clear();
        if (Interlocked.Exchange(ref _ownedProvider, null) is { } provider)
        {
            await provider.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>The typed ARM clients of one workspace connection, sharing one HTTP pipeline, plus the LRO poller.</summary>
internal sealed class ArmClients(HttpClient http, WorkspaceOptions options)
{
    public IArmWorkspacesApi Workspaces { get; } = RemoteHttp.For<IArmWorkspacesApi>(http, ArmJsonContext.Default);
    public IArmDatastoresApi Datastores { get; } = RemoteHttp.For<IArmDatastoresApi>(http, ArmJsonContext.Default);
    public IArmModelsApi Models { get; } = RemoteHttp.For<IArmModelsApi>(http, ArmJsonContext.Default);
    public IArmEnvironmentsApi Environments { get; } = RemoteHttp.For<IArmEnvironmentsApi>(http, ArmJsonContext.Default);
    public IArmCodesApi Codes { get; } = RemoteHttp.For<IArmCodesApi>(http, ArmJsonContext.Default);
    public IArmDataApi Data { get; } = RemoteHttp.For<IArmDataApi>(http, ArmJsonContext.Default);
    public IArmComponentsApi Components { get; } = RemoteHttp.For<IArmComponentsApi>(http, ArmJsonContext.Default);
    public IArmComputesApi Computes { get; } = RemoteHttp.For<IArmComputesApi>(http, ArmJsonContext.Default);
    public IArmJobsApi Jobs { get; } = RemoteHttp.For<IArmJobsApi>(http, ArmJsonContext.Default);
    public IArmCommandJobsApi CommandJobs { get; } = RemoteHttp.For<IArmCommandJobsApi>(http, ArmJobJsonContext.Default);
    public IArmOnlineEndpointsApi OnlineEndpoints { get; } = RemoteHttp.For<IArmOnlineEndpointsApi>(http, ArmJsonContext.Default);
    public IArmBatchEndpointsApi BatchEndpoints { get; } = RemoteHttp.For<IArmBatchEndpointsApi>(http, ArmJsonContext.Default);
    public ArmLongRunningOperation Lro { get; } = new(http, options.TimeProvider, options.LongRunningOperationTimeout);
}
