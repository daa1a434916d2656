using AzureMlSdk.Backends;

namespace AzureMlSdk.Artifacts;

/// <summary>
/// Artifact contract: files stored under a run. Paths are relative, '/'-separated, and never
/// leave the run (no <c>..</c>, no absolute paths); a store rejects them with <see cref="InvalidInputException"/>.
/// An upload is atomic: readers see the old file or the whole new one, never a part.
/// </summary>
public interface IArtifactStore
{
    /// <summary>Stores <paramref name="content"/> at <paramref name="artifactPath"/> under the run, replacing any file there.</summary>
    /// <param name="runId">The run.</param>
    /// <param name="artifactPath">Relative path, e.g. <c>outputs/model.onnx</c>.</param>
    /// <param name="content">The bytes, read to the end.</param>
    /// <param name="progress">Receives the count of bytes sent so far.</param>
    /// <param name="cancellationToken">Cancels the upload; nothing partial stays visible.</param>
    Task UploadAsync(string runId, string artifactPath, Stream content, IProgress<long>? progress, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported(this, nameof(UploadAsync));

    /// <summary>Writes the artifact's bytes to <paramref name="destination"/>; throws <see cref="ResourceNotFoundException"/> when there is none.</summary>
    Task DownloadAsync(string runId, string artifactPath, Stream destination, IProgress<long>? progress, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported(this, nameof(DownloadAsync));

    /// <summary>Lists the files under <paramref name="prefix"/> (all the run's files when null), recursively, ordered by path.</summary>
    Task<IReadOnlyList<ArtifactItem>> ListAsync(string runId, string? prefix, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<IReadOnlyList<ArtifactItem>>(this, nameof(ListAsync));
}

/// <summary>A stored artifact file.</summary>
/// <param name="Path">Relative path under the run, '/'-separated.</param>
/// <param name="Length">Size in bytes.</param>
public sealed record ArtifactItem(string Path, long Length);
