using System.Text.Json;
using AzureMlSdk.Backends;
using AzureMlSdk.Emulator.Hosting;

namespace AzureMlSdk.Emulator.Mlflow;

/// <summary>
/// MLflow's tracking REST API (<c>mlflow/protos/service.proto</c>) at each workspace's <c>mlFlowTrackingUri</c> path
/// (+ <c>/api/2.0/mlflow/…</c>), served by the workspace's local tracking store. The default workspace is also served
/// at the root (<c>http://127.0.0.1:&lt;port&gt;/api/2.0/mlflow/…</c>), so a plain MLflow client can use the bare URL.
/// </summary>
internal static class MlflowEndpoints
{
    private const string WorkspacePath = "/mlflow/v1.0/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}";

    private delegate Task Handler(MlflowCall call);

    private sealed record MlflowCall(HttpContext Context, MlflowRequest Request, EmulatorWorkspace Workspace, EmulatorStats Stats)
    {
        public ITrackingStore Store => Workspace.Backend.Tracking;
        public CancellationToken Aborted => Context.RequestAborted;

        public string ArtifactRoot =>
            $"azureml://subscriptions/{Workspace.SubscriptionId}/resourcegroups/{Workspace.ResourceGroup}/workspaces/{Workspace.Name}/datastores/workspaceblobstore/paths/ExperimentRun";

        public string RunArtifactUri(string runId) => $"{ArtifactRoot}/dcid.{runId}";
    }

    /// <summary>Operation → (HTTP methods, handler), per <c>service.proto</c>'s endpoints.</summary>
    private static readonly Dictionary<string, (string[] Methods, Handler Handler)> Operations = new(StringComparer.Ordinal)
    {
        ["experiments/create"] = (["POST"], CreateExperimentAsync),
        ["experiments/get"] = (["GET"], GetExperimentAsync),
        ["experiments/get-by-name"] = (["GET"], GetExperimentByNameAsync),
        ["experiments/search"] = (["POST", "GET"], SearchExperimentsAsync),
        ["experiments/update"] = (["POST"], UpdateExperimentAsync),
        ["experiments/delete"] = (["POST"], DeleteExperimentAsync),
        ["experiments/restore"] = (["POST"], RestoreExperimentAsync),
        ["experiments/set-experiment-tag"] = (["POST"], SetExperimentTagAsync),
        ["runs/create"] = (["POST"], CreateRunAsync),
        ["runs/get"] = (["GET"], GetRunAsync),
        ["runs/update"] = (["POST"], UpdateRunAsync),
        ["runs/delete"] = (["POST"], DeleteRunAsync),
        ["runs/restore"] = (["POST"], RestoreRunAsync),
        ["runs/log-metric"] = (["POST"], LogMetricAsync),
        ["runs/log-parameter"] = (["POST"], LogParamAsync),
        ["runs/set-tag"] = (["POST"], SetTagAsync),
        ["runs/delete-tag"] = (["POST"], DeleteTagAsync),
        ["runs/log-batch"] = (["POST"], LogBatchAsync),
        ["runs/search"] = (["POST"], SearchRunsAsync),
        ["metrics/get-history"] = (["GET"], GetMetricHistoryAsync),
    };

    public static void Map(WebApplication app, WorkspaceRegistry registry, EmulatorStats stats)
    {
        app.Map(WorkspacePath + "/api/2.0/mlflow/{**operation}", (HttpContext c) =>
            DispatchAsync(c, registry, stats, (string)c.GetRouteValue("subscriptionId")!, (string)c.GetRouteValue("resourceGroupName")!, (string)c.GetRouteValue("workspaceName")!));
        app.Map(WorkspacePath + "/ajax-api/2.0/mlflow/{**operation}", (HttpContext c) =>
            DispatchAsync(c, registry, stats, (string)c.GetRouteValue("subscriptionId")!, (string)c.GetRouteValue("resourceGroupName")!, (string)c.GetRouteValue("workspaceName")!));
        app.Map("/api/2.0/mlflow/{**operation}", (HttpContext c) =>
            DispatchAsync(c, registry, stats, WorkspaceInfo.LocalSubscriptionId, WorkspaceInfo.LocalName, WorkspaceInfo.LocalName));
    }

