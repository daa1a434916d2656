using AzureMlSdk.Jobs;

namespace AzureMlSdk;

public partial class Job
{
    /// <summary>How long <see cref="WaitAsync"/> and <see cref="StreamAsync"/> wait between looks, at most.</summary>
    private static readonly TimeSpan MaxPoll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(100);

    private readonly Workspace _workspace = null!;
    private JobData _data = null!;
    private Run? _run;

    /// <summary>For mocking only.</summary>
    protected Job() { }

    private Job(Workspace workspace, JobData data, Run? run)
    {
        _workspace = workspace;
        _data = data;
        _run = run;
    }

    /// <summary>A handle on <paramref name="data"/>, with its tracking run.</summary>
    internal static async Task<Job> CreateAsync(Workspace workspace, JobData data, CancellationToken cancellationToken) =>
        new(workspace, data, await TryGetRunAsync(workspace, data, cancellationToken).ConfigureAwait(false));

    private static async Task<Run?> TryGetRunAsync(Workspace workspace, JobData data, CancellationToken cancellationToken)
    {
        try
        {
            return await workspace.GetRunAsync(data.RunId, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException)
        {
            return null; // a service that creates the run when the job starts
        }
    }

    /// <summary>The job's name (unique in the workspace; its run's id too).</summary>
    public virtual string Name => _data.Name;

    /// <summary>Its state when this handle last looked (<see cref="RefreshAsync"/> looks again).</summary>
    public virtual JobStatus Status => _data.Status;

    /// <summary>Its kind.</summary>
    public virtual JobType Type => _data.Type;

    /// <summary>Its display name.</summary>
    public virtual string? DisplayName => _data.DisplayName;

    /// <summary>The experiment its run belongs to.</summary>
    public virtual string ExperimentName => _data.ExperimentName;

    /// <summary>Its description.</summary>
    public virtual string? Description => _data.Description;

    /// <summary>The compute it runs on.</summary>
    public virtual string? Compute => _data.Compute;

    /// <summary>Its parent (a sweep, a pipeline), for a child job.</summary>
    public virtual string? ParentJobName => _data.ParentJobName;

    /// <summary>Its tags.</summary>
    public virtual IReadOnlyDictionary<string, string> Tags => _data.Tags;

    /// <summary>Its properties (e.g. <c>best_child_run_id</c> on sweeps, <c>azureml.isreused</c> on reused pipeline steps).</summary>
    public virtual IReadOnlyDictionary<string, string> Properties => _data.Properties;

    /// <summary>Why it failed or was canceled (code, and a message such as the exit code and the log's last lines); null otherwise.</summary>
    public virtual JobError? Error => _data.Error;

    /// <summary>The definition as stored (local code and inputs replaced by what they were uploaded as).</summary>
    public virtual JobDefinition Definition => _data.Definition;

    /// <summary>Where each named output is saved (datastore URIs).</summary>
    public virtual IReadOnlyDictionary<string, string> OutputUris => _data.OutputUris;

    /// <summary>When it was submitted.</summary>
    public virtual DateTimeOffset CreatedAt => _data.CreatedAt;

    /// <summary>When its command (or orchestration) started.</summary>
    public virtual DateTimeOffset? StartedAt => _data.StartedAt;

    /// <summary>When it ended.</summary>
    public virtual DateTimeOffset? EndedAt => _data.EndedAt;

    /// <summary>Whether it is archived.</summary>
    public virtual bool IsArchived => _data.IsArchived;

    /// <summary>The service's links (<c>Studio</c>, <c>Tracking</c>), when it has them.</summary>
    public virtual IReadOnlyDictionary<string, Uri> Services => _data.Services;

    /// <summary>
    /// The job's tracking run (metrics, params, files): what <c>Run.GetContext()</c> or an MLflow client logs into from inside the job.
    /// Throws <see cref="InvalidStateException"/> while the service has not created it yet.
    /// </summary>
    public virtual Run Run => _run ?? throw new InvalidStateException($"Job '{Name}' has no tracking run yet; refresh the job once it has started.");

    /// <summary>Reads the job's state again.</summary>
    public virtual async Task<Job> RefreshAsync(CancellationToken cancellationToken = default)
    {
        _data = await _workspace.Backend.Jobs.GetAsync(Name, cancellationToken).ConfigureAwait(false);
        _run = await TryGetRunAsync(_workspace, _data, cancellationToken).ConfigureAwait(false) ?? _run;
        return this;
    }

    /// <summary>Waits until the job has ended (Completed, Failed or Canceled) and returns this handle, refreshed. A failed job does not throw: read <see cref="Status"/> and <see cref="Error"/>.</summary>
    public virtual async Task<Job> WaitAsync(CancellationToken cancellationToken = default)
    {
        var delay = FirstPoll;
        while (true)
        {
            await RefreshAsync(cancellationToken).ConfigureAwait(false);
            if (Status.IsTerminal())
            {
                return this;
            }
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxPoll.Ticks));
        }
    }

    /// <summary>
    /// Writes the job's log (<c>user_logs/std_log.txt</c>) to <paramref name="output"/> as it is written, from the start, and returns this
    /// handle, refreshed, once the job has ended and its log is complete (az ml <c>job stream</c>).
    /// </summary>
    public virtual async Task<Job> StreamAsync(TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        long offset = 0;
        var delay = FirstPoll;
        while (true)
        {
            var chunk = await _workspace.Backend.Jobs.ReadLogAsync(Name, offset, cancellationToken).ConfigureAwait(false);
            if (chunk.Text.Length > 0)
            {
                await output.WriteAsync(chunk.Text.AsMemory(), cancellationToken).ConfigureAwait(false);
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                offset = chunk.NextOffset;
                delay = FirstPoll;
                continue;
            }
            if (chunk.IsJobTerminal)
            {
                return await RefreshAsync(cancellationToken).ConfigureAwait(false);
            }
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxPoll.Ticks));
        }
    }

    /// <summary>Requests cancellation; the job ends <see cref="JobStatus.Canceled"/> (its process tree killed). An ended job is left as it is.</summary>
    public virtual Task CancelAsync(CancellationToken cancellationToken = default) => _workspace.Backend.Jobs.CancelAsync(Name, cancellationToken);

    /// <summary>The name, kind and state.</summary>
    public override string ToString() => _data is null ? base.ToString()! : $"{Name} ({JobDefinition.YamlType(Type)}, {Status})";
}
