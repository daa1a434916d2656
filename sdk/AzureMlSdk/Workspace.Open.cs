using System.Net.Http.Headers;
using System.Text;
using Azure.Core;
using Azure.Identity;
using AzureMlSdk.Backends;
using AzureMlSdk.Backends.Local;
using AzureMlSdk.Backends.Remote;
using AzureMlSdk.Backends.Remote.Http;
using Microsoft.Extensions.Logging;

namespace AzureMlSdk;

public partial class Workspace
{
    /// <summary>The credential used when none is given; tests replace it so nothing reaches the cloud.</summary>
    internal static Func<TokenCredential> DefaultCredentialFactory { get; set; } = static () => new DefaultAzureCredential();

    /// <summary>
    /// The default credential of <see cref="GetAsync"/>, <see cref="FromConfigAsync"/> and <c>AddAzureMl</c>:
    /// <see cref="DefaultAzureCredential"/> (environment, workload identity, managed identity, Visual Studio, Azure CLI,
    /// Azure PowerShell, Azure Developer CLI…), as the Python SDK's <c>MLClient</c> samples use.
    /// </summary>
    internal static TokenCredential CreateDefaultCredential() => DefaultCredentialFactory();

    /// <summary>
    /// Opens (creating if needed) the embedded local workspace: SQLite + files in <paramref name="directory"/>,
    /// else in <c>$AZUREML_LOCAL_DIR</c>, else in <c>./.azureml/local</c>. Several processes may share it.
    /// </summary>
    /// <param name="directory">The workspace folder.</param>
    /// <param name="logBuffer">How runs buffer their logging.</param>
    /// <param name="loggerFactory">Logging (README lists the categories); none when null.</param>
    public static Workspace Local(string? directory = null, LogBufferOptions? logBuffer = null, ILoggerFactory? loggerFactory = null) =>
        Local(directory, new WorkspaceOptions { LogBuffer = logBuffer ?? new LogBufferOptions(), LoggerFactory = loggerFactory });

    /// <summary>
    /// Opens (creating if needed) the embedded local workspace with <paramref name="options"/> (what applies to a local workspace:
    /// <see cref="WorkspaceOptions.LogBuffer"/>, <see cref="WorkspaceOptions.TimeProvider"/>, <see cref="WorkspaceOptions.TrafficRandom"/>,
    /// <see cref="WorkspaceOptions.LoggerFactory"/>): in <paramref name="directory"/>, else in <c>$AZUREML_LOCAL_DIR</c>, else in <c>./.azureml/local</c>.
    /// </summary>
    /// <param name="directory">The workspace folder.</param>
    /// <param name="options">The options that apply to a local workspace.</param>
    public static Workspace Local(string? directory, WorkspaceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var dir = directory;
        if (string.IsNullOrWhiteSpace(dir))
        {
            dir = Environment.GetEnvironmentVariable(LocalDirectoryEnvironmentVariable);
        }
        if (string.IsNullOrWhiteSpace(dir))
        {
            dir = Path.Combine(Environment.CurrentDirectory, ".azureml", "local");
        }
        var backend = new LocalWorkspaceBackend(dir, options.TimeProvider, options.TrafficRandom, loggerFactory: options.LoggerFactory);
        // As an MLflow server (and the Emulator): experiment "0" (Default) exists, so every backend lists the same experiments.
        ((LocalTrackingStore)backend.Tracking).EnsureDefaultExperiment();
        return new Workspace(backend, options.TimeProvider, options.LogBuffer, options.LoggerFactory);
    }

    /// <summary>Wraps any backend implementation (tests, custom stores) in the object model.</summary>
    /// <param name="backend">The backend.</param>
    /// <param name="timeProvider">The clock; the system's when null.</param>
    /// <param name="logBuffer">How runs buffer their logging.</param>
    /// <param name="loggerFactory">Logging; none when null.</param>
    public static Workspace FromBackend(IWorkspaceBackend backend, TimeProvider? timeProvider = null, LogBufferOptions? logBuffer = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        return new Workspace(backend, timeProvider, logBuffer, loggerFactory);
    }

