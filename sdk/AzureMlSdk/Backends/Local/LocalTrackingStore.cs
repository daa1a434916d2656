using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace AzureMlSdk.Backends.Local;

/// <summary>
/// MLflow-semantics tracking over the local SQLite file (after MLflow's <c>SqlAlchemyStore</c>).
/// Every method validates first and then changes the database in one IMMEDIATE transaction, so a
/// rejected call leaves nothing behind. The work is synchronous (SQLite is in-process); the tasks
/// returned are completed ones.
/// </summary>
internal sealed partial class LocalTrackingStore : ITrackingStore
{
    internal const string RunNameTag = "mlflow.runName";
    internal const string ParentRunIdTag = "mlflow.parentRunId";

    private readonly LocalDatabase _database;
    private readonly TimeProvider _time;
    private readonly string _artifactRoot;
    private readonly string _artifactRootUri;

    public LocalTrackingStore(LocalDatabase database, string root, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        ArgumentNullException.ThrowIfNull(time);
        _database = database;
        _time = time;
        _artifactRoot = Path.Combine(Path.GetFullPath(root), "artifacts");
        _artifactRootUri = new Uri(_artifactRoot).AbsoluteUri;
    }

    // ---------------------------------------------------------------- experiments

    public Task<ExperimentData> CreateExperimentAsync(string name, IReadOnlyDictionary<string, string>? tags, CancellationToken cancellationToken) => Run(() =>
    {
        Validate.ExperimentName(name);
        var tagList = ValidateTags(tags);
        var now = NowMs();
        var id = _database.Write((connection, transaction) =>
        {
            using (var exists = Command(connection, transaction, "SELECT is_deleted FROM experiments WHERE name = @name"))
            {
                exists.Parameters.AddWithValue("@name", name);
                if (exists.ExecuteScalar() is long deleted)
                {
                    throw ExperimentNameTaken(name, deleted != 0);
                }
            }
            long experimentId;
            using (var insert = Command(connection, transaction,
                "INSERT INTO experiments (name, is_deleted, creation_time, last_update_time) VALUES (@name, 0, @now, @now) RETURNING experiment_id"))
            {
                insert.Parameters.AddWithValue("@name", name);
                insert.Parameters.AddWithValue("@now", now);
                try
                {
                    experimentId = (long)insert.ExecuteScalar()!;
                }
                catch (SqliteException ex) when (ex.SqliteErrorCode == 19 /* SQLITE_CONSTRAINT */)
                {
                    throw ExperimentNameTaken(name, deleted: false);
                }
            }
            UpsertExperimentTags(connection, transaction, experimentId, tagList);
            return experimentId;
        }, cancellationToken);
        return _database.Read(connection => LoadExperiment(connection, id)!, cancellationToken);
    });

    public Task<ExperimentData> GetExperimentAsync(string experimentId, CancellationToken cancellationToken) => Run(() =>
    {
        var id = ParseExperimentId(experimentId);
        return _database.Read(connection => LoadExperiment(connection, id), cancellationToken) ?? throw ExperimentNotFound(experimentId);
    });

    public Task<ExperimentData?> GetExperimentByNameAsync(string name, CancellationToken cancellationToken) => Run(() =>
    {
        Validate.Required(name, nameof(name));
        return _database.Read(connection =>
        {
            using var command = Command(connection, null, "SELECT experiment_id FROM experiments WHERE name = @name");
            command.Parameters.AddWithValue("@name", name);
            return command.ExecuteScalar() is long id ? LoadExperiment(connection, id) : null;
        }, cancellationToken);
    });

