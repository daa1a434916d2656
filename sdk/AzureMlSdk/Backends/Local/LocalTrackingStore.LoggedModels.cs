using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace AzureMlSdk.Backends.Local;

// Run inputs/outputs and MLflow 3 logged models (tables in LocalSchema.LoggedModels.cs).
internal sealed partial class LocalTrackingStore
{
    private static string StatusName(LoggedModelStatus status) => LoggedModelStatusNames.ToMlflow(status);

    private static LoggedModelStatus ParseStatus(string name) => LoggedModelStatusNames.FromMlflow(name) ?? LoggedModelStatus.Pending;

    private const int MaxLoggedModelPage = 1000;

    // ---------------------------------------------------------------- run inputs and outputs

    public Task LogInputsAsync(string runId, IReadOnlyList<RunDatasetInput> datasets, IReadOnlyList<string> modelIds, CancellationToken cancellationToken) => Run(() =>
    {
        Validate.Required(runId, nameof(runId));
        ArgumentNullException.ThrowIfNull(datasets);
        ArgumentNullException.ThrowIfNull(modelIds);
        foreach (var input in datasets)
        {
            if (input?.Dataset is not { } d || string.IsNullOrEmpty(d.Name) || string.IsNullOrEmpty(d.Digest) || string.IsNullOrEmpty(d.SourceType) || d.Source is null)
            {
                throw new InvalidInputException("A dataset input needs a dataset with a name, a digest, a source type and a source.", nameof(datasets));
            }
        }
        if (modelIds.Any(string.IsNullOrEmpty))
        {
            throw new InvalidInputException("A model input needs a model id.", nameof(modelIds));
        }
        return _database.Write((connection, transaction) =>
        {
            var run = RequireActiveRun(connection, transaction, runId);
            var position = NextPosition(connection, transaction, run.Key);
            foreach (var input in datasets)
            {
                var d = input.Dataset;
                using var insert = Command(connection, transaction, """
                    INSERT INTO run_dataset_inputs (run_key, name, digest, source_type, source, schema, profile, tags, position)
                    VALUES (@run, @name, @digest, @type, @source, @schema, @profile, @tags, @position) ON CONFLICT DO NOTHING
                    """);
                insert.Parameters.AddWithValue("@run", run.Key);
                insert.Parameters.AddWithValue("@name", d.Name);
                insert.Parameters.AddWithValue("@digest", d.Digest);
                insert.Parameters.AddWithValue("@type", d.SourceType);
                insert.Parameters.AddWithValue("@source", d.Source);
                insert.Parameters.AddWithValue("@schema", (object?)d.Schema ?? DBNull.Value);
                insert.Parameters.AddWithValue("@profile", (object?)d.Profile ?? DBNull.Value);
                insert.Parameters.AddWithValue("@tags", JsonSerializer.Serialize(input.Tags?.Select(t => new[] { t.Key, t.Value }).ToArray() ?? [], LocalJsonContext.Default.StringArrayArray));
                insert.Parameters.AddWithValue("@position", position++);
                insert.ExecuteNonQuery();
            }
            foreach (var model in modelIds)
            {
                using var insert = Command(connection, transaction,
                    "INSERT INTO run_model_inputs (run_key, model_id, position) VALUES (@run, @model, @position) ON CONFLICT DO NOTHING");
                insert.Parameters.AddWithValue("@run", run.Key);
                insert.Parameters.AddWithValue("@model", model);
                insert.Parameters.AddWithValue("@position", position++);
                insert.ExecuteNonQuery();
            }
            return 0;
        }, cancellationToken);
    });

    public Task LogOutputsAsync(string runId, IReadOnlyList<RunModelOutput> outputs, CancellationToken cancellationToken) => Run(() =>
    {
        Validate.Required(runId, nameof(runId));
        ArgumentNullException.ThrowIfNull(outputs);
        if (outputs.Any(o => o is null || string.IsNullOrEmpty(o.ModelId)))
        {
            throw new InvalidInputException("A model output needs a model id.", nameof(outputs));
        }
        return _database.Write((connection, transaction) =>
        {
            var run = RequireActiveRun(connection, transaction, runId);
            var position = NextPosition(connection, transaction, run.Key);
            foreach (var output in outputs)
            {
                using var insert = Command(connection, transaction,
                    "INSERT INTO run_model_outputs (run_key, model_id, step, position) VALUES (@run, @model, @step, @position) ON CONFLICT DO NOTHING");
                insert.Parameters.AddWithValue("@run", run.Key);
                insert.Parameters.AddWithValue("@model", output.ModelId);
                insert.Parameters.AddWithValue("@step", output.Step);
                insert.Parameters.AddWithValue("@position", position++);
                insert.ExecuteNonQuery();
            }
            return 0;
        }, cancellationToken);
    });

