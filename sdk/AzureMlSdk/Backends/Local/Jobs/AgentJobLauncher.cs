namespace AzureMlSdk.Backends.Local.Jobs;

/// <summary>
/// The local workspace's default launcher: a detached job agent per workspace folder (<c>AzureMlSdk.Server</c>'s <c>job-agent</c>,
/// see <see cref="JobAgentProcess"/>), started on the first submit when none runs, so jobs outlive the process that submitted them
/// (as on Azure ML: submit, exit, and follow the job from another process). A running agent is told about a new job or a cancel
/// request by touching <c>job-agent/wake</c> (it also polls every 250 ms). Disposing the launcher leaves the agent running: it stops
/// itself when idle (<see cref="JobAgentProcess.DefaultIdleTimeout"/>, or <c>AZUREML_JOB_AGENT_IDLE_TIMEOUT</c> seconds).
/// Without the <c>AzureMlSdk.Server</c> package, submitting a job throws <see cref="AzureMlNotSupportedException"/> naming it.
/// </summary>
internal sealed class AgentJobLauncher : ILocalJobLauncher
{
    /// <summary>How long a starting agent may take to hold its lock (a cold start is about a second on a busy machine).</summary>
    internal static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly string _directory;
    private readonly TimeSpan? _idleTimeout;

    public AgentJobLauncher(string workspaceDirectory, TimeSpan? idleTimeout = null)
    {
        _directory = Path.GetFullPath(workspaceDirectory);
        _idleTimeout = idleTimeout;
    }

    /// <summary>The default launcher of a local workspace: the agent's, or an error naming the package when it is absent.</summary>
    public static ILocalJobLauncher Create(LocalWorkspaceBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        if (JobAgentProcess.FindAgentAssembly() is null)
        {
            throw JobAgentProcess.MissingError();
        }
        return new AgentJobLauncher(backend.Info.LocalDirectory!);
    }

    /// <summary>Whether this call's <see cref="EnsureSupervisorAsync"/> started the agent (for tests and benchmarks).</summary>
    public bool StartedAgent { get; private set; }

    public async Task EnsureSupervisorAsync(CancellationToken cancellationToken)
    {
        StartedAgent = await JobAgentProcess.EnsureRunningAsync(_directory, _idleTimeout, StartTimeout, cancellationToken).ConfigureAwait(false);
        if (!StartedAgent)
        {
            JobAgentProcess.Wake(_directory);
        }
    }

    public Task NotifyAsync(CancellationToken cancellationToken)
    {
        JobAgentProcess.Wake(_directory);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask; // the agent outlives this process on purpose
}
