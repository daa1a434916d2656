using Azure;
using Azure.Storage.Blobs.Models;
using AzureMlSdk.Assets;
using AzureMlSdk.Backends.Transfer;

namespace AzureMlSdk.Backends.Remote.Blob;

/// <summary>
/// The workspace's default datastore (an Azure Blob container) as file storage, by <c>azureml://datastores/&lt;ds&gt;/paths/&lt;p&gt;</c>
/// URIs (or the long form with subscription, resource group and workspace). Same layout as the local datastore: a file goes to
/// the destination path itself (into it under its own name when the path ends with '/'), a folder's files go below it; a download
/// writes a file as <c>destination/&lt;name&gt;</c> and a folder's content below <c>destination</c>. Blob uploads commit whole
/// (a reader sees the old blob or the new one), and each file's SHA-256 is taken as it is sent and compared with the file's own.
/// Other datastores than the default one are not supported yet (<see cref="AzureMlNotSupportedException"/>).
/// </summary>
internal sealed class RemoteDatastore(DatastoreBlobContainer container) : IDatastoreBackend
{
    public string DefaultDatastoreName => "workspaceblobstore";

    public async Task<string> UploadAsync(string localPath, string destinationPath, string? datastoreName, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(localPath);
        ArgumentException.ThrowIfNullOrWhiteSpace(destinationPath);
        var ds = await ResolveAsync(datastoreName, cancellationToken).ConfigureAwait(false);
        var full = Path.GetFullPath(localPath);
        var destination = destinationPath.Replace('\\', '/').TrimStart('/');
        List<(string Blob, string File)> files;
        string uriPath;
        if (File.Exists(full))
        {
            var blob = destination.EndsWith('/') ? destination + Path.GetFileName(full) : destination;
            files = [(blob, full)];
            uriPath = blob;
        }
        else if (Directory.Exists(full))
        {
            var prefix = destination.TrimEnd('/');
            files = Directory.EnumerateFiles(full, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint })
                .Select(f => ($"{prefix}/{Path.GetRelativePath(full, f).Replace('\\', '/')}", f))
                .OrderBy(f => f.Item1, StringComparer.Ordinal)
                .ToList();
            uriPath = prefix + "/";
        }
        else
        {
            throw new InvalidInputException($"'{localPath}' does not exist: nothing to upload.", nameof(localPath));
        }
        await UploadFilesAsync(ds, files, progress, cancellationToken).ConfigureAwait(false);
        return AssetPreparation.DatastoreUri(ds.Name, uriPath);
    }

    /// <summary>Uploads chosen files of a folder (a code snapshot's) below <paramref name="destinationFolder"/> of the default datastore; returns the folder's URI.</summary>
    public async Task<string> UploadFilesAsync(IEnumerable<(string RelativePath, string FullPath)> files, string destinationFolder, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var ds = await ResolveAsync(null, cancellationToken).ConfigureAwait(false);
        var prefix = destinationFolder.Replace('\\', '/').Trim('/');
        await UploadFilesAsync(ds, files.Select(f => ($"{prefix}/{f.RelativePath}", f.FullPath)).ToList(), progress, cancellationToken).ConfigureAwait(false);
        return AssetPreparation.DatastoreUri(ds.Name, prefix + "/");
    }

    /// <summary>The https URL of a path of the default datastore (what azure-ai-ml records as a code version's <c>codeUri</c>).</summary>
    public async Task<string> BlobUrlAsync(string path, CancellationToken cancellationToken)
    {
        var ds = await ResolveAsync(null, cancellationToken).ConfigureAwait(false);
        return ds.Container.Uri.AbsoluteUri.TrimEnd('/') + "/" + path.TrimStart('/');
    }

    private static async Task UploadFilesAsync(ResolvedDatastore ds, List<(string Blob, string File)> files, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var throttle = ThrottledProgress.Create(progress, files.Sum(f => new FileInfo(f.File).Length));
        long sent = 0;
        foreach (var (blobName, file) in files)
        {
            string? uploadedHash;
            await using (var content = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true))
            {
                try
                {
                    var (length, sha) = await BlobTransfer.UploadAsync(ds.Container.GetBlobClient(blobName), content, throttle, sent, sha256: true, cancellationToken).ConfigureAwait(false);
                    sent += length;
                    uploadedHash = sha;
                }
                catch (RequestFailedException ex)
                {
                    throw DatastoreBlobContainer.Map(ex, $"file '{blobName}'");
                }
            }
            var localHash = await Sha256Of(file, cancellationToken).ConfigureAwait(false);
            if (!string.Equals(localHash, uploadedHash, StringComparison.OrdinalIgnoreCase))
            {
                throw new AzureMlException($"'{file}' changed while it was uploaded to '{blobName}' (SHA-256 {uploadedHash} sent, {localHash} now); upload it again.", AzureMlErrorCodes.DataLoss);
            }
        }
        throttle?.Complete(sent);
    }

    public async Task<IReadOnlyList<string>> DownloadAsync(string datastoreUri, string destinationDirectory, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(destinationDirectory);
        var (ds, path) = await LocateAsync(datastoreUri, cancellationToken).ConfigureAwait(false);
        var files = await ListAsync(ds, path, cancellationToken).ConfigureAwait(false);
        if (files.Count == 0)
        {
            throw new ResourceNotFoundException($"Nothing is stored at '{datastoreUri}'.");
        }
        var root = Path.GetFullPath(destinationDirectory);
        Directory.CreateDirectory(root);
        var throttle = ThrottledProgress.Create(progress, null);
        long received = 0;
        var written = new List<string>();
        foreach (var (blobName, relative) in files)
        {
            var target = Path.GetFullPath(Path.Combine(root, relative));
            if (!target.StartsWith(root, StringComparison.Ordinal))
            {
                throw new InvalidStateException($"Blob '{blobName}' would be written outside '{destinationDirectory}'.");
            }
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var temp = target + ".part-" + Guid.NewGuid().ToString("N")[..8];
            try
            {
                await using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
                {
                    var (length, _) = await BlobTransfer.DownloadAsync(ds.Container.GetBlobClient(blobName), output, throttle, received, sha256: false, cancellationToken).ConfigureAwait(false);
                    received += length;
                }
                File.Move(temp, target, overwrite: true);
            }
            catch (RequestFailedException ex)
            {
                throw DatastoreBlobContainer.Map(ex, $"file '{blobName}'");
            }
            finally
            {
                if (File.Exists(temp))
                {
                    File.Delete(temp);
                }
            }
            written.Add(target);
        }
        throttle?.Complete(received);
        return written;
    }

    public async Task<IReadOnlyList<DatastoreFile>> ListFilesAsync(string datastoreUri, CancellationToken cancellationToken)
    {
        var (ds, path) = await LocateAsync(datastoreUri, cancellationToken).ConfigureAwait(false);
        var files = new List<DatastoreFile>();
        try
        {
            var blob = ds.Container.GetBlobClient(path);
            if (path.Length > 0 && await blob.ExistsAsync(cancellationToken).ConfigureAwait(false) is { Value: true })
            {
                var props = await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                return [new DatastoreFile(Path.GetFileName(path), props.Value.ContentLength)];
            }
            var prefix = path.Length == 0 ? "" : path + "/";
            await foreach (var item in ds.Container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken).ConfigureAwait(false))
            {
                files.Add(new DatastoreFile(item.Name[prefix.Length..], item.Properties.ContentLength ?? 0));
            }
        }
        catch (RequestFailedException ex)
        {
            throw DatastoreBlobContainer.Map(ex, $"'{datastoreUri}'");
        }
        files.Sort(static (a, b) => string.CompareOrdinal(a.Path, b.Path));
        return files;
    }

    /// <summary>The blobs at <paramref name="path"/>: the one blob of that name, else every blob below it as a folder.</summary>
    private static async Task<List<(string Blob, string Relative)>> ListAsync(ResolvedDatastore ds, string path, CancellationToken cancellationToken)
    {
        var result = new List<(string, string)>();
        try
        {
            if (path.Length > 0 && await ds.Container.GetBlobClient(path).ExistsAsync(cancellationToken).ConfigureAwait(false) is { Value: true })
            {
                result.Add((path, Path.GetFileName(path)));
                return result;
            }
            var prefix = path.Length == 0 ? "" : path + "/";
            await foreach (var item in ds.Container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken).ConfigureAwait(false))
            {
                result.Add((item.Name, item.Name[prefix.Length..]));
            }
        }
        catch (RequestFailedException ex)
        {
            throw DatastoreBlobContainer.Map(ex, $"'{path}'");
        }
        return result;
    }

    private async Task<(ResolvedDatastore Datastore, string Path)> LocateAsync(string datastoreUri, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(datastoreUri);
        var reference = AssetReference.Parse(datastoreUri);
        if (reference.Kind != AssetReferenceKind.DatastorePath || reference.Datastore is null)
        {
            throw new InvalidInputException($"'{datastoreUri}' is not a datastore URI (azureml://datastores/<datastore>/paths/<path>).", nameof(datastoreUri));
        }
        var ds = await ResolveAsync(reference.Datastore, cancellationToken).ConfigureAwait(false);
        return (ds, (reference.Path ?? "").Replace('\\', '/').Trim('/'));
    }

    private async Task<ResolvedDatastore> ResolveAsync(string? name, CancellationToken cancellationToken)
    {
        var ds = await container.GetAsync(cancellationToken).ConfigureAwait(false);
        if (name is not null && !string.Equals(name, ds.Name, StringComparison.OrdinalIgnoreCase))
        {
            throw new AzureMlNotSupportedException($"Datastore '{name}': AzureMlSdk reads and writes the workspace's default datastore ('{ds.Name}') only.");
        }
        return ds;
    }

    private static async Task<string> Sha256Of(string file, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
        return Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
    }
}
