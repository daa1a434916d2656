using AzureMlSdk.Backends.Local;

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

    /// <summary>Whether jobs wait to be run (looked up now, in the store).</summary>
    bool HasWaitingJobs();
}

/// <summary>Creates the agent's supervisor.</summary>
internal static class AgentSupervisors
{
    public static IAgentSupervisor Create(LocalWorkspaceBackend backend, AgentSupervisorSettings settings) => new Idle();

    private sealed class Idle : IAgentSupervisor
    {
        public bool IsIdle => true;

        public bool HasWaitingJobs() => false;

        public Task RunAsync(CancellationToken stop) => Task.Delay(Timeout.Infinite, stop);

        public void Dispose()
        {
        }
    }
}
