namespace AzureMlSdk;

/// <summary>
/// The process-wide run context behind <see cref="Run.GetContext"/>: ambient state kept apart from the run handle (as MLflow's
/// <c>fluent.py</c> keeps its active-run stack apart from <c>MlflowClient</c>). Inside a submitted job the environment names the
/// job's run (<see cref="Run.RunIdEnvironmentVariable"/>, with <c>AZUREML_LOCAL_DIR</c> naming a local workspace); elsewhere a
/// new run is started in the local workspace (experiment <see cref="Run.ExperimentNameEnvironmentVariable"/>, else <c>Default</c>)
/// and completed at process exit. The same run is handed out until it is closed.
/// </summary>
internal static class RunContext
{
    private const string DefaultExperimentName = "Default";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static Run? s_current;

    /// <summary>The context run, found or started on first use (see the type's summary).</summary>
    public static async Task<Run> GetAsync(CancellationToken cancellationToken)
    {
        await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (s_current is { IsClosed: false } current)
            {
                return current;
            }
            var run = await DiscoverAsync(cancellationToken).ConfigureAwait(false);
            s_current = run;
            return run;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<Run> DiscoverAsync(CancellationToken cancellationToken)
    {
        var runId = Environment.GetEnvironmentVariable(Run.RunIdEnvironmentVariable);
        var workspace = Workspace.Local();
        if (!string.IsNullOrWhiteSpace(runId))
        {
            return await workspace.GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
        }
        var experimentName = Environment.GetEnvironmentVariable(Run.ExperimentNameEnvironmentVariable);
        var experiment = await workspace.GetOrCreateExperimentAsync(string.IsNullOrWhiteSpace(experimentName) ? DefaultExperimentName : experimentName, cancellationToken).ConfigureAwait(false);
        var run = await experiment.StartLoggingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
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
}
