using System.Collections.Concurrent;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using AzureMlSdk.Serving.Batch;

namespace AzureMlSdk.Emulator.Jobs;

/// <summary>
/// Runs one workspace's batch jobs in the background, as Azure ML runs them on a compute cluster: each job is a run in the
/// workspace's tracking store (experiment = endpoint name, run id = job name), reads its input files from the default datastore
/// (Azurite), scores them with the local backend's batch scorer (<see cref="BatchFileScoring"/>: rows per mini-batch, failing rows
/// isolated and reported) and writes <c>azureml/&lt;job&gt;/score/&lt;outputFileName&gt;</c> and <c>errors.jsonl</c> there.
/// A job past its deployment's error threshold ends Failed with its outputs written; cancelling ends it Canceled; an Emulator
/// that stops (or restarts) ends the jobs it was running Failed.
/// </summary>
internal sealed class BatchJobRunner : IAsyncDisposable
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    private readonly EmulatorWorkspace _workspace;
    private readonly IModelRegistry _models;
    private readonly Func<BlobContainerClient> _container;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, RunningJob> _running = new(StringComparer.OrdinalIgnoreCase);
    private TaskCompletionSource _starts = Completed();

    public BatchJobRunner(EmulatorWorkspace workspace, IModelRegistry models, Func<BlobContainerClient> container, TimeProvider time)
    {
        _workspace = workspace;
        _models = models;
        _container = container;
        _time = time;
        Store = new BatchJobStore(workspace.Folder);
    }

    public BatchJobStore Store { get; }

    private ITrackingStore Tracking => _workspace.Backend.Tracking;

    private sealed class RunningJob(CancellationTokenSource cancel)
    {
        public CancellationTokenSource Cancel { get; } = cancel;

        public TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private static TaskCompletionSource Completed()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        done.SetResult();
        return done;
    }

    /// <summary>
    /// Keeps jobs submitted from now on NotStarted (as if waiting for compute) until the returned handle is disposed; a test seam,
    /// so a job can be seen, and cancelled, before it runs.
    /// </summary>
    internal IDisposable PauseStarts()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _starts, gate);
        return new Release(gate);
    }

    private sealed class Release(TaskCompletionSource gate) : IDisposable
    {
        public void Dispose() => gate.TrySetResult();
    }

    /// <summary>
    /// Creates the job (NotStarted) and its run, starts it in the background and returns it. The deployment's settings are copied
    /// into the job, so a later change of the deployment does not change a running job.
    /// </summary>
    public async Task<BatchJobDocument> SubmitAsync(string endpointName, BatchDeploymentSpec spec, string outputAction, string location,
        (string Type, string Uri, string Path) input, CancellationToken cancellationToken)
    {
        var run = await LocalBatchScoring.StartRunAsync(Tracking, endpointName, spec, RunStatus.NotStarted, _time, cancellationToken).ConfigureAwait(false);
        var job = new BatchJobDocument
        {
            Name = run.RunId,
            EndpointName = endpointName,
            DeploymentName = spec.Name,
            ModelName = spec.ModelName,
            ModelVersion = spec.ModelVersion,
            MiniBatchSize = spec.MiniBatchSize,
            MaxConcurrency = spec.MaxConcurrency,
            ErrorThreshold = spec.ErrorThreshold,
            OutputFileName = spec.OutputFileName,
            OutputAction = outputAction,
            ExperimentName = endpointName,
            InputType = input.Type,
            InputUri = input.Uri,
            InputPath = input.Path,
            Location = location,
            Status = JobStatuses.NotStarted,
            CreatedAt = _time.GetUtcNow(),
        };
        Store.Change(job.Name, _ => (job, true));
        var running = new RunningJob(CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token));
        _running[job.Name] = running;
        _ = Task.Run(() => RunAsync(job.Name, spec, running), CancellationToken.None);
        return job;
    }

    /// <summary>Completes when the job has ended or <paramref name="atMost"/> has passed (a poll that waits a little saves a round trip).</summary>
    public Task WaitBrieflyAsync(string name, TimeSpan atMost, CancellationToken cancellationToken) =>
        _running.TryGetValue(name, out var job)
            ? Task.WhenAny(job.Ended.Task, Task.Delay(atMost, _time, cancellationToken))
            : Task.CompletedTask;

    /// <summary>
    /// Asks a job to stop: it turns CancelRequested and then Canceled once its work has stopped. Returns the job and a task that
    /// completes when it has ended (null when it had already ended); null when there is no such job.
    /// </summary>
    public (BatchJobDocument Job, Task? Ended)? Cancel(string name)
    {
        var job = Store.Change(name, d =>
        {
            if (d is not null && !JobStatuses.IsTerminal(d.Status))
            {
                d.Status = JobStatuses.CancelRequested;
            }
            return (d, d);
        });
        if (job is null)
        {
            return null;
        }
        if (JobStatuses.IsTerminal(job.Status))
        {
            return (job, null);
        }
        if (_running.TryGetValue(name, out var running))
        {
            try
            {
                running.Cancel.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // It ended meanwhile.
            }
            return (job, running.Ended.Task);
        }
        // Known but not running in this process (it can only have been left behind): it ends here.
        Store.Update(name, d => Settle(d, JobStatuses.Canceled, null));
        return (job, Task.CompletedTask);
    }

    /// <summary>Ends the jobs an earlier Emulator process left unfinished, and their runs: Failed, as their work is gone.</summary>
    public async Task RestoreAsync(CancellationToken cancellationToken)
    {
        foreach (var job in Store.List().Where(j => !JobStatuses.IsTerminal(j.Status) && !_running.ContainsKey(j.Name)))
        {
            Store.Update(job.Name, d => Settle(d, JobStatuses.Failed, ("EmulatorStopped", "The Emulator stopped while the job was running; invoke the endpoint again.")));
            await EndRunAsync(job.Name, JobStatuses.Failed, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Settle(BatchJobDocument job, string status, (string Code, string Message)? error, string? target = null)
    {
        job.Status = status;
        job.EndedAt = _time.GetUtcNow();
        job.ErrorCode = error?.Code;
        job.ErrorMessage = error?.Message;
        job.ErrorTarget = error is null ? null : target;
    }

    private async Task EndRunAsync(string runId, string status, CancellationToken cancellationToken)
    {
        try
        {
            await Tracking.UpdateRunAsync(runId, new RunUpdate(JobStatuses.ToRunStatus(status), JobStatuses.IsTerminal(status) ? _time.GetUtcNow() : null), cancellationToken).ConfigureAwait(false);
        }
        catch (AzureMlException)
        {
            // The run was deleted through MLflow meanwhile: the job's own document still tells its story.
        }
    }

    private async Task RunAsync(string name, BatchDeploymentSpec spec, RunningJob running)
    {
        var ct = running.Cancel.Token;
        var work = Path.Combine(_workspace.Folder, "batch-work", name);
        var status = JobStatuses.Failed;
        (string Code, string Message)? error = null;
        string? target = null;
        try
        {
            await Volatile.Read(ref _starts).Task.WaitAsync(ct).ConfigureAwait(false);
            var job = Store.Change(name, d =>
            {
                if (d is not null && d.Status == JobStatuses.NotStarted)
                {
                    d.Status = JobStatuses.Running;
                    d.StartedAt = _time.GetUtcNow();
                }
                return (d, d);
            }) ?? throw new InvalidStateException($"Batch job '{name}' vanished before it started.");
            ct.ThrowIfCancellationRequested();
            await EndRunAsync(name, JobStatuses.Running, ct).ConfigureAwait(false);

            var inputPath = await DownloadInputAsync(job, Path.Combine(work, "input"), ct).ConfigureAwait(false);
            var files = BatchInputs.Resolve(inputPath);
            var outcome = await BatchFileScoring.ScoreAsync(_models, spec, job.EndpointName, files, work, _time, null, ct).ConfigureAwait(false);

            var container = _container();
            if (job.OutputAction == "AppendRow")
            {
                using var predictions = outcome.Predictions();
                await UploadAsync(container, job.OutputPath + job.OutputFileName, predictions, ct).ConfigureAwait(false);
            }
            using (var errors = outcome.Errors())
            {
                await UploadAsync(container, job.OutputPath + BatchScoringResult.ErrorsFileName, errors, ct).ConfigureAwait(false);
            }
            await Tracking.LogBatchAsync(name, LogBatch.OfMetrics(outcome.Metrics(_time.GetUtcNow())), ct).ConfigureAwait(false);
            if (outcome.Exceeds(spec.ErrorThreshold))
            {
                var first = outcome.FirstError;
                error = ("ErrorThresholdExceeded",
                    $"{outcome.RowsFailed} row(s) failed, more than the deployment's error threshold of {spec.ErrorThreshold}; they are listed in {job.OutputUri}{BatchScoringResult.ErrorsFileName}"
                    + (first is null ? "." : $" (the first, {first.Value.File} row {first.Value.Row}: {first.Value.Error})"));
            }
            else
            {
                status = JobStatuses.Completed;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            if (_stopping.IsCancellationRequested)
            {
                error = ("EmulatorStopped", "The Emulator stopped while the job was running; invoke the endpoint again.");
            }
            else
            {
                status = JobStatuses.Canceled;
            }
        }
        catch (Exception ex)
        {
            // The caller's mistakes (input, model) are UserErrors, as Azure ML labels them; the rest is the Emulator's.
            error = ex is AzureMlException { Status: >= 400 and < 500 }
                ? ("UserError", ex.Message)
                : ("SystemError", Wire.PublicMessage(ex, $"Batch job '{name}'"));
            target = (ex as InvalidInputException)?.ParameterName;
        }
        finally
        {
            Store.Update(name, d => Settle(d, status, error, target));
            await EndRunAsync(name, status, CancellationToken.None).ConfigureAwait(false);
            TryDelete(work);
            _running.TryRemove(name, out _);
            running.Cancel.Dispose();
            running.Ended.TrySetResult();
        }
    }

    /// <summary>
    /// Downloads the job's .csv/.jsonl input files from the default datastore into <paramref name="root"/>, keeping a folder's layout
    /// (rows are named by their path relative to it, as locally); returns the folder, or the file of a <c>uri_file</c> input.
    /// </summary>
    private async Task<string> DownloadInputAsync(BatchJobDocument job, string root, CancellationToken cancellationToken)
    {
        var container = _container();
        var blobs = new List<(string Blob, string Relative)>();
        try
        {
            if (job.InputType == "uri_file")
            {
                var file = job.InputPath[(job.InputPath.LastIndexOf('/') + 1)..];
                if (!await container.GetBlobClient(job.InputPath).ExistsAsync(cancellationToken).ConfigureAwait(false))
                {
                    throw new InvalidInputException($"The job's input {job.InputUri} does not exist in the default datastore.", "inputData");
                }
                blobs.Add((job.InputPath, file));
            }
            else
            {
                var prefix = job.InputPath.EndsWith('/') ? job.InputPath : job.InputPath + "/";
                await foreach (var item in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken).ConfigureAwait(false))
                {
                    blobs.Add((item.Name, item.Name[prefix.Length..]));
                }
            }
        }
        catch (RequestFailedException ex)
        {
            throw new ServiceUnavailableException($"Reading the job's input {job.InputUri} failed ({ex.Status} {ex.ErrorCode}).", innerException: ex);
        }
        // An MLTable folder's MLTable file says which files are read, and how (the scorer reads it, as locally).
        blobs = blobs.Where(b => job.InputType == "mltable" || BatchInputs.IsReadable(b.Relative) || Path.GetFileName(b.Relative) == BatchInputs.MLTableFileName).ToList();
        if (job.InputType == "mltable" && !blobs.Any(b => b.Relative == BatchInputs.MLTableFileName))
        {
            throw new InvalidInputException($"The job's input {job.InputUri} is an MLTable input without an MLTable file at its root.", "inputData");
        }
        if (blobs.Count == 0)
        {
            throw new InvalidInputException($"The job's input {job.InputUri} holds no .csv, .jsonl or .parquet file.", "inputData");
        }
        var full = Path.GetFullPath(root);
        foreach (var (blob, relative) in blobs)
        {
            var target = Path.GetFullPath(Path.Combine(full, relative));
            if (!target.StartsWith(full + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new InvalidInputException($"The job's input {job.InputUri} has a file '{relative}' outside its folder.", "inputData");
            }
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            try
            {
                await using var output = File.Create(target);
                await container.GetBlobClient(blob).DownloadToAsync(output, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex)
            {
                throw new ServiceUnavailableException($"Downloading '{relative}' of the job's input {job.InputUri} failed ({ex.Status} {ex.ErrorCode}).", innerException: ex);
            }
        }
        return job.InputType == "uri_file" ? Path.Combine(full, blobs[0].Relative) : full;
    }

    private static async Task UploadAsync(BlobContainerClient container, string blobName, Stream content, CancellationToken cancellationToken)
    {
        try
        {
            await container.GetBlobClient(blobName).UploadAsync(content, overwrite: true, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex)
        {
            throw new ServiceUnavailableException($"Writing the job's output '{blobName}' failed ({ex.Status} {ex.ErrorCode}).", innerException: ex);
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Stops the running jobs (they end Failed: the Emulator stopped) and waits for them, bounded.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        Volatile.Read(ref _starts).TrySetResult();
        var ended = _running.Values.Select(j => j.Ended.Task).ToArray();
        await Task.WhenAny(Task.WhenAll(ended), Task.Delay(StopGrace)).ConfigureAwait(false);
        _stopping.Dispose();
    }
}
