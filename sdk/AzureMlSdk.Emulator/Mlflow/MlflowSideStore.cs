using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace AzureMlSdk.Emulator.Mlflow;

/// <summary>A stored MLflow 3 logged model: its mutable fields as JSON (name, model_type, source_run_id, status, tags, params…).</summary>
internal sealed record LoggedModelRow(string ModelId, string ExperimentId, JsonObject Body, DateTimeOffset CreatedAt, DateTimeOffset ModifiedAt);

/// <summary>What a run consumed and produced: dataset inputs (each as MLflow's <c>DatasetInput</c> JSON), model inputs, model outputs.</summary>
internal sealed record RunLinks(IReadOnlyList<JsonObject> DatasetInputs, IReadOnlyList<string> ModelInputs, IReadOnlyList<(string ModelId, long Step)> ModelOutputs)
{
    public static readonly RunLinks None = new([], [], []);
}

/// <summary>
/// The MLflow entities the SDK's local tracking store has no tables for, kept by the Emulator beside it in <c>mlflow.db</c>:
/// run inputs (<c>runs/log-inputs</c>) and outputs (<c>runs/outputs</c>), and MLflow 3 logged models. One writer at a time.
/// </summary>
internal sealed class MlflowSideStore
{
    private readonly string _connectionString;
    private readonly Lock _gate = new();
    private bool _initialized;

