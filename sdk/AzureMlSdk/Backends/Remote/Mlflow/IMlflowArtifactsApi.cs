using AzureMlSdk.Backends.Remote.Http;
using Refit;

namespace AzureMlSdk.Backends.Remote.Mlflow;

/// <summary>
/// MLflow's artifacts proxy (<c>mlflow/protos/mlflow_artifacts.proto</c>, <c>mlflow server --serve-artifacts</c>), relative to the
/// tracking base URL. Paths are relative to the server's artifact root: a run whose <c>artifact_uri</c> is
/// <c>mlflow-artifacts:/1/abc/artifacts</c> keeps its files under <c>1/abc/artifacts/</c>.
/// </summary>
internal interface IMlflowArtifactsApi
{
    /// <summary>Uploads one file (raw body); the server writes it whole, replacing any file at that path.</summary>
    [NotRetrySafe("the body is a stream read once while it is hashed: it cannot be sent again, the caller uploads the file again")]
    [Put("/api/2.0/mlflow-artifacts/artifacts/{**path}")]
    Task<MlflowEmpty> UploadAsync(string path, [Body] HttpContent content, CancellationToken cancellationToken);

    /// <summary>Downloads one file; the caller reads (and disposes) the streamed answer and checks its status.</summary>
    [RetrySafe("read-only")]
    [Get("/api/2.0/mlflow-artifacts/artifacts/{**path}")]
    Task<HttpResponseMessage> DownloadAsync(string path, CancellationToken cancellationToken);

    /// <summary>Lists one folder level: entries carry base names; folders have <c>is_dir</c>.</summary>
    [RetrySafe("read-only")]
    [Get("/api/2.0/mlflow-artifacts/artifacts")]
    Task<ListArtifactsResponse> ListAsync([AliasAs("path")] string? path, CancellationToken cancellationToken);
}
