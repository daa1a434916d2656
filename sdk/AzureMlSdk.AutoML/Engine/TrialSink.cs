namespace AzureMlSdk.AutoML.Engine;

/// <summary>
/// Where the engine records its trials: each trial is a child run (algorithm, hyperparameters, metrics, tables,
/// artifacts); the parent gets the best child's id and the leaderboard. <see cref="RunTrialSink"/> writes to the tracking
/// API (<see cref="Run"/> child runs), which is what a job's run is on every backend.
/// </summary>
internal interface ITrialSink
{
    /// <summary>Starts trial <paramref name="index"/>'s record (its child run).</summary>
    Task<ITrialRecord> StartTrialAsync(string displayName, int index, CancellationToken cancellationToken);

    void LogParent(string key, string value);

    void LogParentRow(string table, IReadOnlyDictionary<string, object?> row);

    Task UploadParentFileAsync(string name, string path, CancellationToken cancellationToken);

    void SetParentProperties(IReadOnlyDictionary<string, string> properties);
}

/// <summary>One trial's record.</summary>
internal interface ITrialRecord
{
    string Id { get; }

    void LogParam(string key, string value);

    void LogMetric(string name, double value);

    void LogTable(string name, IReadOnlyDictionary<string, double[]> columns);

    void SetProperties(IReadOnlyDictionary<string, string> properties);

    Task UploadFolderAsync(string prefix, string folder, CancellationToken cancellationToken);

    Task CompleteAsync(CancellationToken cancellationToken);

    Task FailAsync(Exception error, CancellationToken cancellationToken);

    /// <summary>Ends the trial as canceled (stopped at the job's timeout, exit score or cancel).</summary>
    Task CancelAsync(string reason, CancellationToken cancellationToken);
}

/// <summary>Trials as child runs of a tracking <see cref="Run"/>.</summary>
internal sealed class RunTrialSink(Run parent) : ITrialSink
{
    public async Task<ITrialRecord> StartTrialAsync(string displayName, int index, CancellationToken cancellationToken) =>
        new RunTrialRecord(await parent.ChildRunAsync(displayName, cancellationToken: cancellationToken).ConfigureAwait(false));

    public void LogParent(string key, string value) => parent.LogParam(key, value);

    public void LogParentRow(string table, IReadOnlyDictionary<string, object?> row) => parent.LogRow(table, row);

    public Task UploadParentFileAsync(string name, string path, CancellationToken cancellationToken) => parent.UploadFileAsync(name, path, cancellationToken: cancellationToken);

    public void SetParentProperties(IReadOnlyDictionary<string, string> properties) => parent.AddProperties(properties);

    internal sealed class RunTrialRecord(Run run) : ITrialRecord
    {
        public string Id => run.Id;

        public void LogParam(string key, string value) => run.LogParam(key, value);

        public void LogMetric(string name, double value)
        {
            if (double.IsFinite(value))
            {
                run.Log(name, value);
            }
        }

        public void LogTable(string name, IReadOnlyDictionary<string, double[]> columns) => run.LogTable(name, columns);

        public void SetProperties(IReadOnlyDictionary<string, string> properties) => run.AddProperties(properties);

        public async Task UploadFolderAsync(string prefix, string folder, CancellationToken cancellationToken) =>
            await run.UploadFolderAsync(prefix, folder, cancellationToken).ConfigureAwait(false);

        public Task CompleteAsync(CancellationToken cancellationToken) => run.CompleteAsync(cancellationToken);

        public Task FailAsync(Exception error, CancellationToken cancellationToken) => run.FailAsync(error, cancellationToken);

        public Task CancelAsync(string reason, CancellationToken cancellationToken) => run.CancelAsync(cancellationToken);
    }
}
