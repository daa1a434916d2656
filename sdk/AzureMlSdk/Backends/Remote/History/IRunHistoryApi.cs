using System.Text.Json;
using System.Text.Json.Serialization;
using AzureMlSdk.Backends.Remote.Http;
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

    /// <summary>
    /// The child runs of a run (a sweep's trials, a pipeline's steps), a page at a time: what azure-ai-ml's
    /// <c>JobOperations.list(parent_job_name=…)</c> reads (<c>RunOperations.get_run_children</c> → <c>build_get_child_request</c>).
    /// </summary>
    [RetrySafe("read-only")]
    [Get("/history/v1.0/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}/runs/{runId}/children")]
    Task<PaginatedRunList> GetChildrenAsync(string subscriptionId, string resourceGroupName, string workspaceName, string runId,
        [AliasAs("$continuationtoken")] string? continuationToken, [AliasAs("$top")] int? top, CancellationToken cancellationToken);
}

/// <summary>A page of runs (<c>PaginatedRunList</c>): <c>value</c>, and <c>continuationToken</c> / <c>nextLink</c> while more follow.</summary>
internal sealed class PaginatedRunList
{
    public List<HistoryRun>? Value { get; set; }
    public string? ContinuationToken { get; set; }
    public string? NextLink { get; set; }
}

/// <summary>A run-history <c>Run</c>: the fields the SDK reads.</summary>
internal sealed class HistoryRun
{
    public string? RunId { get; set; }
    public string? ParentRunId { get; set; }
    public string? Status { get; set; }
    public string? DisplayName { get; set; }
    public DateTimeOffset? CreatedUtc { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary><c>RunDetails</c>: the fields the SDK reads. <c>error</c> is an <c>ErrorResponse</c> <c>{"error": {code, message, details}, ...}</c>.</summary>
internal sealed class RunDetails
{
    public string? RunId { get; set; }
    public string? Status { get; set; }
    public JsonElement? Error { get; set; }

    /// <summary>Log file name (e.g. <c>user_logs/std_log.txt</c>) → a URL to read it from (a blob SAS URL on Azure ML).</summary>
    public Dictionary<string, string>? LogFiles { get; set; }

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

    /// <summary>What the run's error is about (<c>error.error.target</c>: e.g. the input column a model misses), or null.</summary>
    public string? ReadErrorTarget() =>
        Error is { ValueKind: JsonValueKind.Object } error
            ? Text(error.TryGetProperty("error", out var inner) && inner.ValueKind == JsonValueKind.Object ? inner : error, "target")
            : null;

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RunDetails))]
[JsonSerializable(typeof(PaginatedRunList))]
internal sealed partial class RunHistoryJsonContext : JsonSerializerContext;
