using AzureMlSdk.Backends.Remote.Http;
using System.Text.Json;
using System.Text.Json.Serialization;
using Refit;

namespace AzureMlSdk.Backends.Remote.History;

/// <summary>
/// Azure ML's run history (data plane, on the workspace's <c>api</c> host, which also serves MLflow), with the ARM token.
/// ARM's <c>JobBase</c> has no error field, so a failed job's error is read here, as azure-ai-ml does
/// (<c>_job_ops_helper.stream_logs_until_completion</c> → <c>RunOperations.get_run_details</c>; route from
/// <c>_restclient/runhistory/operations/_runs_operations.py</c> <c>build_get_details_request</c>).
/// </summary>
internal interface IRunHistoryApi
{
    [RetrySafe("read-only")]
    [Get("/history/v1.0/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}/runs/{runId}/details")]
    Task<RunDetails> GetDetailsAsync(string subscriptionId, string resourceGroupName, string workspaceName, string runId, CancellationToken cancellationToken);
}

/// <summary><c>RunDetails</c>: the fields the SDK reads. <c>error</c> is an <c>ErrorResponse</c> <c>{"error": {code, message, details}, ...}</c>.</summary>
internal sealed class RunDetails
{
    public string? RunId { get; set; }
    public string? Status { get; set; }
    public JsonElement? Error { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }

    /// <summary>The run's error code and message (<c>error.error.{code,message}</c>, or <c>error.{code,message}</c>); nulls when it has none.</summary>
    public (string? Code, string? Message) ReadError()
    {
        if (Error is not { ValueKind: JsonValueKind.Object } error)
        {
            return (null, null);
        }
        var root = error.TryGetProperty("error", out var inner) && inner.ValueKind == JsonValueKind.Object ? inner : error;
        return (Text(root, "code"), Text(root, "message"));
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RunDetails))]
internal sealed partial class RunHistoryJsonContext : JsonSerializerContext;
