using System.Collections.Concurrent;
using AzureMlSdk.Jobs;

namespace AzureMlSdk.Backends.Local.Jobs;

/// <summary>
/// Runs a workspace folder's jobs: claims waiting jobs first in first out per compute (never more on a compute than its slots:
/// <see cref="LocalJobStore.Claim"/>), runs each through its kind's <see cref="IJobExecutor"/>, heart-beats the jobs it holds, kills
/// the ones whose cancellation is requested, and ends each job with its outcome. Hosted by <see cref="InProcessJobLauncher"/>, the job
/// agent (<c>AzureMlSdk.Server</c>) or the Emulator. When <see cref="RunAsync"/>'s token fires, the jobs it holds are killed and end
/// <c>Failed</c> (the supervisor stopped), so none is left <c>Running</c>.
/// </summary>
internal sealed class LocalJobSupervisor : IDisposable
{
    private readonly LocalWorkspaceBackend _backend;
    private readonly JobSupervisorOptions _options;
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly ConcurrentDictionary<string, Held> _held = new(StringComparer.Ordinal);
    private volatile bool _sawWaiting;
    private volatile bool _stopping;

    public LocalJobSupervisor(LocalWorkspaceBackend backend, JobSupervisorOptions options)
    {
        _backend = backend;
        _options = options;
    }

    /// <summary>The options it runs with.</summary>
    public JobSupervisorOptions Options => _options;

    /// <summary>True when it holds no job and its last look found none waiting (a host may stop it).</summary>
    public bool IsIdle => _held.IsEmpty && !_sawWaiting;

    /// <summary>How many jobs it runs right now.</summary>
    public int RunningCount => _held.Count;

    /// <summary>Releases the wake-up signal (after <see cref="RunAsync"/> has returned).</summary>
    public void Dispose() => _wake.Dispose();

    /// <summary>Looks for work now instead of at the next poll.</summary>
    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (ObjectDisposedException)
        {
            // stopped
        }
    }

    /// <summary>Supervises until <paramref name="stop"/> fires, then kills what it holds (those jobs end Failed) and returns.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var store = _backend.Jobs.Store;
        var lastHeartbeat = DateTimeOffset.MinValue;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                store.FailOrphans(stop);
                var claimed = store.Claim(_options.SupervisorId, compute => _backend.Computes.SlotsOf(compute, stop), type => JobExecutors.All.TryGetValue(type, out var e) && e.UsesComputeSlot, stop);
                foreach (var job in claimed)
                {
                    var held = new Held();
                    _held[job.Name] = held;
                    held.Task = Task.Run(() => ExecuteAsync(job, held), CancellationToken.None);
                }
                var now = DateTimeOffset.UtcNow;
                if (now - lastHeartbeat >= _options.HeartbeatInterval)
                {
                    store.Heartbeat(_options.SupervisorId, stop);
                    lastHeartbeat = now;
                }
                foreach (var name in store.CancelRequestedOf(_options.SupervisorId, stop))
                {
                    if (_held.TryGetValue(name, out var held))
                    {
                        held.Cancel.Cancel();
                    }
                }
                _sawWaiting = HasWaiting();
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is AzureMlException or Microsoft.Data.Sqlite.SqliteException or IOException)
            {
                System.Diagnostics.Trace.TraceWarning($"AzureMlSdk job supervisor: {ex.Message}");
            }
            try
            {
                await _wake.WaitAsync(_options.PollInterval, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        _stopping = true;
        foreach (var held in _held.Values)
        {
            held.Cancel.Cancel();
        }
        await Task.WhenAll(_held.Values.Select(h => h.Task ?? Task.CompletedTask)).ConfigureAwait(false);
    }

    private bool HasWaiting() =>
        _backend.Database.Read(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1 FROM jobs WHERE status IN ('NotStarted', 'Queued') LIMIT 1";
            return command.ExecuteScalar() is not null;
        });

    private async Task ExecuteAsync(LocalJobRow job, Held held)
    {
        var store = _backend.Jobs.Store;
        JobOutcome outcome;
        JobLog? log = null;
        try
        {
            var executor = JobExecutors.For(job.Type);
            var definition = executor.Deserialize(job.DefinitionJson);
            log = new JobLog(LocalJobBackend.LogPath(_backend, job.Name), SecretsOf(definition));
            var run = await _backend.Tracking.GetRunAsync(job.Name, CancellationToken.None).ConfigureAwait(false);
            var context = new JobExecutionContext(_backend.Jobs, job, definition, _options, log, WaitForJobAsync) { ExperimentId = run.ExperimentId };
            outcome = await executor.ExecuteAsync(context, held.Cancel.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (held.Cancel.IsCancellationRequested)
        {
            outcome = new JobOutcome(JobStatus.Canceled, new JobError("Canceled", "The job was canceled."));
        }
        catch (Exception ex)
        {
            var message = log?.Mask(ex.Message) ?? ex.Message;
            log?.WriteLine($"The job failed: {message}");
            outcome = new JobOutcome(JobStatus.Failed, new JobError(ex is AzureMlException azure && azure.Status is >= 400 and < 500 ? "UserError" : "SystemError", message));
        }
        if (_stopping && outcome.Status == JobStatus.Canceled)
        {
            outcome = new JobOutcome(JobStatus.Failed, new JobError("SupervisorStopped",
                "The job supervisor stopped (the process hosting it shut down) while the job ran; its process tree was killed."));
            log?.WriteLine(outcome.Error!.Message);
        }
        try
        {
            if (log is not null)
            {
                await log.DisposeAsync().ConfigureAwait(false);
                await UploadLogAsync(job.Name, log.FilePath).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or AzureMlException or UnauthorizedAccessException)
        {
            System.Diagnostics.Trace.TraceWarning($"AzureMlSdk: uploading the log of job {job.Name} failed: {ex.Message}");
        }
        finally
        {
            store.Finish(job.Name, outcome.Status, outcome.Error);
            _held.TryRemove(job.Name, out _);
            Wake(); // a slot is free
        }
    }

    private async Task UploadLogAsync(string runId, string path)
    {
        if (File.Exists(path))
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            await _backend.Artifacts.UploadAsync(runId, "user_logs/std_log.txt", stream, null, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>The values to mask in a job's log: its and the host's variables whose names look secret, and the tracking token.</summary>
    private IEnumerable<string> SecretsOf(JobDefinition definition)
    {
        if (_options.TrackingToken is { } token)
        {
            yield return token;
        }
        if (definition is CommandJob command)
        {
            foreach (var (key, value) in command.EnvironmentVariables)
            {
                if (JobLog.LooksSecret(key))
                {
                    yield return value;
                }
            }
        }
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string key && entry.Value is string value && JobLog.LooksSecret(key))
            {
                yield return value;
            }
        }
    }

    private async Task<JobData> WaitForJobAsync(string name, CancellationToken cancellationToken)
    {
        while (true)
        {
            var job = await _backend.Jobs.GetAsync(name, cancellationToken).ConfigureAwait(false);
            if (job.Status.IsTerminal())
            {
                return job;
            }
            await Task.Delay(_options.PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private sealed class Held
    {
        public CancellationTokenSource Cancel { get; } = new();

        public Task? Task { get; set; }
    }
}
