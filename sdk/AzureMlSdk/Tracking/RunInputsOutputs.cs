namespace AzureMlSdk.Tracking;

/// <summary>A dataset as MLflow records it (its <c>Dataset</c> message).</summary>
/// <param name="Name">Dataset name.</param>
/// <param name="Digest">Content digest; with <paramref name="Name"/> it identifies the dataset.</param>
/// <param name="SourceType">Source kind, e.g. <c>local</c>, <c>http</c>, <c>delta_table</c>.</param>
/// <param name="Source">Where it came from (source-specific JSON).</param>
/// <param name="Schema">Its schema (JSON), when known.</param>
/// <param name="Profile">Its profile (JSON), when known.</param>
public sealed record DatasetData(string Name, string Digest, string SourceType, string Source, string? Schema = null, string? Profile = null);

/// <summary>A dataset a run consumed, with the input's tags (e.g. <c>mlflow.data.context</c> = <c>training</c>), in order.</summary>
/// <param name="Dataset">The dataset.</param>
/// <param name="Tags">Tags of the input.</param>
public sealed record RunDatasetInput(DatasetData Dataset, IReadOnlyList<KeyValuePair<string, string>> Tags);

/// <summary>A logged model a run produced at a step.</summary>
/// <param name="ModelId">The logged model's id.</param>
/// <param name="Step">The step.</param>
public sealed record RunModelOutput(string ModelId, long Step);

/// <summary>What a run consumed and produced, each list in the order first logged.</summary>
/// <param name="DatasetInputs">Datasets consumed.</param>
/// <param name="ModelInputs">Logged models consumed (their ids).</param>
/// <param name="ModelOutputs">Logged models produced.</param>
public sealed record RunInputsOutputs(IReadOnlyList<RunDatasetInput> DatasetInputs, IReadOnlyList<string> ModelInputs, IReadOnlyList<RunModelOutput> ModelOutputs)
{
    /// <summary>Nothing consumed or produced.</summary>
    public static RunInputsOutputs None { get; } = new([], [], []);
}

/// <summary>An MLflow 3 logged model's state.</summary>
public enum LoggedModelStatus
{
    /// <summary>Created; its files are being uploaded.</summary>
    Pending,
    /// <summary>Its files are uploaded.</summary>
    Ready,
    /// <summary>The upload failed.</summary>
    UploadFailed,
}

/// <summary>A logged model to create (MLflow <c>CreateLoggedModel</c>).</summary>
/// <param name="ExperimentId">The owning experiment (must be active).</param>
/// <param name="Name">Name; the store generates one when null or empty.</param>
/// <param name="ModelType">Model type, when given.</param>
/// <param name="SourceRunId">The run that produced it (must exist), when given.</param>
/// <param name="Tags">Initial tags.</param>
/// <param name="Params">Initial params.</param>
/// <param name="ModelId">
/// The id to give it, for imports and migrations (a store that cannot honour it rejects the call); the store assigns one when null.
/// A taken id is <see cref="ResourceExistsException"/>.
/// </param>
public sealed record NewLoggedModel(
    string ExperimentId,
    string? Name = null,
    string? ModelType = null,
    string? SourceRunId = null,
    IReadOnlyDictionary<string, string>? Tags = null,
    IReadOnlyDictionary<string, string>? Params = null,
    string? ModelId = null);

/// <summary>A logged model as stored.</summary>
/// <param name="ModelId">Store-assigned id (<c>m-</c> and 32 hex characters, as MLflow's).</param>
/// <param name="ExperimentId">Owning experiment.</param>
/// <param name="Name">Name.</param>
/// <param name="Status">Upload state.</param>
/// <param name="ModelType">Model type, when given.</param>
/// <param name="SourceRunId">Producing run, when given.</param>
/// <param name="Tags">Tags.</param>
/// <param name="Params">Params.</param>
/// <param name="CreationTime">When it was created.</param>
/// <param name="LastUpdateTime">When it was last changed.</param>
/// <param name="ArtifactLocation">Where its files live (store-specific URI), when the store says.</param>
public sealed record LoggedModelData(
    string ModelId,
    string ExperimentId,
    string Name,
    LoggedModelStatus Status,
    string? ModelType,
    string? SourceRunId,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyDictionary<string, string> Params,
    DateTimeOffset CreationTime,
    DateTimeOffset LastUpdateTime,
    string? ArtifactLocation = null);

/// <summary>A logged-model search (MLflow <c>SearchLoggedModels</c>).</summary>
/// <param name="ExperimentIds">Experiments to search (at least one).</param>
/// <param name="Filter">
/// Clauses <c>&lt;field&gt; = '&lt;value&gt;'</c> or <c>!=</c> joined by AND, over <c>name</c>, <c>model_id</c>, <c>model_type</c>,
/// <c>status</c> (MLflow's names, e.g. <c>LOGGED_MODEL_READY</c>), <c>source_run_id</c>, <c>tags.&lt;key&gt;</c>, <c>params.&lt;key&gt;</c>.
/// </param>
/// <param name="OrderBy">Sort keys (<c>creation_timestamp</c>, <c>last_updated_timestamp</c>, <c>name</c>, <c>model_id</c>); newest first when none.</param>
/// <param name="MaxResults">Page size (1…1000).</param>
/// <param name="PageToken">Token from the previous page.</param>
public sealed record LoggedModelQuery(
    IReadOnlyList<string> ExperimentIds,
    string? Filter = null,
    IReadOnlyList<LoggedModelOrder>? OrderBy = null,
    int MaxResults = 50,
    string? PageToken = null);

/// <summary>One sort key of a logged-model search.</summary>
/// <param name="Field">The field.</param>
/// <param name="Ascending">Ascending (the default) or descending.</param>
public sealed record LoggedModelOrder(string Field, bool Ascending = true);

/// <summary>MLflow's names of the logged-model states, as its REST surface and its search filters spell them.</summary>
internal static class LoggedModelStatusNames
{
    /// <summary>The MLflow name of <paramref name="status"/>.</summary>
    public static string ToMlflow(LoggedModelStatus status) => status switch
    {
        LoggedModelStatus.Pending => "LOGGED_MODEL_PENDING",
        LoggedModelStatus.Ready => "LOGGED_MODEL_READY",
        LoggedModelStatus.UploadFailed => "LOGGED_MODEL_UPLOAD_FAILED",
        _ => throw new InvalidInputException($"Logged model status {(int)status} is not defined.", "status"),
    };

    /// <summary>The state an MLflow name stands for (unknown names and UNSPECIFIED: null).</summary>
    public static LoggedModelStatus? FromMlflow(string? name) => name switch
    {
        "LOGGED_MODEL_PENDING" => LoggedModelStatus.Pending,
        "LOGGED_MODEL_READY" => LoggedModelStatus.Ready,
        "LOGGED_MODEL_UPLOAD_FAILED" => LoggedModelStatus.UploadFailed,
        _ => null,
    };
}
