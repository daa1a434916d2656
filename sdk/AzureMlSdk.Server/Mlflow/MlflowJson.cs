using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AzureMlSdk.Server.Mlflow;

/// <summary>
/// MLflow's JSON (protobuf JSON as MLflow's <c>message_to_json</c> writes it): snake_case field names, unset and empty
/// repeated fields omitted, int64 as JSON numbers, NaN/Infinity doubles as the strings "NaN", "Infinity", "-Infinity".
/// </summary>
internal static class MlflowJson
{
    public static void Experiment(Utf8JsonWriter w, ExperimentData e, string artifactRoot)
    {
        w.WriteStartObject();
        w.WriteString("experiment_id", e.ExperimentId);
        w.WriteString("name", e.Name);
        w.WriteString("artifact_location", artifactRoot); // artifacts live in the datastore, not in the store's folder
        w.WriteString("lifecycle_stage", e.IsDeleted ? "deleted" : "active");
        w.WriteNumber("last_update_time", e.LastUpdateTime.ToUnixTimeMilliseconds());
        w.WriteNumber("creation_time", e.CreationTime.ToUnixTimeMilliseconds());
        Tags(w, "tags", e.Tags);
        w.WriteEndObject();
    }

    public static void RunInfo(Utf8JsonWriter w, RunData r, string artifactUri)
    {
        w.WriteStartObject();
        w.WriteString("run_id", r.RunId);
        w.WriteString("run_uuid", r.RunId);
        w.WriteString("run_name", r.DisplayName);
        w.WriteString("experiment_id", r.ExperimentId);
        if (r.Tags.TryGetValue("mlflow.user", out var user))
        {
            w.WriteString("user_id", user);
        }
        w.WriteString("status", r.Status.ToMlflowStatus());
        w.WriteNumber("start_time", r.StartTime.ToUnixTimeMilliseconds());
        if (r.EndTime is { } end)
        {
            w.WriteNumber("end_time", end.ToUnixTimeMilliseconds());
        }
        w.WriteString("artifact_uri", artifactUri);
        w.WriteString("lifecycle_stage", r.IsDeleted ? "deleted" : "active");
        w.WriteEndObject();
    }

    public static void Run(Utf8JsonWriter w, RunData r, string artifactUri, RunInputsOutputs links)
    {
        w.WriteStartObject();
        w.WritePropertyName("info");
        RunInfo(w, r, artifactUri);
        w.WriteStartObject("data");
        if (r.LatestMetrics.Count > 0)
        {
            w.WriteStartArray("metrics");
            foreach (var m in r.LatestMetrics.Values.OrderBy(m => m.Key, StringComparer.Ordinal))
            {
                Metric(w, m);
            }
            w.WriteEndArray();
        }
        Tags(w, "params", r.Params);
        Tags(w, "tags", r.Tags);
        w.WriteEndObject();
        w.WriteStartObject("inputs");
        if (links.DatasetInputs.Count > 0)
        {
            w.WriteStartArray("dataset_inputs");
            foreach (var input in links.DatasetInputs)
            {
                DatasetInput(w, input);
            }
            w.WriteEndArray();
        }
        if (links.ModelInputs.Count > 0)
        {
            w.WriteStartArray("model_inputs");
            foreach (var model in links.ModelInputs)
            {
                w.WriteStartObject();
                w.WriteString("model_id", model);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
        if (links.ModelOutputs.Count > 0)
        {
            w.WriteStartObject("outputs");
            w.WriteStartArray("model_outputs");
            foreach (var (model, step) in links.ModelOutputs)
            {
                w.WriteStartObject();
                w.WriteString("model_id", model);
                w.WriteNumber("step", step);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    /// <summary>A <c>DatasetInput</c>: its tags (when any) and its dataset (schema and profile when known).</summary>
    private static void DatasetInput(Utf8JsonWriter w, RunDatasetInput input)
    {
        w.WriteStartObject();
        if (input.Tags.Count > 0)
        {
            w.WriteStartArray("tags");
            foreach (var (key, value) in input.Tags)
            {
                w.WriteStartObject();
                w.WriteString("key", key);
                w.WriteString("value", value);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        var d = input.Dataset;
        w.WriteStartObject("dataset");
        w.WriteString("name", d.Name);
        w.WriteString("digest", d.Digest);
        w.WriteString("source_type", d.SourceType);
        w.WriteString("source", d.Source);
        if (d.Schema is not null)
        {
            w.WriteString("schema", d.Schema);
        }
        if (d.Profile is not null)
        {
            w.WriteString("profile", d.Profile);
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>A <c>FileInfo</c>: path, is_dir (always written: clients index it), file_size for files only.</summary>
    public static void FileInfo(Utf8JsonWriter w, string path, bool isDirectory, long? size)
    {
        w.WriteStartObject();
        w.WriteString("path", path);
        w.WriteBoolean("is_dir", isDirectory);
        if (!isDirectory && size is { } bytes)
        {
            w.WriteNumber("file_size", bytes);
        }
        w.WriteEndObject();
    }

    public static void Metric(Utf8JsonWriter w, MetricPoint m)
    {
        w.WriteStartObject();
        w.WriteString("key", m.Key);
        w.WritePropertyName("value");
        Double(w, m.Value);
        w.WriteNumber("timestamp", m.Timestamp.ToUnixTimeMilliseconds());
        w.WriteNumber("step", m.Step);
        w.WriteEndObject();
    }

    public static void Double(Utf8JsonWriter w, double value)
    {
        if (double.IsNaN(value))
        {
            w.WriteStringValue("NaN");
        }
        else if (double.IsPositiveInfinity(value))
        {
            w.WriteStringValue("Infinity");
        }
        else if (double.IsNegativeInfinity(value))
        {
            w.WriteStringValue("-Infinity");
        }
        else
        {
            w.WriteNumberValue(value);
        }
    }

    /// <summary>A repeated <c>{key, value}</c> field; omitted when empty.</summary>
    public static void Tags(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, string> tags)
    {
        if (tags.Count == 0)
        {
            return;
        }
        w.WriteStartArray(name);
        foreach (var (key, value) in tags.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            w.WriteStartObject();
            w.WriteString("key", key);
            w.WriteString("value", value);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>MLflow's offset page token: base64 of <c>{"offset": N}</c>.</summary>
    public static string OffsetToken(int offset) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes("{\"offset\": " + offset.ToString(CultureInfo.InvariantCulture) + "}"));

    public static int ParseOffsetToken(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return 0;
        }
        try
        {
            using var doc = JsonDocument.Parse(Convert.FromBase64String(token));
            if (doc.RootElement.TryGetProperty("offset", out var offset) && offset.TryGetInt32(out var n) && n >= 0)
            {
                return n;
            }
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            throw MlflowException.Invalid("Invalid page token, could not base64-decode");
        }
        throw MlflowException.Invalid($"Invalid page token, parsed value={token}");
    }
}
