namespace AzureMlSdk;

/// <summary>Where the run of the job this process runs in lives, as its environment says (see <see cref="JobRunEnvironment"/>).</summary>
internal enum JobRunLocation
{
    /// <summary>Not inside a job.</summary>
    None,

    /// <summary>A local workspace folder (a job of the local workspace): opened directly.</summary>
    LocalWorkspace,

    /// <summary>An MLflow tracking server (Azure ML, the Emulator, a local job agent): opened over HTTP.</summary>
    MlflowServer,
}

/// <summary>What <see cref="JobRunEnvironment.Resolve()"/> found.</summary>
/// <param name="Location">Where the run lives.</param>
/// <param name="RunId">The job's run id.</param>
/// <param name="LocalDirectory">The local workspace folder (<see cref="JobRunLocation.LocalWorkspace"/>; null for the default folder).</param>
/// <param name="TrackingUri">The MLflow server's http(s) base URL (<see cref="JobRunLocation.MlflowServer"/>).</param>
/// <param name="Token">The bearer token for it, when the environment has one (never logged).</param>
/// <param name="ExperimentId">The job's experiment id, when given.</param>
/// <param name="Source">Which variables decided, for the one line <see cref="Run.GetContext"/> reports (names only, no values).</param>
internal sealed record JobRunContext(JobRunLocation Location, string? RunId, string? LocalDirectory, Uri? TrackingUri, string? Token, string? ExperimentId, string Source)
{
    /// <summary>Not inside a job.</summary>
    public static JobRunContext None { get; } = new(JobRunLocation.None, null, null, null, null, null, "no job variables");
}

/// <summary>
/// How <see cref="Run.GetContext"/> recognises that it runs inside a job, and where that job's run is — from environment variables
/// only, in this order:
/// <list type="number">
/// <item><b>A local workspace's job</b> (the job agent, or an in-process supervisor): <c>AZUREML_LOCAL_DIR</c> and a run id
/// (<c>AZUREML_RUN_ID</c>, else <c>MLFLOW_RUN_ID</c>) — the workspace folder is opened directly (SQLite; no HTTP), even when MLflow's
/// variables are also set (the agent sets them for other MLflow clients).</item>
/// <item><b>A job on Azure ML or the Emulator</b>: <c>MLFLOW_TRACKING_URI</c> and a run id (<c>MLFLOW_RUN_ID</c>, else
/// <c>AZUREML_RUN_ID</c>). Azure ML sets the tracking URI as <c>azureml://&lt;region&gt;.api.azureml.ms/mlflow/v1.0/subscriptions/…/workspaces/&lt;name&gt;</c>,
/// which is read as <c>https://</c> the same host and path; http(s) URIs (the Emulator, the agent) are used as they are. The bearer
/// token is <c>MLFLOW_TRACKING_TOKEN</c>, else <c>AZUREML_RUN_TOKEN</c> (Azure ML's run token); without either, MLflow's
/// <c>MLFLOW_TRACKING_USERNAME</c>/<c>MLFLOW_TRACKING_PASSWORD</c> apply, as in MLflow's own client. <c>MLFLOW_EXPERIMENT_ID</c> is
/// kept when set.</item>
/// <item><b>An Azure ML job without MLflow's tracking variable</b> (an environment that unsets it, an older runtime):
/// <c>AZUREML_RUN_ID</c> with <c>AZUREML_SERVICE_ENDPOINT</c> (<c>https://&lt;region&gt;.api.azureml.ms</c>) and the workspace's
/// <c>AZUREML_ARM_SUBSCRIPTION</c>, <c>AZUREML_ARM_RESOURCEGROUP</c>, <c>AZUREML_ARM_WORKSPACE_NAME</c>: the tracking server is
/// <c>&lt;endpoint&gt;/mlflow/v1.0/subscriptions/…/workspaces/&lt;name&gt;</c>, the token <c>AZUREML_RUN_TOKEN</c> (or
/// <c>MLFLOW_TRACKING_TOKEN</c>).</item>
/// <item><b>A run id alone</b> (<c>AZUREML_RUN_ID</c>): the run in the default local workspace (<c>./.azureml/local</c>).</item>
/// </list>
/// Nothing else is read; outside a job (none of the above), <see cref="Run.GetContext"/> starts a new run.
/// </summary>
internal static class JobRunEnvironment
{
    /// <summary>MLflow's tracking server variable.</summary>
    public const string MlflowTrackingUri = "MLFLOW_TRACKING_URI";

    /// <summary>MLflow's active run variable.</summary>
    public const string MlflowRunId = "MLFLOW_RUN_ID";

    /// <summary>MLflow's experiment variable.</summary>
    public const string MlflowExperimentId = "MLFLOW_EXPERIMENT_ID";

    /// <summary>MLflow's bearer token variable.</summary>
    public const string MlflowTrackingToken = "MLFLOW_TRACKING_TOKEN";

