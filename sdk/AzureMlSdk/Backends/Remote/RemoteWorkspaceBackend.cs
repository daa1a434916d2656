using System.Net.Http.Headers;
using Azure.Core;
using AzureMlSdk.Backends.Remote.Arm;
using AzureMlSdk.Backends.Remote.Auth;
using AzureMlSdk.Backends.Remote.Blob;
using AzureMlSdk.Backends.Remote.History;
using AzureMlSdk.Backends.Remote.Http;
using AzureMlSdk.Backends.Remote.Mlflow;

namespace AzureMlSdk.Backends.Remote;

/// <summary>
/// A workspace reached over Azure ML's REST surfaces: ARM <c>Microsoft.MachineLearningServices</c> for the workspace,
/// datastores and models; MLflow's REST API at the workspace's <c>mlFlowTrackingUri</c> for tracking; Azure Blob for
/// artifacts and model files. The same code talks to Azure, the Emulator, or any MLflow server (see <see cref="ConnectMlflow"/>).
/// </summary>
internal sealed class RemoteWorkspaceBackend : IWorkspaceBackend
{
    private readonly List<IDisposable> _owned = [];

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

    /// <summary>The ARM surfaces beyond the contract (jobs, endpoints, environments, code), for the object model; null for a plain MLflow server.</summary>
    internal ArmClients? Arm { get; private init; }

