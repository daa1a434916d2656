using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AzureMlSdk.Assets;
using AzureMlSdk.Backends.Remote.Arm;
using AzureMlSdk.Jobs;

namespace AzureMlSdk.Backends.Local.Jobs;

/// <summary>
/// Runs AutoML jobs on this machine with the <c>AzureMlSdk.AutoML</c> package (ML.NET), found by assembly name
/// (<see cref="LocalAutoML"/>). At submit (<see cref="PrepareAsync"/>): the package must be loadable here (else
/// <see cref="AzureMlNotSupportedException"/> naming it, before anything is stored), the compute must exist, and each data input
/// (<c>training_data</c>, <c>validation_data</c>, <c>test_data</c>: a local CSV file or MLTable folder, a data asset, a datastore path,
/// a job output) must exist. When it runs: the search runs under the job's run; each trial is a child run named
/// <c>&lt;job&gt;_&lt;index&gt;</c> (as Azure names AutoML's child runs) and a child job of the AutoML job, <c>Running</c> from the
/// moment it starts and ended with it (<c>ws.Jobs.ListAsync(parentJobName)</c>; type <c>automl</c>, properties <c>run_algorithm</c>,
/// <c>score</c>, <c>hyperparameters</c> — a record of the trial, not a job to resubmit; it takes no compute slot). The job gets Azure's <c>automl_best_child_run_id</c> and <c>score</c> properties (and, with <c>test_data</c> or
/// <c>test_data_size</c>, the test run's <c>test_&lt;metric&gt;</c>, <c>test_rows</c>, …);
/// its run the <c>leaderboard</c> table. <c>limits.timeout_minutes</c> ends the search (running trials are canceled once one has
/// succeeded), <c>trial_timeout_minutes</c> a trial, and a cancel stops everything: running trials end <c>Canceled</c>.
/// </summary>
internal sealed class AutoMLJobExecutor : IJobExecutor
{
    private static readonly (string Key, Func<AutoMLJob, Input?> Get)[] DataInputs =
    [
        ("training_data", j => j.TrainingData), ("validation_data", j => j.ValidationData), ("test_data", j => j.TestData),
    ];

    public JobType Type => JobType.AutoML;

    /// <summary>
    /// One slot. An AutoML job is not an orchestrator of child jobs that queue for slots themselves (as a sweep is): it trains its
    /// trials in the supervisor's process, on this machine's cores, as a command job's process does; so it holds one slot of its
    /// compute for as long as it runs (its trials are not queued jobs and take none), and it never waits for a slot it holds itself.
    /// Its <c>max_concurrent_trials</c> is capped by the core count.
    /// </summary>
    public bool UsesComputeSlot => true;

    public string Serialize(JobDefinition definition)
    {
        var job = (AutoMLJob)definition;
        var uris = new Dictionary<string, string>(StringComparer.Ordinal);
        var types = new JsonObject();
        foreach (var (key, get) in DataInputs)
        {
            if (get(job) is { Path: { } path } input)
            {
                uris[key] = path;
                types[key] = input.Type.ToString();
            }
        }
        var body = ArmAutoMLMapping.ToArm(job, new ArmJobReferences { EnvironmentId = "", ComputeId = job.Compute, InputUris = uris });
        return new JsonObject
        {
            ["arm"] = JsonSerializer.SerializeToNode(body, ArmAutoMLJobJsonContext.Default.ArmResourceAutoMLJobProperties),
            ["inputTypes"] = types,
        }.ToJsonString();
    }

