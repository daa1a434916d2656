using AzureMlSdk.Backends;

namespace AzureMlSdk.Tracking;

/// <summary>
/// Tracking contract, after MLflow's <c>AbstractStore</c>: experiments, runs, metrics, params, tags.
/// Every method validates its input and throws the SDK's typed errors
/// (<see cref="ResourceNotFoundException"/>, <see cref="InvalidInputException"/>…); a rejected call leaves no partial state.
/// </summary>
public interface ITrackingStore
{
    /// <summary>Creates an experiment. Throws <see cref="ResourceExistsException"/> when the name is taken (even by a deleted one).</summary>
    Task<ExperimentData> CreateExperimentAsync(string name, IReadOnlyDictionary<string, string>? tags, CancellationToken cancellationToken);

    /// <summary>Gets an experiment by id; throws <see cref="ResourceNotFoundException"/>.</summary>
    Task<ExperimentData> GetExperimentAsync(string experimentId, CancellationToken cancellationToken);

    /// <summary>Gets an experiment by name (deleted ones too, as MLflow does), or null when there is none.</summary>
    Task<ExperimentData?> GetExperimentByNameAsync(string name, CancellationToken cancellationToken);

    /// <summary>Lists experiments, ordered by id, a page at a time.</summary>
    Task<ResultPage<ExperimentData>> SearchExperimentsAsync(ExperimentQuery query, CancellationToken cancellationToken);

    /// <summary>Renames an experiment.</summary>
    Task RenameExperimentAsync(string experimentId, string newName, CancellationToken cancellationToken);

    /// <summary>Sets a tag on an experiment (last write wins).</summary>
    Task SetExperimentTagAsync(string experimentId, string key, string value, CancellationToken cancellationToken);

    /// <summary>Marks an experiment (and its runs) deleted; <see cref="RestoreExperimentAsync"/> undoes it.</summary>
    Task DeleteExperimentAsync(string experimentId, CancellationToken cancellationToken);

    /// <summary>Restores a deleted experiment.</summary>
    Task RestoreExperimentAsync(string experimentId, CancellationToken cancellationToken);

    /// <summary>Creates a run. The store records <see cref="NewRun.DisplayName"/> as tag <c>mlflow.runName</c>
    /// and <see cref="NewRun.ParentRunId"/> as tag <c>mlflow.parentRunId</c>, as MLflow does.</summary>
    Task<RunData> CreateRunAsync(NewRun run, CancellationToken cancellationToken);

    /// <summary>Gets a run with its params, tags and latest metrics; throws <see cref="ResourceNotFoundException"/>.</summary>
    Task<RunData> GetRunAsync(string runId, CancellationToken cancellationToken);

    /// <summary>Updates a run's status, end time and/or display name (null leaves a field unchanged).</summary>
    Task<RunData> UpdateRunAsync(string runId, RunUpdate update, CancellationToken cancellationToken);

    /// <summary>Marks a run deleted (it no longer shows in searches of active runs); <see cref="RestoreRunAsync"/> undoes it.</summary>
    Task DeleteRunAsync(string runId, CancellationToken cancellationToken);

    /// <summary>Restores a deleted run.</summary>
    Task RestoreRunAsync(string runId, CancellationToken cancellationToken);

    /// <summary>
    /// Writes metrics, params and tags of one run, all or nothing, within MLflow's log-batch limits
    /// (<see cref="TrackingLimits"/>). Metric points are kept unique on (key, timestamp, step, value), so
    /// replaying a batch after a lost reply changes nothing. A param logged again with the same value is
    /// accepted; with a different value the whole batch is rejected with <see cref="InvalidInputException"/>.
    /// </summary>
    Task LogBatchAsync(string runId, LogBatch batch, CancellationToken cancellationToken);

    /// <summary>Deletes a run tag; throws <see cref="ResourceNotFoundException"/> when it is not set.</summary>
    Task DeleteTagAsync(string runId, string key, CancellationToken cancellationToken);

    /// <summary>Every logged point of one metric, ordered by step then timestamp.</summary>
    Task<IReadOnlyList<MetricPoint>> GetMetricHistoryAsync(string runId, string key, CancellationToken cancellationToken);

    /// <summary>Searches runs with MLflow's filter and order-by syntax, a page at a time.</summary>
    Task<ResultPage<RunData>> SearchRunsAsync(RunQuery query, CancellationToken cancellationToken);
}

/// <summary>MLflow's limits on one log-batch request, and on keys and values.</summary>
public static class TrackingLimits
{
    /// <summary>Most metric points in one batch.</summary>
    public const int MaxMetricsPerBatch = 1000;
    /// <summary>Most params in one batch.</summary>
    public const int MaxParamsPerBatch = 100;
    /// <summary>Most tags in one batch.</summary>
    public const int MaxTagsPerBatch = 100;
    /// <summary>Most entries (metrics + params + tags) in one batch.</summary>
    public const int MaxEntriesPerBatch = 1000;
    /// <summary>Longest metric, param or tag key.</summary>
    public const int MaxKeyLength = 250;
    /// <summary>Longest param value.</summary>
    public const int MaxParamValueLength = 6000;
    /// <summary>Longest tag value.</summary>
    public const int MaxTagValueLength = 8000;
    /// <summary>Longest experiment or run name.</summary>
    public const int MaxNameLength = 250;
    /// <summary>Most results of one search page.</summary>
    public const int MaxResultsPerPage = 50000;
}