    /// <summary>Azure ML's run token (a job's identity to its workspace).</summary>
    public const string AzureMlRunToken = "AZUREML_RUN_TOKEN";

    /// <summary>Azure ML's service endpoint (<c>https://&lt;region&gt;.api.azureml.ms</c>) inside a job.</summary>
    public const string AzureMlServiceEndpoint = "AZUREML_SERVICE_ENDPOINT";

    /// <summary>The job's workspace subscription inside an Azure ML job.</summary>
    public const string AzureMlArmSubscription = "AZUREML_ARM_SUBSCRIPTION";

    /// <summary>The job's workspace resource group inside an Azure ML job.</summary>
    public const string AzureMlArmResourceGroup = "AZUREML_ARM_RESOURCEGROUP";

    /// <summary>The job's workspace name inside an Azure ML job.</summary>
    public const string AzureMlArmWorkspaceName = "AZUREML_ARM_WORKSPACE_NAME";

    /// <summary>Resolves the job's run from the process environment.</summary>
    public static JobRunContext Resolve() => Resolve(Environment.GetEnvironmentVariable);

    /// <summary>Resolves the job's run from <paramref name="variable"/> (a lookup of environment variables).</summary>
    public static JobRunContext Resolve(Func<string, string?> variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        string? Get(string name) => variable(name) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

        var azuremlRun = Get(Run.RunIdEnvironmentVariable);
        var mlflowRun = Get(MlflowRunId);
        var localDir = Get(Workspace.LocalDirectoryEnvironmentVariable);
        var tracking = Get(MlflowTrackingUri);
        var experimentId = Get(MlflowExperimentId);

        if (localDir is not null && (azuremlRun ?? mlflowRun) is { } localRun)
        {
            var which = azuremlRun is not null ? Run.RunIdEnvironmentVariable : MlflowRunId;
            return new JobRunContext(JobRunLocation.LocalWorkspace, localRun, localDir, null, null, experimentId,
                $"${Workspace.LocalDirectoryEnvironmentVariable} and ${which}");
        }
        if (tracking is not null && (mlflowRun ?? azuremlRun) is { } serverRun)
        {
            var which = mlflowRun is not null ? MlflowRunId : Run.RunIdEnvironmentVariable;
            var token = Get(MlflowTrackingToken);
            var tokenSource = token is not null ? MlflowTrackingToken : null;
            if (token is null && Get(AzureMlRunToken) is { } runToken)
            {
                token = runToken;
                tokenSource = AzureMlRunToken;
            }
            return new JobRunContext(JobRunLocation.MlflowServer, serverRun, null, TrackingBase(tracking), token, experimentId,
                $"${MlflowTrackingUri} and ${which}" + (tokenSource is null ? string.Empty : $", token from ${tokenSource}"));
        }
        if (azuremlRun is not null && Get(AzureMlServiceEndpoint) is { } endpoint && Get(AzureMlArmSubscription) is { } subscription
            && Get(AzureMlArmResourceGroup) is { } resourceGroup && Get(AzureMlArmWorkspaceName) is { } workspaceName)
        {
            var token = Get(MlflowTrackingToken) ?? Get(AzureMlRunToken);
            var tokenSource = Get(MlflowTrackingToken) is not null ? MlflowTrackingToken : token is null ? null : AzureMlRunToken;
            var workspaceTracking = $"{endpoint.TrimEnd('/')}/mlflow/v1.0/subscriptions/{Uri.EscapeDataString(subscription)}/resourceGroups/{Uri.EscapeDataString(resourceGroup)}"
                + $"/providers/Microsoft.MachineLearningServices/workspaces/{Uri.EscapeDataString(workspaceName)}";
            return new JobRunContext(JobRunLocation.MlflowServer, azuremlRun, null, TrackingBase(workspaceTracking), token, experimentId,
                $"${AzureMlServiceEndpoint}, $AZUREML_ARM_* and ${Run.RunIdEnvironmentVariable}" + (tokenSource is null ? string.Empty : $", token from ${tokenSource}"));
        }
        if (azuremlRun is not null)
        {
            return new JobRunContext(JobRunLocation.LocalWorkspace, azuremlRun, null, null, null, experimentId, $"${Run.RunIdEnvironmentVariable}");
        }
        return JobRunContext.None;
    }

    /// <summary>The http(s) base of a tracking URI: <c>azureml://host/path</c> → <c>https://host/path</c>; http(s) kept.</summary>
    internal static Uri TrackingBase(string trackingUri)
    {
        if (trackingUri.StartsWith("azureml://", StringComparison.OrdinalIgnoreCase))
        {
            trackingUri = "https://" + trackingUri["azureml://".Length..];
        }
        if (!Uri.TryCreate(trackingUri, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new InvalidInputException(
                $"${MlflowTrackingUri} is '{trackingUri}', which is neither an azureml:// nor an http(s):// URI, so the job's run cannot be reached.", MlflowTrackingUri);
        }
        return uri;
    }
}
