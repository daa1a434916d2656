using System.Buffers;
using AzureMlSdk.Backends.Transfer;
using Microsoft.Data.Sqlite;

namespace AzureMlSdk.Backends.Local;

/// <summary>
/// Run artifacts as files under <c>artifacts/&lt;runId&gt;/</c>. An upload is written to a temporary file in the workspace's
/// <c>tmp/</c> folder (a short name stamped with the writer's process id, see <see cref="TempFiles"/>) and moved over its
/// target, so readers see the old file or the whole new one, temporary files never show in listings, a file name of any
/// legal length (255 bytes) works, and what a killed writer left behind is swept when the workspace is next opened.
/// </summary>
internal sealed class LocalArtifactStore : IArtifactStore
{
    /// <summary>Ends the name of an upload in progress (hidden from listings; refused as an artifact name).</summary>
    internal const string PartialSuffix = ".azureml-partial";

    /// <summary>One read and one write per MiB: a copy costs little more than the kernel's own.</summary>
    private const int BufferSize = 1024 * 1024;

    private readonly LocalDatabase _database;
    private readonly string _artifactRoot;
    private readonly string _tempRoot;

    public LocalArtifactStore(LocalDatabase database, string root)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        _database = database;
        _artifactRoot = Path.Combine(Path.GetFullPath(root), "artifacts");
        _tempRoot = TempFolder(root);
    }

    /// <summary>The workspace folder of uploads in progress (swept at open: <see cref="TempFiles.Sweep"/>).</summary>
    internal static string TempFolder(string root) => Path.Combine(Path.GetFullPath(root), "tmp");

    public async Task UploadAsync(string runId, string artifactPath, Stream content, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var relative = Validate.ArtifactPath(artifactPath, nameof(artifactPath));
        if (relative.EndsWith(PartialSuffix, StringComparison.Ordinal))
        {
            throw new InvalidInputException($"Artifact path '{artifactPath}' ends with '{PartialSuffix}', which the local workspace reserves for uploads in progress.", nameof(artifactPath));
        }
        var runFolder = RequireRunFolder(runId, cancellationToken);
        var target = Resolve(runFolder, relative, artifactPath);
        if (Directory.Exists(target))
        {
            throw new InvalidInputException($"Artifact path '{artifactPath}' is a folder of run '{runId}'; a file cannot replace it.", nameof(artifactPath));
        }
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        }
        catch (PathTooLongException ex)
        {
            throw TempFiles.TooLong(artifactPath, nameof(artifactPath), ex);
        }
        catch (IOException ex)
        {
            throw new InvalidInputException($"Artifact path '{artifactPath}' cannot be created: a part of it is a file of run '{runId}'.", nameof(artifactPath), innerException: ex);
        }

        Directory.CreateDirectory(_tempRoot);
        var temporary = TempFiles.Owned(_tempRoot, PartialSuffix);
        try
        {
            var expected = TransferSizes.Remaining(content);
            await using (var output = new FileStream(temporary, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                BufferSize = 1,
                Options = FileOptions.Asynchronous,
                PreallocationSize = expected ?? 0,
            }))
            {
                await CopyAsync(content, output, ThrottledProgress.Create(progress, expected), cancellationToken);
                await output.FlushAsync(cancellationToken);
            }
            cancellationToken.ThrowIfCancellationRequested();
            File.Move(temporary, target, overwrite: true);
        }
        catch (PathTooLongException ex)
        {
            TryDelete(temporary);
            throw TempFiles.TooLong(artifactPath, nameof(artifactPath), ex);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    public async Task DownloadAsync(string runId, string artifactPath, Stream destination, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var relative = Validate.ArtifactPath(artifactPath, nameof(artifactPath));
        var runFolder = RequireRunFolder(runId, cancellationToken);
        var source = Resolve(runFolder, relative, artifactPath);
        FileStream input;
        try
        {
            // FileShare.Delete lets a concurrent upload replace the file while this reader keeps the old one.
            input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (PathTooLongException ex)
        {
            throw TempFiles.TooLong(artifactPath, nameof(artifactPath), ex);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new ResourceNotFoundException($"Run '{runId}' has no artifact '{relative}'.", innerException: ex);
        }
        await using (input)
        {
            await CopyAsync(input, destination, ThrottledProgress.Create(progress, input.Length), cancellationToken);
        }
    }

    public Task<IReadOnlyList<ArtifactItem>> ListAsync(string runId, string? prefix, CancellationToken cancellationToken)
    {
        try
        {
            var relative = prefix is null ? null : Validate.ArtifactPath(prefix, nameof(prefix));
            var runFolder = RequireRunFolder(runId, cancellationToken);
            var items = new List<ArtifactItem>();
            if (relative is null)
            {
                AddFiles(runFolder, runFolder, items);
            }
            else
            {
                var resolved = Resolve(runFolder, relative, prefix!);
                if (File.Exists(resolved))
                {
                    items.Add(new ArtifactItem(relative, new FileInfo(resolved).Length));
                }
                else
                {
                    AddFiles(runFolder, resolved, items);
                }
            }
            items.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
            return Task.FromResult<IReadOnlyList<ArtifactItem>>(items);
        }
        catch (Exception ex)
        {
            return Task.FromException<IReadOnlyList<ArtifactItem>>(ex);
        }
    }

    private static void AddFiles(string runFolder, string folder, List<ArtifactItem> items)
    {
        if (!Directory.Exists(folder))
        {
            return;
        }
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            if (file.EndsWith(PartialSuffix, StringComparison.Ordinal))
            {
                continue;
            }
            FileInfo info = new(file);
            try
            {
                items.Add(new ArtifactItem(Path.GetRelativePath(runFolder, file).Replace('\\', '/'), info.Length));
            }
            catch (FileNotFoundException)
            {
                // Replaced or removed while listing.
            }
        }
    }

    /// <summary>The run's folder; the run must exist in the tracking store.</summary>
    private string RequireRunFolder(string runId, CancellationToken cancellationToken)
    {
        Validate.Required(runId, nameof(runId));
        bool exists;
        try
        {
            exists = _database.Read(connection =>
            {
                using var command = connection.CreateCommand();
                command.CommandText = "SELECT 1 FROM runs WHERE run_id = @id";
                command.Parameters.AddWithValue("@id", runId);
                return command.ExecuteScalar() is not null;
            }, cancellationToken);
        }
        catch (SqliteException ex)
        {
            throw new AzureMlException($"The local workspace database failed: {ex.Message}", innerException: ex);
        }
        if (!exists)
        {
            throw new ResourceNotFoundException($"Run '{runId}' does not exist.");
        }
        // Run ids are store-made hex strings; still, never let one name a folder outside the artifact root.
        var folder = Path.GetFullPath(Path.Combine(_artifactRoot, runId));
        if (!folder.StartsWith(_artifactRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new InvalidInputException($"Run id '{runId}' is invalid.", nameof(runId));
        }
        return folder;
    }

    /// <summary>Defence in depth after <see cref="Validate.ArtifactPath"/>: the resolved path must stay under the run folder.</summary>
    private static string Resolve(string runFolder, string relative, string original)
    {
        var full = Path.GetFullPath(Path.Combine(runFolder, relative.Replace('/', Path.DirectorySeparatorChar)));
        if (!full.StartsWith(runFolder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new InvalidInputException($"Artifact path '{original}' leaves the run's folder.", "artifactPath");
        }
        return full;
    }

    private static async Task CopyAsync(Stream source, Stream destination, ThrottledProgress? progress, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long total = 0;
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
            {
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                total += read;
                progress?.Report(total);
            }
            progress?.Complete(total);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
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
}
