using System.Buffers.Text;
using System.Globalization;
using System.Text;
using AzureMlSdk.Backends.Transfer;
using Microsoft.Data.Sqlite;

namespace AzureMlSdk.Backends.Local;

/// <summary>
/// The model registry over the local SQLite file, content stored once by SHA-256 under <c>models/</c>.
/// </summary>
/// <remarks>
/// <para>
/// Layout: <c>models/blobs/sha256/&lt;aa&gt;/&lt;hash&gt;</c> holds each distinct content once;
/// <c>models/blobs/tmp/</c> holds files being hashed, blobs being deleted and nothing else for long.
/// </para>
/// <para>
/// Registration copies every source file into a temp file while hashing it (outside any lock), then, inside one
/// IMMEDIATE write transaction, publishes the temp files as blobs (an atomic rename, skipped when the blob exists),
/// assigns the next version and inserts the rows. Deletion removes unreferenced blobs inside its own write
/// transaction (moving them aside, deleting them only after commit). Both hold the database write lock while they
/// touch blobs, so a registration can never reference a blob a concurrent deletion removed: either the deletion ran
/// first and the registration re-publishes its own copy, or the registration's reference is seen by the deletion.
/// A crash between the two steps leaves at worst an unreferenced blob or temp file (tolerated garbage), never a row
/// without its blob.
/// </para>
/// <para>
/// <see cref="ModelVersionData.ModelUri"/> is <c>azureml://locations/local/workspaces/local/models/&lt;name&gt;/versions/&lt;v&gt;</c>,
/// the shape of an Azure ML asset URI, so it is stable across moves of the workspace folder and says nothing about the blob layout.
/// </para>
/// </remarks>
internal sealed class LocalModelRegistry : IModelRegistry
{
    private const int MaxStageLength = 255;
    private const int MaxPageSize = 1000;
    private const int BufferSize = 1024 * 1024;
    private const string PageTokenPrefix = "mv1|";

    // Children first, the version row last.
    private static readonly string[] VersionTables = ["model_aliases", "model_tags", "model_properties", "model_files", "model_versions"];

    private readonly LocalDatabase _database;
    private readonly IArtifactStore _artifacts;
    private readonly TimeProvider _time;
    private readonly string _blobRoot;
    private readonly string _tempRoot;

    public LocalModelRegistry(LocalDatabase database, string root, IArtifactStore artifacts, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        ArgumentNullException.ThrowIfNull(artifacts);
        ArgumentNullException.ThrowIfNull(time);
        _database = database;
        _artifacts = artifacts;
        _time = time;
        _blobRoot = Path.Combine(Path.GetFullPath(root), "models", "blobs");
        _tempRoot = Path.Combine(_blobRoot, "tmp");
        SweepAbandonedTempFiles();
    }

    /// <summary>
    /// Removes what a crashed process left in <c>models/blobs/tmp</c>: uploads (<c>&lt;pid&gt;-….incoming</c>) whose writer is dead,
    /// and anything nobody has written to for <see cref="TempFiles.AbandonedAfter"/> (blobs a crashed delete moved aside included).
    /// </summary>
    private void SweepAbandonedTempFiles() => TempFiles.Sweep(_tempRoot);

    /// <summary>How long a temp file must have been left untouched before opening the workspace removes it (<see cref="TempFiles.AbandonedAfter"/>).</summary>
    internal static TimeSpan AbandonedAfter => TempFiles.AbandonedAfter;

    /// <summary>The asset URI of a version (see the class remarks).</summary>
    internal static string ModelUri(string name, int version) =>
        string.Create(CultureInfo.InvariantCulture, $"azureml://locations/{WorkspaceInfo.LocalName}/workspaces/{WorkspaceInfo.LocalName}/models/{name}/versions/{version}");

    /// <summary>Where the content with this hash is stored.</summary>
    internal string BlobPath(string sha256) => Path.Combine(_blobRoot, "sha256", sha256[..2], sha256);

