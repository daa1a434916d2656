using System.Globalization;
using System.Text;
using AzureMlSdk.Jobs;

namespace AzureMlSdk.Backends.Local.Jobs;

/// <summary>
/// Jobs on the local workspace (<see cref="IJobBackend"/>). Submitting checks and resolves the definition (<see cref="IJobExecutor.PrepareAsync"/>:
/// code snapshotted, compute and references checked), creates the job's run (run id = job name) in its experiment with the literal
/// inputs as params, stores the job <c>NotStarted</c> in the <c>jobs</c> table, and makes sure a supervisor serves the folder
/// (<see cref="ILocalJobLauncher"/>), which runs it. Reads fail the jobs of dead supervisors first (<see cref="LocalJobStore.FailOrphans"/>),
/// so a job is never <c>Running</c> forever.
/// </summary>
internal sealed class LocalJobBackend : IJobBackend
{
    private readonly Lazy<ILocalJobLauncher> _launcher;

    public LocalJobBackend(LocalWorkspaceBackend backend, Func<LocalWorkspaceBackend, ILocalJobLauncher> launcher, TimeProvider time)
    {
        Backend = backend;
        Store = new LocalJobStore(backend.Database, time, backend.Info.LocalDirectory is { } folder ? Path.Combine(folder, "jobs") : null);
        Time = time;
        _launcher = new Lazy<ILocalJobLauncher>(() => launcher(backend));
    }

    public LocalWorkspaceBackend Backend { get; }

    public LocalJobStore Store { get; }

    public TimeProvider Time { get; }

    /// <summary>The launcher (created on first submit).</summary>
    public ILocalJobLauncher Launcher => _launcher.Value;

    /// <summary>Whether a launcher was created (disposal stops it).</summary>
    public bool HasLauncher => _launcher.IsValueCreated;

    /// <summary>A job's folder: <c>&lt;workspace&gt;/jobs/&lt;name&gt;/</c>.</summary>
    public static string JobFolder(LocalWorkspaceBackend backend, string name) => Path.Combine(backend.Info.LocalDirectory!, "jobs", name);

    /// <summary>A job's live main log.</summary>
    public static string LogPath(LocalWorkspaceBackend backend, string name) => Path.Combine(JobFolder(backend, name), "user_logs", "std_log.txt");

    public Task<JobData> CreateOrUpdateAsync(JobDefinition job, IProgress<long>? uploadProgress, CancellationToken cancellationToken) =>
        SubmitAsync(job, null, cancellationToken);