    private static async Task DispatchAsync(HttpContext context, WorkspaceRegistry registry, EmulatorStats stats, string sub, string rg, string name)
    {
        var operation = ((string?)context.GetRouteValue("operation") ?? string.Empty).Trim('/');
        try
        {
            if (!Operations.TryGetValue(operation, out var entry))
            {
                throw new MlflowException("ENDPOINT_NOT_FOUND", $"No API endpoint found for '{context.Request.Path}'.");
            }
            if (!entry.Methods.Contains(context.Request.Method, StringComparer.OrdinalIgnoreCase))
            {
                context.Response.Headers.Allow = string.Join(", ", entry.Methods);
                await Wire.MlflowErrorAsync(context, 405, "BAD_REQUEST", $"The method {context.Request.Method} is not allowed for '{operation}'; use {string.Join(" or ", entry.Methods)}.").ConfigureAwait(false);
                return;
            }
            var ws = registry.Find(sub, rg, name)
                ?? throw new MlflowException("RESOURCE_DOES_NOT_EXIST", $"Workspace '{name}' in resource group '{rg}' of subscription '{sub}' does not exist.");
            var request = await MlflowRequest.ReadAsync(context).ConfigureAwait(false);
            await entry.Handler(new MlflowCall(context, request, ws, stats)).ConfigureAwait(false);
        }
        catch (MlflowException ex)
        {
            await Wire.MlflowErrorAsync(context, MlflowException.StatusOf(ex.ErrorCode), ex.ErrorCode, ex.Message).ConfigureAwait(false);
        }
        catch (AzureMlException ex)
        {
            var code = ex switch
            {
                ResourceNotFoundException => "RESOURCE_DOES_NOT_EXIST",
                ResourceExistsException => "RESOURCE_ALREADY_EXISTS",
                // MLflow answers lifecycle violations (logging to a deleted run, a deleted experiment) with INVALID_PARAMETER_VALUE.
                InvalidInputException or InvalidStateException => "INVALID_PARAMETER_VALUE",
                AzureMlNotSupportedException => "NOT_IMPLEMENTED",
                _ => ex.ErrorCode,
            };
            await Wire.MlflowErrorAsync(context, MlflowException.StatusOf(code), code, ex.Message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !context.Response.HasStarted)
        {
            await Wire.MlflowErrorAsync(context, 500, "INTERNAL_ERROR", $"The Emulator failed: {ex.GetType().Name}.").ConfigureAwait(false);
        }
    }

    private static Task OkAsync(MlflowCall call, Action<Utf8JsonWriter>? body = null) => Wire.JsonAsync(call.Context, 200, w =>
    {
        w.WriteStartObject();
        body?.Invoke(w);
        w.WriteEndObject();
    });

    private static Dictionary<string, string> TagList(MlflowRequest request, string field)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in request.Objects(field))
        {
            var key = MlflowRequest.NestedString(tag, "key", field) ?? throw MlflowException.Missing($"{field}.key");
            tags[key] = MlflowRequest.NestedString(tag, "value", field) ?? string.Empty;
        }
        return tags;
    }

    private static List<KeyValuePair<string, string>> PairList(MlflowRequest request, string field, bool valueRequired)
    {
        var list = new List<KeyValuePair<string, string>>();
        foreach (var item in request.Objects(field))
        {
            var key = MlflowRequest.NestedString(item, "key", field) ?? throw MlflowException.Missing($"{field}.key");
            var value = MlflowRequest.NestedString(item, "value", field);
            if (value is null && valueRequired)
            {
                throw MlflowException.Missing($"{field}.value");
            }
            list.Add(new(key, value ?? string.Empty));
        }
        return list;
    }

    private static ViewType ParseViewType(string? text, string field) => (text ?? "ACTIVE_ONLY").ToUpperInvariant() switch
    {
        "ACTIVE_ONLY" or "1" => ViewType.ActiveOnly,
        "DELETED_ONLY" or "2" => ViewType.DeletedOnly,
        "ALL" or "3" => ViewType.All,
        _ => throw MlflowException.Invalid($"Invalid value '{text}' for parameter '{field}': use ACTIVE_ONLY, DELETED_ONLY or ALL."),
    };

    private static int MaxResults(MlflowRequest request, int defaultValue, int limit)
    {
        var value = request.Long("max_results") ?? defaultValue;
        if (value <= 0 || value > limit)
        {
            throw MlflowException.Invalid($"Invalid value {value} for parameter 'max_results' supplied. It must be at most {limit} and positive.");
        }
        return (int)value;
    }

    // ------------------------------------------------------------------ experiments

    private static async Task CreateExperimentAsync(MlflowCall call)
    {
        var name = call.Request.String("name");
        if (string.IsNullOrEmpty(name))
        {
            throw MlflowException.Invalid("Invalid experiment name: ''. Experiment name must be a non-empty string.");
        }
        _ = call.Request.String("artifact_location"); // type-checked; artifacts live in the workspace's datastore
        var tags = TagList(call.Request, "tags");
        var created = await call.Store.CreateExperimentAsync(name, tags, call.Aborted).ConfigureAwait(false);
        await OkAsync(call, w => w.WriteString("experiment_id", created.ExperimentId)).ConfigureAwait(false);
    }

    private static async Task GetExperimentAsync(MlflowCall call)
    {
        var id = call.Request.RequiredString("experiment_id");
        var experiment = await call.Store.GetExperimentAsync(id, call.Aborted).ConfigureAwait(false);
        await OkAsync(call, w =>
        {
            w.WritePropertyName("experiment");
            MlflowJson.Experiment(w, experiment, call.ArtifactRoot);
        }).ConfigureAwait(false);
    }

    private static async Task GetExperimentByNameAsync(MlflowCall call)
    {
        var name = call.Request.RequiredString("experiment_name");
        var experiment = await call.Store.GetExperimentByNameAsync(name, call.Aborted).ConfigureAwait(false)
            ?? throw new MlflowException("RESOURCE_DOES_NOT_EXIST", $"Could not find experiment with name '{name}'");
        await OkAsync(call, w =>
        {
            w.WritePropertyName("experiment");
            MlflowJson.Experiment(w, experiment, call.ArtifactRoot);
        }).ConfigureAwait(false);
    }

    private static async Task SearchExperimentsAsync(MlflowCall call)
    {
        var max = MaxResults(call.Request, 1000, TrackingLimits.MaxResultsPerPage);
        var view = ParseViewType(call.Request.String("view_type"), "view_type");
        var matches = ExperimentFilter.Parse(call.Request.String("filter"));
        var order = call.Request.Strings("order_by");
        var offset = MlflowJson.ParseOffsetToken(call.Request.String("page_token"));

        var all = new List<ExperimentData>();
        string? token = null;
        do
        {
            var page = await call.Store.SearchExperimentsAsync(new ExperimentQuery(1000, token, view), call.Aborted).ConfigureAwait(false);
            all.AddRange(page.Items);
            token = page.NextPageToken;
        }
        while (token is not null);

        var sorted = Order(all.Where(matches), order).ToList();
        var pageItems = sorted.Skip(offset).Take(max).ToList();
        var next = offset + pageItems.Count < sorted.Count ? MlflowJson.OffsetToken(offset + pageItems.Count) : null;
        await OkAsync(call, w =>
        {
            if (pageItems.Count > 0)
            {
                w.WriteStartArray("experiments");
                foreach (var e in pageItems)
                {
                    MlflowJson.Experiment(w, e, call.ArtifactRoot);
                }
                w.WriteEndArray();
            }
            if (next is not null)
            {
                w.WriteString("next_page_token", next);
            }
        }).ConfigureAwait(false);
    }

    /// <summary>Experiment order: the given clauses, then MLflow's default (creation_time DESC), then experiment_id ASC.</summary>
    private static IOrderedEnumerable<ExperimentData> Order(IEnumerable<ExperimentData> items, IReadOnlyList<string> orderBy)
    {
        static long Id(ExperimentData e) => long.TryParse(e.ExperimentId, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : long.MaxValue;
        IOrderedEnumerable<ExperimentData>? ordered = null;
        var clauses = orderBy.Count == 0 ? ["creation_time DESC"] : orderBy;
        foreach (var clause in clauses)
        {
            var parts = clause.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length is 0 or > 2)
            {
                throw MlflowException.Invalid($"Invalid order_by clause '{clause}'.");
            }
            var field = parts[0].StartsWith("attributes.", StringComparison.OrdinalIgnoreCase) ? parts[0]["attributes.".Length..] : parts[0];
            var descending = parts.Length == 2 && parts[1].Equals("DESC", StringComparison.OrdinalIgnoreCase);
            if (parts.Length == 2 && !descending && !parts[1].Equals("ASC", StringComparison.OrdinalIgnoreCase))
            {
                throw MlflowException.Invalid($"Invalid order_by clause '{clause}': the direction must be ASC or DESC.");
            }
            Func<ExperimentData, IComparable> key = field.ToLowerInvariant() switch
            {
                "name" => e => e.Name,
                "experiment_id" => e => Id(e),
                "creation_time" => e => e.CreationTime,
                "last_update_time" => e => e.LastUpdateTime,
                _ => throw MlflowException.Invalid($"Invalid order_by entity '{field}': use name, experiment_id, creation_time or last_update_time."),
            };
            ordered = ordered is null
                ? (descending ? items.OrderByDescending(key) : items.OrderBy(key))
                : (descending ? ordered.ThenByDescending(key) : ordered.ThenBy(key));
        }
        return ordered!.ThenBy(Id);
    }

    private static async Task UpdateExperimentAsync(MlflowCall call)
    {
        var id = call.Request.RequiredString("experiment_id");
        var newName = call.Request.String("new_name");
        if (!string.IsNullOrEmpty(newName))
        {
            await call.Store.RenameExperimentAsync(id, newName, call.Aborted).ConfigureAwait(false);
        }
        else
        {
            await call.Store.GetExperimentAsync(id, call.Aborted).ConfigureAwait(false);
        }
        await OkAsync(call).ConfigureAwait(false);
    }

    private static async Task DeleteExperimentAsync(MlflowCall call)
    {
        await call.Store.DeleteExperimentAsync(call.Request.RequiredString("experiment_id"), call.Aborted).ConfigureAwait(false);
        await OkAsync(call).ConfigureAwait(false);
    }

    private static async Task RestoreExperimentAsync(MlflowCall call)
    {
        var id = call.Request.RequiredString("experiment_id");
        var experiment = await call.Store.GetExperimentAsync(id, call.Aborted).ConfigureAwait(false);
        if (!experiment.IsDeleted)
        {
            // MLflow looks the experiment up among deleted ones only.
            throw new MlflowException("RESOURCE_DOES_NOT_EXIST", $"No Experiment with id={id} exists");
        }
        await call.Store.RestoreExperimentAsync(id, call.Aborted).ConfigureAwait(false);
        await OkAsync(call).ConfigureAwait(false);
    }

    private static async Task SetExperimentTagAsync(MlflowCall call)
    {
        var id = call.Request.RequiredString("experiment_id");
        var key = call.Request.RequiredString("key");
        var value = call.Request.String("value") ?? throw MlflowException.Missing("value");
        await call.Store.SetExperimentTagAsync(id, key, value, call.Aborted).ConfigureAwait(false);
        await OkAsync(call).ConfigureAwait(false);
    }

    // ------------------------------------------------------------------ runs

    private static async Task CreateRunAsync(MlflowCall call)
    {
        var experimentId = call.Request.RequiredString("experiment_id");
        var startTime = call.Request.Long("start_time");
        var runName = call.Request.String("run_name");
        var tags = TagList(call.Request, "tags");
        var userId = call.Request.String("user_id");
        if (!string.IsNullOrEmpty(userId) && !tags.ContainsKey("mlflow.user"))
        {
            tags["mlflow.user"] = userId;
        }
        var start = startTime is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : DateTimeOffset.UtcNow;
        var run = await call.Store.CreateRunAsync(new NewRun(experimentId, string.IsNullOrEmpty(runName) ? null : runName, start, null, tags), call.Aborted).ConfigureAwait(false);
        await OkAsync(call, w =>
        {
            w.WritePropertyName("run");
            MlflowJson.Run(w, run, call.RunArtifactUri(run.RunId));
        }).ConfigureAwait(false);
    }

    private static async Task GetRunAsync(MlflowCall call)
    {
        var run = await call.Store.GetRunAsync(call.Request.RunId(), call.Aborted).ConfigureAwait(false);
        await OkAsync(call, w =>
        {
            w.WritePropertyName("run");
            MlflowJson.Run(w, run, call.RunArtifactUri(run.RunId));
        }).ConfigureAwait(false);
    }

    private static async Task UpdateRunAsync(MlflowCall call)
    {
        var runId = call.Request.RunId();
        RunStatus? status = call.Request.String("status") switch
        {
            null or "" => null,
            "RUNNING" => RunStatus.Running,
            "SCHEDULED" => RunStatus.Queued,
            "FINISHED" => RunStatus.Completed,
            "FAILED" => RunStatus.Failed,
            "KILLED" => RunStatus.Canceled,
            var other => throw MlflowException.Invalid($"Invalid value '{other}' for parameter 'status': use RUNNING, SCHEDULED, FINISHED, FAILED or KILLED."),
        };
        var endTime = call.Request.Long("end_time");
        var runName = call.Request.String("run_name");
        var updated = await call.Store.UpdateRunAsync(runId, new RunUpdate(status, endTime is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null, string.IsNullOrEmpty(runName) ? null : runName), call.Aborted).ConfigureAwait(false);
        await OkAsync(call, w =>
        {
            w.WritePropertyName("run_info");
            MlflowJson.RunInfo(w, updated, call.RunArtifactUri(updated.RunId));
        }).ConfigureAwait(false);
    }

    private static async Task DeleteRunAsync(MlflowCall call)
    {
        await call.Store.DeleteRunAsync(call.Request.RequiredString("run_id"), call.Aborted).ConfigureAwait(false);
        await OkAsync(call).ConfigureAwait(false);
    }

    private static async Task RestoreRunAsync(MlflowCall call)
    {
        await call.Store.RestoreRunAsync(call.Request.RequiredString("run_id"), call.Aborted).ConfigureAwait(false);
        await OkAsync(call).ConfigureAwait(false);
    }

    private static MetricPoint ReadMetric(JsonElement metric, string owner)
    {
        var key = MlflowRequest.NestedString(metric, "key", owner) ?? throw MlflowException.Missing($"{owner}.key");
        if (!metric.TryGetProperty("value", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw MlflowException.Missing($"{owner}.value");
        }
        var timestamp = MlflowRequest.NestedLong(metric, "timestamp", owner) ?? throw MlflowException.Missing($"{owner}.timestamp");
        var step = MlflowRequest.NestedLong(metric, "step", owner) ?? 0;
        return new MetricPoint(key, MlflowRequest.Double(value, key), step, DateTimeOffset.FromUnixTimeMilliseconds(timestamp));
    }

    private static async Task LogMetricAsync(MlflowCall call)
    {
        var runId = call.Request.RunId();
        var key = call.Request.RequiredString("key");
        if (!call.Request.Has("value"))
        {
            throw MlflowException.Missing("value");
        }
        var timestamp = call.Request.Long("timestamp") ?? throw MlflowException.Missing("timestamp");
        var step = call.Request.Long("step") ?? 0;
        var value = call.Request.DoubleField("value");
        call.Stats.LogBatch(1);
        await call.Store.LogBatchAsync(runId, LogBatch.OfMetrics([new MetricPoint(key, value, step, DateTimeOffset.FromUnixTimeMilliseconds(timestamp))]), call.Aborted).ConfigureAwait(false);
        await OkAsync(call).ConfigureAwait(false);
    }

    private static async Task LogParamAsync(MlflowCall call)
    {
        var runId = call.Request.RunId();
        var key = call.Request.RequiredString("key");
        var value = call.Request.String("value") ?? throw MlflowException.Missing("value");
        await call.Store.LogBatchAsync(runId, new LogBatch([], [new(key, value)], []), call.Aborted).ConfigureAwait(false);
        await OkAsync(call).ConfigureAwait(false);
    }

    private static async Task SetTagAsync(MlflowCall call)
    {
        var runId = call.Request.RunId();
        var key = call.Request.RequiredString("key");
        var value = call.Request.String("value") ?? throw MlflowException.Missing("value");
        await call.Store.LogBatchAsync(runId, new LogBatch([], [], [new(key, value)]), call.Aborted).ConfigureAwait(false);
        await OkAsync(call).ConfigureAwait(false);
    }

    private static async Task DeleteTagAsync(MlflowCall call)
    {
        var runId = call.Request.RequiredString("run_id");
        var key = call.Request.RequiredString("key");
        await call.Store.GetRunAsync(runId, call.Aborted).ConfigureAwait(false); // a missing run is reported as such
        try
        {
            await call.Store.DeleteTagAsync(runId, key, call.Aborted).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException)
        {
            throw new MlflowException("RESOURCE_DOES_NOT_EXIST", $"No tag with name: {key} in run with id {runId}");
        }
        await OkAsync(call).ConfigureAwait(false);
    }

    private static async Task LogBatchAsync(MlflowCall call)
    {
        var runId = call.Request.RequiredString("run_id");
        var metrics = call.Request.Objects("metrics").Select(m => ReadMetric(m, "metrics")).ToList();
        var parameters = PairList(call.Request, "params", valueRequired: true);
        var tags = PairList(call.Request, "tags", valueRequired: true);
        call.Stats.LogBatch(metrics.Count);
        await call.Store.LogBatchAsync(runId, new LogBatch(metrics, parameters, tags), call.Aborted).ConfigureAwait(false);
        await OkAsync(call).ConfigureAwait(false);
    }

    private static async Task SearchRunsAsync(MlflowCall call)
    {
        var experimentIds = call.Request.Strings("experiment_ids");
        var filter = call.Request.String("filter");
        var view = ParseViewType(call.Request.String("run_view_type"), "run_view_type");
        var max = MaxResults(call.Request, 1000, TrackingLimits.MaxResultsPerPage);
        var orderBy = call.Request.Strings("order_by");
        var token = call.Request.String("page_token");
        if (experimentIds.Count == 0)
        {
            // MLflow searches nothing when no experiment is given.
            await OkAsync(call).ConfigureAwait(false);
            return;
        }
        var page = await call.Store.SearchRunsAsync(new RunQuery(experimentIds, string.IsNullOrWhiteSpace(filter) ? null : filter, orderBy.Count == 0 ? null : orderBy, max, string.IsNullOrEmpty(token) ? null : token, view), call.Aborted).ConfigureAwait(false);
        await OkAsync(call, w =>
        {
            if (page.Items.Count > 0)
            {
                w.WriteStartArray("runs");
                foreach (var run in page.Items)
                {
                    MlflowJson.Run(w, run, call.RunArtifactUri(run.RunId));
                }
                w.WriteEndArray();
            }
            if (page.NextPageToken is { } next)
            {
                w.WriteString("next_page_token", next);
            }
        }).ConfigureAwait(false);
    }

    private static async Task GetMetricHistoryAsync(MlflowCall call)
    {
        var runId = call.Request.RunId();
        var key = call.Request.RequiredString("metric_key");
        var max = call.Request.Has("max_results") ? MaxResults(call.Request, 25000, int.MaxValue) : (int?)null;
        var offset = MlflowJson.ParseOffsetToken(call.Request.String("page_token"));
        var history = await call.Store.GetMetricHistoryAsync(runId, key, call.Aborted).ConfigureAwait(false);
        var page = max is { } m ? history.Skip(offset).Take(m).ToList() : history.Skip(offset).ToList();
        var next = max is not null && offset + page.Count < history.Count ? MlflowJson.OffsetToken(offset + page.Count) : null;
        await OkAsync(call, w =>
        {
            if (page.Count > 0)
            {
                w.WriteStartArray("metrics");
                foreach (var point in page)
                {
                    MlflowJson.Metric(w, point);
                }
                w.WriteEndArray();
            }
            if (next is not null)
            {
                w.WriteString("next_page_token", next);
            }
        }).ConfigureAwait(false);
    }
}
