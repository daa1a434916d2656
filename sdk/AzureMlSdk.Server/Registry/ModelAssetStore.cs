using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace AzureMlSdk.Server.Registry;

/// <summary>A stored model container: its PUT properties and bookkeeping.</summary>
internal sealed record ContainerRow(string Name, JsonObject Properties, long NextVersion, DateTimeOffset CreatedAt, DateTimeOffset ModifiedAt);

/// <summary>A stored model version: its PUT properties.</summary>
internal sealed record VersionRow(string Name, string Version, JsonObject Properties, DateTimeOffset CreatedAt, DateTimeOffset ModifiedAt);

/// <summary>Outcome of a version PUT.</summary>
internal enum PutOutcome
{
    Created,
    Updated,
    PreconditionFailed,
    Conflict,
}

/// <summary>Outcome of a container rename.</summary>
internal enum RenameOutcome
{
    Renamed,
    NotFound,
    NameTaken,
}

/// <summary>
/// ARM metadata of a workspace's model containers and versions, as PUT (tags, properties, description, stage,
/// isArchived, modelUri…), in a small SQLite file; the content itself lives in blob storage. One writer at a time.
/// </summary>
internal sealed class ModelAssetStore : IDisposable
{
    /// <summary>Longest description of a model or version (the ARM routes' <c>properties.description</c> limit, applied by MLflow's routes too).</summary>
    public const int MaxDescriptionLength = 5000;

    private readonly string _connectionString;
    private readonly Lock _gate = new();
    private bool _initialized;

