using System.Text.Json;
using AzureMlSdk.Assets;
using Microsoft.Data.Sqlite;

namespace AzureMlSdk.Backends.Local;

/// <summary>
/// The local workspace's computes (<see cref="IComputeBackend"/>), in the <c>computes</c> table. <c>local</c> always exists
/// (<see cref="GetAsync"/> answers it; it is not listed, as <c>az ml compute list</c> does not list it) and runs jobs on this
/// machine with <see cref="LocalSlots"/> at once; an <c>amlcompute</c> cluster is a pool of <c>max_instances</c> slots
/// (the job supervisor never runs more jobs on it at once; the rest wait <c>Queued</c>, first in first out).
/// Ids have ARM's shape (<c>/subscriptions/…/workspaces/local/computes/&lt;name&gt;</c>) so the Emulator can serve them as they are.
/// </summary>
internal sealed class LocalComputeBackend : IComputeBackend
{
    /// <summary>The built-in compute's name.</summary>
    public const string LocalComputeName = "local";

    private readonly LocalDatabase _database;
    private readonly TimeProvider _time;
    private readonly WorkspaceInfo _workspace;

    public LocalComputeBackend(LocalDatabase database, WorkspaceInfo workspace, TimeProvider time)
    {
        _database = database;
        _workspace = workspace;
        _time = time;
    }

    /// <summary>
    /// How many jobs <c>local</c> runs at once: the processor count, at least 2 (a training job usually keeps a core busy; more at
    /// once only slows each). Jobs beyond it wait <c>Queued</c> as on a cluster.
    /// </summary>
    public static int LocalSlots { get; } = Math.Max(2, Environment.ProcessorCount);