    /// <summary>
    /// Opens a workspace: GETs it through ARM, derives the MLflow base URL from its <c>mlFlowTrackingUri</c>
    /// (<c>azureml://host/mlflow/v1.0/…</c> → <c>https://host/mlflow/v1.0/…</c>; an http(s) value, as the Emulator serves, is used as is;
    /// <see cref="WorkspaceOptions.MlflowTrackingUri"/> overrides both) and builds the stores.
    /// </summary>
    internal static async Task<RemoteWorkspaceBackend> ConnectAsync(
        string subscriptionId, string resourceGroup, string workspaceName, TokenCredential credential, WorkspaceOptions options, CancellationToken ct)
    {
        Validate.Required(subscriptionId, nameof(subscriptionId));
        Validate.Required(resourceGroup, nameof(resourceGroup));
        Validate.Required(workspaceName, nameof(workspaceName));
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentNullException.ThrowIfNull(options);

        var owned = new List<IDisposable>();
        var transport = RemoteHttp.CreateTransport(options);
        if (!ReferenceEquals(transport, options.HttpMessageHandler))
        {
            owned.Add(transport);
        }
        var tokens = new AccessTokenCache(credential, [options.TokenScope], options.TimeProvider);
        owned.Add(tokens);
        try
        {
            var armHttp = RemoteHttp.CreateClient(options.ResourceManagerEndpoint, options, new TokenCredentialHandler(tokens), transport);
            owned.Add(armHttp);
            var arm = new ArmClients(armHttp, options);
            var coordinates = new WorkspaceCoordinates(subscriptionId, resourceGroup, workspaceName);
            var workspace = await arm.Workspaces.GetAsync(subscriptionId, resourceGroup, workspaceName, ct).ConfigureAwait(false);

            var trackingUri = options.MlflowTrackingUri ?? MlflowBaseUri(workspace.Properties?.MlFlowTrackingUri)
                ?? throw new AzureMlException($"Workspace '{workspaceName}' reports no mlFlowTrackingUri; set WorkspaceOptions.MlflowTrackingUri.");
            var mlflowHttp = RemoteHttp.CreateClient(trackingUri, options, new TokenCredentialHandler(tokens), transport);
            owned.Add(mlflowHttp);
            var tracking = new RemoteTrackingStore(RemoteHttp.For<IMlflowTrackingApi>(mlflowHttp, MlflowJsonContext.Default), options.TimeProvider, options.MaxRetries);

            var datastore = new DatastoreBlobContainer(arm.Datastores, coordinates, options, credential, options.HttpMessageHandler);
            owned.Add(datastore);
            var artifacts = new RemoteArtifactStore(datastore);
            var models = new RemoteModelRegistry(arm.Models, coordinates, datastore, artifacts, options.TimeProvider, options.MaxRetries);

            // Run history (a failed batch job's error) lives on the workspace's api host, the host of its MLflow endpoint.
            var historyHttp = RemoteHttp.CreateClient(new Uri(trackingUri.GetLeftPart(UriPartial.Authority)), options, new TokenCredentialHandler(tokens), transport);
            owned.Add(historyHttp);
            // Azure ML's data plane (batch invocations, AADToken online endpoints) takes tokens for its own scope, never the ARM one.
            var machineLearningTokens = new AccessTokenCache(credential, [options.MachineLearningTokenScope], options.TimeProvider);
            owned.Add(machineLearningTokens);
            var batch = new RemoteBatchEndpoints(arm.BatchEndpoints, arm.Jobs, arm.Lro, coordinates, workspace.Location, datastore, artifacts,
                RemoteHttp.For<IRunHistoryApi>(historyHttp, RunHistoryJsonContext.Default), machineLearningTokens, options, transport);
            var endpoints = new RemoteEndpointBackend(arm.OnlineEndpoints, arm.Lro, coordinates, workspace.Location, options, transport, machineLearningTokens, batch);
            owned.Add(endpoints);

            var info = new WorkspaceInfo(workspaceName, subscriptionId, resourceGroup, WorkspaceKind.Remote, TrackingUri: trackingUri, Location: workspace.Location);
            var backend = new RemoteWorkspaceBackend(info, tracking, artifacts, models, endpoints) { Arm = arm };
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
    /// Opens a plain MLflow server at <paramref name="trackingUri"/> as a complete workspace, with a static
    /// <c>Authorization</c> header (bearer token or basic auth; none when null): tracking over the tracking API, run artifacts
    /// through the artifacts proxy (<c>mlflow server --serve-artifacts</c>; runs must have <c>mlflow-artifacts:</c> artifact URIs),
    /// the model registry over the registry API with model files on the proxy. File transfers use their own client with
    /// longer timeouts (at least 10 min per attempt, 1 h per call).
    /// </summary>
    internal static RemoteWorkspaceBackend ConnectMlflow(Uri trackingUri, AuthenticationHeaderValue? authorization, WorkspaceOptions options)
    {
        ArgumentNullException.ThrowIfNull(trackingUri);
        ArgumentNullException.ThrowIfNull(options);
        var transport = RemoteHttp.CreateTransport(options);
        var http = RemoteHttp.CreateClient(trackingUri, options, new StaticAuthHandler(authorization), transport);
        var transferHttp = RemoteHttp.CreateClient(trackingUri, MlflowTransferOptions(options), new StaticAuthHandler(authorization), transport);
        var trackingApi = RemoteHttp.For<IMlflowTrackingApi>(http, MlflowJsonContext.Default);
        var tracking = new RemoteTrackingStore(trackingApi, options.TimeProvider, options.MaxRetries);
        var proxy = new MlflowArtifactProxy(
            RemoteHttp.For<IMlflowArtifactsApi>(http, MlflowJsonContext.Default),
            RemoteHttp.For<IMlflowArtifactsApi>(transferHttp, MlflowJsonContext.Default),
            options.TimeProvider,
            options.MaxRetries);
        var artifacts = new MlflowArtifactStore(trackingApi, proxy);
        var models = new MlflowModelRegistry(RemoteHttp.For<IMlflowRegistryApi>(http, MlflowJsonContext.Default), proxy, artifacts, options.TimeProvider, options.MaxRetries);
        var info = new WorkspaceInfo(trackingUri.Host, WorkspaceInfo.LocalSubscriptionId, WorkspaceInfo.LocalName, WorkspaceKind.Remote, TrackingUri: trackingUri);
        var backend = new RemoteWorkspaceBackend(info, tracking, artifacts, models, new UnsupportedRemoteEndpoints(trackingUri));
        backend._owned.Add(http);
        backend._owned.Add(transferHttp);
        if (!ReferenceEquals(transport, options.HttpMessageHandler))
        {
            backend._owned.Add(transport);
        }
        return backend;
    }

    /// <summary>The options of the file-transfer client: the caller's, with timeouts long enough for large files.</summary>
    internal static WorkspaceOptions MlflowTransferOptions(WorkspaceOptions options) => new()
    {
        ResourceManagerEndpoint = options.ResourceManagerEndpoint,
        MlflowTrackingUri = options.MlflowTrackingUri,
        TokenScope = options.TokenScope,
        MachineLearningTokenScope = options.MachineLearningTokenScope,
        TimeProvider = options.TimeProvider,
        ApplicationId = options.ApplicationId,
        LoggerFactory = options.LoggerFactory,
        MaxRetries = options.MaxRetries,
        AttemptTimeout = options.AttemptTimeout > TimeSpan.FromMinutes(10) ? options.AttemptTimeout : TimeSpan.FromMinutes(10),
        TotalTimeout = options.TotalTimeout > TimeSpan.FromHours(1) ? options.TotalTimeout : TimeSpan.FromHours(1),
        LongRunningOperationTimeout = options.LongRunningOperationTimeout,
        LogBuffer = options.LogBuffer,
        BlobServiceUri = options.BlobServiceUri,
        HttpMessageHandler = options.HttpMessageHandler,
    };

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

    public ValueTask DisposeAsync()
    {
        foreach (var d in Enumerable.Reverse(_owned))
        {
            d.Dispose();
        }
        _owned.Clear();
        return ValueTask.CompletedTask;
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
    public IArmJobsApi Jobs { get; } = RemoteHttp.For<IArmJobsApi>(http, ArmJsonContext.Default);
    public IArmOnlineEndpointsApi OnlineEndpoints { get; } = RemoteHttp.For<IArmOnlineEndpointsApi>(http, ArmJsonContext.Default);
    public IArmBatchEndpointsApi BatchEndpoints { get; } = RemoteHttp.For<IArmBatchEndpointsApi>(http, ArmJsonContext.Default);
    public ArmLongRunningOperation Lro { get; } = new(http, options.TimeProvider, options.LongRunningOperationTimeout);
}
