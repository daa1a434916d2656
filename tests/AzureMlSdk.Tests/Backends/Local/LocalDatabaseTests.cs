using AzureMlSdk.Backends.Local;

namespace AzureMlSdk.Tests.Backends.Local;

public sealed class LocalDatabaseTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "azureml-db-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private static string Pragma(Microsoft.Data.Sqlite.SqliteConnection connection, string name)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {name};";
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture)!;
    }

    [Fact]
    public void Every_connection_has_the_workspace_pragmas_whether_new_or_reused_from_the_pool()
    {
        var db = new LocalDatabase(_dir);
        for (var open = 0; open < 3; open++)
        {
            using var first = db.Open();
            using var second = db.Open(); // held together: the pool must hand out a second native handle
            foreach (var connection in new[] { first, second })
            {
                Assert.Equal("wal", Pragma(connection, "journal_mode"));
                Assert.Equal("1", Pragma(connection, "synchronous")); // NORMAL
                Assert.Equal("30000", Pragma(connection, "busy_timeout"));
                Assert.Equal("1", Pragma(connection, "foreign_keys"));
            }
        }
    }

    [Fact]
    public void A_handle_the_pool_dropped_is_initialized_again_on_the_next_open()
    {
        var db = new LocalDatabase(_dir);
        using (db.Open())
        {
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        using var reopened = db.Open();

        Assert.Equal("1", Pragma(reopened, "foreign_keys"));
        Assert.Equal("30000", Pragma(reopened, "busy_timeout"));
    }
}