    public JobDefinition Deserialize(string json)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        var body = node["arm"].Deserialize(ArmAutoMLJobJsonContext.Default.ArmResourceAutoMLJobProperties)
            ?? throw new InvalidDataException("A stored AutoML job has no body.");
        var job = ArmAutoMLMapping.FromArm(body);
        var types = node["inputTypes"] as JsonObject;
        Input? Typed(string key, Input? input) =>
            input is null || types?[key]?.GetValue<string>() is not { } type ? input : Input.Data(Enum.Parse<InputType>(type), input.Path!, input.Mode, input.Description);
        return job.With(job.Name, job.Compute, Typed("training_data", job.TrainingData), Typed("validation_data", job.ValidationData), Typed("test_data", job.TestData));
    }

    public async Task<PreparedJob> PrepareAsync(JobDefinition definition, JobSubmitContext context, CancellationToken cancellationToken)
    {
        var job = (AutoMLJob)definition;
        if (LocalAutoML.TryFind() is null)
        {
            throw LocalAutoML.MissingError();
        }
        var backend = context.Backend;
        var compute = job.ComputeName ?? LocalComputeBackend.LocalComputeName;
        if (backend.Computes.SlotsOf(compute, cancellationToken) is null)
        {
            await backend.Computes.GetAsync(compute, cancellationToken).ConfigureAwait(false); // throws, naming the compute and those that exist
        }
        var resolved = new Dictionary<string, Input?>(StringComparer.Ordinal);
        foreach (var (key, get) in DataInputs)
        {
            resolved[key] = get(job) is { } input ? input.WithPath(await PrepareDataAsync(backend, job, key, input, cancellationToken).ConfigureAwait(false)) : null;
        }
        var stored = job.With(context.Name, compute, resolved["training_data"], resolved["validation_data"], resolved["test_data"]);
        return new PreparedJob(stored, compute, job.ExperimentName ?? "Default", new Dictionary<string, string>(StringComparer.Ordinal), new Dictionary<string, string>(StringComparer.Ordinal));
    }

    /// <summary>The stored form of a data input: a local path made absolute, <c>azureml:name:version</c>, or a datastore / job output URI.</summary>
    private static async Task<string> PrepareDataAsync(LocalWorkspaceBackend backend, AutoMLJob job, string key, Input input, CancellationToken cancellationToken)
    {
        var reference = input.Reference!;
        switch (reference.Kind)
        {
            case AssetReferenceKind.LocalPath:
                var full = Path.GetFullPath(reference.Path!);
                return File.Exists(full) || Directory.Exists(full) ? full
                    : throw new JobDefinitionException($"'{key}' is '{input.Path}', which does not exist.", job.SourcePath, key: key + ".path");
            case AssetReferenceKind.Asset or AssetReferenceKind.ArmId when reference.Name is { } dataName:
                try
                {
                    var data = await ((IAssetBackend)backend.Assets).GetDataAsync(dataName, reference.Version, reference.Label, cancellationToken).ConfigureAwait(false);
                    return $"azureml:{data.Name}:{data.Version}";
                }
                catch (ResourceNotFoundException ex)
                {
                    throw new ResourceNotFoundException($"'{key}' refers to data '{input.Path}', which does not exist: {ex.Message}", innerException: ex);
                }
            case AssetReferenceKind.DatastorePath:
                return backend.Datastores.TryGetLocalPath(input.Path!) is null
                    ? throw new ResourceNotFoundException($"'{key}' refers to '{input.Path}', where the local workspace stores nothing.")
                    : input.Path!;
            case AssetReferenceKind.JobOutput:
                var producer = backend.Jobs.Store.Find(reference.Job!, cancellationToken)
                    ?? throw new ResourceNotFoundException($"'{key}' refers to an output of job '{reference.Job}', which does not exist.");
                return producer.OutputUris.ContainsKey(reference.Output!)
                    ? input.Path!
                    : throw new ResourceNotFoundException($"'{key}' refers to output '{reference.Output}' of job '{reference.Job}', which has no such output.");
            default:
                throw new AzureMlNotSupportedException($"'{key}' is '{input.Path}' ({reference.Kind}); a local AutoML job reads local CSV files and MLTable folders, data assets, datastore paths and job outputs.");
        }
    }

    public async Task<JobOutcome> ExecuteAsync(JobExecutionContext context, CancellationToken cancellationToken)
    {
        var job = (AutoMLJob)context.Definition;
        var backend = context.Backend;
        var name = context.Job.Name;
        var log = context.Log;
        await context.SetStatusAsync(JobStatus.Preparing, cancellationToken).ConfigureAwait(false);
        if (LocalAutoML.TryFind() is not { } runner)
        {
            // The job was submitted by an application with the package, but the process running it (a job agent started by another
            // application for this workspace folder) cannot load it.
            var message = LocalAutoML.MissingError().Message
                + $" The process running this job (process {Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}) cannot load it: a job agent runs with the dependencies of the application that started it; stop that agent (it stops when idle) and submit again from an application that references {LocalAutoML.PackageName}.";
            log.WriteLine(message);
            return new JobOutcome(JobStatus.Failed, new JobError("UserError", message));
        }

        var inputs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, get) in DataInputs)
        {
            if (get(job) is { Path: { } path } input)
            {
                inputs[path] = await LocalPathAsync(backend, key, input, cancellationToken).ConfigureAwait(false);
                log.WriteLine($"{key}: {inputs[path]}");
            }
        }

        // The object model over this workspace for the runs (not disposed: it does not own the backend).
        var workspace = new Workspace(backend, backend.Jobs.Time, null);
        var jobRun = await workspace.GetRunAsync(name, cancellationToken).ConfigureAwait(false);
        var work = Path.Combine(context.Folder, "automl");
        Directory.CreateDirectory(work);
        var trialTags = new Dictionary<string, string>(StringComparer.Ordinal) { ["azureml.jobType"] = "automl" };
        var request = new LocalAutoMLJobRequest
        {
            Job = job,
            JobRun = jobRun,
            WorkingDirectory = work,
            ResolveData = input => input.Path is { } p && inputs.TryGetValue(p, out var local) ? local
                : throw new InvalidInputException($"AutoML input '{input.Path}' was not prepared."),
            Log = log.WriteLine,
            StartTrialAsync = async (displayName, index, ct) =>
            {
                var id = string.Create(CultureInfo.InvariantCulture, $"{name}_{index}");
                var started = backend.Jobs.Time.GetUtcNow();
                var data = await backend.LocalTracking.CreateRunAsync(
                    new NewRun(context.ExperimentId, displayName, started, name, workspace.WithOwner(trialTags)), id, ct).ConfigureAwait(false);
                StartTrial(context, id, displayName, started);
                return new Run(workspace, data, ownsLifecycle: true);
            },
            TrialEndedAsync = (trial, ct) =>
            {
                RecordTrial(context, trial);
                return Task.CompletedTask;
            },
        };

        log.WriteLine($"AutoML {AutoMLNames.Word(job.Task)} job '{name}': target '{job.TargetColumnName}', primary metric {job.EffectivePrimaryMetric}, "
            + string.Create(CultureInfo.InvariantCulture, $"at most {job.Limits.MaxTrials} trials in {job.Limits.TimeoutMinutes:0.##} min ({job.Limits.MaxConcurrentTrials} at once), with ML.NET in this process on compute '{context.Job.Compute}'."));
        await context.SetStatusAsync(JobStatus.Running, CancellationToken.None).ConfigureAwait(false);
        LocalAutoMLJobSummary summary;
        try
        {
            try
            {
                summary = await runner.RunJobAsync(request, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                EndLeftoverTrials(context);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            log.WriteLine("AutoML job canceled: running trials were canceled.");
            await FlushQuietlyAsync(jobRun).ConfigureAwait(false);
            return new JobOutcome(JobStatus.Canceled, new JobError("Canceled", "The job was canceled."));
        }
        catch (InvalidInputException ex)
        {
            log.WriteLine($"AutoML failed: {ex.Message}");
            await FlushQuietlyAsync(jobRun).ConfigureAwait(false);
            return new JobOutcome(JobStatus.Failed, new JobError("UserError", log.Mask(ex.Message)));
        }
        await context.SetStatusAsync(JobStatus.Finalizing, CancellationToken.None).ConfigureAwait(false);
        var score = summary.Score.ToString("R", CultureInfo.InvariantCulture);
        var properties = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["automl_best_child_run_id"] = summary.BestRunId,
            ["score"] = score,
            ["primary_metric"] = summary.PrimaryMetric,
            ["best_algorithm"] = summary.BestAlgorithm,
            ["stop_reason"] = summary.StopReason,
            ["num_trials"] = summary.Trials.ToString(CultureInfo.InvariantCulture),
        };
        // The test run (test_data or test_data_size): its test_<metric> properties are the job's too, as on the job's run.
        foreach (var (key, value) in summary.TestProperties ?? new Dictionary<string, string>())
        {
            properties[key] = value;
        }
        await context.SetPropertiesAsync(properties, CancellationToken.None).ConfigureAwait(false);
        log.WriteLine($"AutoML finished ({summary.StopReason}) after {summary.Trials} trials: best {summary.BestRunId} ({summary.BestAlgorithm}), {summary.PrimaryMetric} = {score}.");
        return JobOutcome.Completed;
    }

    private static async Task FlushQuietlyAsync(Run run)
    {
        try
        {
            await run.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (AzureMlException)
        {
            // what the run logged before the end; the job's outcome is what matters
        }
    }

    /// <summary>The local file or folder of a stored data input.</summary>
    private static async Task<string> LocalPathAsync(LocalWorkspaceBackend backend, string key, Input input, CancellationToken cancellationToken)
    {
        var reference = input.Reference!;
        var uri = input.Path!;
        switch (reference.Kind)
        {
            case AssetReferenceKind.LocalPath:
                return uri;
            case AssetReferenceKind.Asset or AssetReferenceKind.ArmId when reference.Name is { } dataName:
                var data = await ((IAssetBackend)backend.Assets).GetDataAsync(dataName, reference.Version, reference.Label, cancellationToken).ConfigureAwait(false);
                uri = data.Definition.Path;
                if (AssetReference.Parse(uri).Kind == AssetReferenceKind.LocalPath)
                {
                    return uri;
                }
                break;
            case AssetReferenceKind.JobOutput:
                var producer = backend.Jobs.Store.Find(reference.Job!, cancellationToken)
                    ?? throw new ResourceNotFoundException($"'{key}': job '{reference.Job}' does not exist.");
                uri = producer.OutputUris[reference.Output!].TrimEnd('/') + (reference.Path is { Length: > 0 } sub ? "/" + sub : "/");
                break;
        }
        return backend.Datastores.TryGetLocalPath(uri)
            ?? throw new ResourceNotFoundException($"'{key}' is '{input.Path}', whose content is not in the local workspace's datastores.");
    }

    /// <summary>
    /// A trial that has started, as a <c>Running</c> child job of the AutoML job (listed with the job's children as a sweep's trials are),
    /// held by the AutoML job's supervisor: never claimed, no compute slot; it ends with the trial (<see cref="RecordTrial"/>).
    /// </summary>
    private static void StartTrial(JobExecutionContext context, string runId, string displayName, DateTimeOffset started)
    {
        var parent = context.Job;
        var cut = displayName.LastIndexOf('_');
        context.Backend.Jobs.Store.InsertRunningChild(new LocalJobRow
        {
            Seq = 0,
            Name = runId,
            Type = JobType.AutoML,
            Status = JobStatus.Running,
            DefinitionJson = parent.DefinitionJson,
            DisplayName = displayName,
            ExperimentName = parent.ExperimentName,
            ParentName = parent.Name,
            Compute = parent.Compute,
            Tags = new Dictionary<string, string>(StringComparer.Ordinal) { ["azureml.automl.trial"] = "true" },
            Properties = new Dictionary<string, string>(StringComparer.Ordinal) { ["run_algorithm"] = cut > 0 ? displayName[..cut] : displayName },
            OutputUris = new Dictionary<string, string>(StringComparer.Ordinal),
            CreatedAt = started,
        }, parent.SupervisorId, started);
    }

    /// <summary>Ends the trial jobs still marked running when the search has returned (a trial that never reported its end): Canceled.</summary>
    private static void EndLeftoverTrials(JobExecutionContext context)
    {
        var store = context.Backend.Jobs.Store;
        string? token = null;
        var leftovers = new List<string>();
        do
        {
            var page = store.List(new JobQuery(context.Job.Name, IncludeArchived: true, MaxResults: 500, PageToken: token), CancellationToken.None);
            leftovers.AddRange(page.Items.Where(j => !j.Status.IsTerminal()).Select(j => j.Name));
            token = page.NextPageToken;
        }
        while (token is not null);
        foreach (var name in leftovers)
        {
            store.Finish(name, JobStatus.Canceled, new JobError("Canceled", "The AutoML search ended before this trial reported its end."));
        }
    }

    /// <summary>An ended trial as a child job of the AutoML job: the Running row <see cref="StartTrial"/> made, ended; else stored ended.</summary>
    private static void RecordTrial(JobExecutionContext context, LocalAutoMLTrial trial)
    {
        var parent = context.Job;
        var store = context.Backend.Jobs.Store;
        var hyperparameters = new JsonObject();
        foreach (var (key, value) in trial.Params.Where(p => p.Key is not ("run_algorithm" or "trainer" or "iteration")))
        {
            hyperparameters[key] = value;
        }
        var properties = new Dictionary<string, string>(trial.Properties, StringComparer.Ordinal)
        {
            ["run_algorithm"] = trial.Algorithm,
            ["hyperparameters"] = hyperparameters.ToJsonString(),
        };
        if (trial.Params.TryGetValue("iteration", out var iteration))
        {
            properties["iteration"] = iteration;
        }
        var status = trial.Status switch { RunStatus.Completed => JobStatus.Completed, RunStatus.Canceled => JobStatus.Canceled, _ => JobStatus.Failed };
        if (store.Find(trial.RunId) is { } running)
        {
            store.SetProperties(trial.RunId, properties);
            if (!running.Status.IsTerminal())
            {
                store.Finish(trial.RunId, status, status == JobStatus.Completed ? null : new JobError(status == JobStatus.Canceled ? "Canceled" : "UserError", trial.Error ?? status.ToString()));
            }
            store.MarkTimes(trial.RunId, trial.StartedAt, trial.EndedAt);
            return;
        }
        store.Insert(new LocalJobRow
        {
            Seq = 0,
            Name = trial.RunId,
            Type = JobType.AutoML,
            Status = status,
            DefinitionJson = parent.DefinitionJson,
            DisplayName = trial.DisplayName,
            ExperimentName = parent.ExperimentName,
            ParentName = parent.Name,
            Compute = parent.Compute,
            Tags = new Dictionary<string, string>(StringComparer.Ordinal) { ["azureml.automl.trial"] = "true" },
            Properties = properties,
            OutputUris = new Dictionary<string, string>(StringComparer.Ordinal),
            CreatedAt = trial.StartedAt,
        });
        context.Backend.Database.Write((connection, transaction) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "UPDATE jobs SET started_ms = @started, ended_ms = @ended, error_code = @code, error_message = @message WHERE name = @name";
            command.Parameters.AddWithValue("@started", trial.StartedAt.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("@ended", trial.EndedAt.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("@code", status == JobStatus.Completed ? DBNull.Value : status == JobStatus.Canceled ? "Canceled" : "UserError");
            command.Parameters.AddWithValue("@message", (object?)trial.Error ?? DBNull.Value);
            command.Parameters.AddWithValue("@name", trial.RunId);
            return command.ExecuteNonQuery();
        });
    }
}