    public Task<RunInputsOutputs> GetRunInputsOutputsAsync(string runId, CancellationToken cancellationToken) => Run(() =>
    {
        Validate.Required(runId, nameof(runId));
        return _database.Read(connection =>
        {
            var run = FindRun(connection, null, runId) ?? throw RunNotFound(runId);
            var datasets = new List<RunDatasetInput>();
            using (var command = Command(connection, null,
                "SELECT name, digest, source_type, source, schema, profile, tags FROM run_dataset_inputs WHERE run_key = @run ORDER BY position"))
            {
                command.Parameters.AddWithValue("@run", run.Key);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    var tags = JsonSerializer.Deserialize(reader.GetString(6), LocalJsonContext.Default.StringArrayArray) ?? [];
                    datasets.Add(new RunDatasetInput(
                        new DatasetData(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                            reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5)),
                        tags.Select(t => new KeyValuePair<string, string>(t[0], t[1])).ToList()));
                }
            }
            var inputs = new List<string>();
            using (var command = Command(connection, null, "SELECT model_id FROM run_model_inputs WHERE run_key = @run ORDER BY position"))
            {
                command.Parameters.AddWithValue("@run", run.Key);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    inputs.Add(reader.GetString(0));
                }
            }
            var outputs = new List<RunModelOutput>();
            using (var command = Command(connection, null, "SELECT model_id, step FROM run_model_outputs WHERE run_key = @run ORDER BY position"))
            {
                command.Parameters.AddWithValue("@run", run.Key);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    outputs.Add(new RunModelOutput(reader.GetString(0), reader.GetInt64(1)));
                }
            }
            return datasets.Count + inputs.Count + outputs.Count == 0 ? RunInputsOutputs.None : new RunInputsOutputs(datasets, inputs, outputs);
        }, cancellationToken);
    });

    /// <summary>The next position of a run's inputs/outputs (one sequence over the three tables, so they interleave in logging order).</summary>
    private static long NextPosition(SqliteConnection connection, SqliteTransaction transaction, long runKey)
    {
        using var command = Command(connection, transaction, """
            SELECT MAX(p) FROM (
                SELECT MAX(position) AS p FROM run_dataset_inputs WHERE run_key = @run
                UNION ALL SELECT MAX(position) FROM run_model_inputs WHERE run_key = @run
                UNION ALL SELECT MAX(position) FROM run_model_outputs WHERE run_key = @run)
            """);
        command.Parameters.AddWithValue("@run", runKey);
        return command.ExecuteScalar() is long last ? last + 1 : 0;
    }

    // ---------------------------------------------------------------- logged models

    public Task<LoggedModelData> CreateLoggedModelAsync(NewLoggedModel model, CancellationToken cancellationToken) => Run(() =>
    {
        ArgumentNullException.ThrowIfNull(model);
        var experimentId = ParseExperimentId(model.ExperimentId);
        var tags = ValidateTags(model.Tags);
        var parameters = ValidateLoggedModelParams(model.Params);
        var modelId = model.ModelId ?? "m-" + Guid.NewGuid().ToString("N");
        if (modelId.Length is 0 or > TrackingLimits.MaxNameLength || modelId.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_'))
        {
            throw new InvalidInputException($"Logged model id '{Validate.Shorten(modelId)}' is invalid: use letters, digits, '-' and '_'.", "modelId");
        }
        // As MLflow: a model without a name gets a generated one.
        var name = string.IsNullOrEmpty(model.Name) ? "model-" + modelId[Math.Min(2, modelId.Length)..Math.Min(10, modelId.Length)] : model.Name;
        if (name.Length > TrackingLimits.MaxNameLength)
        {
            throw new InvalidInputException($"Logged model name is longer than {TrackingLimits.MaxNameLength} characters.", "name");
        }
        var now = NowMs();
        _database.Write((connection, transaction) =>
        {
            RequireActiveExperiment(connection, transaction, experimentId, model.ExperimentId, "given models");
            if (!string.IsNullOrEmpty(model.SourceRunId) && FindRun(connection, transaction, model.SourceRunId) is null)
            {
                throw RunNotFound(model.SourceRunId);
            }
            using (var exists = Command(connection, transaction, "SELECT 1 FROM logged_models WHERE model_id = @id"))
            {
                exists.Parameters.AddWithValue("@id", modelId);
                if (exists.ExecuteScalar() is not null)
                {
                    throw new ResourceExistsException($"Logged model with ID '{modelId}' already exists.");
                }
            }
            using (var insert = Command(connection, transaction, """
                INSERT INTO logged_models (model_id, experiment_id, name, status, model_type, source_run_id, creation_time, last_update_time)
                VALUES (@id, @experiment, @name, @status, @type, @run, @now, @now)
                """))
            {
                insert.Parameters.AddWithValue("@id", modelId);
                insert.Parameters.AddWithValue("@experiment", experimentId);
                insert.Parameters.AddWithValue("@name", name);
                insert.Parameters.AddWithValue("@status", StatusName(LoggedModelStatus.Pending));
                insert.Parameters.AddWithValue("@type", string.IsNullOrEmpty(model.ModelType) ? DBNull.Value : model.ModelType);
                insert.Parameters.AddWithValue("@run", string.IsNullOrEmpty(model.SourceRunId) ? DBNull.Value : model.SourceRunId);
                insert.Parameters.AddWithValue("@now", now);
                insert.ExecuteNonQuery();
            }
            UpsertLoggedModelPairs(connection, transaction, "logged_model_tags", modelId, tags);
            UpsertLoggedModelPairs(connection, transaction, "logged_model_params", modelId, parameters);
            return 0;
        }, cancellationToken);
        return _database.Read(connection => LoadLoggedModels(connection, "m.model_id = @id", c => c.Parameters.AddWithValue("@id", modelId)).Single(), cancellationToken);
    });

    public Task<LoggedModelData> GetLoggedModelAsync(string modelId, CancellationToken cancellationToken) => Run(() =>
    {
        Validate.Required(modelId, nameof(modelId));
        return _database.Read(connection => LoadLoggedModel(connection, modelId), cancellationToken);
    });

    public Task<LoggedModelData> FinalizeLoggedModelAsync(string modelId, LoggedModelStatus status, CancellationToken cancellationToken) => Run(() =>
    {
        Validate.Required(modelId, nameof(modelId));
        var name = StatusName(status);
        ChangeLoggedModel(modelId, (connection, transaction) =>
        {
            using var update = Command(connection, transaction, "UPDATE logged_models SET status = @status WHERE model_id = @id");
            update.Parameters.AddWithValue("@status", name);
            update.Parameters.AddWithValue("@id", modelId);
            update.ExecuteNonQuery();
        }, cancellationToken);
        return _database.Read(connection => LoadLoggedModel(connection, modelId), cancellationToken);
    });

    public Task DeleteLoggedModelAsync(string modelId, CancellationToken cancellationToken) => Run(() =>
    {
        Validate.Required(modelId, nameof(modelId));
        return _database.Write((connection, transaction) =>
        {
            using var delete = Command(connection, transaction, """
                DELETE FROM logged_model_tags WHERE model_id = @id;
                DELETE FROM logged_model_params WHERE model_id = @id;
                DELETE FROM logged_models WHERE model_id = @id;
                SELECT changes();
                """);
            delete.Parameters.AddWithValue("@id", modelId);
            if (delete.ExecuteScalar() is not long changed || changed == 0)
            {
                throw LoggedModelNotFound(modelId);
            }
            return 0;
        }, cancellationToken);
    });

    public Task SetLoggedModelTagsAsync(string modelId, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) => Run(() =>
    {
        Validate.Required(modelId, nameof(modelId));
        var list = ValidateTags(tags);
        return ChangeLoggedModel(modelId, (connection, transaction) => UpsertLoggedModelPairs(connection, transaction, "logged_model_tags", modelId, list), cancellationToken);
    });

    public Task DeleteLoggedModelTagAsync(string modelId, string key, CancellationToken cancellationToken) => Run(() =>
    {
        Validate.Required(modelId, nameof(modelId));
        Validate.Key(key, "tag");
        return ChangeLoggedModel(modelId, (connection, transaction) =>
        {
            using var delete = Command(connection, transaction, "DELETE FROM logged_model_tags WHERE model_id = @id AND key = @key");
            delete.Parameters.AddWithValue("@id", modelId);
            delete.Parameters.AddWithValue("@key", key);
            if (delete.ExecuteNonQuery() == 0)
            {
                throw new ResourceNotFoundException($"No tag with key: {key} in logged model with ID {modelId}.");
            }
        }, cancellationToken);
    });

    public Task LogLoggedModelParamsAsync(string modelId, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken) => Run(() =>
    {
        Validate.Required(modelId, nameof(modelId));
        var list = ValidateLoggedModelParams(parameters);
        return ChangeLoggedModel(modelId, (connection, transaction) => UpsertLoggedModelPairs(connection, transaction, "logged_model_params", modelId, list), cancellationToken);
    });

    public Task<ResultPage<LoggedModelData>> SearchLoggedModelsAsync(LoggedModelQuery query, CancellationToken cancellationToken) => Run(() =>
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.ExperimentIds is not { Count: > 0 })
        {
            throw new InvalidInputException("A logged-model search needs at least one experiment id.", "experimentIds");
        }
        if (query.MaxResults is < 1 or > MaxLoggedModelPage)
        {
            throw new InvalidInputException($"MaxResults {query.MaxResults} is out of range: use 1 to {MaxLoggedModelPage}.", "maxResults");
        }
        var experimentIds = query.ExperimentIds.Select(ParseExperimentId).ToHashSet();
        var matches = LoggedModelFilter(query.Filter);
        var orderBy = query.OrderBy ?? [];
        var keys = orderBy.Select(o => (Key: LoggedModelOrderKey(o.Field), o.Ascending)).ToList();
        var offset = query.PageToken is null ? 0 : PageToken.Decode(query.PageToken, "logged-models");
        var all = _database.Read(connection => LoadLoggedModels(connection,
            $"m.experiment_id IN ({string.Join(", ", experimentIds.Select(id => id.ToString(CultureInfo.InvariantCulture)))})", _ => { }), cancellationToken);
        IEnumerable<LoggedModelData> models = all.Where(matches);
        IOrderedEnumerable<LoggedModelData>? ordered = null;
        foreach (var (key, ascending) in keys)
        {
            ordered = ordered is null
                ? (ascending ? models.OrderBy(key) : models.OrderByDescending(key))
                : (ascending ? ordered.ThenBy(key) : ordered.ThenByDescending(key));
        }
        ordered ??= models.OrderByDescending(m => m.CreationTime);
        var sorted = ordered.ThenBy(m => m.ModelId, StringComparer.Ordinal).ToList();
        var page = sorted.Skip((int)Math.Min(offset, int.MaxValue)).Take(query.MaxResults).ToList();
        var next = offset + page.Count < sorted.Count ? PageToken.Encode("logged-models", offset + page.Count) : null;
        return new ResultPage<LoggedModelData>(page, next);
    });

    private static Func<LoggedModelData, IComparable> LoggedModelOrderKey(string field) => field switch
    {
        "creation_timestamp" or "creation_time" => m => m.CreationTime,
        "last_updated_timestamp" => m => m.LastUpdateTime,
        "name" => m => m.Name,
        "model_id" => m => m.ModelId,
        _ => throw new InvalidInputException($"Invalid order by field '{field}': logged models are ordered by creation_timestamp, last_updated_timestamp, name or model_id.", "orderBy"),
    };

    [GeneratedRegex(@"\s+AND\s+", RegexOptions.IgnoreCase, 1000)]
    private static partial Regex AndRegex();

    [GeneratedRegex(@"^(?<key>[\w.`""-]+)\s*(?<op>!=|=)\s*(?<quote>['""])(?<value>.*)\k<quote>$", RegexOptions.None, 1000)]
    private static partial Regex ClauseRegex();

    private static Func<LoggedModelData, bool> LoggedModelFilter(string? filter)
    {
        if (string.IsNullOrWhiteSpace(filter))
        {
            return _ => true;
        }
        var clauses = new List<Func<LoggedModelData, bool>>();
        foreach (var part in AndRegex().Split(filter))
        {
            var match = ClauseRegex().Match(part.Trim());
            if (!match.Success)
            {
                throw new InvalidInputException($"Invalid filter '{filter}': use clauses <field> = '<value>' or != joined by AND, over name, model_id, model_type, status, source_run_id, tags.<key> and params.<key>.", "filter");
            }
            var key = match.Groups["key"].Value.Replace("`", string.Empty, StringComparison.Ordinal).Replace("\"", string.Empty, StringComparison.Ordinal);
            var equal = match.Groups["op"].Value == "=";
            var value = match.Groups["value"].Value;
            Func<LoggedModelData, string?> field = key switch
            {
                "name" => m => m.Name,
                "model_type" => m => m.ModelType,
                "status" => m => StatusName(m.Status),
                "source_run_id" => m => m.SourceRunId,
                "model_id" => m => m.ModelId,
                _ when key.StartsWith("tags.", StringComparison.Ordinal) => m => m.Tags.GetValueOrDefault(key["tags.".Length..]),
                _ when key.StartsWith("params.", StringComparison.Ordinal) => m => m.Params.GetValueOrDefault(key["params.".Length..]),
                _ => throw new InvalidInputException($"Invalid filter '{filter}': '{key}' is not a field logged models are filtered by.", "filter"),
            };
            clauses.Add(m => field(m) is { } actual && (actual == value) == equal);
        }
        return m => clauses.All(c => c(m));
    }

    private static List<KeyValuePair<string, string>> ValidateLoggedModelParams(IReadOnlyDictionary<string, string>? parameters)
    {
        var list = new List<KeyValuePair<string, string>>();
        foreach (var (key, value) in parameters ?? new Dictionary<string, string>())
        {
            Validate.Key(key, "param");
            if (value is null || value.Length > TrackingLimits.MaxParamValueLength)
            {
                throw new InvalidInputException($"Param '{key}' needs a value of at most {TrackingLimits.MaxParamValueLength} characters.", "params");
            }
            list.Add(new(key, value));
        }
        return list;
    }

    /// <summary>Runs <paramref name="change"/> on an existing logged model in one transaction and stamps its update time.</summary>
    private int ChangeLoggedModel(string modelId, Action<SqliteConnection, SqliteTransaction> change, CancellationToken cancellationToken) =>
        _database.Write((connection, transaction) =>
        {
            using (var touch = Command(connection, transaction, "UPDATE logged_models SET last_update_time = @now WHERE model_id = @id"))
            {
                touch.Parameters.AddWithValue("@now", NowMs());
                touch.Parameters.AddWithValue("@id", modelId);
                if (touch.ExecuteNonQuery() == 0)
                {
                    throw LoggedModelNotFound(modelId);
                }
            }
            change(connection, transaction);
            return 0;
        }, cancellationToken);

    private static void UpsertLoggedModelPairs(SqliteConnection connection, SqliteTransaction transaction, string table, string modelId, List<KeyValuePair<string, string>> pairs)
    {
        foreach (var (key, value) in pairs)
        {
            using var upsert = Command(connection, transaction,
                $"INSERT INTO {table} (model_id, key, value) VALUES (@id, @key, @value) ON CONFLICT (model_id, key) DO UPDATE SET value = excluded.value");
            upsert.Parameters.AddWithValue("@id", modelId);
            upsert.Parameters.AddWithValue("@key", key);
            upsert.Parameters.AddWithValue("@value", value);
            upsert.ExecuteNonQuery();
        }
    }

    private static ResourceNotFoundException LoggedModelNotFound(string modelId) => new($"Logged model with ID '{modelId}' not found.");

    private LoggedModelData LoadLoggedModel(SqliteConnection connection, string modelId) =>
        LoadLoggedModels(connection, "m.model_id = @id", c => c.Parameters.AddWithValue("@id", modelId)).SingleOrDefault() ?? throw LoggedModelNotFound(modelId);

    private List<LoggedModelData> LoadLoggedModels(SqliteConnection connection, string where, Action<SqliteCommand> bind)
    {
        var tags = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        var parameters = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var (table, target) in new[] { ("logged_model_tags", tags), ("logged_model_params", parameters) })
        {
            using var command = Command(connection, null, $"SELECT p.model_id, p.key, p.value FROM {table} p JOIN logged_models m ON m.model_id = p.model_id WHERE {where}");
            bind(command);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var id = reader.GetString(0);
                if (!target.TryGetValue(id, out var bag))
                {
                    target[id] = bag = new Dictionary<string, string>(StringComparer.Ordinal);
                }
                bag[reader.GetString(1)] = reader.GetString(2);
            }
        }
        var models = new List<LoggedModelData>();
        using (var command = Command(connection, null,
            $"SELECT m.model_id, m.experiment_id, m.name, m.status, m.model_type, m.source_run_id, m.creation_time, m.last_update_time FROM logged_models m WHERE {where}"))
        {
            bind(command);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var id = reader.GetString(0);
                models.Add(new LoggedModelData(
                    id,
                    reader.GetInt64(1).ToString(CultureInfo.InvariantCulture),
                    reader.GetString(2),
                    ParseStatus(reader.GetString(3)),
                    reader.IsDBNull(4) ? null : reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5),
                    tags.GetValueOrDefault(id) ?? new Dictionary<string, string>(StringComparer.Ordinal),
                    parameters.GetValueOrDefault(id) ?? new Dictionary<string, string>(StringComparer.Ordinal),
                    FromMs(reader.GetInt64(6)),
                    FromMs(reader.GetInt64(7)),
                    new Uri(Path.Combine(_artifactRoot, "logged_models", id, "artifacts")).AbsoluteUri));
            }
        }
        return models;
    }
}

/// <summary>JSON the local store keeps in text columns (dataset input tags as [key, value] pairs, in order).</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(string[][]))]
internal sealed partial class LocalJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
