using System.Security.Cryptography;
using AzureMlSdk.Server.Mlflow;

namespace AzureMlSdk.Server.Artifacts;

/// <summary>
/// The artifacts proxy's files for a workspace without blob storage (the local workspace served by the job agent): a run's
/// folder <c>ExperimentRun/dcid.&lt;runId&gt;/P</c> is the run's artifact <c>P</c> in the backend's <see cref="IArtifactStore"/>
/// (so what an MLflow client logs is what <c>run.GetFileNamesAsync</c> shows, and the other way round); every other path
/// (MLflow 3 logged models under <c>LoggedModels/</c>) is a file under <paramref name="otherFilesFolder"/>. Run artifacts cannot
/// be deleted (the artifact contract keeps them): a delete answers <c>NOT_IMPLEMENTED</c>.
/// </summary>
internal sealed class RunArtifactFiles(IArtifactStore artifacts, string otherFilesFolder) : IArtifactFiles
{
    private const string RunPrefix = ArtifactLocations.RunsFolder + "/dcid.";
    private const int BufferSize = 81920;

    /// <summary>The run and the path under it that <paramref name="path"/> names, or null for a path outside run folders.</summary>
    private static (string RunId, string Inner)? RunPath(string path)
    {
        if (!path.StartsWith(RunPrefix, StringComparison.Ordinal))
        {
            return null;
        }
        var rest = path[RunPrefix.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (rest, string.Empty) : (rest[..slash], rest[(slash + 1)..]);
    }

    private string OtherFile(string path)
    {
        var root = Path.GetFullPath(otherFilesFolder);
        var full = Path.GetFullPath(Path.Combine(root, path.Replace('/', Path.DirectorySeparatorChar)));
        if (full != root && !full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw MlflowException.Invalid("Invalid path");
        }
        return full;
    }

    private static async Task<IReadOnlyList<ArtifactItem>> RunFilesAsync(IArtifactStore artifacts, string runId, string rest, CancellationToken cancellationToken)
    {
        try
        {
            return await artifacts.ListAsync(runId, rest.Length == 0 ? null : rest, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException)
        {
            return [];
        }
        catch (InvalidInputException ex)
        {
            throw MlflowException.Invalid(ex.Message);
        }
    }

    public async Task<IReadOnlyList<FolderEntry>> ListLevelAsync(string folder, CancellationToken cancellationToken)
    {
        if (RunPath(folder) is not { } run)
        {
            var full = OtherFile(folder);
            if (!Directory.Exists(full))
            {
                return [];
            }
            return Directory.EnumerateFileSystemEntries(full)
                .Select(e => Directory.Exists(e) ? new FolderEntry(Path.GetFileName(e), true, null) : new FolderEntry(Path.GetFileName(e), false, new FileInfo(e).Length))
                .OrderBy(e => e.Name, StringComparer.Ordinal)
                .ToList();
        }
        var prefix = run.Inner.Length == 0 ? string.Empty : run.Inner + "/";
        var entries = new SortedDictionary<string, FolderEntry>(StringComparer.Ordinal);
        foreach (var item in await RunFilesAsync(artifacts, run.RunId, run.Inner, cancellationToken).ConfigureAwait(false))
        {
            if (!item.Path.StartsWith(prefix, StringComparison.Ordinal) || item.Path.Length == prefix.Length)
            {
                continue; // the prefix named a file itself: a file has no level
            }
            var tail = item.Path[prefix.Length..];
            var slash = tail.IndexOf('/', StringComparison.Ordinal);
            var entry = slash < 0 ? new FolderEntry(tail, false, item.Length) : new FolderEntry(tail[..slash], true, null);
            entries.TryAdd(entry.Name, entry);
        }
        return entries.Values.ToList();
    }

    public async Task<IReadOnlyList<FileUnder>> ListUnderAsync(string folder, CancellationToken cancellationToken)
    {
        folder = folder.TrimEnd('/');
        if (RunPath(folder) is not { } run)
        {
            var full = OtherFile(folder);
            if (!Directory.Exists(full))
            {
                return [];
            }
            return Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories)
                .Select(f => new FileUnder(Path.GetRelativePath(full, f).Replace('\\', '/'), new FileInfo(f).Length))
                .OrderBy(f => f.RelativePath, StringComparer.Ordinal)
                .ToList();
        }
        var prefix = run.Inner.Length == 0 ? string.Empty : run.Inner + "/";
        return (await RunFilesAsync(artifacts, run.RunId, run.Inner, cancellationToken).ConfigureAwait(false))
            .Where(i => i.Path.StartsWith(prefix, StringComparison.Ordinal) && i.Path.Length > prefix.Length)
            .Select(i => new FileUnder(i.Path[prefix.Length..], i.Length))
            .ToList();
    }

    public async Task<bool> FileExistsAsync(string path, CancellationToken cancellationToken)
    {
        if (RunPath(path) is not { } run)
        {
            return File.Exists(OtherFile(path));
        }
        return run.Inner.Length > 0 && (await RunFilesAsync(artifacts, run.RunId, run.Inner, cancellationToken).ConfigureAwait(false)).Any(i => i.Path == run.Inner);
    }

    public async Task<ArtifactDownload?> OpenReadAsync(string path, CancellationToken cancellationToken)
    {
        if (RunPath(path) is not { } run)
        {
            var full = OtherFile(path);
            if (!File.Exists(full))
            {
                return null;
            }
            var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, BufferSize, FileOptions.Asynchronous);
            return new ArtifactDownload(stream, stream.Length);
        }
        if (!await FileExistsAsync(path, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }
        // The contract writes into a stream: a temporary file keeps large artifacts out of memory and is gone when closed.
        var temp = new FileStream(Path.Combine(Path.GetTempPath(), "azureml-artifact-" + Guid.NewGuid().ToString("N")), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, BufferSize, FileOptions.Asynchronous | FileOptions.DeleteOnClose);
        try
        {
            await artifacts.DownloadAsync(run.RunId, run.Inner, temp, null, cancellationToken).ConfigureAwait(false);
            temp.Position = 0;
            return new ArtifactDownload(temp, temp.Length);
        }
        catch (ResourceNotFoundException)
        {
            await temp.DisposeAsync().ConfigureAwait(false);
            return null;
        }
        catch
        {
            await temp.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task<long> WriteAsync(string path, Stream content, string? contentType, CancellationToken cancellationToken)
    {
        if (RunPath(path) is not { } run)
        {
            var full = OtherFile(path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            var temp = full + ".partial-" + Guid.NewGuid().ToString("N");
            long written;
            await using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous))
            {
                await content.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
                written = output.Length;
            }
            File.Move(temp, full, overwrite: true);
            return written;
        }
        if (run.Inner.Length == 0)
        {
            throw MlflowException.Invalid("Invalid path");
        }
        try
        {
            var counting = new CountingProgress();
            await artifacts.UploadAsync(run.RunId, run.Inner, content, counting, cancellationToken).ConfigureAwait(false);
            return counting.Last;
        }
        catch (ResourceNotFoundException ex)
        {
            throw new MlflowException("RESOURCE_DOES_NOT_EXIST", ex.Message);
        }
        catch (InvalidInputException ex)
        {
            throw MlflowException.Invalid(ex.Message);
        }
    }

    public Task<int> DeleteAsync(string path, CancellationToken cancellationToken)
    {
        if (RunPath(path) is not null)
        {
            throw new MlflowException("NOT_IMPLEMENTED", "Run artifacts of the local workspace cannot be deleted through the artifacts proxy.");
        }
        var full = OtherFile(path);
        var deleted = 0;
        if (File.Exists(full))
        {
            File.Delete(full);
            deleted++;
        }
        if (Directory.Exists(full))
        {
            deleted += Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories).Count();
            Directory.Delete(full, recursive: true);
        }
        return Task.FromResult(deleted);
    }

    public async Task<(long Length, string Sha256)> HashAsync(string path, CancellationToken cancellationToken)
    {
        using var download = await OpenReadAsync(path, cancellationToken).ConfigureAwait(false)
            ?? throw new MlflowException("RESOURCE_DOES_NOT_EXIST", $"No file at '{path}'.");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[BufferSize];
        long total = 0;
        int read;
        while ((read = await download.Content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            total += read;
        }
        return (total, Convert.ToHexStringLower(hash.GetCurrentHash()));
    }

    private sealed class CountingProgress : IProgress<long>
    {
        public long Last { get; private set; }

        public void Report(long value) => Last = value;
    }
}
