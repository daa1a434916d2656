using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AzureMlSdk.Backends.Local;

/// <summary>
/// The local workspace's SQLite file: WAL journal (readers never block the writer), a busy timeout,
/// IMMEDIATE write transactions (so two processes never deadlock upgrading a read lock), and a bounded
/// retry when another process holds the write lock longer than the timeout. Users never see
/// "database is locked": a write either commits, or fails after the retry budget with
/// <see cref="ServiceUnavailableException"/>, leaving nothing behind.
/// </summary>
internal sealed partial class LocalDatabase
{
    /// <summary>A wait on another process's write lock longer than this is logged (once per operation).</summary>
    private static readonly TimeSpan SlowLockWait = TimeSpan.FromSeconds(1);
    private readonly ILogger _logger;
    private static readonly TimeSpan RetryBudget = TimeSpan.FromSeconds(120);
    private static readonly object Initialized = new();
    private static readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> InitializedHandles = new();
    private readonly string _connectionString;

    public LocalDatabase(string directory, ILogger? logger = null)
    {
        _logger = logger ?? NullLogger.Instance;
        Directory.CreateDirectory(directory);
        FilePath = Path.Combine(directory, "azureml.db");
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 60,
        }.ToString();
        Write((connection, transaction) =>
        {
            if (string.IsNullOrWhiteSpace(LocalSchema.Ddl))
            {
                return 0;
            }
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = LocalSchema.Ddl;
            command.ExecuteNonQuery();
            return 0;
        });
    }

    /// <summary>The database file.</summary>
    public string FilePath { get; }

    /// <summary>Opens a pooled connection with the workspace's pragmas.</summary>
    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        // Pragmas belong to the native handle, which the pool keeps: set them once per handle, not on every open
        // (a reopen from the pool would otherwise cost four statements per write).
        if (!InitializedHandles.TryGetValue(connection.Handle!, out _))
        {
            using var command = connection.CreateCommand();
            // WAL survives a killed process: committed transactions stay, the open one is rolled back on next open.
            command.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;";
            command.ExecuteNonQuery();
            InitializedHandles.AddOrUpdate(connection.Handle!, Initialized);
        }
        return connection;
    }

    /// <summary>Runs <paramref name="work"/> in one IMMEDIATE transaction, retrying the whole unit while the database is busy.</summary>
    public T Write<T>(Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken cancellationToken = default) =>
        WithBusyRetry(() =>
        {
            using var connection = Open();
            using var transaction = connection.BeginTransaction(deferred: false);
            var result = work(connection, transaction);
            transaction.Commit();
            return result;
        }, cancellationToken);

    /// <summary>Runs a read; WAL readers see the last committed state and do not wait for writers.</summary>
    public T Read<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken = default) =>
        WithBusyRetry(() =>
        {
            using var connection = Open();
            return work(connection);
        }, cancellationToken);

    private T WithBusyRetry<T>(Func<T> attempt, CancellationToken cancellationToken)
    {
        var started = Environment.TickCount64;
        var warned = false;
        for (var tries = 1; ; tries++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return attempt();
            }
            catch (SqliteException ex) when (IsBusy(ex))
            {
                var waited = Environment.TickCount64 - started;
                if (!warned && waited > SlowLockWait.TotalMilliseconds)
                {
                    warned = true;
                    LogLockWait(_logger, FilePath, waited);
                }
                if (waited > RetryBudget.TotalMilliseconds)
                {
                    throw new ServiceUnavailableException($"The local workspace database '{FilePath}' stayed locked by another process for over {RetryBudget.TotalSeconds:0} s.", innerException: ex);
                }
                // Jittered backoff so competing processes do not retry in lockstep.
                Thread.Sleep(Math.Min(200, 5 * tries) + Random.Shared.Next(0, 10));
            }
        }
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "The local workspace database {File} is locked by another process; still waiting after {WaitedMs} ms (gives up after 120 s)")]
    private static partial void LogLockWait(ILogger logger, string file, long waitedMs);

    private static bool IsBusy(SqliteException ex) => ex.SqliteErrorCode is 5 /* SQLITE_BUSY */ or 6 /* SQLITE_LOCKED */;
}
