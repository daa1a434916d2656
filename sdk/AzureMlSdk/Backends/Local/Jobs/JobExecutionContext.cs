using AzureMlSdk.Jobs;

namespace AzureMlSdk.Backends.Local.Jobs;

/// <summary>What an executor gets to run one claimed job: the job, its folder and log, status changes, and child jobs.</summary>
internal sealed class JobExecutionContext
{
    private readonly LocalJobBackend _jobs;
    private readonly Func<string, CancellationToken, Task<JobData>> _waitForJob;

    internal JobExecutionContext(LocalJobBackend jobs, LocalJobRow job, JobDefinition definition, JobSupervisorOptions options, JobLog log,
        Func<string, CancellationToken, Task<JobData>> waitForJob)
    {
        _jobs = jobs;
        Job = job;
        Definition = definition;
        Options = options;
        Log = log;
        _waitForJob = waitForJob;
    }

    /// <summary>The workspace.</summary>
    public LocalWorkspaceBackend Backend => _jobs.Backend;

    /// <summary>The id of the experiment of the job's run.</summary>
    public required string ExperimentId { get; init; }

    /// <summary>The job as claimed.</summary>
    public LocalJobRow Job { get; }

    /// <summary>Its stored definition.</summary>
    public JobDefinition Definition { get; }

    /// <summary>The supervisor's options (tracking URI for the MLflow variables…).</summary>
    public JobSupervisorOptions Options { get; }

    /// <summary>The job's main log, <c>user_logs/std_log.txt</c> (secrets masked).</summary>
    public JobLog Log { get; }

    /// <summary>The job's own folder (working copy, named outputs, logs): <c>&lt;workspace&gt;/jobs/&lt;name&gt;/</c>.</summary>
    public string Folder => LocalJobBackend.JobFolder(Backend, Job.Name);

    /// <summary>Moves the job to a non-terminal <paramref name="status"/> (<c>Running</c> also marks its start and its run's).</summary>
    public Task SetStatusAsync(JobStatus status, CancellationToken cancellationToken) => _jobs.SetStatusAsync(Job.Name, status, cancellationToken);

    /// <summary>Merges properties into the job's (an orchestrator's results, e.g. <c>best_child_run_id</c>).</summary>
    public Task SetPropertiesAsync(IReadOnlyDictionary<string, string> properties, CancellationToken cancellationToken)
    {
        _jobs.Store.SetProperties(Job.Name, properties, cancellationToken);
        return Task.CompletedTask;
    }

    /// <summary>Submits a child of this job (a sweep trial, a pipeline step): same experiment, run parented to this job's run.</summary>
    public Task<JobData> SubmitChildAsync(JobDefinition child, CancellationToken cancellationToken) =>
        _jobs.SubmitAsync(child, Job.Name, cancellationToken);

    /// <summary>Waits until job <paramref name="name"/> is terminal and returns it.</summary>
    public Task<JobData> WaitForJobAsync(string name, CancellationToken cancellationToken) => _waitForJob(name, cancellationToken);
}