    public Task<ComputeData> CreateOrUpdateAsync(ComputeDefinition compute, CancellationToken cancellationToken)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(compute);
            compute.Validate();
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            _database.Write((connection, transaction) =>
            {
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = """
                    INSERT INTO computes (name, type, min_instances, max_instances, size, description, tags_json, idle_seconds, tier, location, created_ms)
                    VALUES (@name, @type, @min, @max, @size, @description, @tags, @idle, @tier, @location, @now)
                    ON CONFLICT(name) DO UPDATE SET min_instances = excluded.min_instances, max_instances = excluded.max_instances,
                        description = excluded.description, tags_json = excluded.tags_json, idle_seconds = excluded.idle_seconds,
                        size = COALESCE(excluded.size, computes.size), tier = COALESCE(excluded.tier, computes.tier)
                    """;
                command.Parameters.AddWithValue("@name", compute.Name);
                command.Parameters.AddWithValue("@type", compute.Type);
                command.Parameters.AddWithValue("@min", compute.MinInstances);
                command.Parameters.AddWithValue("@max", compute.MaxInstances);
                command.Parameters.AddWithValue("@size", (object?)compute.Size ?? DBNull.Value);
                command.Parameters.AddWithValue("@description", (object?)compute.Description ?? DBNull.Value);
                command.Parameters.AddWithValue("@tags", JsonSerializer.Serialize(new Dictionary<string, string>(compute.Tags, StringComparer.Ordinal), LocalJobsJsonContext.Default.DictionaryStringString));
                command.Parameters.AddWithValue("@idle", compute.IdleTimeBeforeScaleDown is { } idle ? (long)idle.TotalSeconds : DBNull.Value);
                command.Parameters.AddWithValue("@tier", (object?)compute.Tier ?? DBNull.Value);
                command.Parameters.AddWithValue("@location", (object?)compute.Location ?? DBNull.Value);
                command.Parameters.AddWithValue("@now", now);
                return command.ExecuteNonQuery();
            }, cancellationToken);
            return Task.FromResult(Find(compute.Name, cancellationToken)!);
        }
        catch (Exception ex)
        {
            return Task.FromException<ComputeData>(ex);
        }
    }

    public Task<ComputeData> GetAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
            var bare = name.StartsWith("azureml:", StringComparison.OrdinalIgnoreCase) ? name["azureml:".Length..] : name;
            if (string.Equals(bare, LocalComputeName, StringComparison.OrdinalIgnoreCase))
            {
                return Task.FromResult(Local());
            }
            return Task.FromResult(Find(bare, cancellationToken) ?? throw NotFound(bare, cancellationToken));
        }
        catch (Exception ex)
        {
            return Task.FromException<ComputeData>(ex);
        }
    }

    public Task<IReadOnlyList<ComputeData>> ListAsync(CancellationToken cancellationToken)
    {
        try
        {
            return Task.FromResult<IReadOnlyList<ComputeData>>(List(cancellationToken));
        }
        catch (Exception ex)
        {
            return Task.FromException<IReadOnlyList<ComputeData>>(ex);
        }
    }

    public Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
            if (string.Equals(name, LocalComputeName, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidInputException("'local' is the built-in local compute; it cannot be deleted.", nameof(name));
            }
            var outcome = _database.Write((connection, transaction) =>
            {
                using var busy = connection.CreateCommand();
                busy.Transaction = transaction;
                busy.CommandText = "SELECT COUNT(*) FROM jobs WHERE compute = @name AND status NOT IN ('Completed', 'Failed', 'Canceled')";
                busy.Parameters.AddWithValue("@name", name);
                var active = Convert.ToInt64(busy.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
                if (active > 0)
                {
                    return active;
                }
                using var delete = connection.CreateCommand();
                delete.Transaction = transaction;
                delete.CommandText = "DELETE FROM computes WHERE name = @name";
                delete.Parameters.AddWithValue("@name", name);
                return delete.ExecuteNonQuery() == 0 ? -1L : 0L;
            }, cancellationToken);
            return outcome switch
            {
                -1 => throw NotFound(name, cancellationToken),
                > 0 => throw new InvalidStateException($"Compute '{name}' has {outcome} job(s) queued or running; cancel them or wait for them to end before deleting it."),
                _ => Task.CompletedTask,
            };
        }
        catch (Exception ex)
        {
            return Task.FromException(ex);
        }
    }

    /// <summary>How many jobs may run at once on <paramref name="name"/>: <see cref="LocalSlots"/> for <c>local</c>, else the cluster's max instances; null when it does not exist.</summary>
    internal int? SlotsOf(string name, CancellationToken cancellationToken = default) =>
        string.Equals(name, LocalComputeName, StringComparison.OrdinalIgnoreCase) ? LocalSlots : Find(name, cancellationToken)?.MaxInstances;

    private ComputeData Local() => new(LocalComputeName, "local", IdOf(LocalComputeName), 0, LocalSlots, null, "Succeeded", "This machine: jobs run in the host's environment.",
        new Dictionary<string, string>(StringComparer.Ordinal), DateTimeOffset.UnixEpoch);

    private string IdOf(string name) =>
        $"/subscriptions/{_workspace.SubscriptionId}/resourceGroups/{_workspace.ResourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/{_workspace.Name}/computes/{name}";

    private ResourceNotFoundException NotFound(string name, CancellationToken cancellationToken)
    {
        var known = List(cancellationToken).Select(c => c.Name).Prepend(LocalComputeName).ToList();
        return new ResourceNotFoundException($"Compute '{name}' does not exist in the local workspace; it has {string.Join(", ", known)}. Create it with ws.Computes.CreateOrUpdateAsync (az ml compute create --type amlcompute --max-instances N).");
    }

    private List<ComputeData> List(CancellationToken cancellationToken) =>
        _database.Read(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"{Select} ORDER BY name";
            return ReadAll(command);
        }, cancellationToken);

    private ComputeData? Find(string name, CancellationToken cancellationToken) =>
        _database.Read(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"{Select} WHERE name = @name";
            command.Parameters.AddWithValue("@name", name);
            return ReadAll(command).FirstOrDefault();
        }, cancellationToken);

    private const string Select = "SELECT name, type, min_instances, max_instances, size, description, tags_json, created_ms FROM computes";

    private List<ComputeData> ReadAll(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var found = new List<ComputeData>();
        while (reader.Read())
        {
            var name = reader.GetString(0);
            found.Add(new ComputeData(name, reader.GetString(1), IdOf(name), reader.GetInt32(2), reader.GetInt32(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), "Succeeded", reader.IsDBNull(5) ? null : reader.GetString(5),
                JsonSerializer.Deserialize(reader.GetString(6), LocalJobsJsonContext.Default.DictionaryStringString) ?? new Dictionary<string, string>(StringComparer.Ordinal),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7))));
        }
        return found;
    }
}