    public ModelAssetStore(string file)
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
                CREATE TABLE IF NOT EXISTS model_containers (
                    name TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
                    body TEXT NOT NULL,
                    next_version INTEGER NOT NULL DEFAULT 1,
                    created_at INTEGER NOT NULL,
                    modified_at INTEGER NOT NULL);
                CREATE TABLE IF NOT EXISTS model_versions (
                    name TEXT NOT NULL COLLATE NOCASE,
                    version TEXT NOT NULL,
                    body TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    modified_at INTEGER NOT NULL,
                    PRIMARY KEY (name, version));
                """;
            create.ExecuteNonQuery();
            _initialized = true;
        }
        return connection;
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static DateTimeOffset Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    public ContainerRow? GetContainer(string name)
    {
        lock (_gate)
        {
            using var connection = Open();
            return GetContainer(connection, name);
        }
    }

    private static ContainerRow? GetContainer(SqliteConnection connection, string name)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, body, next_version, created_at, modified_at FROM model_containers WHERE name = @name";
        command.Parameters.AddWithValue("@name", name);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadContainer(reader) : null;
    }

    private static ContainerRow ReadContainer(SqliteDataReader reader) =>
        new(reader.GetString(0), (JsonObject)JsonNode.Parse(reader.GetString(1))!, reader.GetInt64(2), Time(reader.GetInt64(3)), Time(reader.GetInt64(4)));

    public IReadOnlyList<ContainerRow> ListContainers()
    {
        lock (_gate)
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT name, body, next_version, created_at, modified_at FROM model_containers ORDER BY name";
            using var reader = command.ExecuteReader();
            var rows = new List<ContainerRow>();
            while (reader.Read())
            {
                rows.Add(ReadContainer(reader));
            }
            return rows;
        }
    }

    /// <summary>Creates or replaces a container's properties; true when created.</summary>
    public bool PutContainer(string name, JsonObject properties)
    {
        lock (_gate)
        {
            using var connection = Open();
            var now = Now();
            var existing = GetContainer(connection, name);
            using var command = connection.CreateCommand();
            if (existing is null)
            {
                command.CommandText = "INSERT INTO model_containers (name, body, next_version, created_at, modified_at) VALUES (@name, @body, 1, @now, @now)";
            }
            else
            {
                command.CommandText = "UPDATE model_containers SET body = @body, modified_at = @now WHERE name = @name";
            }
            command.Parameters.AddWithValue("@name", name);
            command.Parameters.AddWithValue("@body", properties.ToJsonString());
            command.Parameters.AddWithValue("@now", now);
            command.ExecuteNonQuery();
            return existing is null;
        }
    }

    /// <summary>Creates a container unless one of that name exists (MLflow's create, which must not replace); true when created.</summary>
    public bool TryCreateContainer(string name, JsonObject properties)
    {
        lock (_gate)
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO model_containers (name, body, next_version, created_at, modified_at) VALUES (@name, @body, 1, @now, @now) ON CONFLICT (name) DO NOTHING";
            command.Parameters.AddWithValue("@name", name);
            command.Parameters.AddWithValue("@body", properties.ToJsonString());
            command.Parameters.AddWithValue("@now", Now());
            return command.ExecuteNonQuery() == 1;
        }
    }

    /// <summary>Changes a container's properties in place (read, <paramref name="change"/>, write, under the lock); null when there is none.</summary>
    public ContainerRow? UpdateContainer(string name, Action<JsonObject> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_gate)
        {
            using var connection = Open();
            var existing = GetContainer(connection, name);
            if (existing is null)
            {
                return null;
            }
            var body = (JsonObject)existing.Properties.DeepClone();
            change(body);
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "UPDATE model_containers SET body = @body, modified_at = @now WHERE name = @name";
                command.Parameters.AddWithValue("@name", existing.Name);
                command.Parameters.AddWithValue("@body", body.ToJsonString());
                command.Parameters.AddWithValue("@now", Now());
                command.ExecuteNonQuery();
            }
            return GetContainer(connection, name);
        }
    }

    /// <summary>Changes a version's properties in place (read, <paramref name="change"/>, write, under the lock); null when there is none.</summary>
    public VersionRow? UpdateVersion(string name, string version, Action<JsonObject> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_gate)
        {
            using var connection = Open();
            var existing = GetVersion(connection, null, name, version);
            if (existing is null)
            {
                return null;
            }
            var body = (JsonObject)existing.Properties.DeepClone();
            change(body);
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "UPDATE model_versions SET body = @body, modified_at = @now WHERE name = @name AND version = @version";
                command.Parameters.AddWithValue("@name", existing.Name);
                command.Parameters.AddWithValue("@version", version);
                command.Parameters.AddWithValue("@body", body.ToJsonString());
                command.Parameters.AddWithValue("@now", Now());
                command.ExecuteNonQuery();
            }
            return GetVersion(connection, null, name, version);
        }
    }

    /// <summary>
    /// Adds the container's next version (its <c>nextVersion</c>, never a number handed out before) with these properties, in one
    /// transaction; null when the container does not exist. MLflow numbers versions this way (max + 1, deleted ones included).
    /// </summary>
    public VersionRow? CreateNextVersion(string name, JsonObject properties)
    {
        lock (_gate)
        {
            using var connection = Open();
            using var transaction = connection.BeginTransaction();
            var container = GetContainer(connection, name);
            if (container is null)
            {
                return null;
            }
            var number = container.NextVersion;
            while (GetVersion(connection, transaction, container.Name, number.ToString(CultureInfo.InvariantCulture)) is not null)
            {
                number++; // a version PUT by number through ARM may sit ahead of nextVersion
            }
            var version = number.ToString(CultureInfo.InvariantCulture);
            var now = Now();
            using (var insert = connection.CreateCommand())
            {
                insert.Transaction = transaction;
                insert.CommandText = "INSERT INTO model_versions (name, version, body, created_at, modified_at) VALUES (@name, @version, @body, @now, @now)";
                insert.Parameters.AddWithValue("@name", container.Name);
                insert.Parameters.AddWithValue("@version", version);
                insert.Parameters.AddWithValue("@body", properties.ToJsonString());
                insert.Parameters.AddWithValue("@now", now);
                insert.ExecuteNonQuery();
            }
            using (var next = connection.CreateCommand())
            {
                next.Transaction = transaction;
                next.CommandText = "UPDATE model_containers SET next_version = @next, modified_at = @now WHERE name = @name";
                next.Parameters.AddWithValue("@next", number + 1);
                next.Parameters.AddWithValue("@name", container.Name);
                next.Parameters.AddWithValue("@now", now);
                next.ExecuteNonQuery();
            }
            var row = GetVersion(connection, transaction, container.Name, version);
            transaction.Commit();
            return row;
        }
    }

    /// <summary>Renames a container and its versions (MLflow's rename; ARM has none).</summary>
    public RenameOutcome RenameContainer(string name, string newName)
    {
        lock (_gate)
        {
            using var connection = Open();
            using var transaction = connection.BeginTransaction();
            var existing = GetContainer(connection, name);
            if (existing is null)
            {
                return RenameOutcome.NotFound;
            }
            var taken = GetContainer(connection, newName);
            if (taken is not null && !string.Equals(taken.Name, existing.Name, StringComparison.Ordinal))
            {
                return RenameOutcome.NameTaken;
            }
            var now = Now();
            foreach (var sql in new[]
            {
                "UPDATE model_containers SET name = @new, modified_at = @now WHERE name = @old",
                "UPDATE model_versions SET name = @new, modified_at = @now WHERE name = @old",
            })
            {
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = sql;
                command.Parameters.AddWithValue("@new", newName);
                command.Parameters.AddWithValue("@old", existing.Name);
                command.Parameters.AddWithValue("@now", now);
                command.ExecuteNonQuery();
            }
            transaction.Commit();
            return RenameOutcome.Renamed;
        }
    }

    /// <summary>Deletes a container and its versions; false when there was none.</summary>
    public bool DeleteContainer(string name)
    {
        lock (_gate)
        {
            using var connection = Open();
            using var transaction = connection.BeginTransaction();
            using var versions = connection.CreateCommand();
            versions.Transaction = transaction;
            versions.CommandText = "DELETE FROM model_versions WHERE name = @name";
            versions.Parameters.AddWithValue("@name", name);
            versions.ExecuteNonQuery();
            using var container = connection.CreateCommand();
            container.Transaction = transaction;
            container.CommandText = "DELETE FROM model_containers WHERE name = @name";
            container.Parameters.AddWithValue("@name", name);
            var deleted = container.ExecuteNonQuery() == 1;
            transaction.Commit();
            return deleted;
        }
    }

    public VersionRow? GetVersion(string name, string version)
    {
        lock (_gate)
        {
            using var connection = Open();
            return GetVersion(connection, null, name, version);
        }
    }

    private static VersionRow? GetVersion(SqliteConnection connection, SqliteTransaction? transaction, string name, string version)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT name, version, body, created_at, modified_at FROM model_versions WHERE name = @name AND version = @version";
        command.Parameters.AddWithValue("@name", name);
        command.Parameters.AddWithValue("@version", version);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadVersion(reader) : null;
    }

    private static VersionRow ReadVersion(SqliteDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), (JsonObject)JsonNode.Parse(reader.GetString(2))!, Time(reader.GetInt64(3)), Time(reader.GetInt64(4)));

    public IReadOnlyList<VersionRow> ListVersions(string name)
    {
        lock (_gate)
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT name, version, body, created_at, modified_at FROM model_versions WHERE name = @name";
            command.Parameters.AddWithValue("@name", name);
            using var reader = command.ExecuteReader();
            var rows = new List<VersionRow>();
            while (reader.Read())
            {
                rows.Add(ReadVersion(reader));
            }
            return rows;
        }
    }

    /// <summary>
    /// Creates or updates a version (creating its container when needed). With <paramref name="ifNoneMatchAny"/> an existing
    /// version is not replaced (<see cref="PutOutcome.PreconditionFailed"/>); an update may not move <c>modelUri</c>
    /// (<see cref="PutOutcome.Conflict"/>), as the content of a version is immutable.
    /// </summary>
    public (PutOutcome Outcome, VersionRow? Row) PutVersion(string name, string version, JsonObject properties, bool ifNoneMatchAny)
    {
        lock (_gate)
        {
            using var connection = Open();
            using var transaction = connection.BeginTransaction();
            var now = Now();
            var existing = GetVersion(connection, transaction, name, version);
            if (existing is not null && ifNoneMatchAny)
            {
                return (PutOutcome.PreconditionFailed, existing);
            }
            if (existing is not null)
            {
                var oldUri = existing.Properties["modelUri"]?.GetValue<string>();
                var newUri = properties["modelUri"]?.GetValue<string>();
                if (newUri is not null && oldUri is not null && !string.Equals(oldUri.TrimEnd('/'), newUri.TrimEnd('/'), StringComparison.Ordinal))
                {
                    return (PutOutcome.Conflict, existing);
                }
                properties["modelUri"] ??= oldUri;
            }

            using (var ensure = connection.CreateCommand())
            {
                ensure.Transaction = transaction;
                ensure.CommandText = "INSERT INTO model_containers (name, body, next_version, created_at, modified_at) VALUES (@name, '{}', 1, @now, @now) ON CONFLICT (name) DO NOTHING";
                ensure.Parameters.AddWithValue("@name", name);
                ensure.Parameters.AddWithValue("@now", now);
                ensure.ExecuteNonQuery();
            }
            var containerName = GetContainer(connection, name)!.Name;
            using (var write = connection.CreateCommand())
            {
                write.Transaction = transaction;
                write.CommandText = existing is null
                    ? "INSERT INTO model_versions (name, version, body, created_at, modified_at) VALUES (@name, @version, @body, @now, @now)"
                    : "UPDATE model_versions SET body = @body, modified_at = @now WHERE name = @name AND version = @version";
                write.Parameters.AddWithValue("@name", containerName);
                write.Parameters.AddWithValue("@version", version);
                write.Parameters.AddWithValue("@body", properties.ToJsonString());
                write.Parameters.AddWithValue("@now", now);
                write.ExecuteNonQuery();
            }
            if (long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                using var next = connection.CreateCommand();
                next.Transaction = transaction;
                next.CommandText = "UPDATE model_containers SET next_version = MAX(next_version, @next), modified_at = @now WHERE name = @name";
                next.Parameters.AddWithValue("@next", number + 1);
                next.Parameters.AddWithValue("@name", name);
                next.Parameters.AddWithValue("@now", now);
                next.ExecuteNonQuery();
            }
            var row = GetVersion(connection, transaction, name, version);
            transaction.Commit();
            return (existing is null ? PutOutcome.Created : PutOutcome.Updated, row);
        }
    }

    /// <summary>Deletes a version; false when there was none. Its number is not handed out again.</summary>
    public bool DeleteVersion(string name, string version)
    {
        lock (_gate)
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM model_versions WHERE name = @name AND version = @version";
            command.Parameters.AddWithValue("@name", name);
            command.Parameters.AddWithValue("@version", version);
            return command.ExecuteNonQuery() == 1;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // Connections are not pooled: nothing stays open between calls.
    }
}
