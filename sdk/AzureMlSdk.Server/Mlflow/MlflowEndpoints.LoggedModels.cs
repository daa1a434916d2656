using System.Globalization;
using System.Text.Json;
using AzureMlSdk.Server.Artifacts;

namespace AzureMlSdk.Server.Mlflow;

// MLflow 3's logged models (service.proto createLoggedModel … listLoggedModelArtifacts). An MLflow 3 client's
// mlflow.<flavor>.log_model creates one, uploads the model files to its artifact_uri through the artifacts proxy and
// finalizes it; it has no fallback for a server without these routes. Records live in the workspace's tracking store (the backend contract),
// files under LoggedModels/<model_id>/artifacts in the default datastore.
internal static partial class MlflowEndpoints
{
    private static readonly string[] LoggedModelStatuses = ["LOGGED_MODEL_STATUS_UNSPECIFIED", "LOGGED_MODEL_PENDING", "LOGGED_MODEL_READY", "LOGGED_MODEL_UPLOAD_FAILED"];
    private const int DefaultLoggedModelPage = 50;
    private const int MaxLoggedModelPage = 1000;

    private static string StatusName(LoggedModelStatus status) => LoggedModelStatusNames.ToMlflow(status);

    private static void WriteLoggedModel(Utf8JsonWriter w, LoggedModelData m)
    {
        w.WriteStartObject();
        w.WriteStartObject("info");
        w.WriteString("model_id", m.ModelId);
        w.WriteString("experiment_id", m.ExperimentId);
        w.WriteString("name", m.Name);
        w.WriteNumber("creation_timestamp_ms", m.CreationTime.ToUnixTimeMilliseconds());
        w.WriteNumber("last_updated_timestamp_ms", m.LastUpdateTime.ToUnixTimeMilliseconds());
        w.WriteString("artifact_uri", ArtifactLocations.ProxyUri(ArtifactLocations.LoggedModelFolder(m.ModelId)));
        w.WriteString("status", StatusName(m.Status));
        if (m.ModelType is { Length: > 0 } modelType)
        {
            w.WriteString("model_type", modelType);
        }
        if (m.SourceRunId is { Length: > 0 } sourceRunId)
        {
            w.WriteString("source_run_id", sourceRunId);
        }
        MlflowJson.Tags(w, "tags", m.Tags);
        w.WriteEndObject();
        w.WriteStartObject("data");
        MlflowJson.Tags(w, "params", m.Params);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static Task LoggedModelReplyAsync(MlflowCall call, LoggedModelData m) => OkAsync(call, w =>
    {
        w.WritePropertyName("model");
        WriteLoggedModel(w, m);
    });

    private static Dictionary<string, string> KeyValues(MlflowCall call, string field)
    {
        var bag = new Dictionary<string, string>(StringComparer.Ordinal);
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
        var model = await call.Store.CreateLoggedModelAsync(new NewLoggedModel(
            experiment.ExperimentId,
            call.Request.String("name"),
            call.Request.String("model_type") is { Length: > 0 } type ? type : null,
            call.Request.String("source_run_id") is { Length: > 0 } run ? run : null,
            KeyValues(call, "tags"),
            KeyValues(call, "params")), call.Aborted).ConfigureAwait(false);
        await LoggedModelReplyAsync(call, model).ConfigureAwait(false);
    }

    private static async Task GetLoggedModelAsync(MlflowCall call) =>
        await LoggedModelReplyAsync(call, await call.Store.GetLoggedModelAsync(call.Route("model_id"), call.Aborted).ConfigureAwait(false)).ConfigureAwait(false);

    private static async Task FinalizeLoggedModelAsync(MlflowCall call)
    {
        var modelId = call.Route("model_id");
        var text = call.Request.EnumText("status") ?? throw MlflowException.Missing("status");
        var status = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? (n < LoggedModelStatuses.Length ? LoggedModelStatuses[n] : null)
            : LoggedModelStatuses.FirstOrDefault(s => s.Equals(text, StringComparison.OrdinalIgnoreCase));
        var parsed = LoggedModelStatusNames.FromMlflow(status)
            ?? throw MlflowException.Invalid($"Invalid value for parameter 'status': use {string.Join(", ", LoggedModelStatuses.Skip(1))}.");
        await LoggedModelReplyAsync(call, await call.Store.FinalizeLoggedModelAsync(modelId, parsed, call.Aborted).ConfigureAwait(false)).ConfigureAwait(false);
    }

    private static async Task DeleteLoggedModelAsync(MlflowCall call)
    {
        await call.Store.DeleteLoggedModelAsync(call.Route("model_id"), call.Aborted).ConfigureAwait(false);
        await OkAsync(call).ConfigureAwait(false);
    }

    private static async Task SetLoggedModelTagsAsync(MlflowCall call)
    {
        await call.Store.SetLoggedModelTagsAsync(call.Route("model_id"), KeyValues(call, "tags"), call.Aborted).ConfigureAwait(false);
        await OkAsync(call).ConfigureAwait(false);
    }

    private static async Task DeleteLoggedModelTagAsync(MlflowCall call)
    {
        var key = Uri.UnescapeDataString(call.Route("tag_key"));
        await call.Store.DeleteLoggedModelTagAsync(call.Route("model_id"), key, call.Aborted).ConfigureAwait(false);
        await OkAsync(call).ConfigureAwait(false);
    }

    private static async Task LogLoggedModelParamsAsync(MlflowCall call)
    {
        await call.Store.LogLoggedModelParamsAsync(call.Route("model_id"), KeyValues(call, "params"), call.Aborted).ConfigureAwait(false);
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
        var orderBy = new List<LoggedModelOrder>();
        foreach (var order in call.Request.Objects("order_by"))
        {
            var field = MlflowRequest.NestedString(order, "field_name", "order_by") ?? throw MlflowException.Missing("order_by.field_name");
            orderBy.Add(new LoggedModelOrder(field, !order.TryGetProperty("ascending", out var asc) || asc.ValueKind != JsonValueKind.False));
        }
        var token = call.Request.String("page_token");
        var page = await call.Store.SearchLoggedModelsAsync(
            new LoggedModelQuery(experimentIds, call.Request.String("filter"), orderBy, (int)max, string.IsNullOrEmpty(token) ? null : token), call.Aborted).ConfigureAwait(false);
        await OkAsync(call, w =>
        {
            if (page.Items.Count > 0)
            {
                w.WriteStartArray("models");
                foreach (var m in page.Items)
                {
                    WriteLoggedModel(w, m);
                }
                w.WriteEndArray();
            }
            if (page.NextPageToken is { } next)
            {
                w.WriteString("next_page_token", next);
            }
        }).ConfigureAwait(false);
    }

    private static async Task ListLoggedModelArtifactsAsync(MlflowCall call)
    {
        var model = await call.Store.GetLoggedModelAsync(call.Route("model_id"), call.Aborted).ConfigureAwait(false);
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
