using System.Runtime.CompilerServices;
using AzureMlSdk.Jobs;

namespace AzureMlSdk;

/// <summary>
/// A workspace's jobs (<c>ws.Jobs</c>), as azure-ai-ml's <c>JobOperations</c> and az ml's <c>job</c> group: <see cref="CreateOrUpdateAsync"/>
/// submits and returns at once; <see cref="StreamAsync"/>, <see cref="WaitAsync"/> follow a job to its end.
/// </summary>
public class JobOperations
{
    private readonly Workspace _workspace = null!;

    /// <summary>For mocking only.</summary>
    protected JobOperations() { }

    internal JobOperations(Workspace workspace) => _workspace = workspace;

    private IJobBackend Backend => _workspace.Backend.Jobs;

    /// <summary>
    /// Submits <paramref name="job"/> (az ml <c>job create</c>): checks it (a <see cref="JobDefinitionException"/> names the culprit:
    /// <c>${{inputs.nope}}</c>, a missing code folder, an output path escaping its folder…; a <see cref="ResourceNotFoundException"/>
    /// an unknown compute or asset), uploads its code, and returns the job, not yet ended. Submitting a job of an existing name updates
    /// its display name, description and tags.
    /// </summary>
    /// <param name="job">The definition (built in C# or read with <see cref="Job.Load(string, IEnumerable{string}?)"/>).</param>
    /// <param name="uploadProgress">Bytes of code and local inputs uploaded so far.</param>
    /// <param name="cancellationToken">Cancels the submission (not the job).</param>
    public virtual async Task<Job> CreateOrUpdateAsync(JobDefinition job, IProgress<long>? uploadProgress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job is SweepJob { Trial: null, TrialComponent: { } component } sweep)
        {
            // A registered trial component is bound by the pipeline it is a step of; a sweep job on its own runs a trial job.
            var problems = new Problems(sweep.Source);
            problems.Add("trial", $"trial '{component}' names a component, which only a sweep step of a pipeline runs: give this sweep job a trial command job "
                + "(trial: with command, code and environment), or submit it as a step of a pipeline.");
            problems.ThrowIfAny();
        }
        var data = await Backend.CreateOrUpdateAsync(job, uploadProgress, cancellationToken).ConfigureAwait(false);
        return await Job.CreateAsync(_workspace, data, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets a job by name; throws <see cref="ResourceNotFoundException"/>.</summary>
    public virtual async Task<Job> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        Validate.Required(name, nameof(name));
        var data = await Backend.GetAsync(name, cancellationToken).ConfigureAwait(false);
        return await Job.CreateAsync(_workspace, data, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lists jobs newest first: the workspace's top-level jobs, or the children of <paramref name="parentJobName"/> (sweep trials, pipeline steps).</summary>
    /// <param name="parentJobName">The parent job, or null for top-level jobs.</param>
    /// <param name="includeArchived">Also list archived jobs.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    public virtual async IAsyncEnumerable<Job> ListAsync(string? parentJobName = null, bool includeArchived = false, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? token = null;
        do
        {
            var page = await Backend.ListAsync(new JobQuery(parentJobName, includeArchived, PageToken: token), cancellationToken).ConfigureAwait(false);
            foreach (var data in page.Items)
            {
                yield return await Job.CreateAsync(_workspace, data, cancellationToken).ConfigureAwait(false);
            }
            token = page.NextPageToken;
        }
        while (token is not null);
    }

    /// <summary>Writes the job's log to <paramref name="output"/> as it is written (az ml <c>job stream</c>) and returns the job once it has ended.</summary>
    public virtual async Task<Job> StreamAsync(string name, TextWriter output, CancellationToken cancellationToken = default)
    {
        var job = await GetAsync(name, cancellationToken).ConfigureAwait(false);
        return await job.StreamAsync(output, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits until the job has ended (Completed, Failed or Canceled) and returns it.</summary>
    public virtual async Task<Job> WaitAsync(string name, CancellationToken cancellationToken = default)
    {
        var job = await GetAsync(name, cancellationToken).ConfigureAwait(false);
        return await job.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Requests cancellation (az ml <c>job cancel</c>); the job and its children end <see cref="JobStatus.Canceled"/>. An ended job is left as it is.</summary>
    public virtual Task CancelAsync(string name, CancellationToken cancellationToken = default)
    {
        Validate.Required(name, nameof(name));
        return Backend.CancelAsync(name, cancellationToken);
    }

    /// <summary>
    /// Downloads a job's files (az ml <c>job download</c>) under <paramref name="destination"/>: <c>artifacts/</c> (the run's files, logs
    /// included) and <c>named-outputs/&lt;name&gt;/</c>; only that output when <paramref name="outputName"/> is given. Returns the written paths.
    /// A sweep job downloads its best trial's files (its <c>best_child_run_id</c>), as azure-ai-ml does; a sweep without a best trial yet
    /// is an <see cref="InvalidStateException"/>.
    /// </summary>
    public virtual async Task<IReadOnlyList<string>> DownloadAsync(string name, string destination, string? outputName = null, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        Validate.Required(name, nameof(name));
        Validate.Required(destination, nameof(destination));
        var job = await Backend.GetAsync(name, cancellationToken).ConfigureAwait(false);
        if (job.Type == JobType.Sweep)
        {
            if (!job.Properties.TryGetValue(SweepBestChildProperty, out var best) || string.IsNullOrEmpty(best))
            {
                throw new InvalidStateException(job.Status.IsTerminal()
                    ? $"Sweep job '{name}' ended {job.Status} without a best trial (no trial logged its primary metric): there are no outputs to download."
                    : $"Sweep job '{name}' is {job.Status} and has no best trial yet: download it once it has ended.");
            }
            name = best;
        }
        return await Backend.DownloadAsync(name, destination, outputName, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The sweep job property naming its best trial (Azure ML's).</summary>
    internal const string SweepBestChildProperty = "best_child_run_id";

    /// <summary>Archives a job (az ml <c>job archive</c>): hidden from listings, still readable by name.</summary>
    public virtual Task ArchiveAsync(string name, CancellationToken cancellationToken = default)
    {
        Validate.Required(name, nameof(name));
        return Backend.ArchiveAsync(name, true, cancellationToken);
    }

    /// <summary>Restores an archived job (az ml <c>job restore</c>).</summary>
    public virtual Task RestoreAsync(string name, CancellationToken cancellationToken = default)
    {
        Validate.Required(name, nameof(name));
        return Backend.ArchiveAsync(name, false, cancellationToken);
    }
}