    /// <summary>
    /// Submits a job, a child of <paramref name="parentJobName"/> when given. With <paramref name="reuseOf"/> (a completed job that ran
    /// the same thing: a pipeline step reused) the job is stored <c>Completed</c> at once with that job's outputs, and never runs.
    /// </summary>
    public async Task<JobData> SubmitAsync(JobDefinition job, string? parentJobName, CancellationToken cancellationToken, LocalJobRow? reuseOf = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        job.Validate();
        _ = Launcher; // before anything is stored: a workspace that cannot run jobs (no job agent package) refuses the submit
        var executor = JobExecutors.For(job.Type);
        LocalJobRow? parent = null;
        if (parentJobName is not null)
        {
            parent = Store.Find(parentJobName, cancellationToken) ?? throw new ResourceNotFoundException($"Parent job '{parentJobName}' does not exist.");
        }
        if (job.Name is { } existingName && Store.Find(existingName, cancellationToken) is { } existing)
        {
            return await UpdateExistingAsync(existing, job, executor, cancellationToken).ConfigureAwait(false);
        }
        var name = job.Name ?? NewJobName();
        var prepared = await executor.PrepareAsync(job, new JobSubmitContext(Backend, name, parentJobName), cancellationToken).ConfigureAwait(false);
        var experimentName = parent?.ExperimentName ?? prepared.ExperimentName;
        var now = Time.GetUtcNow();

        // The job's run: id = job name, in its experiment, params = literal inputs, tags = the job's tags; Queued until it starts.
        var experiment = await Backend.Tracking.GetExperimentByNameAsync(experimentName, cancellationToken).ConfigureAwait(false);
        if (experiment is null)
        {
            try
            {
                experiment = await Backend.Tracking.CreateExperimentAsync(experimentName, null, cancellationToken).ConfigureAwait(false);
            }
            catch (ResourceExistsException)
            {
                experiment = await Backend.Tracking.GetExperimentByNameAsync(experimentName, cancellationToken).ConfigureAwait(false)
                    ?? throw new ResourceNotFoundException($"Experiment '{experimentName}' was created by someone else and then disappeared.");
            }
        }
        if (experiment.IsDeleted)
        {
            throw new InvalidStateException($"Experiment '{experimentName}' is deleted; restore it or submit the job to another experiment.");
        }
        var tags = new Dictionary<string, string>(job.Tags, StringComparer.Ordinal) { ["azureml.jobType"] = JobDefinition.YamlType(job.Type) };
        tags["mlflow.source.name"] = job.SourcePath ?? "AzureMlSdk";
        await Backend.LocalTracking.CreateRunAsync(new NewRun(experiment.ExperimentId, job.DisplayName ?? name, now, parentJobName, tags, RunStatus.Queued), name, cancellationToken).ConfigureAwait(false);
        if (prepared.Params.Count > 0)
        {
            await Backend.Tracking.LogBatchAsync(name, new LogBatch([], prepared.Params.Select(p => new KeyValuePair<string, string>(p.Key, p.Value)).ToList(), []), cancellationToken).ConfigureAwait(false);
        }

        var row = new LocalJobRow
        {
            Seq = 0,
            Name = name,
            Type = job.Type,
            Status = JobStatus.NotStarted,
            DefinitionJson = executor.Serialize(prepared.Definition),
            DisplayName = job.DisplayName,
            ExperimentName = experimentName,
            ParentName = parentJobName,
            Compute = prepared.Compute,
            Description = job.Description,
            Tags = new Dictionary<string, string>(job.Tags, StringComparer.Ordinal),
            Properties = new Dictionary<string, string>(job.Properties, StringComparer.Ordinal),
            OutputUris = prepared.OutputUris,
            CreatedAt = now,
        };
        if (reuseOf is not null)
        {
            row = row with { Status = JobStatus.Completed, OutputUris = reuseOf.OutputUris };
        }
        if (!Store.Insert(row, cancellationToken))
        {
            // Another submitter of the same name won: answer as a repeated submit would.
            var winner = Store.Find(name, cancellationToken)!;
            return await UpdateExistingAsync(winner, job, executor, cancellationToken).ConfigureAwait(false);
        }
        if (reuseOf is not null)
        {
            Store.MarkTimes(name, now, now, cancellationToken);
            await Backend.Tracking.UpdateRunAsync(name, new RunUpdate(RunStatus.Completed, now), cancellationToken).ConfigureAwait(false);
            var log = LogPath(Backend, name);
            Directory.CreateDirectory(Path.GetDirectoryName(log)!);
            await File.WriteAllTextAsync(log, string.Create(CultureInfo.InvariantCulture,
                $"This step was not run: it reused the outputs of job {reuseOf.Name} (azureml.isreused=true), which ran the same component, code, environment, inputs and settings.{Environment.NewLine}"),
                cancellationToken).ConfigureAwait(false);
            return ToData(Store.Find(name, cancellationToken)!);
        }
        await Launcher.EnsureSupervisorAsync(cancellationToken).ConfigureAwait(false);
        return ToData(Store.Find(name, cancellationToken)!);
    }

    private Task<JobData> UpdateExistingAsync(LocalJobRow existing, JobDefinition job, IJobExecutor executor, CancellationToken cancellationToken)
    {
        if (existing.Type != job.Type)
        {
            throw new ResourceExistsException($"Job '{existing.Name}' exists and is a {JobDefinition.YamlType(existing.Type)} job; choose another name.");
        }
        var stored = executor.Deserialize(existing.DefinitionJson);
        if (job is CommandJob command && stored is CommandJob storedCommand && !SameRun(command, storedCommand))
        {
            throw new ResourceExistsException(
                $"Job '{existing.Name}' exists with another command, inputs, outputs, environment variables or compute; only its display name, description and tags can change. Submit under another name (or leave the name out).");
        }
        Store.UpdateMutable(existing.Name, job.DisplayName ?? existing.DisplayName, job.Description ?? existing.Description,
            job.Tags.Count > 0 ? new Dictionary<string, string>(job.Tags, StringComparer.Ordinal) : existing.Tags, cancellationToken);
        return Task.FromResult(ToData(Store.Find(existing.Name, cancellationToken)!));
    }

