using System.Text.Json;
using System.Text.Json.Serialization;

namespace AzureMlSdk.Backends.Remote.Mlflow;

// Wire shapes of MLflow's REST API (mlflow/protos/service.proto), snake_case, empty fields omitted.

internal sealed class MlflowTag
{
    public string? Key { get; set; }
    public string? Value { get; set; }
}

internal sealed class MlflowMetric
{
    public string? Key { get; set; }

    // protobuf JSON writes NaN/Infinity as strings
    [JsonNumberHandling(JsonNumberHandling.AllowNamedFloatingPointLiterals | JsonNumberHandling.AllowReadingFromString)]
    public double Value { get; set; }

    public long Timestamp { get; set; }
    public long Step { get; set; }
}

internal sealed class MlflowExperiment
{
    public string? ExperimentId { get; set; }
    public string? Name { get; set; }
    public string? ArtifactLocation { get; set; }
    public string? LifecycleStage { get; set; }
    public long? LastUpdateTime { get; set; }
    public long? CreationTime { get; set; }
    public List<MlflowTag>? Tags { get; set; }
}

internal sealed class MlflowRunInfo
{
    public string? RunId { get; set; }
    public string? RunUuid { get; set; }
    public string? RunName { get; set; }
    public string? ExperimentId { get; set; }
    public string? UserId { get; set; }
    public string? Status { get; set; }
    public long? StartTime { get; set; }
    public long? EndTime { get; set; }
    public string? ArtifactUri { get; set; }
    public string? LifecycleStage { get; set; }
}

internal sealed class MlflowRunData
{
    public List<MlflowMetric>? Metrics { get; set; }
    public List<MlflowTag>? Params { get; set; }
    public List<MlflowTag>? Tags { get; set; }
}

