using AzureMlSdk.Backends.Local;
using AzureMlSdk.Backends.Local.Jobs;

namespace AzureMlSdk.Server.Agent;

/// <summary>What the agent hands its job supervisor: its MLflow server (for the jobs' MLflow variables) and an id.</summary>
/// <param name="TrackingUri">The agent's loopback MLflow server.</param>
/// <param name="TrackingToken">Its bearer token (jobs get it as <c>MLFLOW_TRACKING_TOKEN</c>).</param>
/// <param name="SupervisorId">The id stored on the jobs it runs (owner stamp of this process first, so a dead agent's jobs are recognised).</param>
internal sealed record AgentSupervisorSettings(Uri TrackingUri, string TrackingToken, string SupervisorId);

/// <summary>The job supervisor as the agent drives it.</summary>
internal interface IAgentSupervisor : IDisposable
{
    /// <summary>Supervises until <paramref name="stop"/> fires.</summary>
    Task RunAsync(CancellationToken stop);

    /// <summary>Nothing running and nothing waiting at its last look.</summary>
    bool IsIdle { get; }

    /// <summary>Look for work now.</summary>
    void Wake();

    /// <summary>Whether jobs wait to be run (looked up now, in the store).</summary>
    bool HasWaitingJobs();
}

/// <summary>Creates the agent's supervisor: the engine's <see cref="LocalJobSupervisor"/> over the workspace.</summary>
internal static class AgentSupervisors
{
    public static IAgentSupervisor Create(LocalWorkspaceBackend backend, AgentSupervisorSettings settings) =>
        new Engine(backend, new LocalJobSupervisor(backend, new JobSupervisorOptions
        {
            TrackingUri = settings.TrackingUri,
            TrackingToken = settings.TrackingToken,
            SupervisorId = settings.SupervisorId,
        }));

    /// <summary>Whether the folder has jobs no supervisor has claimed yet.</summary>
    public static bool HasWaitingJobs(LocalWorkspaceBackend backend) =>
        backend.Database.Read(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1 FROM jobs WHERE status IN ('NotStarted', 'Queued') LIMIT 1";
            return command.ExecuteScalar() is not null;
        });

    private sealed class Engine(LocalWorkspaceBackend backend, LocalJobSupervisor supervisor) : IAgentSupervisor
    {
        public bool IsIdle => supervisor.IsIdle;

        public Task RunAsync(CancellationToken stop) => supervisor.RunAsync(stop);

        public void Wake() => supervisor.Wake();

        public bool HasWaitingJobs() => AgentSupervisors.HasWaitingJobs(backend);

        public void Dispose() => supervisor.Dispose();
    }
}

/// <summary>
/// The launcher of the agent's own workspace handle: jobs submitted inside the agent (a sweep's trials, a pipeline's steps) are
/// run by the agent's supervisor, which is woken; no second agent is started.
/// </summary>
internal sealed class AgentSelfLauncher(Func<IAgentSupervisor?> supervisor) : ILocalJobLauncher
{
    public Task EnsureSupervisorAsync(CancellationToken cancellationToken)
    {
        supervisor()?.Wake();
        return Task.CompletedTask;
    }

    public Task NotifyAsync(CancellationToken cancellationToken)
    {
        supervisor()?.Wake();
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
