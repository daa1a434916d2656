using AzureMlSdk.Backends;

namespace AzureMlSdk.Jobs;

/// <summary>
/// Jobs contract (az ml <c>job</c> group; ARM <c>jobs</c>): submit a <see cref="JobDefinition"/>, read its state, list, cancel,
/// follow its log, download its outputs. A job outlives the process that submitted it on every backend: the local backend
/// hands it to a supervisor (the workspace's job agent, or the Emulator's server), the remote one to Azure ML.
/// Every member has a not-supported default (see <see cref="IWorkspaceBackend"/>).
/// </summary>
public interface IJobBackend
{
    /// <summary>
    /// Submits <paramref name="job"/> (or updates the mutable fields — tags, description, display name — of an existing job of the
    /// same <see cref="JobDefinition.Name"/>, as ARM's PUT does). Local code folders and local inputs are uploaded first (code as
    /// a content-addressed code asset), references are resolved, and everything invalid is rejected before anything runs
    /// (<see cref="JobDefinitionException"/>, <see cref="ResourceNotFoundException"/> for an unknown compute or asset).
    /// Returns at once with the job in a non-terminal state; submitting the same name and definition again is idempotent.
    /// </summary>
    Task<JobData> CreateOrUpdateAsync(JobDefinition job, IProgress<long>? uploadProgress, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<JobData>(this, nameof(CreateOrUpdateAsync));

    /// <summary>Gets a job by name; throws <see cref="ResourceNotFoundException"/>.</summary>
    Task<JobData> GetAsync(string name, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<JobData>(this, nameof(GetAsync));

    /// <summary>Lists jobs newest first, a page at a time: top-level jobs, or the children of <see cref="JobQuery.ParentJobName"/>.</summary>
    Task<ResultPage<JobData>> ListAsync(JobQuery query, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<ResultPage<JobData>>(this, nameof(ListAsync));

    /// <summary>Requests cancellation (the job and its children end <see cref="JobStatus.Canceled"/>); a terminal job is left as it is.</summary>
    Task CancelAsync(string name, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported(this, nameof(CancelAsync));

    /// <summary>Archives (hides from listings) or restores a job.</summary>
    Task ArchiveAsync(string name, bool archived, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported(this, nameof(ArchiveAsync));

    /// <summary>
    /// Reads the job's main log (<c>user_logs/std_log.txt</c>) from byte <paramref name="offset"/>: what has been written so far,
    /// and the offset to continue from. Streaming is polling this until the job is terminal and the log is exhausted.
    /// </summary>
    Task<JobLogChunk> ReadLogAsync(string name, long offset, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<JobLogChunk>(this, nameof(ReadLogAsync));

    /// <summary>
    /// Downloads a finished job's files in az ml's layout under <paramref name="destinationDirectory"/>: <c>artifacts/</c> (the run's
    /// files, logs included) and <c>named-outputs/&lt;name&gt;/</c>; only the named output when <paramref name="outputName"/> is given.
    /// Returns the written paths.
    /// </summary>
    Task<IReadOnlyList<string>> DownloadAsync(string name, string destinationDirectory, string? outputName, IProgress<long>? progress, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<IReadOnlyList<string>>(this, nameof(DownloadAsync));
}

/// <summary>A submitted job as a backend reports it.</summary>
public sealed record JobData
{
    /// <summary>The job's name (unique in the workspace; also its tracking run's id).</summary>
    public required string Name { get; init; }

    /// <summary>The job's kind.</summary>
    public required JobType Type { get; init; }

    /// <summary>Where it is in its lifecycle.</summary>
    public required JobStatus Status { get; init; }

    /// <summary>The definition as stored (local paths replaced by the assets they were uploaded as).</summary>
    public required JobDefinition Definition { get; init; }

    /// <summary>Display name.</summary>
    public string? DisplayName { get; init; }

    /// <summary>The experiment the job's run belongs to.</summary>
    public required string ExperimentName { get; init; }

    /// <summary>The tracking run's id (the job name on Azure ML and here).</summary>
    public required string RunId { get; init; }

    /// <summary>The parent job, for a sweep trial or a pipeline step.</summary>
    public string? ParentJobName { get; init; }

    /// <summary>The compute it runs on (<c>local</c> or a compute name).</summary>
    public string? Compute { get; init; }

    /// <summary>Description.</summary>
    public string? Description { get; init; }

    /// <summary>Tags.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Properties (e.g. <c>best_child_run_id</c> of a sweep, <c>azureml.isreused</c> of a reused step).</summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>When it was submitted.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When its process (or orchestration) started.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When it reached its terminal state.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Why it failed (code, message: e.g. the exit code and last log lines), when <see cref="Status"/> is Failed or Canceled.</summary>
    public JobError? Error { get; init; }

    /// <summary>Whether it is archived.</summary>
    public bool IsArchived { get; init; }

    /// <summary>Named outputs and where their content is (datastore URIs), once known.</summary>
    public IReadOnlyDictionary<string, string> OutputUris { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The service's links (e.g. <c>Studio</c>, <c>Tracking</c>), when it has them.</summary>
    public IReadOnlyDictionary<string, Uri> Services { get; init; } = new Dictionary<string, Uri>(StringComparer.Ordinal);
}

/// <summary>Why a job failed or was canceled.</summary>
/// <param name="Code">Machine-readable code (e.g. <c>UserError</c>, <c>ExecutionFailed</c>, <c>JobTimeout</c>, <c>Canceled</c>).</param>
/// <param name="Message">What happened, e.g. the exit code and the last lines of the log (secrets never included).</param>
public sealed record JobError(string Code, string Message);

/// <summary>What <see cref="IJobBackend.ListAsync"/> returns.</summary>
/// <param name="ParentJobName">List the children of this job (sweep trials, pipeline steps); null lists top-level jobs.</param>
/// <param name="IncludeArchived">Include archived jobs.</param>
/// <param name="MaxResults">Page size.</param>
/// <param name="PageToken">Token of the page to read (from the previous page).</param>
public sealed record JobQuery(string? ParentJobName = null, bool IncludeArchived = false, int MaxResults = 100, string? PageToken = null);

/// <summary>A slice of a job's log.</summary>
/// <param name="Text">The text from the requested offset to what is written so far (whole UTF-8 lines).</param>
/// <param name="NextOffset">The byte offset to read from next.</param>
/// <param name="IsJobTerminal">Whether the job had ended when this was read (then an empty <see cref="Text"/> means the log is complete).</param>
public sealed record JobLogChunk(string Text, long NextOffset, bool IsJobTerminal);