    /// <summary>
    /// Opens the workspace named by a <c>config.json</c> (the Python SDK's file), found like the Python SDK does:
    /// <c>./.azureml/config.json</c>, <c>./aml_config/config.json</c>, <c>./config.json</c>, then the parent folders.
    /// A <c>local_dir</c> key opens a local workspace; <c>subscription_id</c> + <c>resource_group</c> + <c>workspace_name</c> a
    /// workspace resolved through ARM (<c>resource_manager_endpoint</c>, <c>mlflow_tracking_uri</c> and <c>blob_service_uri</c>
    /// override its endpoints, e.g. for the Emulator); <c>mlflow_tracking_uri</c> alone a plain MLflow tracking server
    /// (<see cref="FromMlflowAsync(Uri, TokenCredential?, WorkspaceOptions?, CancellationToken)"/>).
    /// </summary>
    /// <param name="path">A config file or a folder to start the search from; the current folder when null.</param>
    /// <param name="credential">
    /// The credential for Azure ML; <see cref="DefaultAzureCredential"/> when null. For a plain MLflow server it is sent only when
    /// given (otherwise <c>MLFLOW_TRACKING_TOKEN</c> or <c>MLFLOW_TRACKING_USERNAME</c>/<c>PASSWORD</c> apply, as in MLflow's client).
    /// </param>
    /// <param name="options">Options for a remote workspace (not changed: the file's endpoints apply to a copy).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public static async Task<Workspace> FromConfigAsync(string? path = null, TokenCredential? credential = null, WorkspaceOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (config, file) = await WorkspaceConfig.LoadAsync(path, cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrWhiteSpace(config.LocalDirectory))
        {
            return Local(config.LocalDirectory, options ?? new WorkspaceOptions());
        }
        var effective = (options ?? new WorkspaceOptions()).Copy();
        config.ApplyEndpoints(effective, file);
        var hasCoordinates = !string.IsNullOrWhiteSpace(config.SubscriptionId) || !string.IsNullOrWhiteSpace(config.ResourceGroup) || !string.IsNullOrWhiteSpace(config.WorkspaceName);
        if (!hasCoordinates && effective.MlflowTrackingUri is { } tracking)
        {
            effective.MlflowTrackingUri = null;
            return await FromMlflowAsync(tracking, credential, effective, cancellationToken).ConfigureAwait(false);
        }
        if (string.IsNullOrWhiteSpace(config.SubscriptionId) || string.IsNullOrWhiteSpace(config.ResourceGroup) || string.IsNullOrWhiteSpace(config.WorkspaceName))
        {
            throw new InvalidInputException($"Config file '{file}' must name subscription_id, resource_group and workspace_name (or local_dir for a local workspace, or mlflow_tracking_uri alone for an MLflow server).", "config");
        }
        return await GetAsync(config.SubscriptionId, config.ResourceGroup, config.WorkspaceName, credential, effective, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens a workspace in Azure ML (or the Emulator) through ARM, then talks to its MLflow endpoint. The workspace owns its
    /// HTTP pipeline (the same one <c>AddAzureMl</c> registers: IHttpClientFactory clients with the SDK's handlers).
    /// </summary>
    /// <param name="subscriptionId">The subscription id.</param>
    /// <param name="resourceGroup">The resource group.</param>
    /// <param name="workspaceName">The workspace name.</param>
    /// <param name="credential">The credential; <see cref="DefaultAzureCredential"/> when null.</param>
    /// <param name="options">Endpoints, retries, timeouts, logging.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public static async Task<Workspace> GetAsync(string subscriptionId, string resourceGroup, string workspaceName, TokenCredential? credential = null, WorkspaceOptions? options = null, CancellationToken cancellationToken = default)
    {
        Validate.Required(subscriptionId, nameof(subscriptionId));
        Validate.Required(resourceGroup, nameof(resourceGroup));
        Validate.Required(workspaceName, nameof(workspaceName));
        options ??= new WorkspaceOptions();
        var backend = await RemoteWorkspaceBackend.ConnectAsync(subscriptionId, resourceGroup, workspaceName, credential ?? CreateDefaultCredential(), options, cancellationToken).ConfigureAwait(false);
        return new Workspace(backend, options.TimeProvider, options.LogBuffer, options.LoggerFactory)
        {
            // Remembered for WriteConfigAsync: a workspace opened through the Emulator writes a config.json that opens it again.
            _overrides = new ConfigOverrides(
                options.ResourceManagerEndpoint is { } arm && !UriEquals(arm, AzureResourceManager) ? arm.ToString() : null,
                options.MlflowTrackingUri?.ToString(),
                options.BlobServiceUri?.ToString()),
        };
    }

    /// <summary>
    /// Opens any MLflow tracking server as a workspace — an <c>mlflow server</c> (with <c>--serve-artifacts</c> for run artifacts
    /// and model files), Databricks, Azure ML's own MLflow endpoint, the Emulator: experiments, runs, metrics, params, tags,
    /// artifacts, search and the model registry work as on any workspace; endpoints throw <see cref="AzureMlNotSupportedException"/>.
    /// The server is asked for one experiment first, so a wrong URI or credential fails here, with a typed error.
    /// </summary>
    /// <param name="trackingUri">The server's base URL (what <c>MLFLOW_TRACKING_URI</c> holds), e.g. <c>http://127.0.0.1:5000</c>.</param>
    /// <param name="credential">
    /// A Microsoft Entra credential, sent as a bearer token for <see cref="WorkspaceOptions.TokenScope"/>; when null, the environment's
    /// <c>MLFLOW_TRACKING_TOKEN</c> (bearer) or <c>MLFLOW_TRACKING_USERNAME</c>/<c>MLFLOW_TRACKING_PASSWORD</c> (basic), else no auth.
    /// </param>
    /// <param name="options">Retries, timeouts, logging.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public static Task<Workspace> FromMlflowAsync(Uri trackingUri, TokenCredential? credential = null, WorkspaceOptions? options = null, CancellationToken cancellationToken = default) =>
        OpenMlflowAsync(trackingUri, credential, credential is null ? MlflowAuth.FromEnvironment() : null, options, cancellationToken);

    /// <summary>Opens an MLflow tracking server that takes a fixed bearer token (see <see cref="FromMlflowAsync(Uri, TokenCredential?, WorkspaceOptions?, CancellationToken)"/>).</summary>
    /// <param name="trackingUri">The server's base URL.</param>
    /// <param name="token">The bearer token (what <c>MLFLOW_TRACKING_TOKEN</c> holds); the environment's when null.</param>
    /// <param name="options">Retries, timeouts, logging.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public static Task<Workspace> FromMlflowAsync(Uri trackingUri, string? token, WorkspaceOptions? options = null, CancellationToken cancellationToken = default) =>
        OpenMlflowAsync(trackingUri, null, MlflowAuth.Resolve(token, null), options, cancellationToken);

    private static async Task<Workspace> OpenMlflowAsync(Uri trackingUri, TokenCredential? credential, AuthenticationHeaderValue? authorization, WorkspaceOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trackingUri);
        if (!trackingUri.IsAbsoluteUri)
        {
            throw new InvalidInputException($"The MLflow tracking URI must be absolute; got '{trackingUri}'.", nameof(trackingUri));
        }
        options ??= new WorkspaceOptions();
        var backend = RemoteWorkspaceBackend.ConnectMlflow(trackingUri, authorization, options, credential);
        return await WorkspaceOpener.ProbedAsync(backend, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs the disposal synchronously (for <c>using</c> and containers disposed with <c>Dispose</c>); prefer <see cref="DisposeAsync"/>.</summary>
    public void Dispose()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }
        // On a pool thread: no caller's synchronization context can deadlock the flush.
        Task.Run(async () => await DisposeAsync().ConfigureAwait(false)).GetAwaiter().GetResult();
        GC.SuppressFinalize(this);
    }
}