    /// <summary>Whether a resubmitted command job runs the same thing (what ARM treats as immutable).</summary>
    private static bool SameRun(CommandJob submitted, CommandJob stored) =>
        submitted.Command == stored.Command
        && (submitted.ComputeName ?? LocalComputeBackend.LocalComputeName).Equals(stored.ComputeName ?? LocalComputeBackend.LocalComputeName, StringComparison.OrdinalIgnoreCase)
        && submitted.Inputs.Count == stored.Inputs.Count
        && submitted.Inputs.All(i => stored.Inputs.TryGetValue(i.Key, out var s) && (i.Value.IsLiteral ? s.IsLiteral && s.LiteralText == i.Value.LiteralText : !s.IsLiteral))
        && submitted.Outputs.Keys.Order(StringComparer.Ordinal).SequenceEqual(stored.Outputs.Keys.Order(StringComparer.Ordinal), StringComparer.Ordinal)
        && submitted.EnvironmentVariables.Count == stored.EnvironmentVariables.Count
        && submitted.EnvironmentVariables.All(v => stored.EnvironmentVariables.TryGetValue(v.Key, out var s) && s == v.Value);

    public Task<JobData> GetAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
            Store.FailOrphans(cancellationToken);
            return Task.FromResult(ToData(Require(name, cancellationToken)));
        }
        catch (Exception ex)
        {
            return Task.FromException<JobData>(ex);
        }
    }

    public Task<ResultPage<JobData>> ListAsync(JobQuery query, CancellationToken cancellationToken)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(query);
            Store.FailOrphans(cancellationToken);
            var page = Store.List(query, cancellationToken);
            return Task.FromResult(new ResultPage<JobData>(page.Items.Select(ToData).ToList(), page.NextPageToken));
        }
        catch (Exception ex)
        {
            return Task.FromException<ResultPage<JobData>>(ex);
        }
    }

    public async Task CancelAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Require(name, cancellationToken);
        var held = Store.RequestCancel(name, cancellationToken);
        if (held.Count > 0 && HasLauncher)
        {
            await Launcher.NotifyAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public Task ArchiveAsync(string name, bool archived, CancellationToken cancellationToken)
    {
        try
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
            if (!Store.SetArchived(name, archived, cancellationToken))
            {
                throw NotFound(name);
            }
            return Task.CompletedTask;
        }
        catch (Exception ex)
        {
            return Task.FromException(ex);
        }
    }

    public async Task<JobLogChunk> ReadLogAsync(string name, long offset, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        Store.FailOrphans(cancellationToken);
        // Terminal is read before the file: a job that was terminal before the read has written its whole log.
        var terminal = Require(name, cancellationToken).Status.IsTerminal();
        var path = LogPath(Backend, name);
        if (!File.Exists(path))
        {
            return new JobLogChunk("", offset, terminal);
        }
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.Asynchronous);
        if (offset >= stream.Length)
        {
            return new JobLogChunk("", offset, terminal);
        }
        stream.Seek(offset, SeekOrigin.Begin);
        var buffer = new byte[(int)Math.Min(stream.Length - offset, 4 * 1024 * 1024)];
        var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        // Whole lines only, unless the job has ended (then the rest is all there is).
        var end = read;
        if (!terminal || read == buffer.Length)
        {
            var lastNewline = Array.LastIndexOf(buffer, (byte)'\n', read - 1);
            end = lastNewline < 0 ? 0 : lastNewline + 1;
        }
        return new JobLogChunk(Encoding.UTF8.GetString(buffer, 0, end), offset + end, terminal);
    }

    public async Task<IReadOnlyList<string>> DownloadAsync(string name, string destinationDirectory, string? outputName, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(destinationDirectory);
        var job = Require(name, cancellationToken);
        var destination = Path.GetFullPath(destinationDirectory);
        var written = new List<string>();
        if (outputName is not null && !job.OutputUris.ContainsKey(outputName))
        {
            throw new ResourceNotFoundException($"Job '{name}' has no output '{outputName}'; its outputs: {(job.OutputUris.Count == 0 ? "none" : string.Join(", ", job.OutputUris.Keys))}.");
        }
        if (outputName is null)
        {
            var artifacts = await Backend.Artifacts.ListAsync(name, null, cancellationToken).ConfigureAwait(false);
            foreach (var item in artifacts)
            {
                var target = DownloadTargets.Resolve(Path.Combine(destination, "artifacts"), item.Path, "Artifact");
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                await using (var file = File.Create(target))
                {
                    await Backend.Artifacts.DownloadAsync(name, item.Path, file, null, cancellationToken).ConfigureAwait(false);
                }
                written.Add(target);
            }
        }
        foreach (var (output, uri) in job.OutputUris.Where(o => outputName is null || o.Key == outputName))
        {
            if (Backend.Datastores.TryGetLocalPath(uri) is null)
            {
                if (outputName is not null)
                {
                    throw new ResourceNotFoundException($"Output '{output}' of job '{name}' has no content (yet): the job is {job.Status}.");
                }
                continue;
            }
            written.AddRange(await Backend.Datastores.DownloadAsync(uri, Path.Combine(destination, "named-outputs", output), progress, cancellationToken).ConfigureAwait(false));
        }
        return written;
    }

    /// <summary>Moves a held job to a non-terminal status; <c>Running</c> stamps the start and marks its run Running.</summary>
    internal async Task SetStatusAsync(string name, JobStatus status, CancellationToken cancellationToken)
    {
        var started = status == JobStatus.Running ? Time.GetUtcNow() : (DateTimeOffset?)null;
        if (Store.SetStatus(name, status, started, cancellationToken) && status == JobStatus.Running)
        {
            await Backend.Tracking.UpdateRunAsync(name, new RunUpdate(RunStatus.Running), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The job as the contract reports it.</summary>
    internal JobData ToData(LocalJobRow row)
    {
        JobDefinition definition;
        try
        {
            definition = JobExecutors.For(row.Type).Deserialize(row.DefinitionJson);
        }
        catch (AzureMlNotSupportedException)
        {
            throw new AzureMlNotSupportedException($"Job '{row.Name}' is a {JobDefinition.YamlType(row.Type)} job, which this version of AzureMlSdk cannot read.");
        }
        return new JobData
        {
            Name = row.Name,
            Type = row.Type,
            Status = row.Status,
            Definition = definition,
            DisplayName = row.DisplayName ?? row.Name,
            ExperimentName = row.ExperimentName,
            RunId = row.Name,
            ParentJobName = row.ParentName,
            Compute = row.Compute,
            Description = row.Description,
            Tags = row.Tags,
            Properties = row.Properties,
            CreatedAt = row.CreatedAt,
            StartedAt = row.StartedAt,
            EndedAt = row.EndedAt,
            Error = row.Error,
            IsArchived = row.IsArchived,
            OutputUris = row.OutputUris,
        };
    }

    internal LocalJobRow Require(string name, CancellationToken cancellationToken) => Store.Find(name, cancellationToken) ?? throw NotFound(name);

    private static ResourceNotFoundException NotFound(string name) => new($"Job '{name}' does not exist in the local workspace.");

    /// <summary>A name as Azure ML makes them: two words and ten random letters and digits (<c>sincere_fox_8k2x1b9qzt</c>).</summary>
    internal static string NewJobName()
    {
        const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        var words = LocalTrackingStore.RunNames.Generate(Random.Shared).Split('-');
        var suffix = string.Create(10, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[Random.Shared.Next(Alphabet.Length)];
            }
        });
        return string.Create(CultureInfo.InvariantCulture, $"{words[0]}_{words[1]}_{suffix}");
    }
}
