using AzureMlSdk.Assets;

namespace AzureMlSdk.Backends.Local;

/// <summary>
/// The local workspace's versioned assets (<see cref="IAssetBackend"/>), one partial file per kind: code snapshots in
/// <c>LocalAssetBackend.Code.cs</c>; data, environments and components beside it. Metadata in the workspace's SQLite
/// file, content in its datastores (<see cref="LocalDatastore"/>).
/// </summary>
internal sealed partial class LocalAssetBackend : IAssetBackend
{
    private readonly LocalDatabase _database;
    private readonly string _root;
    private readonly LocalDatastore _datastore;
    private readonly TimeProvider _time;

    /// <param name="database">The workspace's database.</param>
    /// <param name="root">The workspace folder.</param>
    /// <param name="datastore">The workspace's datastores (where content is stored).</param>
    /// <param name="time">The clock.</param>
    public LocalAssetBackend(LocalDatabase database, string root, LocalDatastore datastore, TimeProvider time)
    {
        _database = database;
        _root = Path.GetFullPath(root);
        _datastore = datastore;
        _time = time;
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();
}