/// <summary>Opens the workspace <see cref="DependencyInjection.AzureMlClientOptions"/> names, over a container's HTTP pipeline.</summary>
internal static class WorkspaceOpener
{
    public static async Task<Workspace> OpenAsync(DependencyInjection.AzureMlClientOptions options, AzureMlHttpClients http, CancellationToken cancellationToken)
    {
        var effective = http.Options;
        if (!string.IsNullOrWhiteSpace(options.LocalDirectory))
        {
            return Workspace.Local(options.LocalDirectory, effective);
        }
        if (!string.IsNullOrWhiteSpace(options.SubscriptionId))
        {
            var backend = await RemoteWorkspaceBackend.ConnectAsync(options.SubscriptionId, options.ResourceGroup, options.WorkspaceName, http, cancellationToken).ConfigureAwait(false);
            return new Workspace(backend, effective.TimeProvider, effective.LogBuffer, effective.LoggerFactory);
        }
        if (effective.MlflowTrackingUri is { } tracking)
        {
            return await ProbedAsync(RemoteWorkspaceBackend.ConnectMlflow(tracking, http), effective, cancellationToken).ConfigureAwait(false);
        }
        throw new InvalidInputException("AddAzureMl names no workspace: set LocalDirectory, SubscriptionId/ResourceGroup/WorkspaceName, MlflowTrackingUri, or ConfigPath (or put a config.json where it is searched).", "AzureMl");
    }

    /// <summary>Asks the MLflow server for one experiment, so a wrong URI or credential fails at opening; disposes the backend if it does.</summary>
    public static async Task<Workspace> ProbedAsync(RemoteWorkspaceBackend backend, WorkspaceOptions options, CancellationToken cancellationToken)
    {
        try
        {
            await backend.Tracking.SearchExperimentsAsync(new ExperimentQuery(MaxResults: 1), cancellationToken).ConfigureAwait(false);
            return new Workspace(backend, options.TimeProvider, options.LogBuffer, options.LoggerFactory);
        }
        catch
        {
            await backend.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}

/// <summary>How a plain MLflow server is authenticated, as MLflow's own client does it.</summary>
internal static class MlflowAuth
{
    /// <summary>A bearer token when given; else the credential decides (null: the environment's MLflow variables).</summary>
    public static AuthenticationHeaderValue? Resolve(string? token, TokenCredential? credential) =>
        !string.IsNullOrWhiteSpace(token) ? new AuthenticationHeaderValue("Bearer", token.Trim())
        : credential is null ? FromEnvironment() : null;

    /// <summary><c>MLFLOW_TRACKING_TOKEN</c> (bearer), else <c>MLFLOW_TRACKING_USERNAME</c>/<c>MLFLOW_TRACKING_PASSWORD</c> (basic), else none.</summary>
    public static AuthenticationHeaderValue? FromEnvironment()
    {
        if (Environment.GetEnvironmentVariable("MLFLOW_TRACKING_TOKEN") is { Length: > 0 } token)
        {
            return new AuthenticationHeaderValue("Bearer", token);
        }
        var user = Environment.GetEnvironmentVariable("MLFLOW_TRACKING_USERNAME");
        var password = Environment.GetEnvironmentVariable("MLFLOW_TRACKING_PASSWORD");
        return user is { Length: > 0 } && password is not null
            ? new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")))
            : null;
    }
}
