using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Logging;

namespace AzureMlSdk;

/// <summary>
/// The process-wide run context behind <see cref="Run.GetContext"/>: ambient state kept apart from the run handle (as MLflow's
/// <c>fluent.py</c> keeps its active-run stack apart from <c>MlflowClient</c>). Inside a submitted job the environment names the
/// job's run (<see cref="JobRunEnvironment"/>: a local workspace's job, or one on Azure ML or the Emulator); elsewhere a
/// new run is started (experiment <see cref="Run.ExperimentNameEnvironmentVariable"/>, else <c>Default</c>) in the workspace
/// <see cref="ResolveWorkspaceAsync"/> chooses as <see cref="Workspace.FromConfigAsync"/> would, and completed at process exit.
/// One line says which workspace was chosen. The same run is handed out until it is closed.
/// </summary>
internal static class RunContext
{
    private const string DefaultExperimentName = "Default";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static Run? s_current;

    /// <summary>The context run, found or started on first use (see the type's summary).</summary>
    public static async Task<Run> GetAsync(TokenCredential? credential, WorkspaceOptions? options, CancellationToken cancellationToken)
    {
        await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (s_current is { IsClosed: false } current)
            {
                return current;
            }
            var run = await DiscoverAsync(credential, options, cancellationToken).ConfigureAwait(false);
            s_current = run;
            return run;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<Run> DiscoverAsync(TokenCredential? credential, WorkspaceOptions? options, CancellationToken cancellationToken)
    {
        var job = JobRunEnvironment.Resolve();
        switch (job.Location)
        {
            case JobRunLocation.LocalWorkspace:
                return await Workspace.Local(job.LocalDirectory, options ?? new WorkspaceOptions()).GetRunAsync(job.RunId!, cancellationToken).ConfigureAwait(false);
            case JobRunLocation.MlflowServer:
                var server = await Workspace.FromMlflowAsync(job.TrackingUri!, job.Token, options, cancellationToken).ConfigureAwait(false);
                return await server.GetRunAsync(job.RunId!, cancellationToken).ConfigureAwait(false);
        }
        var (workspace, why) = await ResolveWorkspaceAsync(Environment.CurrentDirectory, credential, options, cancellationToken).ConfigureAwait(false);
        var experimentName = Environment.GetEnvironmentVariable(Run.ExperimentNameEnvironmentVariable);
        var experiment = await workspace.GetOrCreateExperimentAsync(string.IsNullOrWhiteSpace(experimentName) ? DefaultExperimentName : experimentName, cancellationToken).ConfigureAwait(false);
        var run = await experiment.StartLoggingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        ReportChoice(options, $"AzureMlSdk: Run.GetContext() outside a job: run {run.Id} in experiment '{experiment.Name}' of {why}.");
        CompleteAtExit(run);
        return run;
    }

    private static void CompleteAtExit(Run run) =>
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                run.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(30));
            }
            catch (AggregateException ex)
            {
                Console.Error.WriteLine($"AzureMlSdk: completing run {run.Id} at exit failed: {ex.InnerException?.Message}");
            }
        };

    /// <summary>
    /// The workspace <see cref="Run.GetContext"/> uses outside a job, and why (for its one log line): <c>$AZUREML_LOCAL_DIR</c>; else the
    /// <c>config.json</c> found from <paramref name="startDirectory"/> upward (as <see cref="Workspace.FromConfigAsync"/> finds it);
    /// else <c>./.azureml/local</c>.
    /// </summary>
    internal static async Task<(Workspace Workspace, string Why)> ResolveWorkspaceAsync(string startDirectory, TokenCredential? credential, WorkspaceOptions? options, CancellationToken cancellationToken)
    {
        var localDir = Environment.GetEnvironmentVariable(Workspace.LocalDirectoryEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(localDir))
        {
            var local = Workspace.Local(localDir, options ?? new WorkspaceOptions());
            return (local, $"the local workspace in '{local.LocalDirectory}' (${Workspace.LocalDirectoryEnvironmentVariable})");
        }
        if (WorkspaceConfig.Find(startDirectory) is { } file)
        {
            var (config, _) = await WorkspaceConfig.LoadAsync(file, cancellationToken).ConfigureAwait(false);
            var remote = string.IsNullOrWhiteSpace(config.LocalDirectory);
            var workspace = await Workspace.FromConfigAsync(file, remote ? credential ?? new DefaultAzureCredential() : credential, options, cancellationToken).ConfigureAwait(false);
            var what = workspace.Kind == WorkspaceKind.Local
                ? $"the local workspace in '{workspace.LocalDirectory}'"
                : $"workspace '{workspace.Name}' (subscription {workspace.SubscriptionId}, resource group {workspace.ResourceGroup}{(config.ResourceManagerEndpoint is { } arm ? ", at " + arm : "")})";
            return (workspace, $"{what}, named by '{file}'");
        }
        var fallback = Workspace.Local(null, options ?? new WorkspaceOptions());
        return (fallback, $"the local workspace in '{fallback.LocalDirectory}' (no config.json in '{startDirectory}' or its parents)");
    }

    private static void ReportChoice(WorkspaceOptions? options, string line)
    {
        if (options?.LoggerFactory is { } factory)
        {
            var logger = factory.CreateLogger("AzureMlSdk.Run");
            if (logger.IsEnabled(LogLevel.Information))
            {
                logger.LogInformation("{Choice}", line);
            }
        }
        else
        {
            Console.Error.WriteLine(line);
        }
    }
}
