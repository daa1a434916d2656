using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace AzureMlSdk.Emulator.Mlflow;

/// <summary>
/// Earlier Emulators kept run inputs/outputs and MLflow 3 logged models in a second database beside the workspace,
/// <c>mlflow.db</c>. They now live in the workspace's tracking store (the backend contract); when a data folder still has
/// that file, the first open of the workspace imports it through the contract (logged models keep their ids, so
/// <c>models:/m-…</c> sources and their files still resolve; their creation times become the import time) and renames it
/// <c>mlflow.db.imported</c>. What cannot be imported (a run or experiment since deleted) is skipped; a file that cannot be
/// read is left in place with a message, and startup goes on.
/// </summary>
internal static class SideStoreImport
{
    public const string FileName = "mlflow.db";

    public static void Run(string workspaceFolder, ITrackingStore tracking)
    {
        var file = Path.Combine(workspaceFolder, FileName);
        if (!File.Exists(file))
        {
            return;
        }
        try
        {
            var (imported, skipped) = Import(file, tracking);
            SqliteConnection.ClearAllPools();
            File.Move(file, file + ".imported", overwrite: true);
            foreach (var suffix in new[] { "-wal", "-shm" })
            {
                if (File.Exists(file + suffix))
                {
                    File.Delete(file + suffix);
                }
            }
            Console.Error.WriteLine($"azureml-emulator: imported {imported} record(s) of '{file}' into the workspace store ({skipped} skipped: their run or experiment is gone); the file is now '{FileName}.imported'.");
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            Console.Error.WriteLine($"azureml-emulator: could not import '{file}' ({ex.Message}); it is left as it was and no longer read.");
        }
    }

    private static (int Imported, int Skipped) Import(string file, ITrackingStore tracking)
    {
        var imported = 0;
        var skipped = 0;
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        void Apply(Func<Task> write)
        {
            try
            {
                write().GetAwaiter().GetResult(); // the local store completes synchronously
                imported++;
            }
            catch (ResourceExistsException)
            {
                // imported before (an earlier attempt that could not rename the file)
            }
            catch (AzureMlException)
            {
                skipped++;
            }
        }
        foreach (var row in Rows(connection, "logged_models", "SELECT model_id, experiment_id, body FROM logged_models ORDER BY created_at"))
        {
            var body = JsonNode.Parse((string)row[2]!) as JsonObject ?? [];
            var model = new NewLoggedModel(
                (string)row[1]!,
                Text(body, "name"),
                Text(body, "model_type"),
                Text(body, "source_run_id"),
                Bag(body, "tags"),
                Bag(body, "params"),
                (string)row[0]!);
            Apply(async () =>
            {
                LoggedModelData created;
                try
                {
                    created = await tracking.CreateLoggedModelAsync(model, CancellationToken.None).ConfigureAwait(false);
                }
                catch (ResourceNotFoundException) when (model.SourceRunId is not null)
                {
                    created = await tracking.CreateLoggedModelAsync(model with { SourceRunId = null }, CancellationToken.None).ConfigureAwait(false);
                }
                if (LoggedModelStatusNames.FromMlflow(Text(body, "status")) is { } status and not LoggedModelStatus.Pending)
                {
                    await tracking.FinalizeLoggedModelAsync(created.ModelId, status, CancellationToken.None).ConfigureAwait(false);
                }
            });
        }
        foreach (var row in Rows(connection, "run_dataset_inputs", "SELECT run_id, body FROM run_dataset_inputs ORDER BY position"))
        {
            var body = JsonNode.Parse((string)row[1]!) as JsonObject ?? [];
            var dataset = body["dataset"] as JsonObject ?? [];
            var tags = (body["tags"] as JsonArray ?? []).OfType<JsonObject>()
                .Select(t => new KeyValuePair<string, string>(Text(t, "key") ?? string.Empty, Text(t, "value") ?? string.Empty)).ToList();
            var input = new RunDatasetInput(new DatasetData(Text(dataset, "name") ?? "", Text(dataset, "digest") ?? "", Text(dataset, "source_type") ?? "", Text(dataset, "source") ?? "",
                Text(dataset, "schema"), Text(dataset, "profile")), tags);
            Apply(() => tracking.LogInputsAsync((string)row[0]!, [input], [], CancellationToken.None));
        }
        foreach (var row in Rows(connection, "run_model_inputs", "SELECT run_id, model_id FROM run_model_inputs ORDER BY position"))
        {
            Apply(() => tracking.LogInputsAsync((string)row[0]!, [], [(string)row[1]!], CancellationToken.None));
        }
        foreach (var row in Rows(connection, "run_model_outputs", "SELECT run_id, model_id, step FROM run_model_outputs ORDER BY position"))
        {
            Apply(() => tracking.LogOutputsAsync((string)row[0]!, [new RunModelOutput((string)row[1]!, (long)row[2]!)], CancellationToken.None));
        }
        return (imported, skipped);
    }

    private static List<object?[]> Rows(SqliteConnection connection, string table, string sql)
    {
        using (var exists = connection.CreateCommand())
        {
            exists.CommandText = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = @name";
            exists.Parameters.AddWithValue("@name", table);
            if (exists.ExecuteScalar() is null)
            {
                return [];
            }
        }
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var values = new object?[reader.FieldCount];
            reader.GetValues(values!);
            rows.Add(values);
        }
        return rows;
    }

    private static string? Text(JsonObject body, string key) => body[key] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0 ? text : null;

    private static Dictionary<string, string> Bag(JsonObject body, string key) =>
        (body[key] as JsonObject ?? []).ToDictionary(p => p.Key, p => p.Value is JsonValue v && v.TryGetValue<string>(out var t) ? t : p.Value?.ToJsonString() ?? string.Empty, StringComparer.Ordinal);
}
