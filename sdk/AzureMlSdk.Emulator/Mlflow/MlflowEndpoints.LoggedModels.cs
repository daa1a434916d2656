using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AzureMlSdk.Emulator.Artifacts;

namespace AzureMlSdk.Emulator.Mlflow;

// MLflow 3's logged models (service.proto createLoggedModel … listLoggedModelArtifacts). An MLflow 3 client's
// mlflow.<flavor>.log_model creates one, uploads the model files to its artifact_uri through the artifacts proxy and
// finalizes it; it has no fallback for a server without these routes. Records live in the workspace's MlflowSideStore,
// files under LoggedModels/<model_id>/artifacts in the default datastore.
internal static partial class MlflowEndpoints
{
    private static readonly string[] LoggedModelStatuses = ["LOGGED_MODEL_STATUS_UNSPECIFIED", "LOGGED_MODEL_PENDING", "LOGGED_MODEL_READY", "LOGGED_MODEL_UPLOAD_FAILED"];
    private const int DefaultLoggedModelPage = 50;
    private const int MaxLoggedModelPage = 1000;

    private static JsonObject LoggedModelTags(JsonObject body) => Bucket(body, "tags");

    private static JsonObject Bucket(JsonObject body, string name)
    {
        if (body[name] is not JsonObject bucket)
        {
            bucket = [];
            body[name] = bucket;
        }
        return bucket;
    }

    private static LoggedModelRow RequireLoggedModel(MlflowCall call, string modelId) =>
        call.Workspace.Mlflow.GetLoggedModel(modelId) ?? throw new MlflowException("RESOURCE_DOES_NOT_EXIST", $"Logged model with ID '{modelId}' not found.");

