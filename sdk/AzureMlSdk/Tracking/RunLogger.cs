using System.Collections.Concurrent;
using System.Threading.Channels;
using AzureMlSdk.Backends;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AzureMlSdk.Tracking;

/// <summary>
/// The buffer behind <see cref="Run"/>'s logging verbs. Callers only enqueue (no I/O on their thread);
/// one background pump writes batches through the tracking and artifact contracts, in the order the
/// entries were logged. Failures that survive the retries are kept and thrown by the next
/// <see cref="FlushAsync"/> or <see cref="DisposeAsync"/>, never swallowed.
/// </summary>
internal sealed partial class RunLogger : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<RunLogger, byte> Live = new();
    private static int s_exitHookInstalled;

    private readonly IWorkspaceBackend _backend;
    private readonly string _runId;
    private readonly TimeProvider _time;
    private readonly LogBufferOptions _options;
    private readonly Channel<LogEntry> _channel;
    private readonly Task _pump;
    private readonly List<MetricPoint> _metrics;
    private readonly List<KeyValuePair<string, string>> _params = [];
    private readonly List<KeyValuePair<string, string>> _tags = [];
    private readonly List<Exception> _failures = [];
    private readonly Lock _failureLock = new();
    private long _pointsLost;
    private int _closed;

    // Age back-pressure (see Enqueue). Age is measured from when an entry was ENQUEUED (the workspace clock's timestamp),
    // never from the point's own timestamp, which callers may set to any time (replayed history). Every AgeCheckEvery-th
    // Enqueue records (sequence, enqueue time); the pump counts the entries it has read (_consumed) and, after each write,
    // publishes how many are written (_written). The oldest sample past _written dates the oldest unwritten entry.
    private const int AgeCheckEvery = 256;
    private int _sinceAgeCheck;
    private long _enqueued;
    private long _consumed;
    private long _written;
    private readonly System.Collections.Concurrent.ConcurrentQueue<(long Seq, long Timestamp)> _ageSamples = new();
    private readonly ManualResetEventSlim _wrote = new(false);

    private readonly ILogger _logger;

    public RunLogger(IWorkspaceBackend backend, string runId, TimeProvider time, LogBufferOptions options, ILogger? logger = null)
    {
        _logger = logger ?? NullLogger.Instance;
        _backend = backend;
        _runId = runId;
        _time = time;
        _options = options;
        _metrics = new List<MetricPoint>(options.MaxBatchSize);
        _channel = Channel.CreateBounded<LogEntry>(new BoundedChannelOptions(options.Capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
            AllowSynchronousContinuations = false,
        });
        _pump = Task.Run(PumpAsync);
        Live.TryAdd(this, 0);
        InstallExitHook();
    }

    /// <summary>Count of entries written so far (for diagnostics and tests).</summary>
    public long Written { get; private set; }

    /// <summary>Enqueues an entry; waits only when the buffer is full (back-pressure).</summary>
    public void Enqueue(in LogEntry entry)
    {
        var seq = Interlocked.Increment(ref _enqueued);
        if (++_sinceAgeCheck >= AgeCheckEvery)
        {
            _sinceAgeCheck = 0;
            _ageSamples.Enqueue((seq, _time.GetTimestamp()));
            WaitWhileOldestIsTooOld();
        }
        if (_channel.Writer.TryWrite(entry))
        {
            return;
        }
        if (Volatile.Read(ref _closed) != 0)
        {
            throw new InvalidStateException($"Run {_runId} no longer accepts logging: it was completed or disposed.");
        }
        // Buffer full: block the caller until the flusher makes room, rather than grow without bound.
        try
        {
            _channel.Writer.WriteAsync(entry).AsTask().GetAwaiter().GetResult();
        }
        catch (ChannelClosedException ex)
        {
            throw new InvalidStateException($"Run {_runId} no longer accepts logging: it was completed or disposed.", innerException: ex);
        }
    }

    /// <summary>
    /// Back-pressure by age, so a killed process loses a bounded time of logging even when the store is slower than the
    /// caller (several processes contending for one SQLite file, a slow network): when the oldest entry not yet written was
    /// enqueued more than <see cref="LogBufferOptions.FlushInterval"/> ago, the caller waits until the flusher has written it.
    /// Checked every <see cref="AgeCheckEvery"/> calls (one peek at the buffer's head), so the steady-state cost is nil. A wait
    /// lasts at most ten flush intervals per check: a store that makes no progress at all is reported by the next flush, not
    /// turned into a hang here.
    /// </summary>
    private void WaitWhileOldestIsTooOld()
    {
        var limitMs = (long)_options.FlushInterval.TotalMilliseconds;
        var giveUpAt = Environment.TickCount64 + 10 * Math.Max(limitMs, 1);
        while (Volatile.Read(ref _closed) == 0 && Environment.TickCount64 < giveUpAt)
        {
            var written = Volatile.Read(ref _written);
            while (_ageSamples.TryPeek(out var sample) && sample.Seq <= written)
            {
                _ageSamples.TryDequeue(out _);
            }
            // The oldest unwritten entry was enqueued no later than the first sample past what is written.
            if (!_ageSamples.TryPeek(out var oldest) || _time.GetElapsedTime(oldest.Timestamp).TotalMilliseconds <= limitMs)
            {
                return;
            }
            _wrote.Reset();
            _wrote.Wait(Math.Clamp((int)limitMs / 4, 1, 50));
        }
    }

    /// <summary>Waits until everything enqueued before the call is written; throws the failures kept since the last flush.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _closed) == 0)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            try
            {
                await _channel.Writer.WriteAsync(LogEntry.FlushMarker(done), cancellationToken).ConfigureAwait(false);
                await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                await _pump.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            await _pump.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        ThrowKeptFailures();
    }

    /// <summary>Drains the buffer, stops the pump and reports kept failures. Later enqueues are rejected.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            _channel.Writer.TryComplete();
        }
        await _pump.ConfigureAwait(false);
        Live.TryRemove(this, out _);
        ThrowKeptFailures();
    }

    private void ThrowKeptFailures()
    {
        Exception[] failures;
        long lost;
        lock (_failureLock)
        {
            if (_failures.Count == 0)
            {
                return;
            }
            failures = [.. _failures];
            lost = _pointsLost;
            _failures.Clear();
            _pointsLost = 0;
        }
        var first = failures[0];
        var message = $"Logging to run {_runId} failed: {failures.Length} write(s) were rejected ({lost} metric point(s) not stored). First error: {first.Message}";
        var inner = failures.Length == 1 ? first : new AggregateException(failures);
        throw first switch
        {
            InvalidInputException invalid => new InvalidInputException(message, invalid.ParameterName, invalid.ErrorCode, invalid.Status, invalid.RequestId, inner),
            InvalidStateException state => new InvalidStateException(message, state.ErrorCode, state.Status, state.RequestId, inner),
            ResourceNotFoundException notFound => new ResourceNotFoundException(message, notFound.ErrorCode, notFound.Status, notFound.RequestId, inner),
            ServiceUnavailableException unavailable => new ServiceUnavailableException(message, unavailable.ErrorCode, unavailable.Status, unavailable.RequestId, inner),
            AzureMlAuthenticationException auth => new AzureMlAuthenticationException(message, auth.ErrorCode, auth.Status, auth.RequestId, inner),
            AzureMlException azure => new AzureMlException(message, azure.ErrorCode, azure.Status, azure.RequestId, inner),
            _ => new AzureMlException(message, innerException: inner),
        };
    }

    private async Task PumpAsync()
    {
        var reader = _channel.Reader;
        long deadline = long.MaxValue;
        while (true)
        {
            if (!reader.TryRead(out var entry))
            {
                if (Pending == 0)
                {
                    if (!await reader.WaitToReadAsync().ConfigureAwait(false))
                    {
                        break;
                    }
                    continue;
                }
                var remaining = deadline - _time.GetTimestamp();
                if (remaining <= 0 || !await WaitForMoreAsync(_time.GetElapsedTime(0, remaining)).ConfigureAwait(false))
                {
                    await FlushPendingAsync().ConfigureAwait(false);
                    deadline = long.MaxValue;
                }
                continue;
            }

            if (Pending == 0)
            {
                deadline = _time.GetTimestamp() + (long)(_options.FlushInterval.TotalSeconds * _time.TimestampFrequency);
            }
            if (entry.Kind != LogEntryKind.Flush)
            {
                _consumed++; // entries that came through Enqueue (flush markers do not)
            }
            switch (entry.Kind)
            {
                case LogEntryKind.Metric:
                    _metrics.Add(new MetricPoint(entry.Key!, entry.Value, entry.Step, DateTimeOffset.FromUnixTimeMilliseconds(entry.TimestampMs)));
                    break;
                case LogEntryKind.Param:
                    _params.Add(new(entry.Key!, entry.Text!));
                    break;
                case LogEntryKind.Tag:
                    _tags.Add(new(entry.Key!, entry.Text!));
                    break;
                case LogEntryKind.DeleteTag:
                    await FlushPendingAsync().ConfigureAwait(false);
                    await RunGuardedAsync(ct => _backend.Tracking.DeleteTagAsync(_runId, entry.Key!, ct), 0, ignoreNotFound: true).ConfigureAwait(false);
                    break;
                case LogEntryKind.Artifact:
                    await FlushPendingAsync().ConfigureAwait(false);
                    await RunGuardedAsync(ct => UploadAsync(entry.Key!, entry.Payload!(), ct), 0, ignoreNotFound: false).ConfigureAwait(false);
                    break;
                case LogEntryKind.Flush:
                    await FlushPendingAsync().ConfigureAwait(false);
                    entry.Flushed!.TrySetResult();
                    break;
            }
            if (_metrics.Count >= _options.MaxBatchSize || _params.Count >= TrackingLimits.MaxParamsPerBatch || _tags.Count >= TrackingLimits.MaxTagsPerBatch)
            {
                await FlushPendingAsync().ConfigureAwait(false);
                deadline = long.MaxValue;
            }
        }
        await FlushPendingAsync().ConfigureAwait(false);
    }

    /// <summary>Writes what is pending, then clears the age mark and wakes callers waiting on it (<see cref="WaitWhileOldestIsTooOld"/>).</summary>
    private async Task FlushPendingAsync()
    {
        await WritePendingAsync().ConfigureAwait(false);
        Volatile.Write(ref _written, _consumed);
        _wrote.Set();
    }

    private int Pending => _metrics.Count + _params.Count + _tags.Count;

    private async Task<bool> WaitForMoreAsync(TimeSpan wait)
    {
        using var timeout = new CancellationTokenSource(wait, _time);
        try
        {
            return await _channel.Reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task WritePendingAsync()
    {
        if (_params.Count > 0 || _tags.Count > 0)
        {
            // Params and tags travel apart from metrics so a rejected param cannot take metric points down with it.
            var batch = new LogBatch([], [.. _params], [.. _tags]);
            _params.Clear();
            _tags.Clear();
            await WriteBatchAsync(batch).ConfigureAwait(false);
        }
        if (_metrics.Count > 0)
        {
            var batch = LogBatch.OfMetrics([.. _metrics]);
            _metrics.Clear();
            await WriteBatchAsync(batch).ConfigureAwait(false);
            Written += batch.Metrics.Count;
        }
    }

    /// <summary>Writes one batch inside an <c>AzureMl.LogBatch</c> activity and counts it (batches, points, outcome).</summary>
    private async Task WriteBatchAsync(LogBatch batch)
    {
        using var activity = AzureMlDiagnostics.ActivitySource.StartActivity(AzureMlDiagnostics.LogBatchActivity, System.Diagnostics.ActivityKind.Internal);
        activity?.SetTag("azureml.run_id", _runId);
        activity?.SetTag("azureml.batch.metrics", batch.Metrics.Count);
        activity?.SetTag("azureml.batch.params", batch.Params.Count);
        activity?.SetTag("azureml.batch.tags", batch.Tags.Count);
        int failuresBefore;
        lock (_failureLock)
        {
            failuresBefore = _failures.Count;
        }
        await RunGuardedAsync(ct => _backend.Tracking.LogBatchAsync(_runId, batch, ct), batch.Metrics.Count, ignoreNotFound: false).ConfigureAwait(false);
        bool failed;
        lock (_failureLock)
        {
            failed = _failures.Count > failuresBefore;
        }
        var outcome = new KeyValuePair<string, object?>("azureml.outcome", failed ? "error" : "ok");
        AzureMlDiagnostics.LogBatches.Add(1, outcome);
        if (batch.Metrics.Count > 0)
        {
            AzureMlDiagnostics.LogPoints.Add(batch.Metrics.Count, outcome);
        }
        if (failed)
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error);
        }
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "Logging to run {RunId} failed ({Error}): {Points} metric point(s) not stored; the next flush throws it")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string runId, int points, string error);

    /// <summary>Entries waiting in the buffers of every open run of this process (the <c>azureml.logging.buffer.depth</c> gauge).</summary>
    internal static long BufferDepth()
    {
        long depth = 0;
        foreach (var logger in Live.Keys)
        {
            depth += logger._channel.Reader.Count + logger.Pending;
        }
        return depth;
    }

    private async Task UploadAsync(string artifactPath, byte[] content, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(content, writable: false);
        await _backend.Artifacts.UploadAsync(_runId, artifactPath, stream, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs one write once and keeps its failure for the next flush. There is deliberately no retry here: each backend
    /// already retries its own writes — the remote backend's HTTP resilience pipeline (log-batch is declared retry-safe, so it
    /// is retried on every transient outcome, up to <see cref="WorkspaceOptions.MaxRetries"/> within
    /// <see cref="WorkspaceOptions.TotalTimeout"/>, honouring <c>Retry-After</c>), the local store's busy-database retry budget.
    /// A loop here multiplied those attempts (6 × 4 = 24 for one batch) and stretched the time before a failure surfaced
    /// far past the budgets the user set. What the backend gave up on is reported, with the number of points not stored.
    /// </summary>
    private async Task RunGuardedAsync(Func<CancellationToken, Task> write, int metricPoints, bool ignoreNotFound)
    {
        try
        {
            await write(CancellationToken.None).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException) when (ignoreNotFound)
        {
        }
        catch (Exception ex)
        {
            lock (_failureLock)
            {
                _failures.Add(ex);
                _pointsLost += metricPoints;
            }
            LogWriteFailed(_logger, ex, _runId, metricPoints, ex.GetType().Name);
        }
    }

    private static void InstallExitHook()
    {
        if (Interlocked.Exchange(ref s_exitHookInstalled, 1) == 0)
        {
            // A normal exit without dispose still loses nothing: drain every live buffer, bounded in time.
            AppDomain.CurrentDomain.ProcessExit += (_, _) => DrainAllOnExit();
        }
    }

    internal static void DrainAllOnExit()
    {
        var loggers = Live.Keys.ToArray();
        if (loggers.Length == 0)
        {
            return;
        }
        try
        {
            Task.WhenAll(loggers.Select(async l =>
            {
                try
                {
                    await l.DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    Console.Error.WriteLine($"AzureMlSdk: {ex.Message}");
                }
            })).Wait(TimeSpan.FromSeconds(30));
        }
        catch (AggregateException)
        {
            // Each failure was already written to stderr above.
        }
    }
}

internal enum LogEntryKind : byte
{
    Metric,
    Param,
    Tag,
    DeleteTag,
    Artifact,
    Flush,
}

/// <summary>
/// One buffered logging call. A struct so the hot path (metrics) allocates nothing; the rare reference fields
/// (a param/tag value, a flush marker, an artifact payload) share one slot, keeping an entry at 48 bytes.
/// </summary>
internal readonly struct LogEntry
{
    private readonly object? _extra;

    private LogEntry(LogEntryKind kind, string? key, object? extra, double value, long step, long timestampMs)
    {
        Kind = kind;
        Key = key;
        _extra = extra;
        Value = value;
        Step = step;
        TimestampMs = timestampMs;
    }

    public LogEntryKind Kind { get; }
    public string? Key { get; }
    public string? Text => _extra as string;
    public double Value { get; }
    public long Step { get; }
    public long TimestampMs { get; }
    public TaskCompletionSource? Flushed => _extra as TaskCompletionSource;
    public Func<byte[]>? Payload => _extra as Func<byte[]>;

    public static LogEntry Metric(string key, double value, long step, long timestampMs) => new(LogEntryKind.Metric, key, null, value, step, timestampMs);
    public static LogEntry Param(string key, string value) => new(LogEntryKind.Param, key, value, 0, 0, 0);
    public static LogEntry Tag(string key, string value) => new(LogEntryKind.Tag, key, value, 0, 0, 0);
    public static LogEntry DeleteTag(string key) => new(LogEntryKind.DeleteTag, key, null, 0, 0, 0);
    public static LogEntry Artifact(string path, Func<byte[]> content) => new(LogEntryKind.Artifact, path, content, 0, 0, 0);
    public static LogEntry FlushMarker(TaskCompletionSource flushed) => new(LogEntryKind.Flush, null, flushed, 0, 0, 0);
}
