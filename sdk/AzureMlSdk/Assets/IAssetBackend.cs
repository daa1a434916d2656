using AzureMlSdk.Backends;

namespace AzureMlSdk.Assets;

/// <summary>
/// Versioned assets (az ml <c>data</c>, <c>environment</c>, <c>component</c> groups, and the code snapshots jobs run from;
/// ARM <c>data</c>, <c>environments</c>, <c>components</c>, <c>codes</c> containers and versions). A version is immutable
/// once created; omitting the version creates the next integer one; the <c>latest</c> label is the newest non-archived version.
/// Every member has a not-supported default (see <see cref="IWorkspaceBackend"/>).
/// </summary>
public interface IAssetBackend
{
    /// <summary>
    /// Creates a data asset version. A local <see cref="DataAsset.Path"/> is uploaded to the default datastore first and the
    /// stored version points at it (<c>azureml://datastores/…/paths/…</c>); a remote path is stored as written. Creating an
    /// existing version again with the same content is idempotent; with different content it is a <see cref="ResourceExistsException"/>.
    /// </summary>
    Task<AssetVersion<DataAsset>> CreateDataAsync(DataAsset data, IProgress<long>? progress, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<AssetVersion<DataAsset>>(this, nameof(CreateDataAsync));

    /// <summary>Creates an environment version (the recorded definition: image, conda file content, build context).</summary>
    Task<AssetVersion<EnvironmentAsset>> CreateEnvironmentAsync(EnvironmentAsset environment, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<AssetVersion<EnvironmentAsset>>(this, nameof(CreateEnvironmentAsync));

    /// <summary>Creates a command component version; its local code folder is snapshotted as a code asset first.</summary>
    Task<AssetVersion<CommandComponent>> CreateComponentAsync(CommandComponent component, IProgress<long>? progress, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<AssetVersion<CommandComponent>>(this, nameof(CreateComponentAsync));

    /// <summary>
    /// Snapshots a code folder (honouring <c>.amlignore</c>, else <c>.gitignore</c>) as a code asset named by its content hash,
    /// uploading it only when no snapshot of that hash exists. Past Azure's limits (300 MB or 2000 files) it fails with
    /// <see cref="InvalidInputException"/> naming the folder and the limit.
    /// </summary>
    Task<CodeSnapshot> CreateCodeAsync(string directory, IProgress<long>? progress, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<CodeSnapshot>(this, nameof(CreateCodeAsync));

    /// <summary>Gets a data asset version by version or label (<c>latest</c>); throws <see cref="ResourceNotFoundException"/>.</summary>
    Task<AssetVersion<DataAsset>> GetDataAsync(string name, string? version, string? label, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<AssetVersion<DataAsset>>(this, nameof(GetDataAsync));

    /// <summary>Gets an environment version by version or label (<c>latest</c>); throws <see cref="ResourceNotFoundException"/>.</summary>
    Task<AssetVersion<EnvironmentAsset>> GetEnvironmentAsync(string name, string? version, string? label, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<AssetVersion<EnvironmentAsset>>(this, nameof(GetEnvironmentAsync));

    /// <summary>Gets a component version by version or label (<c>latest</c>); throws <see cref="ResourceNotFoundException"/>.</summary>
    Task<AssetVersion<CommandComponent>> GetComponentAsync(string name, string? version, string? label, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<AssetVersion<CommandComponent>>(this, nameof(GetComponentAsync));

    /// <summary>Gets a code snapshot by its id (as <see cref="CodeSnapshot.Id"/> reported it); throws <see cref="ResourceNotFoundException"/>.</summary>
    Task<CodeSnapshot> GetCodeAsync(string id, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<CodeSnapshot>(this, nameof(GetCodeAsync));

    /// <summary>Lists asset versions of one kind: the versions of <see cref="AssetQuery.Name"/> newest first, or the latest version of each name.</summary>
    Task<ResultPage<AssetVersionInfo>> ListAsync(AssetQuery query, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<ResultPage<AssetVersionInfo>>(this, nameof(ListAsync));

    /// <summary>Archives (hides from listings and from <c>latest</c>) or restores a version, or every version of a name when <paramref name="version"/> is null.</summary>
    Task ArchiveAsync(AssetKind kind, string name, string? version, bool archived, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported(this, nameof(ArchiveAsync));
}

/// <summary>The kinds of versioned assets.</summary>
public enum AssetKind
{
    /// <summary>Data assets (uri_file, uri_folder, mltable).</summary>
    Data,
    /// <summary>Environments.</summary>
    Environment,
    /// <summary>Command components.</summary>
    Component,
    /// <summary>Code snapshots.</summary>
    Code,
}

/// <summary>A stored asset version.</summary>
/// <typeparam name="T">The definition type (<see cref="DataAsset"/>, <see cref="EnvironmentAsset"/>, <see cref="CommandComponent"/>).</typeparam>
/// <param name="Name">Asset name.</param>
/// <param name="Version">Version (an integer as text unless the user chose another).</param>
/// <param name="Id">The backend's id (ARM resource id on Azure ML and the Emulator; <c>azureml:name:version</c> locally).</param>
/// <param name="Definition">The definition as stored (a data asset's path is then a datastore URI).</param>
/// <param name="CreatedAt">When the version was created.</param>
/// <param name="IsArchived">Whether it is archived.</param>
public sealed record AssetVersion<T>(string Name, string Version, string Id, T Definition, DateTimeOffset CreatedAt, bool IsArchived);

/// <summary>One row of an asset listing.</summary>
/// <param name="Kind">Kind.</param>
/// <param name="Name">Name.</param>
/// <param name="Version">Version.</param>
/// <param name="Id">The backend's id.</param>
/// <param name="Description">Description.</param>
/// <param name="Tags">Tags.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="IsArchived">Whether it is archived.</param>
public sealed record AssetVersionInfo(AssetKind Kind, string Name, string Version, string Id, string? Description, IReadOnlyDictionary<string, string> Tags, DateTimeOffset CreatedAt, bool IsArchived);

/// <summary>What <see cref="IAssetBackend.ListAsync"/> returns.</summary>
/// <param name="Kind">Which kind of asset.</param>
/// <param name="Name">The versions of this name; null: the latest version of each name.</param>
/// <param name="IncludeArchived">Include archived versions.</param>
/// <param name="MaxResults">Page size.</param>
/// <param name="PageToken">Token of the page to read.</param>
public sealed record AssetQuery(AssetKind Kind, string? Name = null, bool IncludeArchived = false, int MaxResults = 100, string? PageToken = null);

/// <summary>A code snapshot (a code asset): a folder's content, stored once per content hash.</summary>
/// <param name="Id">The backend's id (an ARM code version id remotely), what a job's <c>codeId</c> names.</param>
/// <param name="Name">Asset name (the content hash, as azure-ai-ml names snapshots).</param>
/// <param name="Version">Version (<c>1</c>).</param>
/// <param name="ContentHash">SHA-256 over the snapshot's relative paths and contents.</param>
/// <param name="Uri">Where the content is (a datastore URI).</param>
/// <param name="FileCount">Number of files.</param>
/// <param name="TotalBytes">Total size.</param>
/// <param name="WasUploaded">False when a snapshot of the same hash already existed and nothing was uploaded.</param>
public sealed record CodeSnapshot(string Id, string Name, string Version, string ContentHash, string Uri, int FileCount, long TotalBytes, bool WasUploaded);
