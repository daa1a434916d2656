namespace AzureMlSdk;

/// <summary>A job's state (ARM <c>JobStatus</c>).</summary>
public enum JobStatus
{
    /// <summary>Submitted, not yet looked at.</summary>
    NotStarted,
    /// <summary>Being started.</summary>
    Starting,
    /// <summary>Its inputs, code and environment are being prepared.</summary>
    Preparing,
    /// <summary>Waiting for a free slot of its compute (first in, first out).</summary>
    Queued,
    /// <summary>Running.</summary>
    Running,
    /// <summary>Its process ended; outputs and logs are being saved.</summary>
    Finalizing,
    /// <summary>Cancellation was requested and is under way.</summary>
    CancelRequested,
    /// <summary>Finished successfully.</summary>
    Completed,
    /// <summary>Finished with an error (<see cref="Jobs.JobData.Error"/>).</summary>
    Failed,
    /// <summary>Canceled (by a user, a sweep's early termination, or a pipeline step failure).</summary>
    Canceled,
    /// <summary>Paused by the service (Azure ML only).</summary>
    Paused,
    /// <summary>The service does not know its state (Azure ML only).</summary>
    Unknown,
}

/// <summary>Helpers over <see cref="JobStatus"/>.</summary>
public static class JobStatusExtensions
{
    /// <summary>Whether the job has ended (Completed, Failed or Canceled).</summary>
    public static bool IsTerminal(this JobStatus status) => status is JobStatus.Completed or JobStatus.Failed or JobStatus.Canceled;
}
