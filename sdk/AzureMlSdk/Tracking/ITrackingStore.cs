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
    Task<ExperimentData> CreateExperimentAsync(string name, IReadOnlyDictionary<string, string>? tags, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<ExperimentData>(this, nameof(CreateExperimentAsync));

    /// <summary>Gets an experiment by id; throws <see cref="ResourceNotFoundException"/>.</summary>
    Task<ExperimentData> GetExperimentAsync(string experimentId, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<ExperimentData>(this, nameof(GetExperimentAsync));

    /// <summary>Gets an experiment by name (deleted ones too, as MLflow does), or null when there is none.</summary>
    Task<ExperimentData?> GetExperimentByNameAsync(string name, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<ExperimentData?>(this, nameof(GetExperimentByNameAsync));

    /// <summary>Lists experiments, ordered by id, a page at a time.</summary>
    Task<ResultPage<ExperimentData>> SearchExperimentsAsync(ExperimentQuery query, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<ResultPage<ExperimentData>>(this, nameof(SearchExperimentsAsync));

    /// <summary>Renames an experiment.</summary>
    Task RenameExperimentAsync(string experimentId, string newName, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported(this, nameof(RenameExperimentAsync));

    /// <summary>Sets a tag on an experiment (last write wins).</summary>
    Task SetExperimentTagAsync(string experimentId, string key, string value, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported(this, nameof(SetExperimentTagAsync));

    /// <summary>Marks an experiment (and its runs) deleted; <see cref="RestoreExperimentAsync"/> undoes it.</summary>
    Task DeleteExperimentAsync(string experimentId, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported(this, nameof(DeleteExperimentAsync));

    /// <summary>Restores a deleted experiment.</summary>
    Task RestoreExperimentAsync(string experimentId, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported(this, nameof(RestoreExperimentAsync));

    /// <summary>Creates a run. The store records <see cref="NewRun.DisplayName"/> as tag <c>mlflow.runName</c>
    /// and <see cref="NewRun.ParentRunId"/> as tag <c>mlflow.parentRunId</c>, as MLflow does.</summary>
    Task<RunData> CreateRunAsync(NewRun run, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<RunData>(this, nameof(CreateRunAsync));

    /// <summary>Gets a run with its params, tags and latest metrics; throws <see cref="ResourceNotFoundException"/>.</summary>
    Task<RunData> GetRunAsync(string runId, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<RunData>(this, nameof(GetRunAsync));

    /// <summary>Updates a run's status, end time and/or display name (null leaves a field unchanged).</summary>
    Task<RunData> UpdateRunAsync(string runId, RunUpdate update, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<RunData>(this, nameof(UpdateRunAsync));

    /// <summary>Marks a run deleted (it no longer shows in searches of active runs); <see cref="RestoreRunAsync"/> undoes it.</summary>
    Task DeleteRunAsync(string runId, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported(this, nameof(DeleteRunAsync));

    /// <summary>Restores a deleted run.</summary>
    Task RestoreRunAsync(string runId, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported(this, nameof(RestoreRunAsync));

    /// <summary>
    /// Writes metrics, params and tags of one run, all or nothing, within MLflow's log-batch limits
    /// (<see cref="TrackingLimits"/>). Metric points are kept unique on (key, timestamp, step, value), so
    /// replaying a batch after a lost reply changes nothing. A param logged again with the same value is
    /// accepted; with a different value the whole batch is rejected with <see cref="InvalidInputException"/>.
    /// </summary>
    Task LogBatchAsync(string runId, LogBatch batch, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported(this, nameof(LogBatchAsync));

    /// <summary>Deletes a run tag; throws <see cref="ResourceNotFoundException"/> when it is not set.</summary>
    Task DeleteTagAsync(string runId, string key, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported(this, nameof(DeleteTagAsync));

    /// <summary>Every logged point of one metric, ordered by step then timestamp.</summary>
    Task<IReadOnlyList<MetricPoint>> GetMetricHistoryAsync(string runId, string key, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<IReadOnlyList<MetricPoint>>(this, nameof(GetMetricHistoryAsync));

    /// <summary>Searches runs with MLflow's filter and order-by syntax, a page at a time.</summary>
    Task<ResultPage<RunData>> SearchRunsAsync(RunQuery query, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<ResultPage<RunData>>(this, nameof(SearchRunsAsync));

    // ---- added after the first release: each has a not-supported default, so implementers written before keep compiling ----

    /// <summary>
    /// MLflow's default experiment, named <c>Default</c>, created unless it exists, as an MLflow server does when it opens its
    /// store, so a client that names no experiment can log. The local store gives it id <c>0</c> (as MLflow's stores do) and answers
    /// null when the name is already taken by an experiment with another id; a remote store returns the server's.
    /// </summary>
    Task<ExperimentData?> EnsureDefaultExperimentAsync(CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<ExperimentData?>(this, nameof(EnsureDefaultExperimentAsync));

    /// <summary>Deletes an experiment tag (MLflow <c>DeleteExperimentTag</c>); the experiment must be active; throws <see cref="ResourceNotFoundException"/> when the tag is not set.</summary>
    Task DeleteExperimentTagAsync(string experimentId, string key, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported(this, nameof(DeleteExperimentTagAsync));

    /// <summary>
    /// Records what an active run consumed (MLflow <c>LogInputs</c>): dataset inputs and logged-model inputs. An input already recorded
    /// (the same dataset name and digest, the same model id) stays as it was, so a replay changes nothing.
    /// </summary>
    Task LogInputsAsync(string runId, IReadOnlyList<RunDatasetInput> datasets, IReadOnlyList<string> modelIds, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported(this, nameof(LogInputsAsync));

    /// <summary>Records logged models an active run produced, each at a step (MLflow <c>LogOutputs</c>); a (model, step) pair is recorded once.</summary>
    Task LogOutputsAsync(string runId, IReadOnlyList<RunModelOutput> outputs, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported(this, nameof(LogOutputsAsync));

    /// <summary>A run's inputs and outputs, each in the order first logged; throws <see cref="ResourceNotFoundException"/> for an unknown run.</summary>
    Task<RunInputsOutputs> GetRunInputsOutputsAsync(string runId, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<RunInputsOutputs>(this, nameof(GetRunInputsOutputsAsync));

    /// <summary>Creates an MLflow 3 logged model in <see cref="LoggedModelStatus.Pending"/> state (the experiment must be active, the source run must exist).</summary>
    Task<LoggedModelData> CreateLoggedModelAsync(NewLoggedModel model, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<LoggedModelData>(this, nameof(CreateLoggedModelAsync));

    /// <summary>Gets a logged model; throws <see cref="ResourceNotFoundException"/>.</summary>
    Task<LoggedModelData> GetLoggedModelAsync(string modelId, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<LoggedModelData>(this, nameof(GetLoggedModelAsync));

    /// <summary>Sets a logged model's status (MLflow <c>FinalizeLoggedModel</c>).</summary>
    Task<LoggedModelData> FinalizeLoggedModelAsync(string modelId, LoggedModelStatus status, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<LoggedModelData>(this, nameof(FinalizeLoggedModelAsync));

    /// <summary>Deletes a logged model's record (its files stay); throws <see cref="ResourceNotFoundException"/>.</summary>
    Task DeleteLoggedModelAsync(string modelId, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported(this, nameof(DeleteLoggedModelAsync));

    /// <summary>Sets tags on a logged model (last write wins).</summary>
    Task SetLoggedModelTagsAsync(string modelId, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported(this, nameof(SetLoggedModelTagsAsync));

    /// <summary>Deletes a logged model's tag; throws <see cref="ResourceNotFoundException"/> when it is not set.</summary>
    Task DeleteLoggedModelTagAsync(string modelId, string key, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported(this, nameof(DeleteLoggedModelTagAsync));

    /// <summary>Logs params of a logged model (last write wins).</summary>
    Task LogLoggedModelParamsAsync(string modelId, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported(this, nameof(LogLoggedModelParamsAsync));

    /// <summary>Searches the logged models of some experiments, a page at a time (see <see cref="LoggedModelQuery"/>).</summary>
    Task<ResultPage<LoggedModelData>> SearchLoggedModelsAsync(LoggedModelQuery query, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<ResultPage<LoggedModelData>>(this, nameof(SearchLoggedModelsAsync));
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
