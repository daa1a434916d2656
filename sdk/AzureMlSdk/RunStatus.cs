namespace AzureMlSdk;

/// <summary>The lifecycle of a run, in Azure ML's words. MLflow's statuses map onto these
/// (SCHEDULED → <see cref="Queued"/>, RUNNING → <see cref="Running"/>, FINISHED → <see cref="Completed"/>,
/// FAILED → <see cref="Failed"/>, KILLED → <see cref="Canceled"/>).</summary>
public enum RunStatus
{
    /// <summary>Created, not started.</summary>
    NotStarted,
    /// <summary>Waiting for compute.</summary>
    Queued,
    /// <summary>Preparing its environment.</summary>
    Preparing,
    /// <summary>Starting.</summary>
    Starting,
    /// <summary>Running.</summary>
    Running,
    /// <summary>Finished its work, uploading outputs.</summary>
    Finalizing,
    /// <summary>Cancellation was asked for.</summary>
    CancelRequested,
    /// <summary>Ended successfully.</summary>
    Completed,
    /// <summary>Ended with an error.</summary>
    Failed,
    /// <summary>Ended by cancellation.</summary>
    Canceled,
}

/// <summary>Helpers over <see cref="RunStatus"/>.</summary>
public static class RunStatusExtensions
{
    /// <summary>True for <see cref="RunStatus.Completed"/>, <see cref="RunStatus.Failed"/> and <see cref="RunStatus.Canceled"/>.</summary>
    public static bool IsTerminal(this RunStatus status) =>
        status is RunStatus.Completed or RunStatus.Failed or RunStatus.Canceled;

    /// <summary>The MLflow wire name of the status (RUNNING, SCHEDULED, FINISHED, FAILED, KILLED).</summary>
    public static string ToMlflowStatus(this RunStatus status) => status switch
    {
        RunStatus.NotStarted or RunStatus.Queued or RunStatus.Preparing or RunStatus.Starting => "SCHEDULED",
        RunStatus.Running or RunStatus.Finalizing or RunStatus.CancelRequested => "RUNNING",
        RunStatus.Completed => "FINISHED",
        RunStatus.Failed => "FAILED",
        RunStatus.Canceled => "KILLED",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown run status."),
    };

    /// <summary>Parses an Azure ML status name (<c>Completed</c>) or an MLflow one (<c>FINISHED</c>), ignoring case.</summary>
    /// <exception cref="InvalidInputException">The text names no status.</exception>
    public static RunStatus ParseRunStatus(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        switch (text.Trim().ToUpperInvariant())
        {
            case "SCHEDULED": return RunStatus.Queued;
            case "RUNNING": return RunStatus.Running;
            case "FINISHED": return RunStatus.Completed;
            case "FAILED": return RunStatus.Failed;
            case "KILLED": return RunStatus.Canceled;
        }
        if (Enum.TryParse<RunStatus>(text.Trim(), ignoreCase: true, out var status) && Enum.IsDefined(status))
        {
            return status;
        }
        throw new InvalidInputException($"'{text}' is not a run status. Use one of {string.Join(", ", Enum.GetNames<RunStatus>())} or an MLflow status (RUNNING, SCHEDULED, FINISHED, FAILED, KILLED).", "status");
    }
}