    private static void WriteLoggedModel(Utf8JsonWriter w, LoggedModelRow m)
    {
        w.WriteStartObject();
        w.WriteStartObject("info");
        w.WriteString("model_id", m.ModelId);
        w.WriteString("experiment_id", m.ExperimentId);
        w.WriteString("name", Text(m.Body, "name") ?? string.Empty);
        w.WriteNumber("creation_timestamp_ms", m.CreatedAt.ToUnixTimeMilliseconds());
        w.WriteNumber("last_updated_timestamp_ms", m.ModifiedAt.ToUnixTimeMilliseconds());
        w.WriteString("artifact_uri", ArtifactLocations.ProxyUri(ArtifactLocations.LoggedModelFolder(m.ModelId)));
        w.WriteString("status", Text(m.Body, "status") ?? "LOGGED_MODEL_PENDING");
        foreach (var field in new[] { "model_type", "source_run_id", "status_message" })
        {
            if (Text(m.Body, field) is { Length: > 0 } value)
            {
                w.WriteString(field, value);
            }
        }
        MlflowJson.Tags(w, "tags", Bag(m.Body, "tags"));
        w.WriteEndObject();
        w.WriteStartObject("data");
        MlflowJson.Tags(w, "params", Bag(m.Body, "params"));
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static Task LoggedModelReplyAsync(MlflowCall call, LoggedModelRow m) => OkAsync(call, w =>
    {
        w.WritePropertyName("model");
        WriteLoggedModel(w, m);
    });

    private static JsonObject KeyValues(MlflowCall call, string field)
    {
        var bag = new JsonObject();
        foreach (var item in call.Request.Objects(field))
        {
            var key = MlflowRequest.NestedString(item, "key", field);
            if (string.IsNullOrEmpty(key))
            {
                throw MlflowException.Missing($"{field}.key");
            }
            var value = MlflowRequest.NestedString(item, "value", field) ?? string.Empty;
            // As MLflow's store: a logged model's params and tags follow the run rules (names, 250/6000/8000 characters).
            if (field == "params")
            {
                Validate.ParamValue(Validate.Key(key, "param"), value);
            }
            else
            {
                Validate.TagValue(Validate.Key(key, "tag"), value);
            }
            bag[key] = value;
        }
        return bag;
    }

    private static async Task CreateLoggedModelAsync(MlflowCall call)
    {
        var experimentId = call.Request.RequiredString("experiment_id");
        var experiment = await call.Store.GetExperimentAsync(experimentId, call.Aborted).ConfigureAwait(false);
        if (experiment.IsDeleted)
        {
            throw MlflowException.Invalid($"The experiment {experimentId} must be in the 'active' state. Current state is deleted.");
        }
        var sourceRunId = call.Request.String("source_run_id");
        if (!string.IsNullOrEmpty(sourceRunId))
        {
            await call.Store.GetRunAsync(sourceRunId, call.Aborted).ConfigureAwait(false);
        }
        var modelId = "m-" + Guid.NewGuid().ToString("N");
        var name = call.Request.String("name");
        var body = new JsonObject
        {
            // As MLflow: a model without a name gets a generated one.
            ["name"] = string.IsNullOrEmpty(name) ? "model-" + modelId[2..10] : name,
            ["status"] = "LOGGED_MODEL_PENDING",
            ["tags"] = KeyValues(call, "tags"),
            ["params"] = KeyValues(call, "params"),
        };
        foreach (var field in new[] { "model_type", "source_run_id" })
        {
            if (call.Request.String(field) is { Length: > 0 } value)
            {
                body[field] = value;
            }
        }
        call.Workspace.Mlflow.CreateLoggedModel(modelId, experiment.ExperimentId, body);
        await LoggedModelReplyAsync(call, RequireLoggedModel(call, modelId)).ConfigureAwait(false);
    }

    private static Task GetLoggedModelAsync(MlflowCall call) => LoggedModelReplyAsync(call, RequireLoggedModel(call, call.Route("model_id")));

    private static async Task FinalizeLoggedModelAsync(MlflowCall call)
    {
        var modelId = call.Route("model_id");
        var text = call.Request.EnumText("status") ?? throw MlflowException.Missing("status");
        var status = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? (n < LoggedModelStatuses.Length ? LoggedModelStatuses[n] : null)
            : LoggedModelStatuses.FirstOrDefault(s => s.Equals(text, StringComparison.OrdinalIgnoreCase));
        if (status is null or "LOGGED_MODEL_STATUS_UNSPECIFIED")
        {
            throw MlflowException.Invalid($"Invalid value for parameter 'status': use {string.Join(", ", LoggedModelStatuses.Skip(1))}.");
        }
        var row = call.Workspace.Mlflow.UpdateLoggedModel(modelId, m => m["status"] = status)
            ?? throw new MlflowException("RESOURCE_DOES_NOT_EXIST", $"Logged model with ID '{modelId}' not found.");
        await LoggedModelReplyAsync(call, row).ConfigureAwait(false);
    }

    private static async Task DeleteLoggedModelAsync(MlflowCall call)
    {
        var modelId = call.Route("model_id");
        if (!call.Workspace.Mlflow.DeleteLoggedModel(modelId))
        {
            throw new MlflowException("RESOURCE_DOES_NOT_EXIST", $"Logged model with ID '{modelId}' not found.");
        }
        await OkAsync(call).ConfigureAwait(false);
    }

    private static async Task SetLoggedModelTagsAsync(MlflowCall call)
    {
        var modelId = call.Route("model_id");
        var tags = KeyValues(call, "tags");
        _ = call.Workspace.Mlflow.UpdateLoggedModel(modelId, m =>
        {
            var bucket = LoggedModelTags(m);
            foreach (var (key, value) in tags)
            {
                bucket[key] = value?.DeepClone();
            }
        }) ?? throw new MlflowException("RESOURCE_DOES_NOT_EXIST", $"Logged model with ID '{modelId}' not found.");
        await OkAsync(call).ConfigureAwait(false);
    }

    private static async Task DeleteLoggedModelTagAsync(MlflowCall call)
    {
        var modelId = call.Route("model_id");
        var key = Uri.UnescapeDataString(call.Route("tag_key"));
        RequireLoggedModel(call, modelId);
        var removed = false;
        call.Workspace.Mlflow.UpdateLoggedModel(modelId, m => removed = LoggedModelTags(m).Remove(key));
        if (!removed)
        {
            throw new MlflowException("RESOURCE_DOES_NOT_EXIST", $"No tag with key: {key} in logged model with ID {modelId}.");
        }
        await OkAsync(call).ConfigureAwait(false);
    }

    private static async Task LogLoggedModelParamsAsync(MlflowCall call)
    {
        var modelId = call.Route("model_id");
        var parameters = KeyValues(call, "params");
        _ = call.Workspace.Mlflow.UpdateLoggedModel(modelId, m =>
        {
            var bucket = Bucket(m, "params");
            foreach (var (key, value) in parameters)
            {
                bucket[key] = value?.DeepClone();
            }
        }) ?? throw new MlflowException("RESOURCE_DOES_NOT_EXIST", $"Logged model with ID '{modelId}' not found.");
        await OkAsync(call).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>logged-models/search</c>: the models of the given experiments, filtered by clauses joined by AND of
    /// <c>&lt;field&gt; = | != '&lt;value&gt;'</c> over name, model_id, model_type, status, source_run_id, tags.&lt;k&gt;, params.&lt;k&gt;
    /// (metric filters and dataset scoping are not supported); ordered by the given fields, newest first by default.
    /// </summary>
    private static async Task SearchLoggedModelsAsync(MlflowCall call)
    {
        var experimentIds = call.Request.Strings("experiment_ids");
        if (experimentIds.Count == 0)
        {
            throw MlflowException.Missing("experiment_ids");
        }
        var max = call.Request.Long("max_results") ?? DefaultLoggedModelPage;
        if (max is < 1 or > MaxLoggedModelPage)
        {
            throw MlflowException.Invalid($"Invalid value for max_results: it must be between 1 and {MaxLoggedModelPage}, but got {max}.");
        }
        var matches = LoggedModelFilter(call.Request.String("filter"));
        var offset = MlflowJson.ParseOffsetToken(call.Request.String("page_token"));
        IEnumerable<LoggedModelRow> models = call.Workspace.Mlflow.ListLoggedModels(experimentIds.ToHashSet(StringComparer.Ordinal)).Where(matches);
        IOrderedEnumerable<LoggedModelRow>? ordered = null;
        foreach (var order in call.Request.Objects("order_by"))
        {
            var field = MlflowRequest.NestedString(order, "field_name", "order_by") ?? throw MlflowException.Missing("order_by.field_name");
            var ascending = !order.TryGetProperty("ascending", out var asc) || asc.ValueKind != JsonValueKind.False;
            Func<LoggedModelRow, IComparable> key = field switch
            {
                "creation_timestamp" or "creation_time" => m => m.CreatedAt,
                "last_updated_timestamp" => m => m.ModifiedAt,
                "name" => m => Text(m.Body, "name") ?? string.Empty,
                "model_id" => m => m.ModelId,
                _ => throw MlflowException.Invalid($"Invalid order by field '{field}': the Emulator orders logged models by creation_timestamp, last_updated_timestamp, name or model_id."),
            };
            ordered = ordered is null ? (ascending ? models.OrderBy(key) : models.OrderByDescending(key)) : (ascending ? ordered.ThenBy(key) : ordered.ThenByDescending(key));
        }
        var sorted = (ordered?.ThenBy(m => m.ModelId, StringComparer.Ordinal) ?? models).ToList();
        var page = sorted.Skip(offset).Take((int)max).ToList();
        var next = offset + page.Count < sorted.Count ? MlflowJson.OffsetToken(offset + page.Count) : null;
        await OkAsync(call, w =>
        {
            if (page.Count > 0)
            {
                w.WriteStartArray("models");
                page.ForEach(m => WriteLoggedModel(w, m));
                w.WriteEndArray();
            }
            if (next is not null)
            {
                w.WriteString("next_page_token", next);
            }
        }).ConfigureAwait(false);
    }

    private static Func<LoggedModelRow, bool> LoggedModelFilter(string? filter)
    {
        if (string.IsNullOrWhiteSpace(filter))
        {
            return _ => true;
        }
        var clauses = new List<Func<LoggedModelRow, bool>>();
        foreach (var part in System.Text.RegularExpressions.Regex.Split(filter, @"\s+AND\s+", System.Text.RegularExpressions.RegexOptions.IgnoreCase, TimeSpan.FromSeconds(1)))
        {
            var match = System.Text.RegularExpressions.Regex.Match(part.Trim(), @"^(?<key>[\w.`""-]+)\s*(?<op>!=|=)\s*(?<quote>['""])(?<value>.*)\k<quote>$", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
            if (!match.Success)
            {
                throw MlflowException.Invalid($"Invalid filter '{filter}': the Emulator supports clauses <field> = '<value>' or != joined by AND, over name, model_id, model_type, status, source_run_id, tags.<key> and params.<key>.");
            }
            var key = match.Groups["key"].Value.Replace("`", string.Empty, StringComparison.Ordinal).Replace("\"", string.Empty, StringComparison.Ordinal);
            var equal = match.Groups["op"].Value == "=";
            var value = match.Groups["value"].Value;
            Func<LoggedModelRow, string?> field = key switch
            {
                "name" or "model_type" or "status" or "source_run_id" => m => Text(m.Body, key),
                "model_id" => m => m.ModelId,
                _ when key.StartsWith("tags.", StringComparison.Ordinal) || key.StartsWith("params.", StringComparison.Ordinal) =>
                    m => Bag(m.Body, key[..key.IndexOf('.', StringComparison.Ordinal)]).GetValueOrDefault(key[(key.IndexOf('.', StringComparison.Ordinal) + 1)..]),
                _ => throw MlflowException.Invalid($"Invalid filter '{filter}': '{key}' is not a field the Emulator filters logged models by."),
            };
            clauses.Add(m => field(m) is { } actual && (actual == value) == equal);
        }
        return m => clauses.All(c => c(m));
    }

    private static async Task ListLoggedModelArtifactsAsync(MlflowCall call)
    {
        var model = RequireLoggedModel(call, call.Route("model_id"));
        var path = call.Request.String("artifact_directory_path");
        var relative = string.IsNullOrEmpty(path) ? string.Empty : ArtifactLocations.SafePath(path, allowEmpty: false);
        var root = ArtifactLocations.LoggedModelFolder(model.ModelId);
        var entries = await call.Files.ListLevelAsync(relative.Length == 0 ? root : root + "/" + relative, call.Aborted).ConfigureAwait(false);
        await OkAsync(call, w =>
        {
            w.WriteString("root_uri", ArtifactLocations.ProxyUri(root));
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
