namespace AzureMlSdk.Server.Artifacts;

/// <summary>An entry of one folder level: a file (with its size) or a sub-folder.</summary>
internal sealed record FolderEntry(string Name, bool IsDirectory, long? Size);

/// <summary>A file under a folder, with its path relative to that folder.</summary>
internal sealed record FileUnder(string RelativePath, long Size);

/// <summary>An open file: its content (read once) and length; disposing releases both.</summary>
internal sealed class ArtifactDownload(Stream content, long length, IDisposable? owner = null) : IDisposable
{
    /// <summary>The bytes.</summary>
    public Stream Content { get; } = content;

    /// <summary>The size in bytes.</summary>
    public long Length { get; } = length;

    /// <inheritdoc />
    public void Dispose()
    {
        Content.Dispose();
        owner?.Dispose();
    }
}

/// <summary>
/// The files behind MLflow's artifacts proxy, as '/'-separated paths from the root the proxy serves (run artifacts under
/// <c>ExperimentRun/dcid.&lt;runId&gt;/</c>, see <see cref="ArtifactLocations"/>): the Emulator's datastore blobs
/// (<see cref="DatastoreFiles"/>) or a local workspace's run artifacts (<see cref="RunArtifactFiles"/>). Errors are
/// <see cref="Mlflow.MlflowException"/>s in MLflow's codes.
/// </summary>
internal interface IArtifactFiles
{
    /// <summary>One level of <paramref name="folder"/> ("" is the root), folders and files together by name.</summary>
    Task<IReadOnlyList<FolderEntry>> ListLevelAsync(string folder, CancellationToken cancellationToken);

    /// <summary>Every file under <paramref name="folder"/>, recursively, with paths relative to it, in name order.</summary>
    Task<IReadOnlyList<FileUnder>> ListUnderAsync(string folder, CancellationToken cancellationToken);

    /// <summary>Whether a file exists at <paramref name="path"/>.</summary>
    Task<bool> FileExistsAsync(string path, CancellationToken cancellationToken);

    /// <summary>Opens the file at <paramref name="path"/> for reading; null when there is none.</summary>
    Task<ArtifactDownload?> OpenReadAsync(string path, CancellationToken cancellationToken);

    /// <summary>Writes <paramref name="content"/> (read to its end) as the file at <paramref name="path"/>, replacing any; returns its size.</summary>
    Task<long> WriteAsync(string path, Stream content, string? contentType, CancellationToken cancellationToken);

    /// <summary>Deletes the file at <paramref name="path"/> and every file under it as a folder; returns how many were deleted.</summary>
    Task<int> DeleteAsync(string path, CancellationToken cancellationToken);

    /// <summary>Length and lower-case hex SHA-256 of the file at <paramref name="path"/>.</summary>
    Task<(long Length, string Sha256)> HashAsync(string path, CancellationToken cancellationToken);
}