internal sealed class MlflowRun
{
    public MlflowRunInfo? Info { get; set; }
    public MlflowRunData? Data { get; set; }
    public MlflowRunInputs? Inputs { get; set; }
    public MlflowRunOutputs? Outputs { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

internal sealed class CreateExperimentRequest
{
    public string? Name { get; set; }
    public string? ArtifactLocation { get; set; }
    public List<MlflowTag>? Tags { get; set; }
}

internal sealed class CreateExperimentResponse
{
    public string? ExperimentId { get; set; }
}

internal sealed class GetExperimentResponse
{
    public MlflowExperiment? Experiment { get; set; }
}

internal sealed class SearchExperimentsRequest
{
    public long? MaxResults { get; set; }
    public string? PageToken { get; set; }
    public string? Filter { get; set; }
    public List<string>? OrderBy { get; set; }
    public string? ViewType { get; set; }
}

internal sealed class SearchExperimentsResponse
{
    public List<MlflowExperiment>? Experiments { get; set; }
    public string? NextPageToken { get; set; }
}

internal sealed class ExperimentIdRequest
{
    public string? ExperimentId { get; set; }
}

internal sealed class UpdateExperimentRequest
{
    public string? ExperimentId { get; set; }
    public string? NewName { get; set; }
}

internal sealed class SetExperimentTagRequest
{
    public string? ExperimentId { get; set; }
    public string? Key { get; set; }
    public string? Value { get; set; }
}

internal sealed class CreateRunRequest
{
    public string? ExperimentId { get; set; }
    public string? UserId { get; set; }
    public string? RunName { get; set; }
    public long? StartTime { get; set; }
    public List<MlflowTag>? Tags { get; set; }
}

internal sealed class RunResponse
{
    public MlflowRun? Run { get; set; }
}

internal sealed class UpdateRunRequest
{
    public string? RunId { get; set; }
    public string? RunUuid { get; set; }
    public string? Status { get; set; }
    public long? EndTime { get; set; }
    public string? RunName { get; set; }
}

internal sealed class UpdateRunResponse
{
    public MlflowRunInfo? RunInfo { get; set; }
}

internal sealed class RunIdRequest
{
    public string? RunId { get; set; }
}

internal sealed class LogBatchRequest
{
    public string? RunId { get; set; }
    public List<MlflowMetric>? Metrics { get; set; }
    public List<MlflowTag>? Params { get; set; }
    public List<MlflowTag>? Tags { get; set; }
}

internal sealed class DeleteTagRequest
{
    public string? RunId { get; set; }
    public string? Key { get; set; }
}

internal sealed class SearchRunsRequest
{
    public List<string>? ExperimentIds { get; set; }
    public string? Filter { get; set; }
    public string? RunViewType { get; set; }
    public int? MaxResults { get; set; }
    public List<string>? OrderBy { get; set; }
    public string? PageToken { get; set; }
}

internal sealed class SearchRunsResponse
{
    public List<MlflowRun>? Runs { get; set; }
    public string? NextPageToken { get; set; }
}

internal sealed class GetMetricHistoryResponse
{
    public List<MlflowMetric>? Metrics { get; set; }
    public string? NextPageToken { get; set; }
}

/// <summary>Replies with no fields (<c>{}</c>).</summary>
internal sealed class MlflowEmpty
{
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(CreateExperimentRequest))]
[JsonSerializable(typeof(CreateExperimentResponse))]
[JsonSerializable(typeof(GetExperimentResponse))]
[JsonSerializable(typeof(SearchExperimentsRequest))]
[JsonSerializable(typeof(SearchExperimentsResponse))]
[JsonSerializable(typeof(ExperimentIdRequest))]
[JsonSerializable(typeof(UpdateExperimentRequest))]
[JsonSerializable(typeof(SetExperimentTagRequest))]
[JsonSerializable(typeof(CreateRunRequest))]
[JsonSerializable(typeof(RunResponse))]
[JsonSerializable(typeof(UpdateRunRequest))]
[JsonSerializable(typeof(UpdateRunResponse))]
[JsonSerializable(typeof(RunIdRequest))]
[JsonSerializable(typeof(LogBatchRequest))]
[JsonSerializable(typeof(DeleteTagRequest))]
[JsonSerializable(typeof(SearchRunsRequest))]
[JsonSerializable(typeof(SearchRunsResponse))]
[JsonSerializable(typeof(GetMetricHistoryResponse))]
[JsonSerializable(typeof(MlflowEmpty))]
[JsonSerializable(typeof(CreateRegisteredModelRequest))]
[JsonSerializable(typeof(RegisteredModelResponse))]
[JsonSerializable(typeof(RenameRegisteredModelRequest))]
[JsonSerializable(typeof(UpdateRegisteredModelRequest))]
[JsonSerializable(typeof(RegisteredModelNameRequest))]
[JsonSerializable(typeof(SearchRegisteredModelsResponse))]
[JsonSerializable(typeof(GetLatestVersionsRequest))]
[JsonSerializable(typeof(ModelVersionsResponse))]
[JsonSerializable(typeof(SetRegisteredModelTagRequest))]
[JsonSerializable(typeof(DeleteRegisteredModelTagRequest))]
[JsonSerializable(typeof(SetRegisteredModelAliasRequest))]
[JsonSerializable(typeof(DeleteRegisteredModelAliasRequest))]
[JsonSerializable(typeof(CreateModelVersionRequest))]
[JsonSerializable(typeof(ModelVersionResponse))]
[JsonSerializable(typeof(UpdateModelVersionRequest))]
[JsonSerializable(typeof(ModelVersionKeyRequest))]
[JsonSerializable(typeof(SearchModelVersionsResponse))]
[JsonSerializable(typeof(SetModelVersionTagRequest))]
[JsonSerializable(typeof(DeleteModelVersionTagRequest))]
[JsonSerializable(typeof(GetModelVersionDownloadUriResponse))]
[JsonSerializable(typeof(ListArtifactsResponse))]
[JsonSerializable(typeof(Http.MlflowErrorResponse))]
[JsonSerializable(typeof(DeleteExperimentTagRequest))]
[JsonSerializable(typeof(LogInputsRequest))]
[JsonSerializable(typeof(LogOutputsRequest))]
[JsonSerializable(typeof(LoggedModelResponse))]
[JsonSerializable(typeof(CreateLoggedModelRequest))]
[JsonSerializable(typeof(FinalizeLoggedModelRequest))]
[JsonSerializable(typeof(LoggedModelTagsRequest))]
[JsonSerializable(typeof(LoggedModelParamsRequest))]
[JsonSerializable(typeof(SearchLoggedModelsRequest))]
[JsonSerializable(typeof(SearchLoggedModelsResponse))]
internal sealed partial class MlflowJsonContext : JsonSerializerContext;
