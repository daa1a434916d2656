using AzureMlSdk.Backends.Remote.Http;
using Refit;

namespace AzureMlSdk.Backends.Remote.Mlflow;

/// <summary>
/// MLflow's tracking REST API (<c>mlflow/protos/service.proto</c>), relative to the tracking base URL
/// (Azure ML: <c>https://&lt;region&gt;.api.azureml.ms/mlflow/v1.0/subscriptions/…/workspaces/&lt;ws&gt;/</c>).
/// </summary>
internal interface IMlflowTrackingApi
{
    [NotRetrySafe("a replay after a lost reply answers RESOURCE_ALREADY_EXISTS for the experiment this call created")]
    [Post("/api/2.0/mlflow/experiments/create")]
    Task<CreateExperimentResponse> CreateExperimentAsync([Body] CreateExperimentRequest request, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get("/api/2.0/mlflow/experiments/get")]
    Task<GetExperimentResponse> GetExperimentAsync([AliasAs("experiment_id")] string experimentId, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get("/api/2.0/mlflow/experiments/get-by-name")]
    Task<GetExperimentResponse> GetExperimentByNameAsync([AliasAs("experiment_name")] string experimentName, CancellationToken cancellationToken);

    [RetrySafe("read-only (the query travels in the POST body)")]
    [Post("/api/2.0/mlflow/experiments/search")]
    Task<SearchExperimentsResponse> SearchExperimentsAsync([Body] SearchExperimentsRequest request, CancellationToken cancellationToken);

    [RetrySafe("sets the name to the value sent; the same value again changes nothing")]
    [Post("/api/2.0/mlflow/experiments/update")]
    Task<MlflowEmpty> UpdateExperimentAsync([Body] UpdateExperimentRequest request, CancellationToken cancellationToken);

    [NotRetrySafe("a replay after a lost reply may find the experiment already deleted and answer an error")]
    [Post("/api/2.0/mlflow/experiments/delete")]
    Task<MlflowEmpty> DeleteExperimentAsync([Body] ExperimentIdRequest request, CancellationToken cancellationToken);

    [NotRetrySafe("a replay after a lost reply finds the experiment active and answers an error")]
    [Post("/api/2.0/mlflow/experiments/restore")]
    Task<MlflowEmpty> RestoreExperimentAsync([Body] ExperimentIdRequest request, CancellationToken cancellationToken);

    [RetrySafe("tags are last-write-wins: the same value again changes nothing")]
    [Post("/api/2.0/mlflow/experiments/set-experiment-tag")]
    Task<MlflowEmpty> SetExperimentTagAsync([Body] SetExperimentTagRequest request, CancellationToken cancellationToken);

    [NotRetrySafe("each call creates a run: a replay after a lost reply would leave a second, orphan run")]
    [Post("/api/2.0/mlflow/runs/create")]
    Task<RunResponse> CreateRunAsync([Body] CreateRunRequest request, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get("/api/2.0/mlflow/runs/get")]
    Task<RunResponse> GetRunAsync([AliasAs("run_id")] string runId, CancellationToken cancellationToken);

    [RetrySafe("sets status, end time and name to the values sent")]
    [Post("/api/2.0/mlflow/runs/update")]
    Task<UpdateRunResponse> UpdateRunAsync([Body] UpdateRunRequest request, CancellationToken cancellationToken);

    [NotRetrySafe("a replay after a lost reply may find the run already deleted and answer an error")]
    [Post("/api/2.0/mlflow/runs/delete")]
    Task<MlflowEmpty> DeleteRunAsync([Body] RunIdRequest request, CancellationToken cancellationToken);

    [NotRetrySafe("a replay after a lost reply finds the run active and answers INVALID_PARAMETER_VALUE")]
    [Post("/api/2.0/mlflow/runs/restore")]
    Task<MlflowEmpty> RestoreRunAsync([Body] RunIdRequest request, CancellationToken cancellationToken);

    [RetrySafe("metric points are unique on (key, timestamp, step, value), an equal param value is accepted, tags are last-write-wins")]
    [Post("/api/2.0/mlflow/runs/log-batch")]
    Task<MlflowEmpty> LogBatchAsync([Body] LogBatchRequest request, CancellationToken cancellationToken);

