using AzureMlSdk.Jobs;

namespace AzureMlSdk.Backends.Local.Jobs;

/// <summary>
/// One job kind on the local engine (command now; sweep, pipeline and AutoML plug in the same way, registered in
/// <see cref="JobExecutors"/>): how a definition of that kind is checked and resolved at submit, stored, read back, and run.
/// An orchestrating kind (a sweep, a pipeline) runs no process itself: it submits child jobs through
/// <see cref="JobExecutionContext.SubmitChildAsync"/> and waits for them (<see cref="JobExecutionContext.WaitForJobAsync"/>);
/// it sets <see cref="UsesComputeSlot"/> false so that it never holds a slot its own children need.
/// </summary>
internal interface IJobExecutor
{
    /// <summary>The kind this executor runs.</summary>
    JobType Type { get; }

    /// <summary>Whether a running job of this kind takes one of its compute's slots (true for processes, false for orchestrators).</summary>
    bool UsesComputeSlot { get; }

    /// <summary>
    /// Checks <paramref name="job"/> against the workspace and resolves it for storage (code snapshotted, references checked, output
    /// locations chosen): throws <see cref="JobDefinitionException"/> / <see cref="ResourceNotFoundException"/> naming the culprit.
    /// Nothing is stored yet when this throws.
    /// </summary>
    Task<PreparedJob> PrepareAsync(JobDefinition job, JobSubmitContext context, CancellationToken cancellationToken);

    /// <summary>The stored form of a prepared definition (JSON).</summary>
    string Serialize(JobDefinition definition);

    /// <summary>The definition back from <see cref="Serialize"/>'s JSON.</summary>
    JobDefinition Deserialize(string json);

    /// <summary>
    /// Runs a claimed job to its end and says how it ended. <paramref name="cancellationToken"/> fires when the job is canceled or its
    /// supervisor stops; the executor then stops its work (killing processes within 5 s) and returns <see cref="JobStatus.Canceled"/>.
    /// Exceptions are reported as <c>Failed</c> with <c>SystemError</c>.
    /// </summary>
    Task<JobOutcome> ExecuteAsync(JobExecutionContext context, CancellationToken cancellationToken);
}

/// <summary>A definition resolved for storage.</summary>
/// <param name="Definition">What is stored and reported (local code replaced by its snapshot id, labels resolved…).</param>
/// <param name="Compute">The compute it runs on (<c>local</c> or a cluster's name).</param>
/// <param name="ExperimentName">Its experiment.</param>
/// <param name="Params">Its run's params (literal inputs).</param>
/// <param name="OutputUris">Where each named output will be saved (datastore URIs).</param>
internal sealed record PreparedJob(
    JobDefinition Definition,
    string Compute,
    string ExperimentName,
    IReadOnlyDictionary<string, string> Params,
    IReadOnlyDictionary<string, string> OutputUris);

/// <summary>What <see cref="IJobExecutor.PrepareAsync"/> may use.</summary>
/// <param name="Backend">The workspace.</param>
/// <param name="Name">The job's name (chosen already).</param>
/// <param name="ParentJobName">The parent, for a child job.</param>
internal sealed record JobSubmitContext(LocalWorkspaceBackend Backend, string Name, string? ParentJobName);

/// <summary>How a job ended.</summary>
/// <param name="Status">Completed, Failed or Canceled.</param>
/// <param name="Error">Why it failed or was canceled.</param>
internal sealed record JobOutcome(JobStatus Status, JobError? Error = null)
{
    public static JobOutcome Completed { get; } = new(JobStatus.Completed);
}
