using AzureMlSdk.Backends;

namespace AzureMlSdk.Assets;

/// <summary>
/// The workspace's datastores as file storage (the default one is <c>workspaceblobstore</c>): what data assets, code
/// snapshots and job outputs are stored in. URIs are Azure ML's <c>azureml://datastores/&lt;name&gt;/paths/&lt;path&gt;</c>.
/// Every member has a not-supported default (see <see cref="IWorkspaceBackend"/>).
/// </summary>
public interface IDatastoreBackend
{
    /// <summary>The default datastore's name.</summary>
    string DefaultDatastoreName => "workspaceblobstore";

    /// <summary>Uploads a local file or folder to <paramref name="destinationPath"/> of a datastore (default: the default one); returns its URI.
    /// Each file is checked against its SHA-256 after upload; a retried upload never leaves a partial file.</summary>
    Task<string> UploadAsync(string localPath, string destinationPath, string? datastoreName, IProgress<long>? progress, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<string>(this, nameof(UploadAsync));

    /// <summary>Downloads the file or folder at <paramref name="datastoreUri"/> into <paramref name="destinationDirectory"/>; returns the written paths.
    /// Throws <see cref="ResourceNotFoundException"/> when nothing is there.</summary>
    Task<IReadOnlyList<string>> DownloadAsync(string datastoreUri, string destinationDirectory, IProgress<long>? progress, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<IReadOnlyList<string>>(this, nameof(DownloadAsync));

    /// <summary>Lists the files under <paramref name="datastoreUri"/> (relative paths and sizes).</summary>
    Task<IReadOnlyList<DatastoreFile>> ListFilesAsync(string datastoreUri, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<IReadOnlyList<DatastoreFile>>(this, nameof(ListFilesAsync));

    /// <summary>
    /// The local folder or file that holds <paramref name="datastoreUri"/>'s content when the datastore is on this machine (the local
    /// workspace), so that a local job mounts it without copying; null when the content must be downloaded.
    /// </summary>
    string? TryGetLocalPath(string datastoreUri) => null;
}

/// <summary>A file in a datastore.</summary>
/// <param name="Path">Path relative to the listed URI, '/'-separated.</param>
/// <param name="Length">Size in bytes.</param>
public sealed record DatastoreFile(string Path, long Length);
