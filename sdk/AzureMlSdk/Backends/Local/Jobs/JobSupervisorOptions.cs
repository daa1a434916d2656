namespace AzureMlSdk.Backends.Local.Jobs;

/// <summary>How a <see cref="LocalJobSupervisor"/> runs jobs.</summary>
internal sealed record JobSupervisorOptions
{
    /// <summary>
    /// The MLflow tracking URI the jobs log to (the job agent's loopback server, or the Emulator): given, every job gets
    /// <c>MLFLOW_TRACKING_URI</c>, <c>MLFLOW_RUN_ID</c> and <c>MLFLOW_EXPERIMENT_ID</c>; null (an in-process supervisor with no
    /// server) sets only the AzureMlSdk variables (<c>AZUREML_RUN_ID</c>, <c>AZUREML_LOCAL_DIR</c>).
    /// </summary>
    public Uri? TrackingUri { get; init; }

    /// <summary>The bearer token for <see cref="TrackingUri"/>, passed as <c>MLFLOW_TRACKING_TOKEN</c> (never logged).</summary>
    public string? TrackingToken { get; init; }

    /// <summary>This supervisor's id (stored on the jobs it holds); unique per supervisor, prefixed with its process's owner stamp.</summary>
    public string SupervisorId { get; init; } = $"{LocalTrackingStore.CurrentOwner}#{Guid.NewGuid():N}";

    /// <summary>How often the supervisor looks for new jobs and cancel requests when nothing wakes it (a submit in-process wakes it at once).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often it marks its jobs alive.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a killed job's process tree gets to go before the kill is reported as failed.</summary>
    public TimeSpan KillTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