/// <summary>Which lifecycle stage a search includes.</summary>
public enum ViewType
{
    /// <summary>Only active (not deleted) items.</summary>
    ActiveOnly,
    /// <summary>Only deleted items.</summary>
    DeletedOnly,
    /// <summary>Both.</summary>
    All,
}

/// <summary>An experiment as stored.</summary>
/// <param name="ExperimentId">Store-assigned id (a decimal string, as MLflow's).</param>
/// <param name="Name">Unique name.</param>
/// <param name="Tags">Experiment tags.</param>
/// <param name="IsDeleted">True when deleted.</param>
/// <param name="CreationTime">When it was created.</param>
/// <param name="LastUpdateTime">When it was last changed.</param>
/// <param name="ArtifactLocation">Where its artifacts live (store-specific URI).</param>
public sealed record ExperimentData(
    string ExperimentId,
    string Name,
    IReadOnlyDictionary<string, string> Tags,
    bool IsDeleted,
    DateTimeOffset CreationTime,
    DateTimeOffset LastUpdateTime,
    string? ArtifactLocation = null);

/// <summary>Paging and view of an experiment listing.</summary>
/// <param name="MaxResults">Page size (1…1000).</param>
/// <param name="PageToken">Token from the previous page.</param>
/// <param name="ViewType">Active, deleted or all.</param>
public sealed record ExperimentQuery(int MaxResults = 1000, string? PageToken = null, ViewType ViewType = ViewType.ActiveOnly);

/// <summary>A run to create.</summary>
/// <param name="ExperimentId">Owning experiment.</param>
/// <param name="DisplayName">Display name (MLflow run name); the store picks one when null.</param>
/// <param name="StartTime">Start time.</param>
/// <param name="ParentRunId">Parent run, for a child run.</param>
/// <param name="Tags">Initial tags.</param>
/// <param name="Status">Initial status (Running unless told).</param>
public sealed record NewRun(
    string ExperimentId,
    string? DisplayName,
    DateTimeOffset StartTime,
    string? ParentRunId = null,
    IReadOnlyDictionary<string, string>? Tags = null,
    RunStatus Status = RunStatus.Running);

/// <summary>Fields of a run to change; null leaves a field as it is.</summary>
/// <param name="Status">New status.</param>
/// <param name="EndTime">End time.</param>
/// <param name="DisplayName">New display name.</param>
public sealed record RunUpdate(RunStatus? Status = null, DateTimeOffset? EndTime = null, string? DisplayName = null);

/// <summary>A run as stored.</summary>
/// <param name="RunId">Run id (32 hex characters, as MLflow's).</param>
/// <param name="ExperimentId">Owning experiment.</param>
/// <param name="DisplayName">Display name (tag <c>mlflow.runName</c>).</param>
/// <param name="Status">Current status.</param>
/// <param name="StartTime">Start time.</param>
/// <param name="EndTime">End time, once ended.</param>
/// <param name="ParentRunId">Parent run (tag <c>mlflow.parentRunId</c>).</param>
/// <param name="Params">Params.</param>
/// <param name="Tags">Tags, system tags (<c>mlflow.*</c>) included.</param>
/// <param name="LatestMetrics">Each metric's latest point (highest step, then latest timestamp).</param>
/// <param name="IsDeleted">True when deleted.</param>
/// <param name="ArtifactUri">Where the run's artifacts live (store-specific URI).</param>
public sealed record RunData(
    string RunId,
    string ExperimentId,
    string DisplayName,
    RunStatus Status,
    DateTimeOffset StartTime,
    DateTimeOffset? EndTime,
    string? ParentRunId,
    IReadOnlyDictionary<string, string> Params,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyDictionary<string, MetricPoint> LatestMetrics,
    bool IsDeleted = false,
    string? ArtifactUri = null);

/// <summary>Metrics, params and tags written together (see <see cref="ITrackingStore.LogBatchAsync"/>).</summary>
/// <param name="Metrics">Metric points.</param>
/// <param name="Params">Params (key, value).</param>
/// <param name="Tags">Tags (key, value).</param>
public sealed record LogBatch(
    IReadOnlyList<MetricPoint> Metrics,
    IReadOnlyList<KeyValuePair<string, string>> Params,
    IReadOnlyList<KeyValuePair<string, string>> Tags)
{
    /// <summary>A batch of metric points only.</summary>
    public static LogBatch OfMetrics(IReadOnlyList<MetricPoint> metrics) => new(metrics, [], []);
}

/// <summary>A run search, in MLflow's terms.</summary>
/// <param name="ExperimentIds">Experiments to search (at least one).</param>
/// <param name="Filter">MLflow filter, e.g. <c>metrics.acc &gt; 0.9 and params.lr = '0.01' and tags.team = 'a' and attributes.status = 'FINISHED'</c>.</param>
/// <param name="OrderBy">Clauses like <c>metrics.acc DESC</c>, <c>attributes.start_time</c>; default: start time descending.</param>
/// <param name="MaxResults">Page size.</param>
/// <param name="PageToken">Token from the previous page.</param>
/// <param name="ViewType">Active, deleted or all runs.</param>
public sealed record RunQuery(
    IReadOnlyList<string> ExperimentIds,
    string? Filter = null,
    IReadOnlyList<string>? OrderBy = null,
    int MaxResults = 1000,
    string? PageToken = null,
    ViewType ViewType = ViewType.ActiveOnly);
