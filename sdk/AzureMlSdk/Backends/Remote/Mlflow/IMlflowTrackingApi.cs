using Refit;

namespace AzureMlSdk.Backends.Remote.Mlflow;

/// <summary>
/// MLflow's tracking REST API (<c>mlflow/protos/service.proto</c>), relative to the tracking base URL
/// (Azure ML: <c>https://&lt;region&gt;.api.azureml.ms/mlflow/v1.0/subscriptions/…/workspaces/&lt;ws&gt;/</c>).
/// </summary>
internal interface IMlflowTrackingApi
{
    [Post("/api/2.0/mlflow/experiments/create")]
    Task<CreateExperimentResponse> CreateExperimentAsync([Body] CreateExperimentRequest request, CancellationToken cancellationToken);

    [Get("/api/2.0/mlflow/experiments/get")]
    Task<GetExperimentResponse> GetExperimentAsync([AliasAs("experiment_id")] string experimentId, CancellationToken cancellationToken);

    [Get("/api/2.0/mlflow/experiments/get-by-name")]
    Task<GetExperimentResponse> GetExperimentByNameAsync([AliasAs("experiment_name")] string experimentName, CancellationToken cancellationToken);

    [Post("/api/2.0/mlflow/experiments/search")]
    Task<SearchExperimentsResponse> SearchExperimentsAsync([Body] SearchExperimentsRequest request, CancellationToken cancellationToken);

    [Post("/api/2.0/mlflow/experiments/update")]
    Task<MlflowEmpty> UpdateExperimentAsync([Body] UpdateExperimentRequest request, CancellationToken cancellationToken);

    [Post("/api/2.0/mlflow/experiments/delete")]
    Task<MlflowEmpty> DeleteExperimentAsync([Body] ExperimentIdRequest request, CancellationToken cancellationToken);

    [Post("/api/2.0/mlflow/experiments/restore")]
    Task<MlflowEmpty> RestoreExperimentAsync([Body] ExperimentIdRequest request, CancellationToken cancellationToken);

    [Post("/api/2.0/mlflow/experiments/set-experiment-tag")]
    Task<MlflowEmpty> SetExperimentTagAsync([Body] SetExperimentTagRequest request, CancellationToken cancellationToken);

    [Post("/api/2.0/mlflow/runs/create")]
    Task<RunResponse> CreateRunAsync([Body] CreateRunRequest request, CancellationToken cancellationToken);

    [Get("/api/2.0/mlflow/runs/get")]
    Task<RunResponse> GetRunAsync([AliasAs("run_id")] string runId, CancellationToken cancellationToken);

    [Post("/api/2.0/mlflow/runs/update")]
    Task<UpdateRunResponse> UpdateRunAsync([Body] UpdateRunRequest request, CancellationToken cancellationToken);

    [Post("/api/2.0/mlflow/runs/delete")]
    Task<MlflowEmpty> DeleteRunAsync([Body] RunIdRequest request, CancellationToken cancellationToken);

    [Post("/api/2.0/mlflow/runs/restore")]
    Task<MlflowEmpty> RestoreRunAsync([Body] RunIdRequest request, CancellationToken cancellationToken);

    [Post("/api/2.0/mlflow/runs/log-batch")]
    Task<MlflowEmpty> LogBatchAsync([Body] LogBatchRequest request, CancellationToken cancellationToken);

    [Post("/api/2.0/mlflow/runs/delete-tag")]
    Task<MlflowEmpty> DeleteTagAsync([Body] DeleteTagRequest request, CancellationToken cancellationToken);

    [Post("/api/2.0/mlflow/runs/search")]
    Task<SearchRunsResponse> SearchRunsAsync([Body] SearchRunsRequest request, CancellationToken cancellationToken);

    [Get("/api/2.0/mlflow/metrics/get-history")]
    Task<GetMetricHistoryResponse> GetMetricHistoryAsync(
        [AliasAs("run_id")] string runId,
        [AliasAs("metric_key")] string metricKey,
        [AliasAs("page_token")] string? pageToken,
        [AliasAs("max_results")] int? maxResults,
        CancellationToken cancellationToken);
}
