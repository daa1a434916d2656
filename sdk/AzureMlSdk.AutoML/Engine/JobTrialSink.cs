using AzureMlSdk.Backends.Local;
using Microsoft.Extensions.Logging;

namespace AzureMlSdk.AutoML.Engine;

/// <summary>
/// The trials of an AutoML job on the job engine: each trial's run is created by the engine (<see cref="LocalAutoMLJobRequest.StartTrialAsync"/>,
/// <c>&lt;job&gt;_&lt;index&gt;</c> as Azure names them), and each ended trial is handed back (<see cref="LocalAutoMLJobRequest.TrialEndedAsync"/>)
/// with its algorithm, hyperparameters and properties, so the engine lists it as a child job.
/// </summary>
internal sealed class JobTrialSink(LocalAutoMLJobRequest request) : ITrialSink
{
    private readonly RunTrialSink _parent = new(request.JobRun);

    public async Task<ITrialRecord> StartTrialAsync(string displayName, int index, CancellationToken cancellationToken)
    {
        var run = request.StartTrialAsync is { } start
            ? await start(displayName, index, cancellationToken).ConfigureAwait(false)
            : await request.JobRun.ChildRunAsync(displayName, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new JobTrialRecord(run, displayName, request, DateTimeOffset.UtcNow);
    }

    public void LogParent(string key, string value) => _parent.LogParent(key, value);

    public void LogParentRow(string table, IReadOnlyDictionary<string, object?> row) => _parent.LogParentRow(table, row);

    public Task UploadParentFileAsync(string name, string path, CancellationToken cancellationToken) => _parent.UploadParentFileAsync(name, path, cancellationToken);

    public void SetParentProperties(IReadOnlyDictionary<string, string> properties) => _parent.SetParentProperties(properties);

    private sealed class JobTrialRecord(Run run, string displayName, LocalAutoMLJobRequest request, DateTimeOffset started) : ITrialRecord
    {
        private readonly RunTrialSink.RunTrialRecord _inner = new(run);
        private readonly Dictionary<string, string> _params = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _properties = new(StringComparer.Ordinal);
        private readonly Lock _lock = new();

        public string Id => run.Id;

        public void LogParam(string key, string value)
        {
            lock (_lock)
            {
                _params[key] = value;
            }
            _inner.LogParam(key, value);
        }

        public void LogMetric(string name, double value) => _inner.LogMetric(name, value);

        public void LogTable(string name, IReadOnlyDictionary<string, double[]> columns) => _inner.LogTable(name, columns);

        public void SetProperties(IReadOnlyDictionary<string, string> properties)
        {
            lock (_lock)
            {
                foreach (var (key, value) in properties)
                {
                    _properties[key] = value;
                }
            }
            _inner.SetProperties(properties);
        }

        public Task UploadFolderAsync(string prefix, string folder, CancellationToken cancellationToken) => _inner.UploadFolderAsync(prefix, folder, cancellationToken);

        public async Task CompleteAsync(CancellationToken cancellationToken)
        {
            await _inner.CompleteAsync(cancellationToken).ConfigureAwait(false);
            await EndedAsync(RunStatus.Completed, null).ConfigureAwait(false);
        }

        public async Task FailAsync(Exception error, CancellationToken cancellationToken)
        {
            await _inner.FailAsync(error, cancellationToken).ConfigureAwait(false);
            await EndedAsync(RunStatus.Failed, error.Message).ConfigureAwait(false);
        }

        public async Task CancelAsync(string reason, CancellationToken cancellationToken)
        {
            await _inner.CancelAsync(reason, cancellationToken).ConfigureAwait(false);
            await EndedAsync(RunStatus.Canceled, reason).ConfigureAwait(false);
        }

        private async Task EndedAsync(RunStatus status, string? error)
        {
            Dictionary<string, string> parameters;
            Dictionary<string, string> properties;
            lock (_lock)
            {
                parameters = new Dictionary<string, string>(_params, StringComparer.Ordinal);
                properties = new Dictionary<string, string>(_properties, StringComparer.Ordinal);
            }
            var algorithm = parameters.GetValueOrDefault("run_algorithm", displayName);
            request.Log(status == RunStatus.Completed
                ? $"Trial {run.Id} ({displayName}): {properties.GetValueOrDefault("primary_metric", "score")} = {properties.GetValueOrDefault("score", "n/a")}"
                : $"Trial {run.Id} ({displayName}) {(status == RunStatus.Canceled ? "canceled" : "failed")}: {error}");
            if (request.TrialEndedAsync is { } ended)
            {
                await ended(new LocalAutoMLTrial(run.Id, displayName, algorithm, parameters, properties, status, error, started, DateTimeOffset.UtcNow), CancellationToken.None).ConfigureAwait(false);
            }
        }
    }
}

/// <summary>Engine log messages as lines of the job's log.</summary>
internal sealed class LineLogger(Action<string> write) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            write((logLevel >= LogLevel.Warning ? "Warning: " : "") + formatter(state, exception));
        }
    }
}