    public Task<ResultPage<ExperimentData>> SearchExperimentsAsync(ExperimentQuery query, CancellationToken cancellationToken) => Run(() =>
    {
        ArgumentNullException.ThrowIfNull(query);
        ValidateMaxResults(query.MaxResults);
        // Ids start at 0 (MLflow's Default experiment, when a server created it), so the first page starts below that.
        var after = query.PageToken is null ? -1L : PageToken.Decode(query.PageToken, "experiments");
        var view = ViewCondition(query.ViewType, "is_deleted");
        return _database.Read(connection =>
        {
            var ids = new List<long>();
            using (var command = Command(connection, null,
                $"SELECT experiment_id FROM experiments WHERE experiment_id > @after AND {view} ORDER BY experiment_id LIMIT @limit"))
            {
                command.Parameters.AddWithValue("@after", after);
                command.Parameters.AddWithValue("@limit", query.MaxResults + 1);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    ids.Add(reader.GetInt64(0));
                }
            }
            string? next = null;
            if (ids.Count > query.MaxResults)
            {
                ids.RemoveAt(ids.Count - 1);
                next = PageToken.Encode("experiments", ids[^1]);
            }
            var items = ids.Select(id => LoadExperiment(connection, id)!).ToList();
            return new ResultPage<ExperimentData>(items, next);
        }, cancellationToken);
    });

    public Task RenameExperimentAsync(string experimentId, string newName, CancellationToken cancellationToken) => Run(() =>
    {
        var id = ParseExperimentId(experimentId);
        Validate.ExperimentName(newName, nameof(newName));
        return _database.Write((connection, transaction) =>
        {
            RequireActiveExperiment(connection, transaction, id, experimentId, "renamed");
            using (var taken = Command(connection, transaction, "SELECT experiment_id, is_deleted FROM experiments WHERE name = @name"))
            {
                taken.Parameters.AddWithValue("@name", newName);
                using var reader = taken.ExecuteReader();
                if (reader.Read())
                {
                    if (reader.GetInt64(0) == id)
                    {
                        return 0; // Renaming to its own name changes nothing.
                    }
                    throw ExperimentNameTaken(newName, reader.GetInt64(1) != 0);
                }
            }
            using var update = Command(connection, transaction, "UPDATE experiments SET name = @name, last_update_time = @now WHERE experiment_id = @id");
            update.Parameters.AddWithValue("@name", newName);
            update.Parameters.AddWithValue("@now", NowMs());
            update.Parameters.AddWithValue("@id", id);
            return update.ExecuteNonQuery();
        }, cancellationToken);
    });

    public Task SetExperimentTagAsync(string experimentId, string key, string value, CancellationToken cancellationToken) => Run(() =>
    {
        var id = ParseExperimentId(experimentId);
        Validate.Key(key, "tag");
        Validate.TagValue(key, value);
        return _database.Write((connection, transaction) =>
        {
            RequireActiveExperiment(connection, transaction, id, experimentId, "tagged");
            UpsertExperimentTags(connection, transaction, id, [new(key, value)]);
            return Touch(connection, transaction, id);
        }, cancellationToken);
    });

    /// <summary>MLflow's default experiment: id 0, named <c>Default</c>.</summary>
    internal const string DefaultExperimentName = "Default";

    /// <summary>
    /// Creates MLflow's default experiment (id <c>0</c>, <c>Default</c>) unless it exists, as an MLflow server does when it
    /// opens its store, so a client that names no experiment logs into "0". AUTOINCREMENT ids start at 1, so 0 is never
    /// handed out otherwise; if the name is taken by another experiment nothing is created. Returns whether it exists.
    /// </summary>
    internal bool EnsureDefaultExperiment()
    {
        var now = NowMs();
        return _database.Write((connection, transaction) =>
        {
            using (var insert = Command(connection, transaction, """
                INSERT INTO experiments (experiment_id, name, is_deleted, creation_time, last_update_time)
                SELECT 0, @name, 0, @now, @now
                WHERE NOT EXISTS (SELECT 1 FROM experiments WHERE experiment_id = 0 OR name = @name)
                """))
            {
                insert.Parameters.AddWithValue("@name", DefaultExperimentName);
                insert.Parameters.AddWithValue("@now", now);
                insert.ExecuteNonQuery();
            }
            return ExperimentState(connection, transaction, 0) is not null;
        });
    }

    public Task<ExperimentData?> EnsureDefaultExperimentAsync(CancellationToken cancellationToken) => Run<ExperimentData?>(() =>
        EnsureDefaultExperiment() ? _database.Read(connection => LoadExperiment(connection, 0), cancellationToken) : null);

    /// <summary>
    /// Deletes an experiment tag (MLflow's <c>DeleteExperimentTag</c>): the experiment must be active; a tag that is not set is
    /// <see cref="ResourceNotFoundException"/>.
    /// </summary>
    public Task DeleteExperimentTagAsync(string experimentId, string key, CancellationToken cancellationToken) => Run(() =>
    {
        var id = ParseExperimentId(experimentId);
        Validate.Key(key, "tag");
        return _database.Write((connection, transaction) =>
        {
            RequireActiveExperiment(connection, transaction, id, experimentId, "changed");
            using var command = Command(connection, transaction, "DELETE FROM experiment_tags WHERE experiment_id = @id AND key = @key");
            command.Parameters.AddWithValue("@id", id);
            command.Parameters.AddWithValue("@key", key);
            if (command.ExecuteNonQuery() == 0)
            {
                throw new ResourceNotFoundException($"No tag with name: {key} in experiment with id {experimentId}");
            }
            return Touch(connection, transaction, id);
        }, cancellationToken);
    });

    public Task DeleteExperimentAsync(string experimentId, CancellationToken cancellationToken) => Run(() =>
    {
        var id = ParseExperimentId(experimentId);
        return _database.Write((connection, transaction) =>
        {
            // As MLflow: deleting an experiment that is already deleted finds no (active) experiment.
            if (ExperimentState(connection, transaction, id) is not false)
            {
                throw new ResourceNotFoundException($"No active experiment with id '{experimentId}' exists.");
            }
            // Its runs keep their own deleted flag: they count as deleted while the experiment is, and a
            // restore brings back exactly the runs that were active before.
            return SetExperimentDeleted(connection, transaction, id, deleted: true);
        }, cancellationToken);
    });

    public Task RestoreExperimentAsync(string experimentId, CancellationToken cancellationToken) => Run(() =>
    {
        var id = ParseExperimentId(experimentId);
        return _database.Write((connection, transaction) =>
        {
            switch (ExperimentState(connection, transaction, id))
            {
                case null:
                    throw ExperimentNotFound(experimentId);
                case false:
                    throw new InvalidStateException($"Experiment '{experimentId}' is active; only a deleted experiment can be restored.");
            }
            return SetExperimentDeleted(connection, transaction, id, deleted: false);
        }, cancellationToken);
    });

    // ---------------------------------------------------------------- runs

    public Task<RunData> CreateRunAsync(NewRun run, CancellationToken cancellationToken) => CreateRunAsync(run, null, cancellationToken);

    /// <summary>Creates a run with a chosen id (a job's run: run id = job name); a new GUID when <paramref name="runId"/> is null.</summary>
    internal Task<RunData> CreateRunAsync(NewRun run, string? runId, CancellationToken cancellationToken) => Run(() =>
    {
        ArgumentNullException.ThrowIfNull(run);
        var experimentId = ParseExperimentId(run.ExperimentId);
        if (!Enum.IsDefined(run.Status))
        {
            throw new InvalidInputException($"Run status {(int)run.Status} is not defined.", nameof(run.Status));
        }
        var tags = ValidateTags(run.Tags).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
        var name = run.DisplayName;
        if (name is not null && tags.TryGetValue(RunNameTag, out var tagName) && tagName != name)
        {
            throw new InvalidInputException($"The run name '{name}' and the tag {RunNameTag} '{tagName}' differ; give one of them, or the same value in both.", nameof(run.DisplayName));
        }
        name ??= tags.GetValueOrDefault(RunNameTag) ?? RunNames.Generate(Random.Shared);
        ValidateRunName(name);
        var parentRunId = run.ParentRunId ?? tags.GetValueOrDefault(ParentRunIdTag);
        if (parentRunId is not null)
        {
            Validate.Required(parentRunId, nameof(run.ParentRunId));
        }
        tags[RunNameTag] = name;
        if (parentRunId is not null)
        {
            tags[ParentRunIdTag] = parentRunId;
        }
        runId ??= Guid.NewGuid().ToString("N");
        var runKey = _database.Write((connection, transaction) =>
        {
            switch (ExperimentState(connection, transaction, experimentId))
            {
                case null:
                    throw ExperimentNotFound(run.ExperimentId);
                case true:
                    throw new InvalidStateException($"Experiment '{run.ExperimentId}' is deleted; restore it before creating runs in it.");
            }
            if (parentRunId is not null)
            {
                using var parent = Command(connection, transaction, "SELECT experiment_id FROM runs WHERE run_id = @id");
                parent.Parameters.AddWithValue("@id", parentRunId);
                var parentExperiment = parent.ExecuteScalar() as long?
                    ?? throw new ResourceNotFoundException($"Parent run '{parentRunId}' does not exist.");
                if (parentExperiment != experimentId)
                {
                    throw new InvalidInputException($"Parent run '{parentRunId}' belongs to experiment '{parentExperiment}', not to experiment '{run.ExperimentId}'; a child run must be in its parent's experiment.", nameof(run.ParentRunId));
                }
            }
            long key;
            using (var insert = Command(connection, transaction, """
                INSERT INTO runs (run_id, experiment_id, name, status, start_time, end_time, parent_run_id, is_deleted)
                VALUES (@id, @experiment, @name, @status, @start, NULL, @parent, 0) RETURNING run_key
                """))
            {
                insert.Parameters.AddWithValue("@id", runId);
                insert.Parameters.AddWithValue("@experiment", experimentId);
                insert.Parameters.AddWithValue("@name", name);
                insert.Parameters.AddWithValue("@status", run.Status.ToString());
                insert.Parameters.AddWithValue("@start", run.StartTime.ToUnixTimeMilliseconds());
                insert.Parameters.AddWithValue("@parent", (object?)parentRunId ?? DBNull.Value);
                key = (long)insert.ExecuteScalar()!;
            }
            UpsertRunTags(connection, transaction, key, tags);
            return key;
        }, cancellationToken);
        return _database.Read(connection => LoadRuns(connection, [runKey])[0], cancellationToken);
    });

    public Task<RunData> GetRunAsync(string runId, CancellationToken cancellationToken) => Run(() =>
    {
        Validate.Required(runId, nameof(runId));
        return _database.Read(connection =>
        {
            var row = FindRun(connection, null, runId) ?? throw RunNotFound(runId);
            return LoadRuns(connection, [row.Key])[0];
        }, cancellationToken);
    });

    public Task<RunData> UpdateRunAsync(string runId, RunUpdate update, CancellationToken cancellationToken) => Run(() =>
    {
        Validate.Required(runId, nameof(runId));
        ArgumentNullException.ThrowIfNull(update);
        if (update.Status is { } status && !Enum.IsDefined(status))
        {
            throw new InvalidInputException($"Run status {(int)status} is not defined.", nameof(update.Status));
        }
        if (update.DisplayName is not null)
        {
            ValidateRunName(update.DisplayName);
        }
        var key = _database.Write((connection, transaction) =>
        {
            var row = RequireActiveRun(connection, transaction, runId);
            using var command = Command(connection, transaction, """
                UPDATE runs SET status = COALESCE(@status, status), end_time = COALESCE(@end, end_time), name = COALESCE(@name, name)
                WHERE run_key = @key
                """);
            command.Parameters.AddWithValue("@status", (object?)update.Status?.ToString() ?? DBNull.Value);
            command.Parameters.AddWithValue("@end", (object?)update.EndTime?.ToUnixTimeMilliseconds() ?? DBNull.Value);
            command.Parameters.AddWithValue("@name", (object?)update.DisplayName ?? DBNull.Value);
            command.Parameters.AddWithValue("@key", row.Key);
            command.ExecuteNonQuery();
            if (update.DisplayName is not null)
            {
                UpsertRunTags(connection, transaction, row.Key, [new(RunNameTag, update.DisplayName)]);
            }
            return row.Key;
        }, cancellationToken);
        return _database.Read(connection => LoadRuns(connection, [key])[0], cancellationToken);
    });

    public Task DeleteRunAsync(string runId, CancellationToken cancellationToken) => SetRunDeleted(runId, deleted: true, cancellationToken);

    public Task RestoreRunAsync(string runId, CancellationToken cancellationToken) => SetRunDeleted(runId, deleted: false, cancellationToken);

    public Task DeleteTagAsync(string runId, string key, CancellationToken cancellationToken) => Run(() =>
    {
        Validate.Required(runId, nameof(runId));
        Validate.Key(key, "tag");
        return _database.Write((connection, transaction) =>
        {
            var row = RequireActiveRun(connection, transaction, runId);
            using var command = Command(connection, transaction, "DELETE FROM run_tags WHERE run_key = @key AND key = @tag");
            command.Parameters.AddWithValue("@key", row.Key);
            command.Parameters.AddWithValue("@tag", key);
            if (command.ExecuteNonQuery() == 0)
            {
                throw new ResourceNotFoundException($"Run '{runId}' has no tag '{key}'.");
            }
            return 0;
        }, cancellationToken);
    });

    public Task<IReadOnlyList<MetricPoint>> GetMetricHistoryAsync(string runId, string key, CancellationToken cancellationToken) => Run<IReadOnlyList<MetricPoint>>(() =>
    {
        Validate.Required(runId, nameof(runId));
        Validate.Required(key, nameof(key));
        return _database.Read(connection =>
        {
            var row = FindRun(connection, null, runId) ?? throw RunNotFound(runId);
            using var command = Command(connection, null,
                "SELECT step, timestamp, value, is_nan FROM metrics WHERE run_key = @key AND key = @metric ORDER BY step, timestamp, value");
            command.Parameters.AddWithValue("@key", row.Key);
            command.Parameters.AddWithValue("@metric", key);
            using var reader = command.ExecuteReader();
            var points = new List<MetricPoint>();
            while (reader.Read())
            {
                points.Add(new MetricPoint(key, ReadValue(reader, 2, 3), reader.GetInt64(0), FromMs(reader.GetInt64(1))));
            }
            return points;
        }, cancellationToken);
    });

    // ---------------------------------------------------------------- log batch

    public Task LogBatchAsync(string runId, LogBatch batch, CancellationToken cancellationToken) => Run(() =>
    {
        Validate.Required(runId, nameof(runId));
        ArgumentNullException.ThrowIfNull(batch);
        var (metrics, parameters, tags) = ValidateBatch(batch);
        return _database.Write((connection, transaction) =>
        {
            var run = RequireActiveRun(connection, transaction, runId);
            if (parameters.Count > 0)
            {
                WriteParams(connection, transaction, run, runId, parameters);
            }
            if (tags.Count > 0)
            {
                UpsertRunTags(connection, transaction, run.Key, tags);
                if (tags.LastOrDefault(t => t.Key == RunNameTag) is { Key: not null } nameTag)
                {
                    // As MLflow: the run name and its mlflow.runName tag are one value.
                    using var rename = Command(connection, transaction, "UPDATE runs SET name = @name WHERE run_key = @key");
                    rename.Parameters.AddWithValue("@name", nameTag.Value);
                    rename.Parameters.AddWithValue("@key", run.Key);
                    rename.ExecuteNonQuery();
                }
            }
            if (metrics.Count > 0)
            {
                WriteMetrics(connection, transaction, run.Key, metrics);
            }
            return 0;
        }, cancellationToken);
    });

    private static (IReadOnlyList<MetricPoint> Metrics, List<KeyValuePair<string, string>> Params, List<KeyValuePair<string, string>> Tags) ValidateBatch(LogBatch batch)
    {
        var metrics = batch.Metrics ?? [];
        var parameters = batch.Params ?? [];
        var tags = batch.Tags ?? [];
        if (metrics.Count > TrackingLimits.MaxMetricsPerBatch)
        {
            throw new InvalidInputException($"A batch may hold at most {TrackingLimits.MaxMetricsPerBatch} metric points; this one holds {metrics.Count}.", "metrics");
        }
        if (parameters.Count > TrackingLimits.MaxParamsPerBatch)
        {
            throw new InvalidInputException($"A batch may hold at most {TrackingLimits.MaxParamsPerBatch} params; this one holds {parameters.Count}.", "params");
        }
        if (tags.Count > TrackingLimits.MaxTagsPerBatch)
        {
            throw new InvalidInputException($"A batch may hold at most {TrackingLimits.MaxTagsPerBatch} tags; this one holds {tags.Count}.", "tags");
        }
        var total = metrics.Count + parameters.Count + tags.Count;
        if (total > TrackingLimits.MaxEntriesPerBatch)
        {
            throw new InvalidInputException($"A batch may hold at most {TrackingLimits.MaxEntriesPerBatch} entries (metrics + params + tags); this one holds {total}.", "batch");
        }
        foreach (var point in metrics)
        {
            Validate.Key(point.Key, "metric");
        }
        var uniqueParams = new Dictionary<string, string>(StringComparer.Ordinal);
        var paramList = new List<KeyValuePair<string, string>>(parameters.Count);
        foreach (var (key, value) in parameters)
        {
            Validate.Key(key, "param");
            Validate.ParamValue(key, value);
            if (uniqueParams.TryGetValue(key, out var earlier))
            {
                if (earlier != value)
                {
                    throw new InvalidInputException($"Param '{key}' appears twice in the batch with different values ('{Validate.Shorten(earlier)}' and '{Validate.Shorten(value)}').", key);
                }
                continue;
            }
            uniqueParams.Add(key, value);
            paramList.Add(new(key, value));
        }
        var tagList = new List<KeyValuePair<string, string>>(tags.Count);
        foreach (var (key, value) in tags)
        {
            Validate.Key(key, "tag");
            Validate.TagValue(key, value);
            tagList.Add(new(key, value));
        }
        foreach (var (key, value) in tagList)
        {
            if (key == RunNameTag)
            {
                ValidateRunName(value);
            }
        }
        return (metrics, paramList, tagList);
    }

    private static void WriteParams(SqliteConnection connection, SqliteTransaction transaction, RunRow run, string runId, List<KeyValuePair<string, string>> parameters)
    {
        using var insert = Command(connection, transaction, "INSERT INTO run_params (run_key, key, value) VALUES (@run, @key, @value) ON CONFLICT (run_key, key) DO NOTHING");
        insert.Parameters.AddWithValue("@run", run.Key);
        var keyParameter = insert.Parameters.Add("@key", SqliteType.Text);
        var valueParameter = insert.Parameters.Add("@value", SqliteType.Text);
        insert.Prepare();
        using var existing = Command(connection, transaction, "SELECT value FROM run_params WHERE run_key = @run AND key = @key");
        existing.Parameters.AddWithValue("@run", run.Key);
        var existingKey = existing.Parameters.Add("@key", SqliteType.Text);
        foreach (var (key, value) in parameters)
        {
            keyParameter.Value = key;
            valueParameter.Value = value;
            if (insert.ExecuteNonQuery() == 1)
            {
                continue;
            }
            existingKey.Value = key;
            var old = (string)existing.ExecuteScalar()!;
            if (old != value)
            {
                // Throwing leaves the transaction uncommitted: the whole batch is rolled back.
                throw new InvalidInputException(
                    $"Changing param values is not allowed. Param with key='{key}' was already logged with value='{Validate.Shorten(old)}' for run ID='{runId}'. Attempted logging new value '{Validate.Shorten(value)}'.",
                    key);
            }
        }
    }

    private static void WriteMetrics(SqliteConnection connection, SqliteTransaction transaction, long runKey, IReadOnlyList<MetricPoint> metrics)
    {
        using var insert = Command(connection, transaction,
            "INSERT OR IGNORE INTO metrics (run_key, key, step, timestamp, value, is_nan) VALUES (@run, @key, @step, @ts, @value, @nan)");
        insert.Parameters.AddWithValue("@run", runKey);
        var key = insert.Parameters.Add("@key", SqliteType.Text);
        var step = insert.Parameters.Add("@step", SqliteType.Integer);
        var timestamp = insert.Parameters.Add("@ts", SqliteType.Integer);
        var value = insert.Parameters.Add("@value", SqliteType.Real);
        var isNan = insert.Parameters.Add("@nan", SqliteType.Integer);
        insert.Prepare();

        // The latest point per key in this batch, by MLflow's rule: highest step, then timestamp, then value.
        var latest = new Dictionary<string, (long Step, long Timestamp, double Value, long Flag)>(StringComparer.Ordinal);
        foreach (var point in metrics)
        {
            var flag = ValueFlag(point.Value);
            var stored = flag == NanFlag ? 0d : point.Value;
            var ms = point.Timestamp.ToUnixTimeMilliseconds();
            key.Value = point.Key;
            step.Value = point.Step;
            timestamp.Value = ms;
            value.Value = stored;
            isNan.Value = flag;
            insert.ExecuteNonQuery();

            if (!latest.TryGetValue(point.Key, out var best)
                || (point.Step, ms, stored).CompareTo((best.Step, best.Timestamp, best.Value)) >= 0)
            {
                latest[point.Key] = (point.Step, ms, stored, flag);
            }
        }

        using var upsert = Command(connection, transaction, """
            INSERT INTO latest_metrics (run_key, key, step, timestamp, value, is_nan) VALUES (@run, @key, @step, @ts, @value, @nan)
            ON CONFLICT (run_key, key) DO UPDATE SET step = excluded.step, timestamp = excluded.timestamp, value = excluded.value, is_nan = excluded.is_nan
            WHERE (excluded.step, excluded.timestamp, excluded.value) >= (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)
            """);
        upsert.Parameters.AddWithValue("@run", runKey);
        var latestKey = upsert.Parameters.Add("@key", SqliteType.Text);
        var latestStep = upsert.Parameters.Add("@step", SqliteType.Integer);
        var latestTimestamp = upsert.Parameters.Add("@ts", SqliteType.Integer);
        var latestValue = upsert.Parameters.Add("@value", SqliteType.Real);
        var latestNan = upsert.Parameters.Add("@nan", SqliteType.Integer);
        upsert.Prepare();
        foreach (var (metricKey, point) in latest)
        {
            latestKey.Value = metricKey;
            latestStep.Value = point.Step;
            latestTimestamp.Value = point.Timestamp;
            latestValue.Value = point.Value;
            latestNan.Value = point.Flag;
            upsert.ExecuteNonQuery();
        }
    }

    // ---------------------------------------------------------------- helpers: runs

    private readonly record struct RunRow(long Key, long ExperimentId, bool RunDeleted, bool ExperimentDeleted)
    {
        public bool IsDeleted => RunDeleted || ExperimentDeleted;
    }

    private static RunRow? FindRun(SqliteConnection connection, SqliteTransaction? transaction, string runId)
    {
        using var command = Command(connection, transaction, """
            SELECT r.run_key, r.experiment_id, r.is_deleted, e.is_deleted
            FROM runs r JOIN experiments e ON e.experiment_id = r.experiment_id WHERE r.run_id = @id
            """);
        command.Parameters.AddWithValue("@id", runId);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new RunRow(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2) != 0, reader.GetInt64(3) != 0) : null;
    }

    private static RunRow RequireActiveRun(SqliteConnection connection, SqliteTransaction transaction, string runId)
    {
        var row = FindRun(connection, transaction, runId) ?? throw RunNotFound(runId);
        if (row.RunDeleted)
        {
            throw new InvalidStateException($"The run {runId} must be in the 'active' state; it is deleted. Restore it first.");
        }
        if (row.ExperimentDeleted)
        {
            throw new InvalidStateException($"The run {runId} must be in the 'active' state; its experiment '{row.ExperimentId}' is deleted. Restore the experiment first.");
        }
        return row;
    }

    private Task<int> SetRunDeleted(string runId, bool deleted, CancellationToken cancellationToken) => Run(() =>
    {
        Validate.Required(runId, nameof(runId));
        return _database.Write((connection, transaction) =>
        {
            var row = FindRun(connection, transaction, runId) ?? throw RunNotFound(runId);
            if (!deleted && row.ExperimentDeleted)
            {
                throw new InvalidStateException($"Run '{runId}' belongs to deleted experiment '{row.ExperimentId}'; restore the experiment first.");
            }
            using var command = Command(connection, transaction, "UPDATE runs SET is_deleted = @deleted, deleted_time = @time WHERE run_key = @key");
            command.Parameters.AddWithValue("@deleted", deleted ? 1 : 0);
            command.Parameters.AddWithValue("@time", deleted ? NowMs() : DBNull.Value);
            command.Parameters.AddWithValue("@key", row.Key);
            return command.ExecuteNonQuery();
        }, cancellationToken);
    });

    private static void UpsertRunTags(SqliteConnection connection, SqliteTransaction transaction, long runKey, IEnumerable<KeyValuePair<string, string>> tags) =>
        UpsertPairs(connection, transaction, "INSERT INTO run_tags (run_key, key, value) VALUES (@owner, @key, @value) ON CONFLICT (run_key, key) DO UPDATE SET value = excluded.value", runKey, tags);

    /// <summary>Runs one prepared upsert per key/value pair of one owner (a run or an experiment).</summary>
    private static void UpsertPairs(SqliteConnection connection, SqliteTransaction transaction, string sql, long owner, IEnumerable<KeyValuePair<string, string>> pairs)
    {
        using var command = Command(connection, transaction, sql);
        command.Parameters.AddWithValue("@owner", owner);
        var key = command.Parameters.Add("@key", SqliteType.Text);
        var value = command.Parameters.Add("@value", SqliteType.Text);
        foreach (var pair in pairs)
        {
            key.Value = pair.Key;
            value.Value = pair.Value;
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Loads full runs (params, tags, latest metrics) in the order of <paramref name="runKeys"/>.</summary>
    private List<RunData> LoadRuns(SqliteConnection connection, List<long> runKeys)
    {
        if (runKeys.Count == 0)
        {
            return [];
        }
        var keysJson = "[" + string.Join(',', runKeys) + "]";
        var parameters = new Dictionary<long, Dictionary<string, string>>();
        var tags = new Dictionary<long, Dictionary<string, string>>();
        var metrics = new Dictionary<long, Dictionary<string, MetricPoint>>();
        foreach (var (table, target) in new[] { ("run_params", parameters), ("run_tags", tags) })
        {
            using var command = Command(connection, null, $"SELECT run_key, key, value FROM {table} WHERE run_key IN (SELECT value FROM json_each(@keys))");
            command.Parameters.AddWithValue("@keys", keysJson);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                GetOrAdd(target, reader.GetInt64(0))[reader.GetString(1)] = reader.GetString(2);
            }
        }
        using (var command = Command(connection, null,
            "SELECT run_key, key, step, timestamp, value, is_nan FROM latest_metrics WHERE run_key IN (SELECT value FROM json_each(@keys))"))
        {
            command.Parameters.AddWithValue("@keys", keysJson);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var key = reader.GetString(1);
                GetOrAdd(metrics, reader.GetInt64(0))[key] = new MetricPoint(key, ReadValue(reader, 4, 5), reader.GetInt64(2), FromMs(reader.GetInt64(3)));
            }
        }
        var runs = new Dictionary<long, RunData>(runKeys.Count);
        using (var command = Command(connection, null, """
            SELECT r.run_key, r.run_id, r.experiment_id, r.name, r.status, r.start_time, r.end_time, r.parent_run_id, r.is_deleted, e.is_deleted
            FROM runs r JOIN experiments e ON e.experiment_id = r.experiment_id
            WHERE r.run_key IN (SELECT value FROM json_each(@keys))
            """))
        {
            command.Parameters.AddWithValue("@keys", keysJson);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var key = reader.GetInt64(0);
                var runId = reader.GetString(1);
                runs[key] = new RunData(
                    runId,
                    reader.GetInt64(2).ToString(CultureInfo.InvariantCulture),
                    reader.GetString(3),
                    Enum.Parse<RunStatus>(reader.GetString(4)),
                    FromMs(reader.GetInt64(5)),
                    reader.IsDBNull(6) ? null : FromMs(reader.GetInt64(6)),
                    reader.IsDBNull(7) ? null : reader.GetString(7),
                    parameters.GetValueOrDefault(key) ?? new Dictionary<string, string>(),
                    tags.GetValueOrDefault(key) ?? new Dictionary<string, string>(),
                    metrics.GetValueOrDefault(key) ?? new Dictionary<string, MetricPoint>(),
                    reader.GetInt64(8) != 0 || reader.GetInt64(9) != 0,
                    $"{_artifactRootUri}/{runId}");
            }
        }
        return [.. runKeys.Select(k => runs[k])];
    }

    private static Dictionary<string, TValue> GetOrAdd<TValue>(Dictionary<long, Dictionary<string, TValue>> map, long key)
    {
        if (!map.TryGetValue(key, out var inner))
        {
            inner = new Dictionary<string, TValue>(StringComparer.Ordinal);
            map[key] = inner;
        }
        return inner;
    }

    // is_nan: 0 a plain value; 1 NaN (stored as 0); 2 negative zero (SQLite keeps a REAL without fraction as an integer, so
    // -0.0 would read back as 0). Searches treat 2 as a value (is_nan <> 1), and -0.0 == 0.0 there as in MLflow.
    private const long NanFlag = 1;
    private const long NegativeZeroFlag = 2;

    private static long ValueFlag(double value) =>
        double.IsNaN(value) ? NanFlag : value == 0 && double.IsNegative(value) ? NegativeZeroFlag : 0;

    private static double ReadValue(SqliteDataReader reader, int valueOrdinal, int nanOrdinal) => reader.GetInt64(nanOrdinal) switch
    {
        NanFlag => double.NaN,
        NegativeZeroFlag => -0.0,
        _ => reader.GetDouble(valueOrdinal),
    };

    private static void ValidateRunName(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > TrackingLimits.MaxNameLength)
        {
            throw new InvalidInputException($"Run name '{Validate.Shorten(name)}' is invalid: use 1 to {TrackingLimits.MaxNameLength} characters.", "displayName");
        }
    }

    private static ResourceNotFoundException RunNotFound(string runId) => new($"Run '{runId}' does not exist.");

    // ---------------------------------------------------------------- helpers: experiments

    private ExperimentData? LoadExperiment(SqliteConnection connection, long id)
    {
        using var command = Command(connection, null, "SELECT name, is_deleted, creation_time, last_update_time FROM experiments WHERE experiment_id = @id");
        command.Parameters.AddWithValue("@id", id);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var tagCommand = Command(connection, null, "SELECT key, value FROM experiment_tags WHERE experiment_id = @id"))
        {
            tagCommand.Parameters.AddWithValue("@id", id);
            using var tagReader = tagCommand.ExecuteReader();
            while (tagReader.Read())
            {
                tags[tagReader.GetString(0)] = tagReader.GetString(1);
            }
        }
        return new ExperimentData(
            id.ToString(CultureInfo.InvariantCulture),
            reader.GetString(0),
            tags,
            reader.GetInt64(1) != 0,
            FromMs(reader.GetInt64(2)),
            FromMs(reader.GetInt64(3)),
            _artifactRootUri);
    }

    /// <summary>null when the experiment does not exist, else whether it is deleted.</summary>
    private static bool? ExperimentState(SqliteConnection connection, SqliteTransaction transaction, long id)
    {
        using var command = Command(connection, transaction, "SELECT is_deleted FROM experiments WHERE experiment_id = @id");
        command.Parameters.AddWithValue("@id", id);
        return command.ExecuteScalar() is long deleted ? deleted != 0 : null;
    }

    private static void RequireActiveExperiment(SqliteConnection connection, SqliteTransaction transaction, long id, string experimentId, string verb)
    {
        switch (ExperimentState(connection, transaction, id))
        {
            case null:
                throw ExperimentNotFound(experimentId);
            case true:
                throw new InvalidStateException($"Experiment '{experimentId}' is deleted and cannot be {verb}; restore it first.");
        }
    }

    private int SetExperimentDeleted(SqliteConnection connection, SqliteTransaction transaction, long id, bool deleted)
    {
        using var command = Command(connection, transaction, "UPDATE experiments SET is_deleted = @deleted, last_update_time = @now WHERE experiment_id = @id");
        command.Parameters.AddWithValue("@deleted", deleted ? 1 : 0);
        command.Parameters.AddWithValue("@now", NowMs());
        command.Parameters.AddWithValue("@id", id);
        return command.ExecuteNonQuery();
    }

    private int Touch(SqliteConnection connection, SqliteTransaction transaction, long id)
    {
        using var command = Command(connection, transaction, "UPDATE experiments SET last_update_time = @now WHERE experiment_id = @id");
        command.Parameters.AddWithValue("@now", NowMs());
        command.Parameters.AddWithValue("@id", id);
        return command.ExecuteNonQuery();
    }

    private static void UpsertExperimentTags(SqliteConnection connection, SqliteTransaction transaction, long experimentId, IEnumerable<KeyValuePair<string, string>> tags) =>
        UpsertPairs(connection, transaction, "INSERT INTO experiment_tags (experiment_id, key, value) VALUES (@owner, @key, @value) ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value", experimentId, tags);

    private static long ParseExperimentId(string? experimentId)
    {
        Validate.Required(experimentId, nameof(experimentId));
        if (!long.TryParse(experimentId, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            // Ids are decimal strings; anything else names no experiment.
            throw ExperimentNotFound(experimentId!);
        }
        return id;
    }

    private static ResourceNotFoundException ExperimentNotFound(string experimentId) => new($"Experiment '{experimentId}' does not exist.");

    private static ResourceExistsException ExperimentNameTaken(string name, bool deleted) => new(deleted
        ? $"Experiment '{name}' already exists in deleted state. Restore it, or permanently delete it, or choose another name."
        : $"Experiment '{name}' already exists.");

    private static List<KeyValuePair<string, string>> ValidateTags(IReadOnlyDictionary<string, string>? tags)
    {
        var list = new List<KeyValuePair<string, string>>();
        if (tags is null)
        {
            return list;
        }
        foreach (var (key, value) in tags)
        {
            Validate.Key(key, "tag");
            Validate.TagValue(key, value);
            list.Add(new(key, value));
        }
        return list;
    }

    // ---------------------------------------------------------------- helpers: general

    private static void ValidateMaxResults(int maxResults)
    {
        if (maxResults < 1 || maxResults > TrackingLimits.MaxResultsPerPage)
        {
            throw new InvalidInputException($"MaxResults {maxResults} is out of range: use 1 to {TrackingLimits.MaxResultsPerPage}.", "maxResults");
        }
    }

    private static string ViewCondition(ViewType viewType, string deletedExpression) => viewType switch
    {
        ViewType.ActiveOnly => $"{deletedExpression} = 0",
        ViewType.DeletedOnly => $"{deletedExpression} <> 0",
        ViewType.All => "1 = 1",
        _ => throw new InvalidInputException($"View type {(int)viewType} is not defined.", "viewType"),
    };

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    /// <summary>Runs synchronous work as a completed task, so errors surface when awaited; stray SQLite errors become SDK errors.</summary>
    private static Task<T> Run<T>(Func<T> work)
    {
        try
        {
            return Task.FromResult(work());
        }
        catch (OperationCanceledException ex)
        {
            return Task.FromCanceled<T>(ex.CancellationToken.IsCancellationRequested ? ex.CancellationToken : new CancellationToken(true));
        }
        catch (SqliteException ex)
        {
            return Task.FromException<T>(new AzureMlException($"The local workspace database failed: {ex.Message}", innerException: ex));
        }
        catch (Exception ex)
        {
            return Task.FromException<T>(ex);
        }
    }

    /// <summary>Opaque page tokens: base64 of "kind:position".</summary>
    private static class PageToken
    {
        public static string Encode(string kind, long position) =>
            Convert.ToBase64String(Encoding.UTF8.GetBytes(FormattableString.Invariant($"{kind}:{position}")));

        public static long Decode(string token, string kind)
        {
            try
            {
                var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
                var prefix = kind + ":";
                if (text.StartsWith(prefix, StringComparison.Ordinal)
                    && long.TryParse(text.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var position))
                {
                    return position;
                }
            }
            catch (FormatException)
            {
            }
            throw new InvalidInputException($"Page token '{Validate.Shorten(token)}' is invalid; pass the token of the previous page unchanged.", "pageToken");
        }
    }
}
