using Microsoft.Extensions.Logging;

namespace AzureMlSdk;

/// <summary>
/// Options for opening a workspace: a remote one (Azure ML, the Emulator, or any MLflow server) through
/// <see cref="Workspace.GetAsync"/> or <see cref="Workspace.FromConfigAsync"/>, or the local one through
/// <see cref="Workspace.Local(string?, WorkspaceOptions)"/> (which uses <see cref="LogBuffer"/>, <see cref="TimeProvider"/>
/// and <see cref="TrafficRandom"/>).
/// </summary>
public class WorkspaceOptions
{
    /// <summary>The Azure Resource Manager endpoint. Default <c>https://management.azure.com/</c>; point it at the Emulator to work offline.</summary>
    public Uri ResourceManagerEndpoint { get; set; } = new("https://management.azure.com/");

    /// <summary>Overrides the MLflow tracking base URL the workspace reports (its <c>mlFlowTrackingUri</c>), e.g. an MLflow server.</summary>
    public Uri? MlflowTrackingUri { get; set; }

    /// <summary>The token scope for ARM and the MLflow endpoint. Default <c>https://management.azure.com/.default</c>.</summary>
    public string TokenScope { get; set; } = "https://management.azure.com/.default";

    /// <summary>
    /// The token scope for Azure ML's data plane where it differs from ARM: invoking a batch endpoint (a job is started by POSTing
    /// to its scoring URI). Default <c>https://ml.azure.com/.default</c>; sovereign clouds use their own (e.g. <c>https://ml.azure.us/.default</c>).
    /// </summary>
    public string MachineLearningTokenScope { get; set; } = "https://ml.azure.com/.default";

    /// <summary>Time source for retries, token refresh and timestamps (tests pass a fake).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Your application's name, put in front of the SDK's <c>User-Agent</c> (<c>myapp AzureMlSdk/0.1.0 (.NET 10.0.0; Linux …)</c>) so
    /// the service's logs can tell your calls apart, as Azure SDKs' <c>DiagnosticsOptions.ApplicationId</c> does. Default none.
    /// </summary>
    public string? ApplicationId { get; set; }

    /// <summary>Logging; nothing is logged when null. Tokens and keys are never logged.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Retries of one call on transient failures (408, 429, 5xx, network errors). Default 3.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>Timeout of one attempt. Default 30 s.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Timeout of one call, retries included. Default 2 min.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Longest wait for a long-running operation (endpoint create…). Default 30 min.</summary>
    public TimeSpan LongRunningOperationTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How runs buffer their logging (flush interval, batch size, capacity).</summary>
    public LogBufferOptions LogBuffer { get; set; } = new();

    /// <summary>
    /// Overrides the blob service URL of the workspace's datastores (normally <c>https://&lt;account&gt;.blob.&lt;endpoint&gt;</c>),
    /// e.g. Azurite's <c>http://127.0.0.1:10000/devstoreaccount1</c>. The datastore's container and credentials still apply.
    /// </summary>
    public Uri? BlobServiceUri { get; set; }

    /// <summary>
    /// Local workspaces: the random source the local endpoints' traffic router draws from when it splits requests between
    /// deployments by weight. Seed it (<c>new Random(42)</c>) for reproducible splits in tests; null uses a shared unseeded source.
    /// Azure ML splits traffic on the service side, so remote workspaces ignore it.
    /// </summary>
    public Random? TrafficRandom { get; set; }

    /// <summary>An inner handler for every HTTP call (tests, proxies). The SDK's auth and resilience handlers sit above it.</summary>
    public HttpMessageHandler? HttpMessageHandler { get; set; }

    /// <summary>A copy of these options (a derived type's extra settings are not copied).</summary>
    internal WorkspaceOptions Copy() => new()
    {
        ResourceManagerEndpoint = ResourceManagerEndpoint,
        MlflowTrackingUri = MlflowTrackingUri,
        TokenScope = TokenScope,
        MachineLearningTokenScope = MachineLearningTokenScope,
        TimeProvider = TimeProvider,
        ApplicationId = ApplicationId,
        LoggerFactory = LoggerFactory,
        MaxRetries = MaxRetries,
        AttemptTimeout = AttemptTimeout,
        TotalTimeout = TotalTimeout,
        LongRunningOperationTimeout = LongRunningOperationTimeout,
        LogBuffer = LogBuffer,
        BlobServiceUri = BlobServiceUri,
        TrafficRandom = TrafficRandom,
        HttpMessageHandler = HttpMessageHandler,
    };
}