    public async Task<ModelVersionData> CreateVersionAsync(NewModelVersion model, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        var name = Validate.ModelName(model.Name, nameof(model.Name));
        var tags = ValidateEntries(model.Tags, "tag");
        var properties = ValidateEntries(model.Properties, "property");
        if (!Enum.IsDefined(model.Framework))
        {
            throw new InvalidInputException($"Model framework '{model.Framework}' is not known.", nameof(model.Framework));
        }
        var runId = model.RunId;
        if (runId is not null)
        {
            Validate.Required(runId, nameof(model.RunId));
        }

        var staged = new List<StagedFile>();
        try
        {
            var copied = 0L;
            var throttle = ThrottledProgress.Create(progress, TransferSizes.Of(model.Source));
            void OnWritten(long count)
            {
                copied += count;
                throttle?.Report(copied);
            }

            switch (model.Source)
            {
                case LocalModelSource local:
                    await StageLocalAsync(local, staged, OnWritten, cancellationToken);
                    break;
                case RunArtifactModelSource artifact:
                    await StageRunArtifactsAsync(artifact, staged, OnWritten, cancellationToken);
                    runId ??= artifact.RunId;
                    break;
                case null:
                    throw new InvalidInputException("A model source (a local file or folder, or a run's artifact) is required.", nameof(model.Source));
                default:
                    throw new InvalidInputException($"Model source '{model.Source.GetType().Name}' is not supported by the local model registry.", nameof(model.Source));
            }

            throttle?.Complete(copied);
            var createdAt = _time.GetUtcNow().ToUnixTimeMilliseconds();
            return _database.Write((connection, transaction) =>
            {
                // Publishing under the write lock is what makes blob deletion safe (see the class remarks).
                foreach (var file in staged)
                {
                    PublishBlob(file);
                }

                var version = Convert.ToInt32(Scalar(connection, transaction, """
                    SELECT MAX(
                        COALESCE((SELECT last_version FROM model_names WHERE name = $name), 0),
                        COALESCE((SELECT MAX(version) FROM model_versions WHERE name = $name), 0)) + 1
                    """, ("$name", name)), CultureInfo.InvariantCulture);
                Execute(connection, transaction, """
                    INSERT INTO model_names (name, last_version) VALUES ($name, $version)
                    ON CONFLICT (name) DO UPDATE SET last_version = excluded.last_version
                    """, ("$name", name), ("$version", version));
                Execute(connection, transaction, """
                    INSERT INTO model_versions (name, version, description, framework, run_id, stage, is_archived, created_at)
                    VALUES ($name, $version, $description, $framework, $runId, NULL, 0, $createdAt)
                    """, ("$name", name), ("$version", version), ("$description", model.Description),
                    ("$framework", model.Framework.ToString()), ("$runId", runId), ("$createdAt", createdAt));
                InsertEntries(connection, transaction, "model_tags", name, version, tags);
                InsertEntries(connection, transaction, "model_properties", name, version, properties);
                foreach (var file in staged)
                {
                    Execute(connection, transaction, """
                        INSERT INTO model_files (name, version, path, length, sha256) VALUES ($name, $version, $path, $length, $sha256)
                        """, ("$name", name), ("$version", version), ("$path", file.RelativePath), ("$length", file.Length), ("$sha256", file.Sha256));
                }
                return LoadVersion(connection, transaction, name, version)!;
            }, cancellationToken);
        }
        finally
        {
            foreach (var file in staged)
            {
                TryDelete(file.TempPath);
            }
        }
    }

    public Task<ModelVersionData> GetVersionAsync(string name, int version, CancellationToken cancellationToken)
    {
        Validate.ModelName(name);
        Validate.ModelVersion(version);
        var data = _database.Read(connection =>
        {
            using var transaction = connection.BeginTransaction(deferred: true);
            return LoadVersion(connection, transaction, name, version);
        }, cancellationToken);
        return Task.FromResult(data ?? throw VersionNotFound(name, version));
    }

