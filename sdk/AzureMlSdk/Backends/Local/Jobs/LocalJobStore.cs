using System.Globalization;
using System.Text.Json;
using AzureMlSdk.Jobs;
using Microsoft.Data.Sqlite;

namespace AzureMlSdk.Backends.Local.Jobs;

/// <summary>A row of the <c>jobs</c> table: the job's state and its stored definition (JSON, by kind: <see cref="IJobExecutor.Serialize"/>).</summary>
internal sealed record LocalJobRow
{
    public required long Seq { get; init; }
    public required string Name { get; init; }
    public required JobType Type { get; init; }
    public required JobStatus Status { get; init; }
    public required string DefinitionJson { get; init; }
    public string? DisplayName { get; init; }
    public required string ExperimentName { get; init; }
    public string? ParentName { get; init; }
    public required string Compute { get; init; }
    public string? Description { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
    public required IReadOnlyDictionary<string, string> Properties { get; init; }
    public required IReadOnlyDictionary<string, string> OutputUris { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    public JobError? Error { get; init; }
    public bool IsArchived { get; init; }
    public bool CancelRequested { get; init; }
    public string? SupervisorId { get; init; }
    public DateTimeOffset? HeartbeatAt { get; init; }
}

/// <summary>
/// The local workspace's <c>jobs</c> table. Submission inserts <c>NotStarted</c>; a supervisor claims jobs first in first out per compute
/// (<see cref="Claim"/>: never more claimed jobs on a compute than its slots, across every supervisor of the folder, since the count is
/// taken in the same write transaction), heart-beats them, and finishes them. A job whose supervisor died (its process is gone, or it
/// stopped heart-beating for <see cref="StaleAfter"/>) is marked <c>Failed</c> by <see cref="FailOrphans"/>, which every read runs first.
/// </summary>
internal sealed class LocalJobStore
{
    /// <summary>States of a job a supervisor holds (it runs or is about to).</summary>
    internal static readonly JobStatus[] Claimed = [JobStatus.Starting, JobStatus.Preparing, JobStatus.Running, JobStatus.Finalizing, JobStatus.CancelRequested];

    private const string Columns = """
        seq, name, type, status, definition_json, display_name, experiment_name, parent_name, compute, description, tags_json, properties_json,
        output_uris_json, created_ms, started_ms, ended_ms, error_code, error_message, archived, cancel_requested, supervisor_id, heartbeat_ms
        """;

    private static readonly string ClaimedList = string.Join(", ", Claimed.Select(s => $"'{s}'"));

    private readonly LocalDatabase _database;
    private readonly TimeProvider _time;
    private readonly string? _jobsFolder;

    /// <param name="database">The workspace's database.</param>
    /// <param name="time">The clock.</param>
    /// <param name="jobsFolder">
    /// The workspace's <c>jobs/</c> folder, where each running command's process is recorded (<see cref="JobProcessRecord"/>), so that
    /// <see cref="FailOrphans"/> kills what a dead supervisor left running; null: orphans are only marked.
    /// </param>
    public LocalJobStore(LocalDatabase database, TimeProvider time, string? jobsFolder = null)
    {
        _database = database;
        _time = time;
        _jobsFolder = jobsFolder;
    }

    /// <summary>How long a supervisor may go without a heartbeat before its jobs are taken for orphans (it heart-beats every 2 s).</summary>
    public TimeSpan StaleAfter { get; init; } = TimeSpan.FromSeconds(30);

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    public LocalJobRow? Find(string name, CancellationToken cancellationToken = default) =>
        _database.Read(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {Columns} FROM jobs WHERE name = @name";
            command.Parameters.AddWithValue("@name", name);
            return ReadAll(command).FirstOrDefault();
        }, cancellationToken);

    /// <summary>Inserts a new job; false when a job of that name exists (nothing changed).</summary>
    public bool Insert(LocalJobRow row, CancellationToken cancellationToken = default) =>
        _database.Write((connection, transaction) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO jobs (name, type, status, definition_json, display_name, experiment_name, parent_name, compute, description, tags_json,
                    properties_json, output_uris_json, created_ms)
                VALUES (@name, @type, @status, @definition, @display, @experiment, @parent, @compute, @description, @tags, @properties, @outputs, @created)
                ON CONFLICT(name) DO NOTHING
                """;
            command.Parameters.AddWithValue("@name", row.Name);
            command.Parameters.AddWithValue("@type", row.Type.ToString());
            command.Parameters.AddWithValue("@status", row.Status.ToString());
            command.Parameters.AddWithValue("@definition", row.DefinitionJson);
            command.Parameters.AddWithValue("@display", (object?)row.DisplayName ?? DBNull.Value);
            command.Parameters.AddWithValue("@experiment", row.ExperimentName);
            command.Parameters.AddWithValue("@parent", (object?)row.ParentName ?? DBNull.Value);
            command.Parameters.AddWithValue("@compute", row.Compute);
            command.Parameters.AddWithValue("@description", (object?)row.Description ?? DBNull.Value);
            command.Parameters.AddWithValue("@tags", Json(row.Tags));
            command.Parameters.AddWithValue("@properties", Json(row.Properties));
            command.Parameters.AddWithValue("@outputs", Json(row.OutputUris));
            command.Parameters.AddWithValue("@created", row.CreatedAt.ToUnixTimeMilliseconds());
            return command.ExecuteNonQuery() == 1;
        }, cancellationToken);

    /// <summary>
    /// Records a child job that runs inside its parent's work (an AutoML trial): stored <c>Running</c>, held by the parent's supervisor
    /// (<paramref name="supervisorId"/>), so it is heart-beaten with the parent, failed with it when that supervisor is lost, and never
    /// claimed; it takes no compute slot (<see cref="IsTrialSql"/>). False when the name exists.
    /// </summary>
    public bool InsertRunningChild(LocalJobRow row, string? supervisorId, DateTimeOffset startedAt, CancellationToken cancellationToken = default)
    {
        if (!Insert(row with { Status = JobStatus.Running }, cancellationToken))
        {
            return false;
        }
        _database.Write((connection, transaction) => Update(connection, transaction,
            "UPDATE jobs SET supervisor_id = @supervisor, heartbeat_ms = @now, started_ms = @started WHERE name = @name", row.Name,
            ("@supervisor", (object?)supervisorId ?? DBNull.Value), ("@now", NowMs()), ("@started", startedAt.ToUnixTimeMilliseconds())), cancellationToken);
        return true;
    }

    /// <summary>SQL that is true of an AutoML trial's row (an AutoML job whose parent is an AutoML job): it takes no compute slot.</summary>
    private const string IsTrialSql = "(type = 'AutoML' AND parent_name IS NOT NULL AND parent_name IN (SELECT p.name FROM jobs p WHERE p.type = 'AutoML'))";

    /// <summary>Changes what may change after submission (display name, description, tags), as ARM's PUT does.</summary>
    public void UpdateMutable(string name, string? displayName, string? description, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default) =>
        _database.Write((connection, transaction) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "UPDATE jobs SET display_name = @display, description = @description, tags_json = @tags WHERE name = @name";
            command.Parameters.AddWithValue("@name", name);
            command.Parameters.AddWithValue("@display", (object?)displayName ?? DBNull.Value);
            command.Parameters.AddWithValue("@description", (object?)description ?? DBNull.Value);
            command.Parameters.AddWithValue("@tags", Json(tags));
            return command.ExecuteNonQuery();
        }, cancellationToken);

    /// <summary>Merges <paramref name="properties"/> into the job's (an orchestrator's results, e.g. <c>best_child_run_id</c>).</summary>
    public void SetProperties(string name, IReadOnlyDictionary<string, string> properties, CancellationToken cancellationToken = default) =>
        _database.Write((connection, transaction) =>
        {
            using var read = connection.CreateCommand();
            read.Transaction = transaction;
            read.CommandText = "SELECT properties_json FROM jobs WHERE name = @name";
            read.Parameters.AddWithValue("@name", name);
            var current = read.ExecuteScalar() as string ?? throw new ResourceNotFoundException($"Job '{name}' does not exist.");
            var merged = Dict(current);
            foreach (var (key, value) in properties)
            {
                merged[key] = value;
            }
            using var write = connection.CreateCommand();
            write.Transaction = transaction;
            write.CommandText = "UPDATE jobs SET properties_json = @properties WHERE name = @name";
            write.Parameters.AddWithValue("@name", name);
            write.Parameters.AddWithValue("@properties", Json(merged));
            return write.ExecuteNonQuery();
        }, cancellationToken);

    /// <summary>Jobs newest first: top-level ones, or the children of <see cref="JobQuery.ParentJobName"/>. The page token is the last seq read.</summary>
    public ResultPage<LocalJobRow> List(JobQuery query, CancellationToken cancellationToken = default)
    {
        var size = Math.Clamp(query.MaxResults, 1, 1000);
        long? after = null;
        if (query.PageToken is { } token)
        {
            after = long.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var seq) ? seq
                : throw new InvalidInputException($"Page token '{Validate.Shorten(token)}' is invalid.", "pageToken");
        }
        var rows = _database.Read(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"""
                SELECT {Columns} FROM jobs
                WHERE {(query.ParentJobName is null ? "parent_name IS NULL" : "parent_name = @parent")}
                  {(query.IncludeArchived ? "" : "AND archived = 0")}
                  {(after is null ? "" : "AND seq < @after")}
                ORDER BY seq DESC LIMIT @limit
                """;
            if (query.ParentJobName is not null)
            {
                command.Parameters.AddWithValue("@parent", query.ParentJobName);
            }
            if (after is not null)
            {
                command.Parameters.AddWithValue("@after", after.Value);
            }
            command.Parameters.AddWithValue("@limit", size + 1);
            return ReadAll(command);
        }, cancellationToken);
        var more = rows.Count > size;
        if (more)
        {
            rows.RemoveAt(rows.Count - 1);
        }
        return new ResultPage<LocalJobRow>(rows, more ? rows[^1].Seq.ToString(CultureInfo.InvariantCulture) : null);
    }

    /// <summary>
    /// Claims waiting jobs for <paramref name="supervisorId"/>, oldest first per compute: a job on a compute with a free slot (claimed
    /// jobs on it, of kinds that use a slot, below <paramref name="slotsOf"/>) becomes <c>Starting</c>; one without stays or becomes
    /// <c>Queued</c>. A job whose compute no longer exists fails. Kinds that use no slot (orchestrators) are always claimed.
    /// </summary>
    public IReadOnlyList<LocalJobRow> Claim(string supervisorId, Func<string, int?> slotsOf, Func<JobType, bool> usesSlot, CancellationToken cancellationToken = default) =>
        _database.Write((connection, transaction) =>
        {
            var running = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            using (var count = connection.CreateCommand())
            {
                count.Transaction = transaction;
                count.CommandText = $"SELECT compute, type, COUNT(*) FROM jobs WHERE status IN ({ClaimedList}) AND NOT {IsTrialSql} GROUP BY compute, type";
                using var reader = count.ExecuteReader();
                while (reader.Read())
                {
                    if (usesSlot(Enum.Parse<JobType>(reader.GetString(1))))
                    {
                        running[reader.GetString(0)] = running.GetValueOrDefault(reader.GetString(0)) + reader.GetInt32(2);
                    }
                }
            }
            List<LocalJobRow> waiting;
            using (var select = connection.CreateCommand())
            {
                select.Transaction = transaction;
                select.CommandText = $"SELECT {Columns} FROM jobs WHERE status IN ('NotStarted', 'Queued') ORDER BY seq";
                waiting = ReadAll(select);
            }
            var now = NowMs();
            var claimed = new List<LocalJobRow>();
            var slots = new Dictionary<string, int?>(StringComparer.OrdinalIgnoreCase);
            foreach (var job in waiting)
            {
                var takesSlot = usesSlot(job.Type);
                if (!slots.TryGetValue(job.Compute, out var capacity))
                {
                    capacity = slots[job.Compute] = slotsOf(job.Compute);
                }
                if (takesSlot && capacity is null)
                {
                    Finish(connection, transaction, job.Name, JobStatus.Failed, new JobError("ComputeNotFound", $"Compute '{job.Compute}' no longer exists; the job cannot run."), now);
                    continue;
                }
                if (takesSlot && running.GetValueOrDefault(job.Compute) >= capacity)
                {
                    if (job.Status == JobStatus.NotStarted)
                    {
                        Update(connection, transaction, "UPDATE jobs SET status = 'Queued' WHERE name = @name AND status = 'NotStarted'", job.Name);
                    }
                    continue;
                }
                using var claim = connection.CreateCommand();
                claim.Transaction = transaction;
                claim.CommandText = "UPDATE jobs SET status = 'Starting', supervisor_id = @supervisor, heartbeat_ms = @now WHERE name = @name AND status IN ('NotStarted', 'Queued')";
                claim.Parameters.AddWithValue("@supervisor", supervisorId);
                claim.Parameters.AddWithValue("@now", now);
                claim.Parameters.AddWithValue("@name", job.Name);
                if (claim.ExecuteNonQuery() == 1)
                {
                    if (takesSlot)
                    {
                        running[job.Compute] = running.GetValueOrDefault(job.Compute) + 1;
                    }
                    claimed.Add(job with { Status = JobStatus.Starting, SupervisorId = supervisorId });
                }
            }
            return claimed;
        }, cancellationToken);

    /// <summary>Moves a held job to <paramref name="status"/> (not past a cancel request, never out of a terminal state).</summary>
    public bool SetStatus(string name, JobStatus status, DateTimeOffset? startedAt = null, CancellationToken cancellationToken = default) =>
        _database.Write((connection, transaction) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"""
                UPDATE jobs SET status = @status, started_ms = COALESCE(@started, started_ms)
                WHERE name = @name AND status IN ({ClaimedList}) AND status <> 'CancelRequested'
                """;
            command.Parameters.AddWithValue("@name", name);
            command.Parameters.AddWithValue("@status", status.ToString());
            command.Parameters.AddWithValue("@started", startedAt is { } s ? s.ToUnixTimeMilliseconds() : DBNull.Value);
            return command.ExecuteNonQuery() == 1;
        }, cancellationToken);

    /// <summary>Ends a job (terminal <paramref name="status"/>), mirrored on its run; false when it had already ended.</summary>
    public bool Finish(string name, JobStatus status, JobError? error, CancellationToken cancellationToken = default) =>
        _database.Write((connection, transaction) => Finish(connection, transaction, name, status, error, NowMs()), cancellationToken);

    /// <summary>
    /// Requests cancellation of a job and its children: a waiting job ends <c>Canceled</c> at once; a held one becomes <c>CancelRequested</c>
    /// and its supervisor kills it. Returns the names whose supervisors must act (held jobs); a terminal job is left as it is.
    /// </summary>
    public IReadOnlyList<string> RequestCancel(string name, CancellationToken cancellationToken = default) =>
        _database.Write((connection, transaction) =>
        {
            var held = new List<string>();
            using (var root = connection.CreateCommand())
            {
                root.Transaction = transaction;
                root.CommandText = "SELECT status FROM jobs WHERE name = @name";
                root.Parameters.AddWithValue("@name", name);
                if (root.ExecuteScalar() is not string status || Enum.Parse<JobStatus>(status).IsTerminal())
                {
                    return held; // unknown, or ended: left as it is
                }
            }
            var now = NowMs();
            var pending = new Queue<string>([name]);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (pending.TryDequeue(out var current))
            {
                if (!seen.Add(current))
                {
                    continue;
                }
                Finish(connection, transaction, current, JobStatus.Canceled, new JobError("Canceled", "The job was canceled before it started."), now, onlyFrom: "'NotStarted', 'Queued'");
                using (var request = connection.CreateCommand())
                {
                    request.Transaction = transaction;
                    request.CommandText = $"UPDATE jobs SET status = 'CancelRequested', cancel_requested = 1 WHERE name = @name AND status IN ({ClaimedList})";
                    request.Parameters.AddWithValue("@name", current);
                    if (request.ExecuteNonQuery() == 1)
                    {
                        held.Add(current);
                    }
                }
                using var children = connection.CreateCommand();
                children.Transaction = transaction;
                children.CommandText = "SELECT name FROM jobs WHERE parent_name = @name AND status NOT IN ('Completed', 'Failed', 'Canceled')";
                children.Parameters.AddWithValue("@name", current);
                using var reader = children.ExecuteReader();
                while (reader.Read())
                {
                    pending.Enqueue(reader.GetString(0));
                }
            }
            return held;
        }, cancellationToken);

    /// <summary>The held jobs of <paramref name="supervisorId"/> whose cancellation was requested.</summary>
    public IReadOnlyList<string> CancelRequestedOf(string supervisorId, CancellationToken cancellationToken = default) =>
        _database.Read(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT name FROM jobs WHERE supervisor_id = @supervisor AND cancel_requested = 1 AND status IN ({ClaimedList})";
            command.Parameters.AddWithValue("@supervisor", supervisorId);
            using var reader = command.ExecuteReader();
            var names = new List<string>();
            while (reader.Read())
            {
                names.Add(reader.GetString(0));
            }
            return names;
        }, cancellationToken);

    /// <summary>Marks the held jobs of <paramref name="supervisorId"/> alive now.</summary>
    public void Heartbeat(string supervisorId, CancellationToken cancellationToken = default) =>
        _database.Write((connection, transaction) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"UPDATE jobs SET heartbeat_ms = @now WHERE supervisor_id = @supervisor AND status IN ({ClaimedList})";
            command.Parameters.AddWithValue("@now", NowMs());
            command.Parameters.AddWithValue("@supervisor", supervisorId);
            return command.ExecuteNonQuery();
        }, cancellationToken);

    /// <summary>
    /// Fails the held jobs whose supervisor is gone: its process ended (same host), or it has not heart-beaten for <see cref="StaleAfter"/>.
    /// Their runs are failed too. Returns the names failed.
    /// </summary>
    public IReadOnlyList<string> FailOrphans(CancellationToken cancellationToken = default)
    {
        var now = NowMs();
        var held = _database.Read(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT name, supervisor_id, heartbeat_ms FROM jobs WHERE status IN ({ClaimedList})";
            using var reader = command.ExecuteReader();
            var found = new List<(string Name, string? Supervisor, long? Heartbeat)>();
            while (reader.Read())
            {
                found.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt64(2)));
            }
            return found;
        }, cancellationToken);
        var orphans = new List<(string Name, string Why)>();
        foreach (var (name, supervisor, heartbeat) in held)
        {
            var owner = supervisor?.Split('#')[0];
            if (owner is not null && LocalTrackingStore.IsDeadOwner(owner, out var pid))
            {
                orphans.Add((name, string.Create(CultureInfo.InvariantCulture,
                    $"The job supervisor that ran this job (process {pid} on {Environment.MachineName}) ended without finishing it (killed or crashed); the job was marked Failed when next read.")));
            }
            else if (heartbeat is null || now - heartbeat.Value > StaleAfter.TotalMilliseconds)
            {
                orphans.Add((name, string.Create(CultureInfo.InvariantCulture,
                    $"The job supervisor that ran this job stopped reporting {(heartbeat is null ? "" : $"{(now - heartbeat.Value) / 1000} s ago ")}(limit {StaleAfter.TotalSeconds:0} s); the job was marked Failed when next read.")));
            }
        }
        if (orphans.Count == 0)
        {
            return [];
        }
        if (_jobsFolder is not null)
        {
            // What the dead supervisor cannot stop any more: the job's command, still running (reparented), is killed with its group.
            for (var i = 0; i < orphans.Count; i++)
            {
                if (JobProcessRecord.KillLeftover(Path.Combine(_jobsFolder, orphans[i].Name)) is { } pid)
                {
                    orphans[i] = (orphans[i].Name, orphans[i].Why + string.Create(CultureInfo.InvariantCulture, $" Its command (process {pid}), still running, was killed."));
                }
            }
        }
        return _database.Write((connection, transaction) =>
        {
            var failed = new List<string>();
            foreach (var (name, why) in orphans)
            {
                if (Finish(connection, transaction, name, JobStatus.Failed, new JobError("SupervisorLost", why), now, onlyFrom: ClaimedList))
                {
                    failed.Add(name);
                }
            }
            return failed;
        }, cancellationToken);
    }

    /// <summary>Sets a job's start and end times (a reused pipeline step, stored terminal).</summary>
    public void MarkTimes(string name, DateTimeOffset startedAt, DateTimeOffset endedAt, CancellationToken cancellationToken = default) =>
        _database.Write((connection, transaction) => Update(connection, transaction, "UPDATE jobs SET started_ms = @started, ended_ms = @ended WHERE name = @name", name,
            ("@started", startedAt.ToUnixTimeMilliseconds()), ("@ended", endedAt.ToUnixTimeMilliseconds())), cancellationToken);

    /// <summary>Archives or restores a job.</summary>
    public bool SetArchived(string name, bool archived, CancellationToken cancellationToken = default) =>
        _database.Write((connection, transaction) => Update(connection, transaction, "UPDATE jobs SET archived = @flag WHERE name = @name", name, ("@flag", archived ? 1 : 0)) == 1, cancellationToken);

    /// <summary>How many jobs of kinds that take a slot are held on <paramref name="compute"/> right now (tests and benchmarks).</summary>
    public int RunningOn(string compute, CancellationToken cancellationToken = default) =>
        _database.Read(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT COUNT(*) FROM jobs WHERE compute = @compute AND type = 'Command' AND status IN ({ClaimedList})";
            command.Parameters.AddWithValue("@compute", compute);
            return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }, cancellationToken);

    private static bool Finish(SqliteConnection connection, SqliteTransaction transaction, string name, JobStatus status, JobError? error, long now, string? onlyFrom = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            UPDATE jobs SET status = @status, ended_ms = @now, error_code = @code, error_message = @message, heartbeat_ms = NULL
            WHERE name = @name AND status IN ({onlyFrom ?? "'NotStarted', 'Queued', " + ClaimedList})
            """;
        command.Parameters.AddWithValue("@status", status.ToString());
        command.Parameters.AddWithValue("@now", now);
        command.Parameters.AddWithValue("@code", (object?)error?.Code ?? DBNull.Value);
        command.Parameters.AddWithValue("@message", (object?)error?.Message ?? DBNull.Value);
        command.Parameters.AddWithValue("@name", name);
        if (command.ExecuteNonQuery() != 1)
        {
            return false;
        }
        // The job's run mirrors its end (the run id is the job name).
        using var run = connection.CreateCommand();
        run.Transaction = transaction;
        run.CommandText = "UPDATE runs SET status = @status, end_time = @now WHERE run_id = @name AND status NOT IN ('Completed', 'Failed', 'Canceled')";
        run.Parameters.AddWithValue("@status", status switch { JobStatus.Completed => "Completed", JobStatus.Canceled => "Canceled", _ => "Failed" });
        run.Parameters.AddWithValue("@now", now);
        run.Parameters.AddWithValue("@name", name);
        run.ExecuteNonQuery();
        return true;
    }

    private static int Update(SqliteConnection connection, SqliteTransaction transaction, string sql, string name, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.Parameters.AddWithValue("@name", name);
        foreach (var (key, value) in parameters)
        {
            command.Parameters.AddWithValue(key, value);
        }
        return command.ExecuteNonQuery();
    }

    private static List<LocalJobRow> ReadAll(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var rows = new List<LocalJobRow>();
        while (reader.Read())
        {
            rows.Add(new LocalJobRow
            {
                Seq = reader.GetInt64(0),
                Name = reader.GetString(1),
                Type = Enum.Parse<JobType>(reader.GetString(2)),
                Status = Enum.Parse<JobStatus>(reader.GetString(3)),
                DefinitionJson = reader.GetString(4),
                DisplayName = reader.IsDBNull(5) ? null : reader.GetString(5),
                ExperimentName = reader.GetString(6),
                ParentName = reader.IsDBNull(7) ? null : reader.GetString(7),
                Compute = reader.GetString(8),
                Description = reader.IsDBNull(9) ? null : reader.GetString(9),
                Tags = Dict(reader.GetString(10)),
                Properties = Dict(reader.GetString(11)),
                OutputUris = Dict(reader.GetString(12)),
                CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(13)),
                StartedAt = reader.IsDBNull(14) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(14)),
                EndedAt = reader.IsDBNull(15) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(15)),
                Error = reader.IsDBNull(16) ? null : new JobError(reader.GetString(16), reader.IsDBNull(17) ? "" : reader.GetString(17)),
                IsArchived = reader.GetInt64(18) != 0,
                CancelRequested = reader.GetInt64(19) != 0,
                SupervisorId = reader.IsDBNull(20) ? null : reader.GetString(20),
                HeartbeatAt = reader.IsDBNull(21) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(21)),
            });
        }
        return rows;
    }

    private static string Json(IReadOnlyDictionary<string, string> values) =>
        JsonSerializer.Serialize(values as Dictionary<string, string> ?? new Dictionary<string, string>(values, StringComparer.Ordinal), LocalJobsJsonContext.Default.DictionaryStringString);

    private static Dictionary<string, string> Dict(string json) =>
        JsonSerializer.Deserialize(json, LocalJobsJsonContext.Default.DictionaryStringString) ?? new Dictionary<string, string>(StringComparer.Ordinal);
}
