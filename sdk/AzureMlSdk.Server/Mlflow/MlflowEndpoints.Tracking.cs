using System.Text.Json;
using System.Text.Json.Nodes;
using AzureMlSdk.Server.Artifacts;

namespace AzureMlSdk.Server.Mlflow;

// The tracking endpoints of service.proto over the workspace's local tracking store.
internal static partial class MlflowEndpoints
{
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
            MlflowJson.Experiment(w, experiment, MlflowCall.ExperimentArtifactLocation);
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
            MlflowJson.Experiment(w, experiment, MlflowCall.ExperimentArtifactLocation);
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
                    MlflowJson.Experiment(w, e, MlflowCall.ExperimentArtifactLocation);
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
        var newName = call.Request.RequiredString("new_name"); // MLflow: [_assert_string, _assert_required]
        await call.Store.RenameExperimentAsync(id, newName, call.Aborted).ConfigureAwait(false);
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
        var value = call.Request.String("value") ?? string.Empty; // MLflow: value is [_assert_string] only (proto default "")
        await call.Store.SetExperimentTagAsync(id, key, value, call.Aborted).ConfigureAwait(false);
        await OkAsync(call).ConfigureAwait(false);
    }

    // ------------------------------------------------------------------ runs

    private static async Task CreateRunAsync(MlflowCall call)
    {
        // An MLflow server puts a run that names no experiment into the default one ("0").
        var experimentId = call.Request.String("experiment_id") is { Length: > 0 } id ? id : DefaultExperimentId;
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
            MlflowJson.Run(w, run, MlflowCall.RunArtifactUri(run.RunId), RunInputsOutputs.None);
        }).ConfigureAwait(false);
    }

    private static async Task GetRunAsync(MlflowCall call)
    {
        var run = await call.Store.GetRunAsync(call.Request.RunId(), call.Aborted).ConfigureAwait(false);
        var links = await call.Store.GetRunInputsOutputsAsync(run.RunId, call.Aborted).ConfigureAwait(false);
        await OkAsync(call, w =>
        {
            w.WritePropertyName("run");
            MlflowJson.Run(w, run, MlflowCall.RunArtifactUri(run.RunId), links);
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
            MlflowJson.RunInfo(w, updated, MlflowCall.RunArtifactUri(updated.RunId));
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

    /// <summary>One entry of log-batch's <c>metrics</c>: key, value and timestamp required (MLflow's <c>_assert_metrics_fields_present</c>), then <c>_validate_metric</c>.</summary>
    private static MetricPoint ReadMetric(JsonElement metric, string path)
    {
        var key = MlflowRequest.NestedString(metric, "key", path);
        if (string.IsNullOrEmpty(key))
        {
            throw MlflowException.Missing($"{path}.key");
        }
        if (!metric.TryGetProperty("value", out var value) || value.ValueKind == JsonValueKind.Null || value is { ValueKind: JsonValueKind.String } && value.GetString()!.Length == 0)
        {
            throw MlflowException.Missing($"{path}.value");
        }
        var timestamp = MlflowRequest.NestedLong(metric, "timestamp", path) ?? throw MlflowException.Missing($"{path}.timestamp");
        var step = MlflowRequest.NestedLong(metric, "step", path) ?? 0;
        return Metric(key, MlflowRequest.Double(value, key, timestamp), timestamp, step);
    }

    /// <summary>MLflow's <c>_validate_metric</c> beyond the key (which the store checks): a nonnegative timestamp.</summary>
    private static MetricPoint Metric(string key, double value, long timestamp, long step)
    {
        if (timestamp < 0 || timestamp > MaxTimestampMs)
        {
            throw MlflowException.Invalid($"Got invalid timestamp {timestamp} for metric '{Hosting.Wire.Truncate(key)}' (value={value.ToString(System.Globalization.CultureInfo.InvariantCulture)}). Timestamp must be a nonnegative long (64-bit integer) ");
        }
        return new MetricPoint(key, value, step, DateTimeOffset.FromUnixTimeMilliseconds(timestamp));
    }

    /// <summary>The latest Unix time in milliseconds a timestamp can name (year 9999).</summary>
    private static readonly long MaxTimestampMs = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

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
        var point = Metric(key, value, timestamp, step);
        call.Registry.MetricsLogged(1);
        await call.Store.LogBatchAsync(runId, LogBatch.OfMetrics([point]), call.Aborted).ConfigureAwait(false);
        await OkAsync(call).ConfigureAwait(false);
    }

    private static async Task LogParamAsync(MlflowCall call)
    {
        var runId = call.Request.RunId();
        var key = call.Request.RequiredString("key");
        var value = call.Request.String("value") ?? string.Empty; // MLflow: value is [_assert_string] only (proto default "")
        await call.Store.LogBatchAsync(runId, new LogBatch([], [new(key, value)], []), call.Aborted).ConfigureAwait(false);
        await OkAsync(call).ConfigureAwait(false);
    }

    private static async Task SetTagAsync(MlflowCall call)
    {
        var runId = call.Request.RunId();
        var key = call.Request.RequiredString("key");
        var value = call.Request.String("value") ?? string.Empty; // MLflow: value is [_assert_string] only (proto default "")
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

    /// <summary>
    /// <c>runs/log-batch</c> with MLflow's server-side rules, in its order: <c>run_id</c> a required string; <c>metrics</c>,
    /// <c>params</c>, <c>tags</c> arrays whose entries name a key (metrics also a value and a timestamp; a param's or tag's
    /// value defaults to ""); at most 1000 metrics, 100 params, 100 tags and 1000 entities; no param key twice; each
    /// metric a double value and a nonnegative int64 timestamp and step; keys and values within the store's limits
    /// (names, 250/6000/8000 characters), and an active run.
    /// </summary>
    private static async Task LogBatchAsync(MlflowCall call)
    {
        var runId = call.Request.RequiredString("run_id");
        var metricItems = call.Request.Objects("metrics");
        var parameters = PairList(call.Request, "params", valueRequired: false);
        var tags = PairList(call.Request, "tags", valueRequired: false);
        CheckBatchLimit("metrics", TrackingLimits.MaxMetricsPerBatch, metricItems.Count);
        CheckBatchLimit("params", TrackingLimits.MaxParamsPerBatch, parameters.Count);
        CheckBatchLimit("tags", TrackingLimits.MaxTagsPerBatch, tags.Count);
        CheckBatchLimit("metrics, params, and tags", TrackingLimits.MaxEntriesPerBatch, metricItems.Count + parameters.Count + tags.Count);
        var duplicates = parameters.GroupBy(p => p.Key, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0)
        {
            throw MlflowException.Invalid(
                $"Duplicate parameter keys have been submitted: [{string.Join(", ", duplicates.Take(10).Select(k => $"'{Hosting.Wire.Truncate(k, 64)}'"))}]. Please ensure the request contains only one param value per param key.");
        }
        var metrics = metricItems.Select((m, i) => ReadMetric(m, $"metrics[{i}]")).ToList();
        call.Registry.MetricsLogged(metrics.Count);
        await call.Store.LogBatchAsync(runId, new LogBatch(metrics, parameters, tags), call.Aborted).ConfigureAwait(false);
        await OkAsync(call).ConfigureAwait(false);
    }

    /// <summary>MLflow's <c>_validate_batch_limit</c>.</summary>
    private static void CheckBatchLimit(string entities, int limit, int count)
    {
        if (count > limit)
        {
            throw MlflowException.Invalid(
                $"A batch logging request can contain at most {limit} {entities}. Got {count} {entities}. Please split up {entities} across multiple requests and try again.");
        }
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
        var links = new List<RunInputsOutputs>(page.Items.Count);
        foreach (var r in page.Items)
        {
            links.Add(await call.Store.GetRunInputsOutputsAsync(r.RunId, call.Aborted).ConfigureAwait(false));
        }
        await OkAsync(call, w =>
        {
            if (page.Items.Count > 0)
            {
                w.WriteStartArray("runs");
                for (var i = 0; i < page.Items.Count; i++)
                {
                    MlflowJson.Run(w, page.Items[i], MlflowCall.RunArtifactUri(page.Items[i].RunId), links[i]);
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

    // ------------------------------------------------------------------ tracking members added to the contract later

    private static async Task DeleteExperimentTagAsync(MlflowCall call)
    {
        var id = call.Request.RequiredString("experiment_id");
        var key = call.Request.RequiredString("key");
        await call.Store.DeleteExperimentTagAsync(id, key, call.Aborted).ConfigureAwait(false);
        await OkAsync(call).ConfigureAwait(false);
    }

    /// <summary>The run, which must be active (MLflow's <c>_check_run_is_active</c>).</summary>
    private static async Task<RunData> ActiveRunAsync(MlflowCall call, string runId)
    {
        var run = await call.Store.GetRunAsync(runId, call.Aborted).ConfigureAwait(false);
        if (run.IsDeleted)
        {
            throw MlflowException.Invalid($"The run {runId} must be in the 'active' state. Current state is deleted.");
        }
        return run;
    }

    /// <summary>MLflow's tag recording every model logged to a run (<c>runs/log-model</c> appends to it).</summary>
    private const string LoggedModelsHistoryTag = "mlflow.log-model.history";

    private static readonly string[] ModelJsonRequiredFields = ["artifact_path", "flavors", "utc_time_created", "run_id"];

    private static async Task LogModelAsync(MlflowCall call)
    {
        var runId = call.Request.RequiredString("run_id");
        var modelJson = call.Request.RequiredString("model_json");
        JsonObject model;
        try
        {
            model = JsonNode.Parse(modelJson) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (JsonException)
        {
            throw MlflowException.Invalid($"Malformed model info. \n {modelJson} \n is not a valid JSON.");
        }
        var missing = ModelJsonRequiredFields.Where(k => !model.ContainsKey(k)).ToList();
        if (missing.Count > 0)
        {
            throw MlflowException.Invalid($"Model json is missing mandatory fields: {{{string.Join(", ", missing.Select(m => $"'{m}'"))}}}");
        }
        var run = await ActiveRunAsync(call, runId).ConfigureAwait(false);
        var history = run.Tags.TryGetValue(LoggedModelsHistoryTag, out var previous) && JsonNode.Parse(previous) is JsonArray list ? list : [];
        history.Add(model);
        await call.Store.LogBatchAsync(runId, new LogBatch([], [], [new(LoggedModelsHistoryTag, history.ToJsonString())]), call.Aborted).ConfigureAwait(false);
        await OkAsync(call).ConfigureAwait(false);
    }

    private static async Task LogInputsAsync(MlflowCall call)
    {
        var runId = call.Request.RequiredString("run_id");
        var datasets = new List<RunDatasetInput>();
        foreach (var element in call.Request.Objects("datasets"))
        {
            var tags = new List<KeyValuePair<string, string>>();
            if (element.TryGetProperty("tags", out var tagList) && tagList.ValueKind == JsonValueKind.Array)
            {
                foreach (var tag in tagList.EnumerateArray())
                {
                    var tagKey = MlflowRequest.NestedString(tag, "key", "datasets.tags") ?? throw MlflowException.Invalid("InputTag key cannot be None");
                    var tagValue = MlflowRequest.NestedString(tag, "value", "datasets.tags") ?? throw MlflowException.Invalid("InputTag value cannot be None");
                    CheckLength("InputTag key", MaxInputTagKeyLength, tagKey);
                    CheckLength("InputTag value", MaxInputTagValueLength, tagValue);
                    tags.Add(new(tagKey, tagValue));
                }
            }
            if (!element.TryGetProperty("dataset", out var dataset) || dataset.ValueKind != JsonValueKind.Object)
            {
                throw MlflowException.Missing("datasets.dataset");
            }
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (field, required, limit) in DatasetFields)
            {
                var value = MlflowRequest.NestedString(dataset, field, "datasets.dataset");
                if (value is null && required)
                {
                    throw MlflowException.Missing($"datasets.dataset.{field}");
                }
                if (value is not null && limit is { } max)
                {
                    CheckLength($"Dataset {field}", max, value);
                }
                if (value is not null)
                {
                    fields[field] = value;
                }
            }
            datasets.Add(new RunDatasetInput(
                new DatasetData(fields["name"], fields["digest"], fields["source_type"], fields["source"], fields.GetValueOrDefault("schema"), fields.GetValueOrDefault("profile")),
                tags));
        }
        var models = call.Request.Objects("models")
            .Select(m => MlflowRequest.NestedString(m, "model_id", "models") ?? throw MlflowException.Missing("models.model_id"))
            .ToList();
        await call.Store.LogInputsAsync(runId, datasets, models, call.Aborted).ConfigureAwait(false);
        await OkAsync(call).ConfigureAwait(false);
    }

    // MLflow's dataset and input tag limits (mlflow/utils/validation.py).
    private const int MaxInputTagKeyLength = 255;
    private const int MaxInputTagValueLength = 500;

    private static readonly (string Field, bool Required, int? Limit)[] DatasetFields =
    [
        ("name", true, 500), ("digest", true, 36), ("source_type", true, null), ("source", true, 65535), ("schema", false, 1048575), ("profile", false, 16777215),
    ];

    private static void CheckLength(string what, int limit, string value)
    {
        if (value.Length > limit)
        {
            throw MlflowException.Invalid($"{what} exceeds the maximum length of {limit}");
        }
    }

    private static async Task LogOutputsAsync(MlflowCall call)
    {
        var runId = call.Request.RequiredString("run_id");
        if (!call.Request.Has("models"))
        {
            throw MlflowException.Missing("models");
        }
        var outputs = call.Request.Objects("models")
            .Select(m => new RunModelOutput(MlflowRequest.NestedString(m, "model_id", "models") ?? throw MlflowException.Missing("models.model_id"),
                MlflowRequest.NestedLong(m, "step", "models") ?? throw MlflowException.Missing("models.step")))
            .ToList();
        await call.Store.LogOutputsAsync(runId, outputs, call.Aborted).ConfigureAwait(false);
        await OkAsync(call).ConfigureAwait(false);
    }

    /// <summary>MLflow's cap of points per run for one bulk-interval request, and of runs.</summary>
    private const int MaxResultsPerRun = 2500;
    private const int MaxRunsPerBulkRequest = 100;

    /// <summary>
    /// <c>metrics/get-history-bulk-interval</c>, MLflow's sampling: the steps logged by any of the runs within
    /// [start_step, end_step] (default 0 to the last step) thinned to about <c>max_results</c> evenly spaced ones, always
    /// keeping each run's first and last step; every point at those steps, per run in the order given.
    /// </summary>
    private static async Task GetMetricHistoryBulkIntervalAsync(MlflowCall call)
    {
        var runIds = call.Request.Strings("run_ids");
        if (runIds.Count == 0)
        {
            throw MlflowException.Missing("run_ids");
        }
        if (runIds.Count > MaxRunsPerBulkRequest)
        {
            throw MlflowException.Invalid($"GetMetricHistoryBulkInterval request must specify at most {MaxRunsPerBulkRequest} run_ids. Received {runIds.Count} run_ids.");
        }
        var key = call.Request.RequiredString("metric_key");
        var max = call.Request.Long("max_results") ?? MaxResultsPerRun;
        if (max is < 1 or > MaxResultsPerRun)
        {
            throw MlflowException.Invalid($"max_results must be between 1 and {MaxResultsPerRun}.");
        }
        var start = call.Request.Long("start_step");
        var end = call.Request.Long("end_step");
        if (start is not null && end is not null && start > end)
        {
            throw MlflowException.Invalid($"end_step must be greater than start_step. Found start_step={start} and end_step={end}.");
        }
        if ((start is null) != (end is null))
        {
            throw MlflowException.Invalid("If either start step or end step are specified, both must be specified.");
        }
        var histories = new List<(string RunId, IReadOnlyList<MetricPoint> Points)>();
        foreach (var runId in runIds)
        {
            histories.Add((runId, await call.Store.GetMetricHistoryAsync(runId, key, call.Aborted).ConfigureAwait(false)));
        }
        var allSteps = histories.SelectMany(h => h.Points.Select(p => p.Step)).Distinct().Order().ToList();
        var from = start ?? 0;
        var to = end ?? (allSteps.Count > 0 ? allSteps[^1] : 0);
        var keep = new HashSet<long>(histories.Where(h => h.Points.Count > 0)
            .SelectMany(h => new[] { h.Points.Min(p => p.Step), h.Points.Max(p => p.Step) })
            .Where(s => s >= from && s <= to));
        var first = allSteps.FindIndex(s => s >= from);
        var last = allSteps.FindLastIndex(s => s <= to);
        if (first >= 0 && last >= first)
        {
            var count = last - first + 1;
            if (count <= max)
            {
                keep.UnionWith(allSteps.GetRange(first, count));
            }
            else
            {
                var interval = (double)count / max;
                for (var i = 0; i < max; i++)
                {
                    var index = first + (int)(i * interval);
                    if (index < count) // as MLflow (it compares with the count, not the end index)
                    {
                        keep.Add(allSteps[index]);
                    }
                }
                keep.Add(allSteps[last]);
            }
        }
        await OkAsync(call, w =>
        {
            var points = histories.SelectMany(h => h.Points.Where(p => keep.Contains(p.Step)).OrderBy(p => p.Step).ThenBy(p => p.Timestamp).Select(p => (h.RunId, Point: p))).ToList();
            if (points.Count == 0)
            {
                return;
            }
            w.WriteStartArray("metrics");
            foreach (var (runId, point) in points)
            {
                w.WriteStartObject();
                w.WriteString("key", point.Key);
                w.WritePropertyName("value");
                MlflowJson.Double(w, point.Value);
                w.WriteNumber("timestamp", point.Timestamp.ToUnixTimeMilliseconds());
                w.WriteNumber("step", point.Step);
                w.WriteString("run_id", runId);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>artifacts/list</c> (service.proto ListArtifacts) over the run's datastore folder: one level of <c>path</c>, entries named by
    /// their run-relative path, and <c>root_uri</c> the run's artifact URI, as an MLflow server with proxied artifacts answers.
    /// </summary>
    private static async Task ListArtifactsAsync(MlflowCall call)
    {
        var runId = call.Request.RunId();
        var path = call.Request.String("path");
        var relative = string.IsNullOrEmpty(path) ? string.Empty : ArtifactLocations.SafePath(path, allowEmpty: false);
        _ = call.Request.String("page_token"); // one page holds everything
        var run = await call.Store.GetRunAsync(runId, call.Aborted).ConfigureAwait(false);
        var folder = ArtifactLocations.RunFolder(run.RunId) + (relative.Length == 0 ? string.Empty : "/" + relative);
        var entries = await call.Files.ListLevelAsync(folder, call.Aborted).ConfigureAwait(false);
        await OkAsync(call, w =>
        {
            w.WriteString("root_uri", MlflowCall.RunArtifactUri(run.RunId));
            if (entries.Count > 0)
            {
                w.WriteStartArray("files");
                foreach (var entry in entries)
                {
                    MlflowJson.FileInfo(w, relative.Length == 0 ? entry.Name : relative + "/" + entry.Name, entry.IsDirectory, entry.Size);
                }
                w.WriteEndArray();
            }
        }).ConfigureAwait(false);
    }
}
