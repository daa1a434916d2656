using System.Text.Json;
using System.Text.Json.Serialization;
using AzureMlSdk.Backends.Remote.Http;
using Refit;

namespace AzureMlSdk.Backends.Remote.Scoring;

/// <summary>
/// A batch endpoint's invocation route (the data plane, not ARM): <c>POST {scoringUri}</c> with a Microsoft Entra token for
/// <c>https://ml.azure.com</c> and, to pin a deployment, <c>azureml-model-deployment</c>. The body is a <see cref="BatchJobResource"/>;
/// the answer is the created job (its <c>name</c> is the ARM job / run id). This request schema is not in the ARM spec: it follows
/// azure-ai-ml's <c>BatchEndpointOperations.invoke</c> (<c>azure/ai/ml/operations/_batch_endpoint_operations.py</c>), which posts
/// <c>BatchJobResource(properties=batch_job).serialize()</c> built by <c>_schema/_deployment/batch/batch_job.py</c>
/// (<c>inputData</c> → <c>{jobInputType, uri}</c>; models in <c>_restclient/v2020_09_01_dataplanepreview/models</c>).
/// </summary>
internal interface IBatchJobsApi
{
    [NotRetrySafe("each call starts a batch job: a replay after a lost reply would start a second one")]
    [Post("/{**path}")]
    Task<HttpResponseMessage> CreateJobAsync(string path, [Body] BatchJobResource body, [Header("azureml-model-deployment")] string? deployment, CancellationToken cancellationToken);
}

/// <summary><c>BatchJobResource</c>: <c>{id, name, type, systemData, properties: BatchJob}</c>.</summary>
internal sealed class BatchJobResource
{
    public string? Id { get; set; }
    public string? Name { get; set; }
    public string? Type { get; set; }
    public BatchJobProperties? Properties { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>The <c>BatchJob</c> fields the SDK sends (<c>inputData</c>) or reads (<c>status</c>); the rest is kept as sent.</summary>
internal sealed class BatchJobProperties
{
    /// <summary>Named inputs; a model deployment takes one (the SDK names it <c>input</c>).</summary>
    public Dictionary<string, BatchJobInput>? InputData { get; set; }

    /// <summary>Overrides the deployment's output file name for this job (the SDK leaves the deployment's).</summary>
    public string? OutputFileName { get; set; }

    public string? Status { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>A job input: <c>{"jobInputType": "UriFolder" | "UriFile", "uri": "azureml://datastores/&lt;ds&gt;/paths/&lt;path&gt;"}</c>.</summary>
internal sealed class BatchJobInput
{
    public string? JobInputType { get; set; }
    public string? Uri { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BatchJobResource))]
internal sealed partial class BatchJobJsonContext : JsonSerializerContext;
