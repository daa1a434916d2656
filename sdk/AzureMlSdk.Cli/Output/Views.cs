using System.Globalization;
using System.Text.Json.Nodes;

namespace AzureMlSdk.Cli.Output;

/// <summary>The SDK's objects as <c>az ml</c> prints them: snake_case fields, ISO 8601 times, versions as strings.</summary>
internal static class Views
{
    public static string Time(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);

    public static string? Time(DateTimeOffset? time) => time is { } t ? Time(t) : null;

    public static JsonObject Map(IEnumerable<KeyValuePair<string, string>> values)
    {
        var o = new JsonObject();
        foreach (var (k, v) in values.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            o[k] = v;
        }
        return o;
    }

    public static string Snake(string name)
    {
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0 && !char.IsUpper(name[i - 1]))
            {
                text.Append('_');
            }
            text.Append(char.ToLowerInvariant(name[i]));
        }
        return text.ToString();
    }

    public static JsonObject Workspace(Workspace ws) => new()
    {
        ["name"] = ws.Name,
        ["resource_group"] = ws.ResourceGroup,
        ["subscription_id"] = ws.SubscriptionId,
        ["kind"] = ws.Kind == WorkspaceKind.Local ? "local" : "remote",
        ["local_dir"] = ws.LocalDirectory,
        ["mlflow_tracking_uri"] = ws.TrackingUri?.ToString(),
        ["id"] = $"/subscriptions/{ws.SubscriptionId}/resourceGroups/{ws.ResourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/{ws.Name}",
    };

    public static readonly IReadOnlyList<(string, string)> ModelColumns =
        [("Name", "name"), ("Version", "version"), ("Framework", "framework"), ("Stage", "stage"), ("Aliases", "aliases"), ("JobName", "job_name"), ("CreatedAt", "creation_context.created_at")];

    public static JsonObject Model(Model m) => new()
    {
        ["name"] = m.Name,
        ["version"] = m.Version.ToString(CultureInfo.InvariantCulture),
        ["id"] = $"azureml:{m.Name}:{m.Version.ToString(CultureInfo.InvariantCulture)}",
        ["type"] = "custom_model",
        ["framework"] = m.Framework.ToString().ToLowerInvariant(),
        ["description"] = m.Description,
        ["tags"] = Map(m.Tags),
        ["properties"] = Map(m.Properties),
        ["stage"] = m.Stage,
        ["aliases"] = new JsonArray(m.Aliases.Order(StringComparer.Ordinal).Select(a => (JsonNode)a).ToArray()),
        ["job_name"] = m.RunId,
        ["path"] = m.StorageUri,
        ["uri"] = m.Uri,
        ["archived"] = m.IsArchived,
        ["files"] = new JsonArray(m.Files.Select(f => (JsonNode)new JsonObject { ["path"] = f.Path, ["size"] = f.Length, ["sha256"] = f.Sha256 }).ToArray()),
        ["creation_context"] = new JsonObject { ["created_at"] = Time(m.CreatedAt) },
    };

    public static readonly IReadOnlyList<(string, string)> ExperimentColumns =
        [("Name", "name"), ("ExperimentId", "experiment_id"), ("Archived", "archived"), ("CreatedAt", "creation_time")];

    public static JsonObject Experiment(Experiment e) => new()
    {
        ["name"] = e.Name,
        ["experiment_id"] = e.Id,
        ["archived"] = e.IsArchived,
        ["creation_time"] = Time(e.CreationTime),
        ["tags"] = Map(e.Tags),
    };

    public static readonly IReadOnlyList<(string, string)> RunColumns =
        [("Name", "name"), ("DisplayName", "display_name"), ("Experiment", "experiment_name"), ("Status", "status"), ("StartTime", "start_time")];

    public static JsonObject Run(Run r, string? experimentName) => new()
    {
        ["name"] = r.Id,
        ["display_name"] = r.DisplayName,
        ["experiment_id"] = r.ExperimentId,
        ["experiment_name"] = experimentName,
        ["status"] = r.Status.ToString(),
        ["start_time"] = Time(r.StartTime),
        ["end_time"] = Time(r.EndTime),
        ["parent_run_id"] = r.ParentRunId,
        ["params"] = Map(r.Params),
        ["metrics"] = Metrics(r.LatestMetrics),
        ["tags"] = Map(r.Tags.Where(t => !t.Key.StartsWith("mlflow.", StringComparison.Ordinal))),
        ["properties"] = Map(r.Properties),
    };

    public static JsonObject Metrics(IReadOnlyDictionary<string, MetricPoint> metrics)
    {
        var o = new JsonObject();
        foreach (var (k, p) in metrics.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            o[k] = Number(p.Value);
        }
        return o;
    }

    /// <summary>A double as JSON (NaN and infinities, which JSON cannot hold, as the strings Python prints).</summary>
    public static JsonNode Number(double value) =>
        double.IsNaN(value) ? "NaN" : double.IsPositiveInfinity(value) ? "Infinity" : double.IsNegativeInfinity(value) ? "-Infinity" : JsonValue.Create(value);
}