    public Task<ModelVersionData> GetLatestVersionAsync(string name, CancellationToken cancellationToken)
    {
        Validate.ModelName(name);
        var data = _database.Read(connection =>
        {
            using var transaction = connection.BeginTransaction(deferred: true);
            var version = Scalar(connection, transaction,
                "SELECT version FROM model_versions WHERE name = $name ORDER BY is_archived ASC, version DESC LIMIT 1",
                ("$name", name));
            return version is null ? null : LoadVersion(connection, transaction, name, Convert.ToInt32(version, CultureInfo.InvariantCulture));
        }, cancellationToken);
        return Task.FromResult(data ?? throw new ResourceNotFoundException($"Model '{name}' has no versions."));
    }

    public Task<ModelVersionData> GetVersionByAliasAsync(string name, string alias, CancellationToken cancellationToken)
    {
        Validate.ModelName(name);
        Validate.Alias(alias);
        var data = _database.Read(connection =>
        {
            using var transaction = connection.BeginTransaction(deferred: true);
            var version = Scalar(connection, transaction,
                "SELECT version FROM model_aliases WHERE name = $name AND alias = $alias",
                ("$name", name), ("$alias", alias));
            return version is null ? null : LoadVersion(connection, transaction, name, Convert.ToInt32(version, CultureInfo.InvariantCulture));
        }, cancellationToken);
        return Task.FromResult(data ?? throw new ResourceNotFoundException($"Model '{name}' has no alias '{alias}'."));
    }

    public Task SetAliasAsync(string name, string alias, int version, CancellationToken cancellationToken)
    {
        Validate.ModelName(name);
        Validate.Alias(alias);
        Validate.ModelVersion(version);
        _database.Write((connection, transaction) =>
        {
            EnsureVersionExists(connection, transaction, name, version);
            // (name, alias) is the key, so pointing the alias here moves it off any other version of the model.
            Execute(connection, transaction, """
                INSERT INTO model_aliases (name, alias, version) VALUES ($name, $alias, $version)
                ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version
                """, ("$name", name), ("$alias", alias), ("$version", version));
            return 0;
        }, cancellationToken);
        return Task.CompletedTask;
    }

    public Task DeleteAliasAsync(string name, string alias, CancellationToken cancellationToken)
    {
        Validate.ModelName(name);
        Validate.Alias(alias);
        var deleted = _database.Write((connection, transaction) => Execute(connection, transaction,
            "DELETE FROM model_aliases WHERE name = $name AND alias = $alias", ("$name", name), ("$alias", alias)), cancellationToken);
        if (deleted == 0)
        {
            throw new ResourceNotFoundException($"Model '{name}' has no alias '{alias}'.");
        }
        return Task.CompletedTask;
    }

    public Task<ResultPage<ModelVersionData>> ListVersionsAsync(ModelQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Name is not null)
        {
            Validate.ModelName(query.Name, nameof(query.Name));
        }
        if (query.MaxResults is < 1 or > MaxPageSize)
        {
            throw new InvalidInputException($"MaxResults {query.MaxResults} is invalid: ask for 1 to {MaxPageSize} results per page.", nameof(query.MaxResults));
        }
        var tagFilter = (query.Tags ?? new Dictionary<string, string>()).ToList();
        foreach (var (key, value) in tagFilter)
        {
            Validate.Key(key, "tag");
            ArgumentNullException.ThrowIfNull(value, nameof(query.Tags));
        }
        var after = query.PageToken is null ? ((string Name, int Version)?)null : DecodePageToken(query.PageToken);

        var parameters = new List<(string, object?)> { ("$limit", query.MaxResults + 1) };
        string Filter(string alias)
        {
            var sql = new StringBuilder("1 = 1");
            if (query.Name is not null)
            {
                sql.Append(CultureInfo.InvariantCulture, $" AND {alias}.name = $name");
            }
            if (!query.IncludeArchived)
            {
                sql.Append(CultureInfo.InvariantCulture, $" AND {alias}.is_archived = 0");
            }
            for (var i = 0; i < tagFilter.Count; i++)
            {
                sql.Append(CultureInfo.InvariantCulture,
                    $" AND EXISTS (SELECT 1 FROM model_tags t WHERE t.name = {alias}.name AND t.version = {alias}.version AND t.key = $tk{i} AND t.value = $tv{i})");
            }
            return sql.ToString();
        }
        if (query.Name is not null)
        {
            parameters.Add(("$name", query.Name));
        }
        for (var i = 0; i < tagFilter.Count; i++)
        {
            parameters.Add(($"$tk{i}", tagFilter[i].Key));
            parameters.Add(($"$tv{i}", tagFilter[i].Value));
        }

