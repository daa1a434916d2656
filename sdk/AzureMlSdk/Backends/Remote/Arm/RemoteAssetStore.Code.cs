using System.Globalization;
using AzureMlSdk.Assets;
using AzureMlSdk.Backends.Local;

namespace AzureMlSdk.Backends.Remote.Arm;

/// <content>Code snapshots, as azure-ai-ml uploads a job's or component's code.</content>
internal sealed partial class RemoteAssetStore
{
    private const string FileCountProperty = "azureml.sdk.fileCount";
    private const string TotalBytesProperty = "azureml.sdk.totalBytes";

    /// <summary>
    /// Snapshots <paramref name="directory"/> (<c>.amlignore</c> else <c>.gitignore</c>; Azure's 2000 files / 300 MB limits) as code
    /// version <c>codes/&lt;content hash&gt;/versions/1</c>: when that version exists nothing is uploaded; otherwise the files go to the
    /// default datastore under <c>LocalUpload/&lt;hash&gt;/&lt;folder name&gt;/</c> and the version is PUT with that folder's blob URL
    /// as <c>codeUri</c>. A retried PUT writes the same version (idempotent).
    /// </summary>
    public async Task<CodeSnapshot> CreateCodeAsync(string directory, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var entries = CodeFolder.List(directory);
        var hash = await CodeFolder.HashAsync(entries, cancellationToken).ConfigureAwait(false);
        var total = entries.Sum(e => e.Length);
        var existing = await TryAsync(() => arm.Codes.GetVersionAsync(Sub, Rg, Ws, hash, "1", cancellationToken)).ConfigureAwait(false);
        if (existing is not null)
        {
            return Snapshot(hash, existing, wasUploaded: false, entries.Count, total);
        }
        var folderName = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));
        var folder = $"{AssetPreparation.UploadFolder}/{hash}/{folderName}";
        await datastore.UploadFilesAsync(entries.Select(e => (e.RelativePath, e.FullPath)), folder, progress, cancellationToken).ConfigureAwait(false);
        var body = new ArmResource<CodeVersionProperties>
        {
            Properties = new CodeVersionProperties
            {
                CodeUri = await datastore.BlobUrlAsync(folder, cancellationToken).ConfigureAwait(false),
                IsAnonymous = true,
                IsArchived = false,
                Properties = new Dictionary<string, string?>(StringComparer.Ordinal)
                {
                    [FileCountProperty] = entries.Count.ToString(CultureInfo.InvariantCulture),
                    [TotalBytesProperty] = total.ToString(CultureInfo.InvariantCulture),
                },
            },
        };
        var stored = await arm.Codes.CreateOrUpdateVersionAsync(Sub, Rg, Ws, hash, "1", body, cancellationToken).ConfigureAwait(false);
        return Snapshot(hash, stored, wasUploaded: true, entries.Count, total, AssetPreparation.DatastoreUri(datastore.DefaultDatastoreName, folder + "/"));
    }

    /// <summary>Gets a code version by its ARM id (<c>…/codes/&lt;name&gt;/versions/&lt;v&gt;</c>, with or without <c>azureml:</c>) or <c>azureml:&lt;name&gt;:&lt;version&gt;</c>.</summary>
    public async Task<CodeSnapshot> GetCodeAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        var reference = AssetReference.Parse(id.StartsWith('/') ? "azureml:" + id : id);
        if (reference.Kind is not (AssetReferenceKind.ArmId or AssetReferenceKind.Asset) || reference.Name is null || reference.Version is null
            || (reference.AssetType is { } type && type != "codes"))
        {
            throw new InvalidInputException($"'{id}' is not a code version id (…/codes/<name>/versions/<version>, or azureml:<name>:<version>).", nameof(id));
        }
        var found = await arm.Codes.GetVersionAsync(Sub, Rg, Ws, reference.Name, reference.Version, cancellationToken).ConfigureAwait(false);
        return Snapshot(reference.Name, found, wasUploaded: false, null, null);
    }

    private static CodeSnapshot Snapshot(string name, ArmResource<CodeVersionProperties> r, bool wasUploaded, int? files, long? bytes, string? uri = null)
    {
        var props = r.Properties?.Properties;
        int.TryParse(props?.GetValueOrDefault(FileCountProperty), NumberStyles.None, CultureInfo.InvariantCulture, out var storedFiles);
        long.TryParse(props?.GetValueOrDefault(TotalBytesProperty), NumberStyles.None, CultureInfo.InvariantCulture, out var storedBytes);
        return new CodeSnapshot(r.Id ?? "", name, r.Name ?? "1", name, uri ?? r.Properties?.CodeUri ?? "", files ?? storedFiles, bytes ?? storedBytes, wasUploaded);
    }
}