    [NotRetrySafe("a replay after a lost reply answers RESOURCE_DOES_NOT_EXIST for the tag this call deleted")]
    [Post("/api/2.0/mlflow/runs/delete-tag")]
    Task<MlflowEmpty> DeleteTagAsync([Body] DeleteTagRequest request, CancellationToken cancellationToken);

    [RetrySafe("read-only (the query travels in the POST body)")]
    [Post("/api/2.0/mlflow/runs/search")]
    Task<SearchRunsResponse> SearchRunsAsync([Body] SearchRunsRequest request, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get("/api/2.0/mlflow/metrics/get-history")]
    Task<GetMetricHistoryResponse> GetMetricHistoryAsync(
        [AliasAs("run_id")] string runId,
        [AliasAs("metric_key")] string metricKey,
        [AliasAs("page_token")] string? pageToken,
        [AliasAs("max_results")] int? maxResults,
        CancellationToken cancellationToken);

    // ---- added with the contract members of the same names (MLflow 2.x inputs, MLflow 3 outputs and logged models) ----

    [NotRetrySafe("a replay after a lost reply answers RESOURCE_DOES_NOT_EXIST for the tag this call deleted")]
    [Post("/api/2.0/mlflow/experiments/delete-experiment-tag")]
    Task<MlflowEmpty> DeleteExperimentTagAsync([Body] DeleteExperimentTagRequest request, CancellationToken cancellationToken);

    [RetrySafe("an input already recorded (same dataset name and digest, same model) is kept as it was")]
    [Post("/api/2.0/mlflow/runs/log-inputs")]
    Task<MlflowEmpty> LogInputsAsync([Body] LogInputsRequest request, CancellationToken cancellationToken);

    [RetrySafe("a (model, step) output is recorded once")]
    [Post("/api/2.0/mlflow/runs/outputs")]
    Task<MlflowEmpty> LogOutputsAsync([Body] LogOutputsRequest request, CancellationToken cancellationToken);

    [NotRetrySafe("a replay after a lost reply creates a second logged model")]
    [Post("/api/2.0/mlflow/logged-models")]
    Task<LoggedModelResponse> CreateLoggedModelAsync([Body] CreateLoggedModelRequest request, CancellationToken cancellationToken);

    [RetrySafe("read-only")]
    [Get("/api/2.0/mlflow/logged-models/{modelId}")]
    Task<LoggedModelResponse> GetLoggedModelAsync(string modelId, CancellationToken cancellationToken);

    [RetrySafe("sets the status to the value sent; the same value again changes nothing")]
    [Patch("/api/2.0/mlflow/logged-models/{modelId}")]
    Task<LoggedModelResponse> FinalizeLoggedModelAsync(string modelId, [Body] FinalizeLoggedModelRequest request, CancellationToken cancellationToken);

    [NotRetrySafe("a replay after a lost reply answers RESOURCE_DOES_NOT_EXIST for the model this call deleted")]
    [Delete("/api/2.0/mlflow/logged-models/{modelId}")]
    Task<MlflowEmpty> DeleteLoggedModelAsync(string modelId, CancellationToken cancellationToken);

    [RetrySafe("sets the tags to the values sent; the same values again change nothing")]
    [Patch("/api/2.0/mlflow/logged-models/{modelId}/tags")]
    Task<MlflowEmpty> SetLoggedModelTagsAsync(string modelId, [Body] LoggedModelTagsRequest request, CancellationToken cancellationToken);

    [NotRetrySafe("a replay after a lost reply answers RESOURCE_DOES_NOT_EXIST for the tag this call deleted")]
    [Delete("/api/2.0/mlflow/logged-models/{modelId}/tags/{key}")]
    Task<MlflowEmpty> DeleteLoggedModelTagAsync(string modelId, string key, CancellationToken cancellationToken);

    [RetrySafe("sets the params to the values sent; the same values again change nothing")]
    [Post("/api/2.0/mlflow/logged-models/{modelId}/params")]
    Task<MlflowEmpty> LogLoggedModelParamsAsync(string modelId, [Body] LoggedModelParamsRequest request, CancellationToken cancellationToken);

    [RetrySafe("read-only (the query travels in the POST body)")]
    [Post("/api/2.0/mlflow/logged-models/search")]
    Task<SearchLoggedModelsResponse> SearchLoggedModelsAsync([Body] SearchLoggedModelsRequest request, CancellationToken cancellationToken);
}