    public MlflowSideStore(string file)
    {
        _connectionString = new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString();
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        if (!_initialized)
        {
            using var create = connection.CreateCommand();
            create.CommandText = """
                PRAGMA journal_mode = WAL;
                CREATE TABLE IF NOT EXISTS run_dataset_inputs (
                    run_id TEXT NOT NULL, name TEXT NOT NULL, digest TEXT NOT NULL, body TEXT NOT NULL, position INTEGER NOT NULL,
                    PRIMARY KEY (run_id, name, digest));
                CREATE TABLE IF NOT EXISTS run_model_inputs (
                    run_id TEXT NOT NULL, model_id TEXT NOT NULL, position INTEGER NOT NULL,
                    PRIMARY KEY (run_id, model_id));
                CREATE TABLE IF NOT EXISTS run_model_outputs (
                    run_id TEXT NOT NULL, model_id TEXT NOT NULL, step INTEGER NOT NULL, position INTEGER NOT NULL,
                    PRIMARY KEY (run_id, model_id, step));
                CREATE TABLE IF NOT EXISTS logged_models (
                    model_id TEXT NOT NULL PRIMARY KEY, experiment_id TEXT NOT NULL, body TEXT NOT NULL,
                    created_at INTEGER NOT NULL, modified_at INTEGER NOT NULL);
                CREATE INDEX IF NOT EXISTS logged_models_by_experiment ON logged_models (experiment_id, created_at);
                """;
            create.ExecuteNonQuery();
            _initialized = true;
        }
        return connection;
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    // ------------------------------------------------------------------ run inputs and outputs

    /// <summary>Adds dataset and model inputs of a run; an input already recorded (same dataset name and digest, same model) is kept as it was.</summary>
    public void AddInputs(string runId, IReadOnlyList<(string Name, string Digest, JsonObject Input)> datasets, IReadOnlyList<string> models)
    {
        lock (_gate)
        {
            using var connection = Open();
            using var transaction = connection.BeginTransaction();
            var position = Now() * 1000;
            foreach (var (name, digest, input) in datasets)
            {
                using var insert = Command(connection, transaction,
                    "INSERT INTO run_dataset_inputs (run_id, name, digest, body, position) VALUES (@run, @name, @digest, @body, @position) ON CONFLICT DO NOTHING");
                insert.Parameters.AddWithValue("@run", runId);
                insert.Parameters.AddWithValue("@name", name);
                insert.Parameters.AddWithValue("@digest", digest);
                insert.Parameters.AddWithValue("@body", input.ToJsonString());
                insert.Parameters.AddWithValue("@position", position++);
                insert.ExecuteNonQuery();
            }
            foreach (var model in models)
            {
                using var insert = Command(connection, transaction,
                    "INSERT INTO run_model_inputs (run_id, model_id, position) VALUES (@run, @model, @position) ON CONFLICT DO NOTHING");
                insert.Parameters.AddWithValue("@run", runId);
                insert.Parameters.AddWithValue("@model", model);
                insert.Parameters.AddWithValue("@position", position++);
                insert.ExecuteNonQuery();
            }
            transaction.Commit();
        }
    }

    /// <summary>Adds model outputs of a run (a model at a step, recorded once).</summary>
    public void AddOutputs(string runId, IReadOnlyList<(string ModelId, long Step)> outputs)
    {
        lock (_gate)
        {
            using var connection = Open();
            using var transaction = connection.BeginTransaction();
            var position = Now() * 1000;
            foreach (var (model, step) in outputs)
            {
                using var insert = Command(connection, transaction,
                    "INSERT INTO run_model_outputs (run_id, model_id, step, position) VALUES (@run, @model, @step, @position) ON CONFLICT DO NOTHING");
                insert.Parameters.AddWithValue("@run", runId);
                insert.Parameters.AddWithValue("@model", model);
                insert.Parameters.AddWithValue("@step", step);
                insert.Parameters.AddWithValue("@position", position++);
                insert.ExecuteNonQuery();
            }
            transaction.Commit();
        }
    }

    /// <summary>The inputs and outputs of a run, in the order they were logged.</summary>
    public RunLinks GetLinks(string runId)
    {
        lock (_gate)
        {
            using var connection = Open();
            var datasets = new List<JsonObject>();
            using (var command = Command(connection, null, "SELECT body FROM run_dataset_inputs WHERE run_id = @run ORDER BY position"))
            {
                command.Parameters.AddWithValue("@run", runId);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    datasets.Add((JsonObject)JsonNode.Parse(reader.GetString(0))!);
                }
            }
            var inputs = new List<string>();
            using (var command = Command(connection, null, "SELECT model_id FROM run_model_inputs WHERE run_id = @run ORDER BY position"))
            {
                command.Parameters.AddWithValue("@run", runId);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    inputs.Add(reader.GetString(0));
                }
            }
            var outputs = new List<(string, long)>();
            using (var command = Command(connection, null, "SELECT model_id, step FROM run_model_outputs WHERE run_id = @run ORDER BY position"))
            {
                command.Parameters.AddWithValue("@run", runId);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    outputs.Add((reader.GetString(0), reader.GetInt64(1)));
                }
            }
            return datasets.Count + inputs.Count + outputs.Count == 0 ? RunLinks.None : new RunLinks(datasets, inputs, outputs);
        }
    }

    // ------------------------------------------------------------------ logged models

    public void CreateLoggedModel(string modelId, string experimentId, JsonObject body)
    {
        lock (_gate)
        {
            using var connection = Open();
            using var insert = Command(connection, null,
                "INSERT INTO logged_models (model_id, experiment_id, body, created_at, modified_at) VALUES (@id, @experiment, @body, @now, @now)");
            insert.Parameters.AddWithValue("@id", modelId);
            insert.Parameters.AddWithValue("@experiment", experimentId);
            insert.Parameters.AddWithValue("@body", body.ToJsonString());
            insert.Parameters.AddWithValue("@now", Now());
            insert.ExecuteNonQuery();
        }
    }

    public LoggedModelRow? GetLoggedModel(string modelId)
    {
        lock (_gate)
        {
            using var connection = Open();
            return Get(connection, modelId);
        }
    }

    private static LoggedModelRow? Get(SqliteConnection connection, string modelId)
    {
        using var command = Command(connection, null, "SELECT model_id, experiment_id, body, created_at, modified_at FROM logged_models WHERE model_id = @id");
        command.Parameters.AddWithValue("@id", modelId);
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    private static LoggedModelRow Read(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        (JsonObject)JsonNode.Parse(reader.GetString(2))!,
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)));

    /// <summary>Changes a logged model in place (read, <paramref name="change"/>, write, under the lock); null when there is none.</summary>
    public LoggedModelRow? UpdateLoggedModel(string modelId, Action<JsonObject> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_gate)
        {
            using var connection = Open();
            var existing = Get(connection, modelId);
            if (existing is null)
            {
                return null;
            }
            var body = (JsonObject)existing.Body.DeepClone();
            change(body);
            using (var update = Command(connection, null, "UPDATE logged_models SET body = @body, modified_at = @now WHERE model_id = @id"))
            {
                update.Parameters.AddWithValue("@id", modelId);
                update.Parameters.AddWithValue("@body", body.ToJsonString());
                update.Parameters.AddWithValue("@now", Now());
                update.ExecuteNonQuery();
            }
            return Get(connection, modelId);
        }
    }

    /// <summary>Deletes a logged model's record (its files stay in the datastore); false when there was none.</summary>
    public bool DeleteLoggedModel(string modelId)
    {
        lock (_gate)
        {
            using var connection = Open();
            using var delete = Command(connection, null, "DELETE FROM logged_models WHERE model_id = @id");
            delete.Parameters.AddWithValue("@id", modelId);
            return delete.ExecuteNonQuery() == 1;
        }
    }

    /// <summary>The logged models of the given experiments, newest first (then by id).</summary>
    public IReadOnlyList<LoggedModelRow> ListLoggedModels(IReadOnlyCollection<string> experimentIds)
    {
        lock (_gate)
        {
            using var connection = Open();
            using var command = Command(connection, null, "SELECT model_id, experiment_id, body, created_at, modified_at FROM logged_models ORDER BY created_at DESC, model_id");
            using var reader = command.ExecuteReader();
            var rows = new List<LoggedModelRow>();
            while (reader.Read())
            {
                var row = Read(reader);
                if (experimentIds.Contains(row.ExperimentId))
                {
                    rows.Add(row);
                }
            }
            return rows;
        }
    }
}
