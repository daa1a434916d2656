using AzureMlSdk.Backends.Remote.Http;
using Refit;

namespace AzureMlSdk.Backends.Remote.Mlflow;

/// <summary>
/// MLflow's model registry REST API (<c>mlflow/protos/model_registry.proto</c>, <c>ModelRegistryService</c>), relative to the
/// tracking base URL. GETs carry their fields as query parameters; POST, PATCH and DELETE carry a JSON body (MLflow's
/// handlers read DELETE bodies as JSON too). Versions are decimal strings on the wire.
/// </summary>
internal interface IMlflowRegistryApi
{
    [NotRetrySafe("a replay after a lost reply answers RESOURCE_ALREADY_EXISTS for the model this call created")]
    [Post("/api/2.0/mlflow/registered-models/create")]
    Task<RegisteredModelResponse> CreateRegisteredModelAsync([Body] CreateRegisteredModelRequest request, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get("/api/2.0/mlflow/registered-models/get")]
    Task<RegisteredModelResponse> GetRegisteredModelAsync([AliasAs("name")] string name, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get("/api/2.0/mlflow/registered-models/search")]
    Task<SearchRegisteredModelsResponse> SearchRegisteredModelsAsync(
        [AliasAs("filter")] string? filter,
        [AliasAs("max_results")] int? maxResults,
        [AliasAs("order_by")][Query(CollectionFormat.Multi)] IEnumerable<string>? orderBy,
        [AliasAs("page_token")] string? pageToken,
        CancellationToken cancellationToken);

    [RetrySafe("sets the description to the value sent")]
    [Patch("/api/2.0/mlflow/registered-models/update")]
    Task<RegisteredModelResponse> UpdateRegisteredModelAsync([Body] UpdateRegisteredModelRequest request, CancellationToken cancellationToken);

    [RetrySafe("DELETE: removing what is already gone changes nothing (a replay after a lost reply may answer RESOURCE_DOES_NOT_EXIST)")]
    [Delete("/api/2.0/mlflow/registered-models/delete")]
    Task<MlflowEmpty> DeleteRegisteredModelAsync([Body] RegisteredModelNameRequest request, CancellationToken cancellationToken);

    [NotRetrySafe("a replay after a lost reply finds the old name gone and answers RESOURCE_DOES_NOT_EXIST")]
    [Post("/api/2.0/mlflow/registered-models/rename")]
    Task<RegisteredModelResponse> RenameRegisteredModelAsync([Body] RenameRegisteredModelRequest request, CancellationToken cancellationToken);

    [RetrySafe("tags are last-write-wins")]
    [Post("/api/2.0/mlflow/registered-models/set-tag")]
    Task<MlflowEmpty> SetRegisteredModelTagAsync([Body] SetRegisteredModelTagRequest request, CancellationToken cancellationToken);

    [RetrySafe("DELETE: removing what is already gone changes nothing (a replay after a lost reply may answer RESOURCE_DOES_NOT_EXIST)")]
    [Delete("/api/2.0/mlflow/registered-models/delete-tag")]
    Task<MlflowEmpty> DeleteRegisteredModelTagAsync([Body] DeleteRegisteredModelTagRequest request, CancellationToken cancellationToken);

    [RetrySafe("pointing an alias at the same version again changes nothing")]
    [Post("/api/2.0/mlflow/registered-models/alias")]
    Task<MlflowEmpty> SetRegisteredModelAliasAsync([Body] SetRegisteredModelAliasRequest request, CancellationToken cancellationToken);

    [RetrySafe("DELETE: removing what is already gone changes nothing (a replay after a lost reply may answer RESOURCE_DOES_NOT_EXIST)")]
    [Delete("/api/2.0/mlflow/registered-models/alias")]
    Task<MlflowEmpty> DeleteRegisteredModelAliasAsync([Body] DeleteRegisteredModelAliasRequest request, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get("/api/2.0/mlflow/registered-models/alias")]
    Task<ModelVersionResponse> GetModelVersionByAliasAsync([AliasAs("name")] string name, [AliasAs("alias")] string alias, CancellationToken cancellationToken);

    [RetrySafe("read-only (the query travels in the POST body)")]
    [Post("/api/2.0/mlflow/registered-models/get-latest-versions")]
    Task<ModelVersionsResponse> GetLatestVersionsAsync([Body] GetLatestVersionsRequest request, CancellationToken cancellationToken);

    [NotRetrySafe("each call takes the next version number: a replay after a lost reply would register a second version")]
    [Post("/api/2.0/mlflow/model-versions/create")]
    Task<ModelVersionResponse> CreateModelVersionAsync([Body] CreateModelVersionRequest request, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get("/api/2.0/mlflow/model-versions/get")]
    Task<ModelVersionResponse> GetModelVersionAsync([AliasAs("name")] string name, [AliasAs("version")] string version, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get("/api/2.0/mlflow/model-versions/search")]
    Task<SearchModelVersionsResponse> SearchModelVersionsAsync(
        [AliasAs("filter")] string? filter,
        [AliasAs("max_results")] int? maxResults,
        [AliasAs("order_by")][Query(CollectionFormat.Multi)] IEnumerable<string>? orderBy,
        [AliasAs("page_token")] string? pageToken,
        CancellationToken cancellationToken);

    [RetrySafe("sets the description to the value sent")]
    [Patch("/api/2.0/mlflow/model-versions/update")]
    Task<ModelVersionResponse> UpdateModelVersionAsync([Body] UpdateModelVersionRequest request, CancellationToken cancellationToken);

    [RetrySafe("DELETE: removing what is already gone changes nothing (a replay after a lost reply may answer RESOURCE_DOES_NOT_EXIST)")]
    [Delete("/api/2.0/mlflow/model-versions/delete")]
    Task<MlflowEmpty> DeleteModelVersionAsync([Body] ModelVersionKeyRequest request, CancellationToken cancellationToken);

    [RetrySafe("tags are last-write-wins")]
    [Post("/api/2.0/mlflow/model-versions/set-tag")]
    Task<MlflowEmpty> SetModelVersionTagAsync([Body] SetModelVersionTagRequest request, CancellationToken cancellationToken);

    [RetrySafe("DELETE: removing what is already gone changes nothing (a replay after a lost reply may answer RESOURCE_DOES_NOT_EXIST)")]
    [Delete("/api/2.0/mlflow/model-versions/delete-tag")]
    Task<MlflowEmpty> DeleteModelVersionTagAsync([Body] DeleteModelVersionTagRequest request, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get("/api/2.0/mlflow/model-versions/get-download-uri")]
    Task<GetModelVersionDownloadUriResponse> GetModelVersionDownloadUriAsync([AliasAs("name")] string name, [AliasAs("version")] string version, CancellationToken cancellationToken);
}
