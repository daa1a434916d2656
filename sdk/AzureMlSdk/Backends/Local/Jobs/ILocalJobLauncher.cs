namespace AzureMlSdk.Backends.Local.Jobs;

/// <summary>
/// Makes sure a supervisor serves the workspace folder's jobs. <see cref="InProcessJobLauncher"/> runs one in this process (the Emulator,
/// tests); the job agent's launcher (<c>AzureMlSdk.Server</c>) starts a detached agent per folder so that jobs outlive the submitter.
/// The local backend takes it from <see cref="LocalJobLaunchers.Default"/> unless given one.
/// </summary>
internal interface ILocalJobLauncher : IAsyncDisposable
{
    /// <summary>Starts a supervisor for the folder if none runs; returns once one will see the jobs stored so far.</summary>
    Task EnsureSupervisorAsync(CancellationToken cancellationToken);

    /// <summary>Tells the supervisor something changed (a cancel request) so it acts now rather than at its next poll.</summary>
    Task NotifyAsync(CancellationToken cancellationToken);
}

/// <summary>Where the local backend gets its launcher.</summary>
internal static class LocalJobLaunchers
{
    /// <summary>
    /// The launcher a local workspace uses when it is given none: the detached job agent of the workspace folder
    /// (<see cref="AgentJobLauncher"/>; without the <c>AzureMlSdk.Server</c> package a submit says to add it). Settable so a
    /// process can choose (unit tests run jobs in-process); hosts that supervise jobs themselves (the Emulator, the agent) pass
    /// their launcher to <see cref="LocalWorkspaceBackend"/> instead.
    /// </summary>
    public static Func<LocalWorkspaceBackend, ILocalJobLauncher> Default { get; set; } = AgentJobLauncher.Create;

    /// <summary>An in-process supervisor without an MLflow server (what unit tests use).</summary>
    public static Func<LocalWorkspaceBackend, ILocalJobLauncher> InProcess { get; } = backend => new InProcessJobLauncher(backend, new JobSupervisorOptions());
}

/// <summary>
/// A <see cref="LocalJobSupervisor"/> in this process, started on the first submit and stopped when the workspace is disposed (its
/// running jobs are then killed and end <c>Failed</c>, saying why). Jobs do not outlive this process.
/// </summary>
internal sealed class InProcessJobLauncher : ILocalJobLauncher
{
    private readonly LocalWorkspaceBackend _backend;
    private readonly JobSupervisorOptions _options;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private LocalJobSupervisor? _supervisor;
    private Task? _running;

    public InProcessJobLauncher(LocalWorkspaceBackend backend, JobSupervisorOptions options)
    {
        _backend = backend;
        _options = options;
    }

    /// <summary>The supervisor, once started.</summary>
    public LocalJobSupervisor? Supervisor => _supervisor;

    public Task EnsureSupervisorAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
            if (_supervisor is null)
            {
                _supervisor = new LocalJobSupervisor(_backend, _options);
                _running = Task.Run(() => _supervisor.RunAsync(_stop.Token), CancellationToken.None);
            }
            _supervisor.Wake();
        }
        return Task.CompletedTask;
    }

    public Task NotifyAsync(CancellationToken cancellationToken)
    {
        _supervisor?.Wake();
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        Task? running;
        lock (_lock)
        {
            if (_stop.IsCancellationRequested)
            {
                return;
            }
            _stop.Cancel();
            running = _running;
        }
        if (running is not null)
        {
            try
            {
                await running.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
        _stop.Dispose();
        _supervisor?.Dispose();
    }
}