        var select = new StringBuilder($"SELECT v.name, v.version FROM model_versions v WHERE {Filter("v")}");
        if (query.LatestOnly)
        {
            // Latest among the versions the filters keep, preferring non-archived ones like GetLatestVersionAsync.
            select.Append(CultureInfo.InvariantCulture,
                $" AND v.version = (SELECT w.version FROM model_versions w WHERE w.name = v.name AND {Filter("w")} ORDER BY w.is_archived ASC, w.version DESC LIMIT 1)");
        }
        if (after is { } position)
        {
            select.Append(" AND (v.name > $afterName OR (v.name = $afterName AND v.version < $afterVersion))");
            parameters.Add(("$afterName", position.Name));
            parameters.Add(("$afterVersion", position.Version));
        }
        select.Append(" ORDER BY v.name ASC, v.version DESC LIMIT $limit");

        var page = _database.Read(connection =>
        {
            using var transaction = connection.BeginTransaction(deferred: true);
            var keys = new List<(string Name, int Version)>();
            using (var command = Command(connection, transaction, select.ToString(), [.. parameters]))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    keys.Add((reader.GetString(0), reader.GetInt32(1)));
                }
            }
            string? next = null;
            if (keys.Count > query.MaxResults)
            {
                keys.RemoveAt(keys.Count - 1);
                next = EncodePageToken(keys[^1].Name, keys[^1].Version);
            }
            var items = new List<ModelVersionData>(keys.Count);
            foreach (var (name, version) in keys)
            {
                items.Add(LoadVersion(connection, transaction, name, version)!);
            }
            return new ResultPage<ModelVersionData>(items, next);
        }, cancellationToken);
        return Task.FromResult(page);
    }

    public Task<ModelVersionData> UpdateVersionAsync(string name, int version, ModelVersionUpdate update, CancellationToken cancellationToken)
    {
        Validate.ModelName(name);
        Validate.ModelVersion(version);
        ArgumentNullException.ThrowIfNull(update);
        if (update.Stage is { Length: > MaxStageLength })
        {
            throw new InvalidInputException($"Stage '{Validate.Shorten(update.Stage)}' is {update.Stage.Length} characters long; the limit is {MaxStageLength}.", nameof(update.Stage));
        }
        var setTags = ValidateEntries(update.SetTags, "tag");
        var removeTags = update.RemoveTags ?? [];
        foreach (var key in removeTags)
        {
            Validate.Key(key, "tag");
            if (setTags.Any(tag => tag.Key == key))
            {
                throw new InvalidInputException($"Tag '{key}' is both set and removed in one update; do one or the other.", key);
            }
        }

        var data = _database.Write((connection, transaction) =>
        {
            EnsureVersionExists(connection, transaction, name, version);
            if (update.Description is not null)
            {
                Execute(connection, transaction, "UPDATE model_versions SET description = $value WHERE name = $name AND version = $version",
                    ("$value", update.Description), ("$name", name), ("$version", version));
            }
            if (update.Stage is not null)
            {
                // An empty stage clears it.
                Execute(connection, transaction, "UPDATE model_versions SET stage = $value WHERE name = $name AND version = $version",
                    ("$value", update.Stage.Length == 0 ? null : update.Stage), ("$name", name), ("$version", version));
            }
            if (update.IsArchived is { } archived)
            {
                Execute(connection, transaction, "UPDATE model_versions SET is_archived = $value WHERE name = $name AND version = $version",
                    ("$value", archived ? 1 : 0), ("$name", name), ("$version", version));
            }
            foreach (var key in removeTags)
            {
                Execute(connection, transaction, "DELETE FROM model_tags WHERE name = $name AND version = $version AND key = $key",
                    ("$name", name), ("$version", version), ("$key", key));
            }
            InsertEntries(connection, transaction, "model_tags", name, version, setTags);
            return LoadVersion(connection, transaction, name, version)!;
        }, cancellationToken);
        return Task.FromResult(data);
    }

    public Task DeleteVersionAsync(string name, int version, CancellationToken cancellationToken)
    {
        Validate.ModelName(name);
        Validate.ModelVersion(version);
        // Unreferenced blobs are moved aside inside the transaction (under the write lock, so no registration can be
        // publishing the same content meanwhile), restored if the transaction fails, and deleted after it commits.
        var trashed = new List<(string Blob, string Trash)>();
        try
        {
            _database.Write((connection, transaction) =>
            {
                EnsureVersionExists(connection, transaction, name, version);
                var hashes = new List<string>();
                using (var command = Command(connection, transaction,
                    "SELECT DISTINCT sha256 FROM model_files WHERE name = $name AND version = $version", ("$name", name), ("$version", version)))
                using (var reader = command.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        hashes.Add(reader.GetString(0));
                    }
                }
                foreach (var table in VersionTables)
                {
                    Execute(connection, transaction, $"DELETE FROM {table} WHERE name = $name AND version = $version", ("$name", name), ("$version", version));
                }
                foreach (var hash in hashes)
                {
                    if (Scalar(connection, transaction, "SELECT 1 FROM model_files WHERE sha256 = $sha256 LIMIT 1", ("$sha256", hash)) is not null)
                    {
                        continue;
                    }
                    var blob = BlobPath(hash);
                    if (File.Exists(blob))
                    {
                        Directory.CreateDirectory(_tempRoot);
                        var trash = Path.Combine(_tempRoot, $"{hash}.{Guid.NewGuid():N}.deleted");
                        File.Move(blob, trash);
                        trashed.Add((blob, trash));
                    }
                }
                return 0;
            }, cancellationToken);
        }
        catch
        {
            foreach (var (blob, trash) in trashed)
            {
                TryRestore(trash, blob);
            }
            throw;
        }
        foreach (var (_, trash) in trashed)
        {
            TryDelete(trash);
        }
        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<string>> DownloadAsync(string name, int version, string destinationDirectory, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        Validate.ModelName(name);
        Validate.ModelVersion(version);
        Validate.Required(destinationDirectory, nameof(destinationDirectory));
        var data = await GetVersionAsync(name, version, cancellationToken);
        var destination = Path.GetFullPath(destinationDirectory);
        Directory.CreateDirectory(destination);

        // Every file goes to a temp name beside its target and is renamed only when all of them passed their check.
        var pending = new List<(string Temp, string Target)>();
        var written = 0L;
        var throttle = ThrottledProgress.Create(progress, data.Files.Sum(f => f.Length));
        try
        {
            foreach (var file in data.Files)
            {
                var target = Path.GetFullPath(Path.Combine(destination, file.Path));
                var relative = Path.GetRelativePath(destination, target);
                if (relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative))
                {
                    throw new AzureMlException($"Model '{name}' version {version} lists file '{file.Path}', which would land outside '{destination}'; the registry entry is damaged.", AzureMlErrorCodes.DataLoss);
                }
                DownloadTargets.Resolve(destination, file.Path, $"Model '{name}' version {version} file");
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                var temp = TempFiles.Beside(target);
                pending.Add((temp, target));

                var blob = BlobPath(file.Sha256);
                FileStream source;
                try
                {
                    source = new FileStream(blob, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
                }
                catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
                {
                    await GetVersionAsync(name, version, cancellationToken); // deleted meanwhile => ResourceNotFoundException
                    throw new AzureMlException($"Model '{name}' version {version}: the content of file '{file.Path}' (SHA-256 {file.Sha256}) is missing from the local store ('{blob}').", AzureMlErrorCodes.DataLoss, innerException: ex);
                }
                string actualHash;
                long actualLength;
                await using (source)
                {
                    await using var output = new FileStream(temp, new FileStreamOptions
                    {
                        Mode = FileMode.CreateNew,
                        Access = FileAccess.Write,
                        Share = FileShare.None,
                        BufferSize = 1,
                        Options = FileOptions.Asynchronous,
                        PreallocationSize = file.Length,
                    });
                    using var hashing = new HashingWriteStream(output, count =>
                    {
                        written += count;
                        throttle?.Report(written);
                    });
                    await source.CopyToAsync(hashing, BufferSize, cancellationToken);
                    await hashing.FlushAsync(cancellationToken);
                    actualHash = hashing.HashHex();
                    actualLength = hashing.Length;
                }
                if (actualLength != file.Length || !string.Equals(actualHash, file.Sha256, StringComparison.Ordinal))
                {
                    throw new AzureMlException(
                        $"Model '{name}' version {version}: file '{file.Path}' failed its integrity check (expected {file.Length} bytes with SHA-256 {file.Sha256}, " +
                        $"the stored copy '{blob}' has {actualLength} bytes with SHA-256 {actualHash}); nothing was written for it.",
                        AzureMlErrorCodes.DataLoss);
                }
            }
            var paths = new List<string>(pending.Count);
            foreach (var (temp, target) in pending)
            {
                File.Move(temp, target, overwrite: true);
                paths.Add(target);
            }
            throttle?.Complete(written);
            return paths;
        }
        finally
        {
            foreach (var (temp, _) in pending)
            {
                TryDelete(temp);
            }
        }
    }

    private async Task StageLocalAsync(LocalModelSource source, List<StagedFile> staged, Action<long> onWritten, CancellationToken cancellationToken)
    {
        var path = Validate.Required(source.Path, "path");
        var full = Path.GetFullPath(path);
        List<(string Relative, string Full)> files;
        if (File.Exists(full))
        {
            files = [(Path.GetFileName(full), full)];
        }
        else if (Directory.Exists(full))
        {
            var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.None, IgnoreInaccessible = false };
            files = [.. Directory.EnumerateFiles(full, "*", options)
                .Select(file => (Path.GetRelativePath(full, file).Replace(Path.DirectorySeparatorChar, '/'), file))
                .OrderBy(file => file.Item1, StringComparer.Ordinal)];
            if (files.Count == 0)
            {
                throw new InvalidInputException($"The model folder '{path}' is empty; a model needs at least one file.", "path");
            }
        }
        else
        {
            throw new ResourceNotFoundException($"The model path '{path}' does not exist (looked for '{full}').");
        }

        foreach (var (relative, file) in files)
        {
            staged.Add(await StageAsync(relative, async (destination, ct) =>
            {
                await using var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
                await input.CopyToAsync(destination, BufferSize, ct);
            }, onWritten, cancellationToken));
        }
    }

    private async Task StageRunArtifactsAsync(RunArtifactModelSource source, List<StagedFile> staged, Action<long> onWritten, CancellationToken cancellationToken)
    {
        var runId = Validate.Required(source.RunId, "runId");
        var artifactPath = Validate.ArtifactPath(source.ArtifactPath, "artifactPath");

        var selected = SelectArtifacts(await ListArtifactsAsync(runId, artifactPath, cancellationToken), artifactPath);
        var slash = artifactPath.LastIndexOf('/');
        if (selected.Count == 0 && slash > 0)
        {
            // A store may read the prefix as a folder only; look in the parent folder for a file of that name.
            selected = SelectArtifacts(await ListArtifactsAsync(runId, artifactPath[..slash], cancellationToken), artifactPath);
        }
        if (selected.Count == 0)
        {
            throw new ResourceNotFoundException($"Run '{runId}' has no artifact file or folder '{artifactPath}'.");
        }

        foreach (var (relative, item) in selected)
        {
            Validate.ArtifactPath(relative, "artifactPath");
            staged.Add(await StageAsync(relative,
                (destination, ct) => _artifacts.DownloadAsync(runId, item.Path, destination, null, ct),
                onWritten, cancellationToken));
        }
    }

    private async Task<IReadOnlyList<ArtifactItem>> ListArtifactsAsync(string runId, string prefix, CancellationToken cancellationToken)
    {
        try
        {
            return await _artifacts.ListAsync(runId, prefix, cancellationToken);
        }
        catch (ResourceNotFoundException ex)
        {
            throw new ResourceNotFoundException($"Run '{runId}' has no artifact file or folder '{prefix}': {ex.Message}", innerException: ex);
        }
    }

    /// <summary>The artifact itself when it is a file, else every file under it as a folder, with paths relative to the model.</summary>
    private static List<(string Relative, ArtifactItem Item)> SelectArtifacts(IReadOnlyList<ArtifactItem> items, string artifactPath)
    {
        var exact = items.FirstOrDefault(item => string.Equals(item.Path, artifactPath, StringComparison.Ordinal));
        if (exact is not null)
        {
            var slash = artifactPath.LastIndexOf('/');
            return [(artifactPath[(slash + 1)..], exact)];
        }
        var folder = artifactPath + "/";
        return [.. items
            .Where(item => item.Path.StartsWith(folder, StringComparison.Ordinal) && item.Path.Length > folder.Length)
            .Select(item => (item.Path[folder.Length..], item))
            .OrderBy(item => item.Item1, StringComparer.Ordinal)];
    }

    /// <summary>Copies content into a fresh temp file under <c>models/blobs/tmp</c>, hashing it on the way.</summary>
    private async Task<StagedFile> StageAsync(string relativePath, Func<Stream, CancellationToken, Task> produce, Action<long> onWritten, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_tempRoot);
        var temp = TempFiles.Owned(_tempRoot, ".incoming");
        try
        {
            await using var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
            using var hashing = new HashingWriteStream(output, onWritten);
            await produce(hashing, cancellationToken);
            await hashing.FlushAsync(cancellationToken);
            // On disk before the row that references it can commit: a power cut must not leave a row over an empty blob.
            output.Flush(flushToDisk: true);
            return new StagedFile(relativePath, temp, hashing.Length, hashing.HashHex());
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Makes a staged file's blob present: an atomic rename into place, or nothing when identical content is there.</summary>
    private void PublishBlob(StagedFile file)
    {
        var blob = BlobPath(file.Sha256);
        var existing = new FileInfo(blob);
        if (existing.Exists && existing.Length == file.Length)
        {
            return;
        }
        if (existing.Exists && File.Exists(file.TempPath))
        {
            // A blob of the wrong size is damaged (it can only have been written whole); our fresh copy replaces it.
            File.Move(file.TempPath, blob, overwrite: true);
            return;
        }
        if (!File.Exists(file.TempPath))
        {
            // Only if an earlier attempt of this transaction published it, rolled back, and a deletion then removed it.
            throw new ServiceUnavailableException($"The staged content of '{file.RelativePath}' was lost while the local workspace database was busy; register the model again.");
        }
        Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
        try
        {
            File.Move(file.TempPath, blob, overwrite: false);
        }
        catch (IOException) when (File.Exists(blob))
        {
            // Identical content arrived first; ours stays a temp file and is deleted.
        }
    }

    private static Dictionary<string, string> ValidateEntries(IReadOnlyDictionary<string, string>? entries, string kind)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (entries is null)
        {
            return result;
        }
        foreach (var (key, value) in entries)
        {
            Validate.Key(key, kind);
            if (value is null)
            {
                throw new InvalidInputException($"The value of {kind} '{key}' is required.", key);
            }
            Validate.TagValue(key, value);
            result[key] = value;
        }
        return result;
    }

    private static void InsertEntries(SqliteConnection connection, SqliteTransaction transaction, string table, string name, int version, Dictionary<string, string> entries)
    {
        foreach (var (key, value) in entries)
        {
            Execute(connection, transaction, $"""
                INSERT INTO {table} (name, version, key, value) VALUES ($name, $version, $key, $value)
                ON CONFLICT (name, version, key) DO UPDATE SET value = excluded.value
                """, ("$name", name), ("$version", version), ("$key", key), ("$value", value));
        }
    }

    private static void EnsureVersionExists(SqliteConnection connection, SqliteTransaction transaction, string name, int version)
    {
        if (Scalar(connection, transaction, "SELECT 1 FROM model_versions WHERE name = $name AND version = $version", ("$name", name), ("$version", version)) is null)
        {
            throw VersionNotFound(name, version);
        }
    }

    private static ResourceNotFoundException VersionNotFound(string name, int version) =>
        new(string.Create(CultureInfo.InvariantCulture, $"Model '{name}' has no version {version}."));

    private static ModelVersionData? LoadVersion(SqliteConnection connection, SqliteTransaction? transaction, string name, int version)
    {
        string? description, runId, stage;
        ModelFramework framework;
        bool archived;
        long createdAt;
        using (var command = Command(connection, transaction, """
            SELECT description, framework, run_id, stage, is_archived, created_at FROM model_versions WHERE name = $name AND version = $version
            """, ("$name", name), ("$version", version)))
        using (var reader = command.ExecuteReader())
        {
            if (!reader.Read())
            {
                return null;
            }
            description = reader.IsDBNull(0) ? null : reader.GetString(0);
            framework = Enum.TryParse<ModelFramework>(reader.GetString(1), out var parsed) ? parsed : ModelFramework.Custom;
            runId = reader.IsDBNull(2) ? null : reader.GetString(2);
            stage = reader.IsDBNull(3) ? null : reader.GetString(3);
            archived = reader.GetInt64(4) != 0;
            createdAt = reader.GetInt64(5);
        }

        var tags = ReadEntries(connection, transaction, "model_tags", name, version);
        var properties = ReadEntries(connection, transaction, "model_properties", name, version);
        var aliases = new List<string>();
        using (var command = Command(connection, transaction, "SELECT alias FROM model_aliases WHERE name = $name AND version = $version ORDER BY alias",
            ("$name", name), ("$version", version)))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                aliases.Add(reader.GetString(0));
            }
        }
        var files = new List<ModelFile>();
        using (var command = Command(connection, transaction, "SELECT path, length, sha256 FROM model_files WHERE name = $name AND version = $version ORDER BY path",
            ("$name", name), ("$version", version)))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                files.Add(new ModelFile(reader.GetString(0), reader.GetInt64(1), reader.GetString(2)));
            }
        }
        return new ModelVersionData(name, version, description, tags, properties, framework, runId, stage, archived, aliases,
            DateTimeOffset.FromUnixTimeMilliseconds(createdAt), files, ModelUri(name, version));
    }

    private static Dictionary<string, string> ReadEntries(SqliteConnection connection, SqliteTransaction? transaction, string table, string name, int version)
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        using var command = Command(connection, transaction, $"SELECT key, value FROM {table} WHERE name = $name AND version = $version ORDER BY key",
            ("$name", name), ("$version", version));
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            entries[reader.GetString(0)] = reader.GetString(1);
        }
        return entries;
    }

    private static string EncodePageToken(string name, int version) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{PageTokenPrefix}{version}|{name}")));

    private static (string Name, int Version) DecodePageToken(string token)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
            if (text.StartsWith(PageTokenPrefix, StringComparison.Ordinal))
            {
                var parts = text[PageTokenPrefix.Length..].Split('|', 2);
                if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var version))
                {
                    return (parts[1], version);
                }
            }
        }
        catch (FormatException)
        {
        }
        throw new InvalidInputException($"Page token '{Validate.Shorten(token)}' is invalid; pass the NextPageToken of a previous page.", "PageToken");
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (parameterName, value) in parameters)
        {
            command.Parameters.AddWithValue(parameterName, value ?? DBNull.Value);
        }
        return command;
    }

    private static int Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, transaction, sql, parameters);
        return command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, transaction, sql, parameters);
        var value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void TryRestore(string trash, string blob)
    {
        try
        {
            if (File.Exists(trash))
            {
                File.Move(trash, blob, overwrite: false);
            }
        }
        catch (IOException)
        {
            // The same content was published again meanwhile; the moved-aside copy is redundant.
            TryDelete(trash);
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private sealed record StagedFile(string RelativePath, string TempPath, long Length, string Sha256);
}
