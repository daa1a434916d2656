using System.Diagnostics;
using System.Globalization;

namespace AzureMlSdk.Backends.Local;

/// <summary>
/// Runs a process started on a local workspace carry tag <see cref="OwnerTag"/> (<c>&lt;host&gt;/&lt;pid&gt;/&lt;process start, Unix ms&gt;</c>).
/// When the workspace is opened, a run still <c>Running</c> whose owner on this host is gone (killed, crashed: no process with
/// that id, or one started later that reuses it) is marked <c>Failed</c> with tags saying why — it would otherwise stay
/// <c>Running</c> forever. Runs owned by live processes, by other hosts, or created without an owner (through the Emulator's
/// REST routes, whose clients are other processes) are left alone.
/// </summary>
internal sealed partial class LocalTrackingStore
{
    /// <summary>The run tag naming the process that started a run on a local workspace.</summary>
    internal const string OwnerTag = "azureml.localOwner";

    /// <summary>The value of <see cref="OwnerTag"/> for this process.</summary>
    internal static string CurrentOwner { get; } = OwnerOf(Environment.MachineName, Environment.ProcessId, ProcessStartMs());

    internal static string OwnerOf(string host, int pid, long startedMs) =>
        string.Create(CultureInfo.InvariantCulture, $"{host}/{pid}/{startedMs}");

    /// <summary>Marks Failed every Running run whose owner process on this host has ended; returns their ids.</summary>
    internal IReadOnlyList<string> FailRunsOfDeadOwners(CancellationToken cancellationToken = default)
    {
        var candidates = _database.Read(connection =>
        {
            using var command = Command(connection, null, """
                SELECT r.run_key, r.run_id, t.value FROM runs r JOIN run_tags t ON t.run_key = r.run_key AND t.key = @tag
                WHERE r.status = 'Running'
                """);
            command.Parameters.AddWithValue("@tag", OwnerTag);
            using var reader = command.ExecuteReader();
            var found = new List<(long Key, string Id, string Owner)>();
            while (reader.Read())
            {
                found.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
            }
            return found;
        }, cancellationToken);

        var failed = new List<string>();
        foreach (var (key, id, owner) in candidates)
        {
            if (!IsDeadOwner(owner, out var pid))
            {
                continue;
            }
            var marked = _database.Write((connection, transaction) =>
            {
                using var update = Command(connection, transaction, "UPDATE runs SET status = 'Failed', end_time = @now WHERE run_key = @key AND status = 'Running'");
                update.Parameters.AddWithValue("@now", NowMs());
                update.Parameters.AddWithValue("@key", key);
                if (update.ExecuteNonQuery() == 0)
                {
                    return false; // ended meanwhile
                }
                UpsertRunTags(connection, transaction, key,
                [
                    new("azureml.error.type", "ProcessEnded"),
                    new("azureml.error.message", string.Create(CultureInfo.InvariantCulture,
                        $"The process that ran this run (pid {pid} on {Environment.MachineName}) ended without completing it (killed or crashed); marked Failed when the workspace was next opened.")),
                ]);
                return true;
            }, cancellationToken);
            if (marked)
            {
                failed.Add(id);
            }
        }
        return failed;
    }

    /// <summary>True when <paramref name="owner"/> names a process of this host that no longer runs.</summary>
    internal static bool IsDeadOwner(string owner, out int pid)
    {
        pid = 0;
        var parts = owner.Split('/');
        if (parts.Length != 3
            || !string.Equals(parts[0], Environment.MachineName, StringComparison.OrdinalIgnoreCase)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out pid)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var startedMs))
        {
            return false; // another host (a shared folder) or not ours to judge
        }
        if (pid == Environment.ProcessId)
        {
            return owner != CurrentOwner;
        }
        return !TempFiles.ProcessIsAlive(pid, DateTimeOffset.FromUnixTimeMilliseconds(startedMs).UtcDateTime);
    }

    private static long ProcessStartMs()
    {
        try
        {
            using var self = Process.GetCurrentProcess();
            return new DateTimeOffset(self.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds();
        }
        catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException or System.ComponentModel.Win32Exception)
        {
            return DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        }
    }
}
