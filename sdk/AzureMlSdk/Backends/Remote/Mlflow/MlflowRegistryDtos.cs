using System.Text.Json;
using System.Text.Json.Serialization;

namespace AzureMlSdk.Backends.Remote.Mlflow;

// Wire shapes of MLflow's model registry (mlflow/protos/model_registry.proto) and artifacts proxy
// (mlflow/protos/mlflow_artifacts.proto), snake_case, empty fields omitted; registered in MlflowJsonContext.

internal sealed class MlflowRegisteredModel
{
    public string? Name { get; set; }
    public long? CreationTimestamp { get; set; }
    public long? LastUpdatedTimestamp { get; set; }
    public string? UserId { get; set; }
    public string? Description { get; set; }
    public List<MlflowModelVersion>? LatestVersions { get; set; }
    public List<MlflowTag>? Tags { get; set; }
    public List<MlflowRegisteredModelAlias>? Aliases { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

internal sealed class MlflowRegisteredModelAlias
{
    public string? Alias { get; set; }
    public string? Version { get; set; }
}

internal sealed class MlflowModelVersion
{
    public string? Name { get; set; }
    public string? Version { get; set; }
    public long? CreationTimestamp { get; set; }
    public long? LastUpdatedTimestamp { get; set; }
    public string? UserId { get; set; }
    public string? CurrentStage { get; set; }
    public string? Description { get; set; }
    public string? Source { get; set; }
    public string? RunId { get; set; }
    public string? Status { get; set; }
    public string? StatusMessage { get; set; }
    public List<MlflowTag>? Tags { get; set; }
    public string? RunLink { get; set; }
    public List<string>? Aliases { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

internal sealed class CreateRegisteredModelRequest
{
    public string? Name { get; set; }
    public List<MlflowTag>? Tags { get; set; }
    public string? Description { get; set; }
}

internal sealed class RegisteredModelResponse
{
    public MlflowRegisteredModel? RegisteredModel { get; set; }
}

internal sealed class RenameRegisteredModelRequest
{
    public string? Name { get; set; }
    public string? NewName { get; set; }
}

internal sealed class UpdateRegisteredModelRequest
{
    public string? Name { get; set; }
    public string? Description { get; set; }
}

/// <summary>Requests that name only a registered model (delete).</summary>
internal sealed class RegisteredModelNameRequest
{
    public string? Name { get; set; }
}

internal sealed class SearchRegisteredModelsResponse
{
    public List<MlflowRegisteredModel>? RegisteredModels { get; set; }
    public string? NextPageToken { get; set; }
}

internal sealed class GetLatestVersionsRequest
{
    public string? Name { get; set; }
    public List<string>? Stages { get; set; }
}

internal sealed class ModelVersionsResponse
{
    public List<MlflowModelVersion>? ModelVersions { get; set; }
}

internal sealed class SetRegisteredModelTagRequest
{
    public string? Name { get; set; }
    public string? Key { get; set; }
    public string? Value { get; set; }
}

internal sealed class DeleteRegisteredModelTagRequest
{
    public string? Name { get; set; }
    public string? Key { get; set; }
}

internal sealed class SetRegisteredModelAliasRequest
{
    public string? Name { get; set; }
    public string? Alias { get; set; }
    public string? Version { get; set; }
}

internal sealed class DeleteRegisteredModelAliasRequest
{
    public string? Name { get; set; }
    public string? Alias { get; set; }
}

internal sealed class CreateModelVersionRequest
{
    public string? Name { get; set; }
    public string? Source { get; set; }
    public string? RunId { get; set; }
    public List<MlflowTag>? Tags { get; set; }
    public string? RunLink { get; set; }
    public string? Description { get; set; }
}

internal sealed class ModelVersionResponse
{
    public MlflowModelVersion? ModelVersion { get; set; }
}

internal sealed class UpdateModelVersionRequest
{
    public string? Name { get; set; }
    public string? Version { get; set; }
    public string? Description { get; set; }
}

/// <summary>Requests that name only a model version (delete).</summary>
internal sealed class ModelVersionKeyRequest
{
    public string? Name { get; set; }
    public string? Version { get; set; }
}

internal sealed class SearchModelVersionsResponse
{
    public List<MlflowModelVersion>? ModelVersions { get; set; }
    public string? NextPageToken { get; set; }
}

internal sealed class SetModelVersionTagRequest
{
    public string? Name { get; set; }
    public string? Version { get; set; }
    public string? Key { get; set; }
    public string? Value { get; set; }
}

internal sealed class DeleteModelVersionTagRequest
{
    public string? Name { get; set; }
    public string? Version { get; set; }
    public string? Key { get; set; }
}

internal sealed class GetModelVersionDownloadUriResponse
{
    public string? ArtifactUri { get; set; }
}

/// <summary>One entry of an artifacts-proxy listing: <c>path</c> is the base name, <c>file_size</c> absent for folders.</summary>
internal sealed class MlflowFileInfo
{
    public string? Path { get; set; }
    public bool? IsDir { get; set; }
    public long? FileSize { get; set; }
}

internal sealed class ListArtifactsResponse
{
    public List<MlflowFileInfo>? Files { get; set; }
}
