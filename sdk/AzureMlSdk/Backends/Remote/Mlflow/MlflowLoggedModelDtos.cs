namespace AzureMlSdk.Backends.Remote.Mlflow;

// Wire shapes of run inputs/outputs and MLflow 3 logged models (mlflow/protos/service.proto), snake_case, empty fields omitted.

internal sealed class MlflowDataset
{
    public string? Name { get; set; }
    public string? Digest { get; set; }
    public string? SourceType { get; set; }
    public string? Source { get; set; }
    public string? Schema { get; set; }
    public string? Profile { get; set; }
}

internal sealed class MlflowDatasetInput
{
    public List<MlflowTag>? Tags { get; set; }
    public MlflowDataset? Dataset { get; set; }
}

internal sealed class MlflowModelInput
{
    public string? ModelId { get; set; }
}

internal sealed class MlflowModelOutput
{
    public string? ModelId { get; set; }
    public long Step { get; set; }
}

internal sealed class MlflowRunInputs
{
    public List<MlflowDatasetInput>? DatasetInputs { get; set; }
    public List<MlflowModelInput>? ModelInputs { get; set; }
}

internal sealed class MlflowRunOutputs
{
    public List<MlflowModelOutput>? ModelOutputs { get; set; }
}

internal sealed class DeleteExperimentTagRequest
{
    public string? ExperimentId { get; set; }
    public string? Key { get; set; }
}

internal sealed class LogInputsRequest
{
    public string? RunId { get; set; }
    public List<MlflowDatasetInput>? Datasets { get; set; }
    public List<MlflowModelInput>? Models { get; set; }
}

internal sealed class LogOutputsRequest
{
    public string? RunId { get; set; }
    public List<MlflowModelOutput>? Models { get; set; }
}

internal sealed class MlflowLoggedModelInfo
{
    public string? ModelId { get; set; }
    public string? ExperimentId { get; set; }
    public string? Name { get; set; }
    public long? CreationTimestampMs { get; set; }
    public long? LastUpdatedTimestampMs { get; set; }
    public string? ArtifactUri { get; set; }
    public string? Status { get; set; }
    public string? ModelType { get; set; }
    public string? SourceRunId { get; set; }
    public List<MlflowTag>? Tags { get; set; }
}

internal sealed class MlflowLoggedModelData
{
    public List<MlflowTag>? Params { get; set; }
}

internal sealed class MlflowLoggedModel
{
    public MlflowLoggedModelInfo? Info { get; set; }
    public MlflowLoggedModelData? Data { get; set; }
}

internal sealed class LoggedModelResponse
{
    public MlflowLoggedModel? Model { get; set; }
}

internal sealed class CreateLoggedModelRequest
{
    public string? ExperimentId { get; set; }
    public string? Name { get; set; }
    public string? ModelType { get; set; }
    public string? SourceRunId { get; set; }
    public List<MlflowTag>? Params { get; set; }
    public List<MlflowTag>? Tags { get; set; }
}

internal sealed class FinalizeLoggedModelRequest
{
    public string? ModelId { get; set; }
    public string? Status { get; set; }
}

internal sealed class LoggedModelTagsRequest
{
    public List<MlflowTag>? Tags { get; set; }
}

internal sealed class LoggedModelParamsRequest
{
    public string? ModelId { get; set; }
    public List<MlflowTag>? Params { get; set; }
}

internal sealed class LoggedModelOrderBy
{
    public string? FieldName { get; set; }
    public bool Ascending { get; set; }
}

internal sealed class SearchLoggedModelsRequest
{
    public List<string>? ExperimentIds { get; set; }
    public string? Filter { get; set; }
    public List<LoggedModelOrderBy>? OrderBy { get; set; }
    public int? MaxResults { get; set; }
    public string? PageToken { get; set; }
}

internal sealed class SearchLoggedModelsResponse
{
    public List<MlflowLoggedModel>? Models { get; set; }
    public string? NextPageToken { get; set; }
}
