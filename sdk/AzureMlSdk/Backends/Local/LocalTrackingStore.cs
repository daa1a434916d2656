namespace AzureMlSdk.Backends.Local;

/// <summary>MLflow-semantics tracking over the local SQLite file.</summary>
internal sealed class LocalTrackingStore : ITrackingStore
{
    public LocalTrackingStore(LocalDatabase database, string root, TimeProvider time)
    {
        _ = (database, root, time);
    }

    public Task<ExperimentData> CreateExperimentAsync(string name, IReadOnlyDictionary<string, string>? tags, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task<RunData> CreateRunAsync(NewRun run, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task DeleteExperimentAsync(string experimentId, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task DeleteRunAsync(string runId, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task DeleteTagAsync(string runId, string key, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task<ExperimentData> GetExperimentAsync(string experimentId, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task<ExperimentData?> GetExperimentByNameAsync(string name, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task<IReadOnlyList<MetricPoint>> GetMetricHistoryAsync(string runId, string key, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task<RunData> GetRunAsync(string runId, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task LogBatchAsync(string runId, LogBatch batch, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task RenameExperimentAsync(string experimentId, string newName, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task RestoreExperimentAsync(string experimentId, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task RestoreRunAsync(string runId, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task<ResultPage<ExperimentData>> SearchExperimentsAsync(ExperimentQuery query, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task<ResultPage<RunData>> SearchRunsAsync(RunQuery query, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task SetExperimentTagAsync(string experimentId, string key, string value, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task<RunData> UpdateRunAsync(string runId, RunUpdate update, CancellationToken cancellationToken) => throw new NotImplementedException();
}
