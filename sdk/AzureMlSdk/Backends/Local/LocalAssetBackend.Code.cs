using AzureMlSdk.Assets;

namespace AzureMlSdk.Backends.Local;

/// <summary>
/// Code snapshots: a folder's content (<see cref="CodeFolder"/>: <c>.amlignore</c> / <c>.gitignore</c>, Azure's limits) stored once
/// per content hash under <c>LocalUpload/&lt;hash&gt;/</c> of the default datastore, as azure-ai-ml names them: asset name = hash,
/// version <c>1</c>, id <c>azureml:&lt;hash&gt;:1</c>. The files are copied (and checked) into a staging folder in <c>tmp/</c> and
/// the folder is moved into place in one step, so a snapshot is whole or absent, and two processes snapshotting the same
/// content at once store it once.
/// </summary>
internal sealed partial class LocalAssetBackend
{
    /// <summary>Where snapshots are in the default datastore.</summary>
    internal const string CodeFolderPrefix = "LocalUpload";

    public async Task<CodeSnapshot> CreateCodeAsync(string directory, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var entries = CodeFolder.List(directory);
        var hash = await CodeFolder.HashAsync(entries, cancellationToken).ConfigureAwait(false);
        var relative = $"{CodeFolderPrefix}/{hash}";
        var uri = LocalDatastore.UriOf(_datastore.DefaultDatastoreName, relative + "/");
        var target = _datastore.PathOf(uri);
        var files = entries.Count;
        var bytes = entries.Sum(e => e.Length);
        if (FindCode(hash, cancellationToken) is { } existing && Directory.Exists(target))
        {
            return existing with { WasUploaded = false };
        }

        var uploaded = false;
        if (!Directory.Exists(target))
        {
            var staging = TempFiles.Owned(LocalArtifactStore.TempFolder(_root), ".code");
            try
            {
                Directory.CreateDirectory(staging);
                var reporter = LocalDatastore.RunningTotal.Of(progress);
                foreach (var entry in entries)
                {
                    var destination = Path.Combine(staging, entry.RelativePath.Replace('/', Path.DirectorySeparatorChar));
                    await _datastore.CopyVerifiedAsync(entry.FullPath, destination, reporter, cancellationToken).ConfigureAwait(false);
                }
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                try
                {
                    Directory.Move(staging, target);
                    uploaded = true;
                }
                catch (IOException) when (Directory.Exists(target))
                {
                    // Another process stored the same content first: same hash, same files.
                }
            }
            finally
            {
                if (Directory.Exists(staging))
                {
                    TryDeleteFolder(staging);
                }
            }
        }

        var now = NowMs();
        _database.Write((connection, transaction) =>
        {
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO code_snapshots (name, version, uri, file_count, total_bytes, created_ms) VALUES (@name, '1', @uri, @files, @bytes, @now)
                ON CONFLICT(name) DO NOTHING
                """;
            insert.Parameters.AddWithValue("@name", hash);
            insert.Parameters.AddWithValue("@uri", uri);
            insert.Parameters.AddWithValue("@files", files);
            insert.Parameters.AddWithValue("@bytes", bytes);
            insert.Parameters.AddWithValue("@now", now);
            return insert.ExecuteNonQuery();
        }, cancellationToken);
        return new CodeSnapshot(CodeId(hash), hash, "1", hash, uri, files, bytes, uploaded);
    }

    public Task<CodeSnapshot> GetCodeAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(id);
            var reference = AssetReference.Parse(id);
            var name = reference.Kind is AssetReferenceKind.Asset or AssetReferenceKind.ArmId ? reference.Name : id;
            if (reference.Kind is AssetReferenceKind.Asset or AssetReferenceKind.ArmId && reference.Version is not null and not "1")
            {
                throw new ResourceNotFoundException($"Code '{id}' does not exist: local code snapshots have version 1 only.");
            }
            var found = name is null ? null : FindCode(name, cancellationToken);
            return found is not null && Directory.Exists(_datastore.PathOf(found.Uri))
                ? Task.FromResult(found)
                : throw new ResourceNotFoundException($"Code '{id}' does not exist in the local workspace.");
        }
        catch (Exception ex)
        {
            return Task.FromException<CodeSnapshot>(ex);
        }
    }

    /// <summary>The local id of a code snapshot.</summary>
    internal static string CodeId(string hash) => $"azureml:{hash}:1";

    private CodeSnapshot? FindCode(string name, CancellationToken cancellationToken) =>
        _database.Read(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT name, version, uri, file_count, total_bytes FROM code_snapshots WHERE name = @name";
            command.Parameters.AddWithValue("@name", name);
            using var reader = command.ExecuteReader();
            return reader.Read()
                ? new CodeSnapshot(CodeId(reader.GetString(0)), reader.GetString(0), reader.GetString(1), reader.GetString(0), reader.GetString(2), reader.GetInt32(3), reader.GetInt64(4), false)
                : null;
        }, cancellationToken);

    private static void TryDeleteFolder(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // left for the user; nothing refers to it
        }
    }
}
