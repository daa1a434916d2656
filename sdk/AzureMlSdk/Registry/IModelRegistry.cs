using AzureMlSdk.Backends;

namespace AzureMlSdk.Registry;

/// <summary>
/// Model registry contract, with Azure ML's semantics: a model is a name with integer versions
/// (auto-incremented per name, distinct even under concurrent registration), each with files,
/// description, tags, properties (immutable), a stage, an archived flag and aliases that move between versions.
/// </summary>
public interface IModelRegistry
{
    /// <summary>Registers the next version of <see cref="NewModelVersion.Name"/> with the content of <see cref="NewModelVersion.Source"/>.</summary>
    Task<ModelVersionData> CreateVersionAsync(NewModelVersion model, IProgress<long>? progress, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<ModelVersionData>(this, nameof(CreateVersionAsync));

    /// <summary>Gets one version; throws <see cref="ResourceNotFoundException"/>.</summary>
    Task<ModelVersionData> GetVersionAsync(string name, int version, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<ModelVersionData>(this, nameof(GetVersionAsync));

    /// <summary>Gets the highest non-archived version (the highest archived one when all are archived); throws <see cref="ResourceNotFoundException"/>.</summary>
    Task<ModelVersionData> GetLatestVersionAsync(string name, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<ModelVersionData>(this, nameof(GetLatestVersionAsync));

    /// <summary>Gets the version an alias points at; throws <see cref="ResourceNotFoundException"/>.</summary>
    Task<ModelVersionData> GetVersionByAliasAsync(string name, string alias, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<ModelVersionData>(this, nameof(GetVersionByAliasAsync));

    /// <summary>Points <paramref name="alias"/> at <paramref name="version"/>, moving it from any other version of the model.</summary>
    Task SetAliasAsync(string name, string alias, int version, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported(this, nameof(SetAliasAsync));

    /// <summary>Removes an alias; throws <see cref="ResourceNotFoundException"/> when it is not set.</summary>
    Task DeleteAliasAsync(string name, string alias, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported(this, nameof(DeleteAliasAsync));

    /// <summary>Lists model versions, newest registration first within a name, names in order, a page at a time.</summary>
    Task<ResultPage<ModelVersionData>> ListVersionsAsync(ModelQuery query, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<ResultPage<ModelVersionData>>(this, nameof(ListVersionsAsync));

    /// <summary>Changes description, tags, stage or archived flag of a version (null leaves a field as it is).</summary>
    Task<ModelVersionData> UpdateVersionAsync(string name, int version, ModelVersionUpdate update, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<ModelVersionData>(this, nameof(UpdateVersionAsync));

    /// <summary>Deletes a version (its aliases go with it); content shared with other versions stays.</summary>
    Task DeleteVersionAsync(string name, int version, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported(this, nameof(DeleteVersionAsync));

    /// <summary>Downloads a version's files into <paramref name="destinationDirectory"/>, checking each against its recorded hash;
    /// returns the written paths. A file that fails its check is not left behind and raises <see cref="AzureMlException"/> with code DATA_LOSS.</summary>
    Task<IReadOnlyList<string>> DownloadAsync(string name, int version, string destinationDirectory, IProgress<long>? progress, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<IReadOnlyList<string>>(this, nameof(DownloadAsync));
}

/// <summary>Where a model version's files come from.</summary>
public abstract record ModelSource
{
    private protected ModelSource() { }
}

/// <summary>A local file or folder.</summary>
/// <param name="Path">The file or folder.</param>
public sealed record LocalModelSource(string Path) : ModelSource;

/// <summary>A file or folder among a run's artifacts.</summary>
/// <param name="RunId">The run.</param>
/// <param name="ArtifactPath">A file or folder path under the run.</param>
public sealed record RunArtifactModelSource(string RunId, string ArtifactPath) : ModelSource;

/// <summary>A model version to register.</summary>
/// <param name="Name">Model name: letters, digits, '-', '_' and '.', starting with a letter or digit, not ending with '.', at most 255 characters.</param>
/// <param name="Source">Where the files are.</param>
/// <param name="Description">Description.</param>
/// <param name="Tags">Tags.</param>
/// <param name="Properties">Properties (immutable once registered).</param>
/// <param name="Framework">Framework.</param>
/// <param name="RunId">The run that produced it (set from a <see cref="RunArtifactModelSource"/> when null).</param>
public sealed record NewModelVersion(
    string Name,
    ModelSource Source,
    string? Description = null,
    IReadOnlyDictionary<string, string>? Tags = null,
    IReadOnlyDictionary<string, string>? Properties = null,
    ModelFramework Framework = ModelFramework.Custom,
    string? RunId = null);

/// <summary>A model version file.</summary>
/// <param name="Path">Relative path inside the model, '/'-separated.</param>
/// <param name="Length">Size in bytes.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the content.</param>
public sealed record ModelFile(string Path, long Length, string Sha256);

/// <summary>A model version as stored.</summary>
/// <param name="Name">Model name.</param>
/// <param name="Version">Version (1, 2, …).</param>
/// <param name="Description">Description.</param>
/// <param name="Tags">Tags.</param>
/// <param name="Properties">Properties.</param>
/// <param name="Framework">Framework.</param>
/// <param name="RunId">Producing run, if any.</param>
/// <param name="Stage">Lifecycle stage (free text, e.g. Development, Production).</param>
/// <param name="IsArchived">True when archived.</param>
/// <param name="Aliases">Aliases pointing at this version.</param>
/// <param name="CreatedAt">Registration time.</param>
/// <param name="Files">The files, with sizes and hashes.</param>
/// <param name="ModelUri">Where the content lives (store-specific URI).</param>
public sealed record ModelVersionData(
    string Name,
    int Version,
    string? Description,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyDictionary<string, string> Properties,
    ModelFramework Framework,
    string? RunId,
    string? Stage,
    bool IsArchived,
    IReadOnlyList<string> Aliases,
    DateTimeOffset CreatedAt,
    IReadOnlyList<ModelFile> Files,
    string? ModelUri = null);

/// <summary>A model version listing.</summary>
/// <param name="Name">Only this model (all models when null).</param>
/// <param name="Tags">Only versions carrying all these tags (key = value).</param>
/// <param name="IncludeArchived">Include archived versions.</param>
/// <param name="LatestOnly">Only the latest version of each name.</param>
/// <param name="MaxResults">Page size.</param>
/// <param name="PageToken">Token from the previous page.</param>
public sealed record ModelQuery(
    string? Name = null,
    IReadOnlyDictionary<string, string>? Tags = null,
    bool IncludeArchived = false,
    bool LatestOnly = false,
    int MaxResults = 100,
    string? PageToken = null);

/// <summary>Changes to a model version; null leaves a field as it is.</summary>
/// <param name="Description">New description.</param>
/// <param name="SetTags">Tags to add or overwrite.</param>
/// <param name="RemoveTags">Tag keys to remove.</param>
/// <param name="Stage">New stage.</param>
/// <param name="IsArchived">Archive or unarchive.</param>
public sealed record ModelVersionUpdate(
    string? Description = null,
    IReadOnlyDictionary<string, string>? SetTags = null,
    IReadOnlyList<string>? RemoveTags = null,
    string? Stage = null,
    bool? IsArchived = null);
