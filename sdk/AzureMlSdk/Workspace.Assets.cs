using System.Runtime.CompilerServices;
using AzureMlSdk.Assets;

namespace AzureMlSdk;

public partial class Workspace
{
    private DataOperations? _data;
    private EnvironmentOperations? _environments;
    private ComponentOperations? _components;

    /// <summary>Data assets: versioned files, folders and MLTable folders (az ml <c>data</c>, azure-ai-ml's <c>ml_client.data</c>).</summary>
    public virtual DataOperations Data => LazyInitializer.EnsureInitialized(ref _data, () => new DataOperations(this));

    /// <summary>Environments: versioned, recorded definitions (az ml <c>environment</c>, azure-ai-ml's <c>ml_client.environments</c>).</summary>
    public virtual EnvironmentOperations Environments => LazyInitializer.EnsureInitialized(ref _environments, () => new EnvironmentOperations(this));

    /// <summary>Command components: versioned, reusable commands (az ml <c>component</c>, azure-ai-ml's <c>ml_client.components</c>).</summary>
    public virtual ComponentOperations Components => LazyInitializer.EnsureInitialized(ref _components, () => new ComponentOperations(this));
}

/// <summary>
/// The workspace's data assets (<see cref="Workspace.Data"/>): <c>uri_file</c>, <c>uri_folder</c> and <c>mltable</c> versions whose
/// local content is uploaded to the default datastore (or <see cref="DataAsset.Datastore"/>) when created. A version is immutable;
/// an omitted version is the next integer; the <c>latest</c> label is the newest non-archived version.
/// </summary>
public class DataOperations
{
    private readonly Workspace _workspace = null!;

    /// <summary>For mocking only.</summary>
    protected DataOperations() { }

    internal DataOperations(Workspace workspace) => _workspace = workspace;

    /// <summary>
    /// Creates a version of <see cref="DataAsset.Name"/> (the next integer when <see cref="DataAsset.Version"/> is null), uploading
    /// local content first (once per content: the same files are not uploaded again). Creating an existing version again with
    /// the same content updates its description and tags; with other content it throws <see cref="ResourceExistsException"/>.
    /// </summary>
    /// <param name="data">The definition, e.g. <see cref="DataAsset.Load"/> of an az ml data YAML file.</param>
    /// <param name="progress">Receives the bytes uploaded so far.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The stored version: its path is then a datastore URI (<c>azureml://datastores/…/paths/…</c>).</returns>
    public virtual async Task<DataAsset> CreateOrUpdateAsync(DataAsset data, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        AssetValidation.Name(AssetKind.Data, data.Name);
        AssetValidation.Version(AssetKind.Data, data.Version);
        data.Validate();
        await using var ordered = OrderedProgress<long>.Wrap(progress);
        var stored = await _workspace.Backend.Assets.CreateDataAsync(data, ordered.Progress, cancellationToken).ConfigureAwait(false);
        return AssetOperations.Stamp(stored);
    }

    /// <summary>
    /// Gets a version: <paramref name="version"/>, or the one <paramref name="label"/> names (<c>latest</c>: the newest non-archived
    /// version, also what neither gives). Throws <see cref="ResourceNotFoundException"/> when there is none.
    /// </summary>
    public virtual async Task<DataAsset> GetAsync(string name, string? version = null, string? label = null, CancellationToken cancellationToken = default)
    {
        AssetOperations.CheckGet(AssetKind.Data, name, version, label);
        var stored = await _workspace.Backend.Assets.GetDataAsync(name, version, version is null ? label ?? AssetValidation.Latest : null, cancellationToken).ConfigureAwait(false);
        return AssetOperations.Stamp(stored);
    }

    /// <summary>
    /// Lists data assets: the versions of <paramref name="name"/>, newest first, or — without a name — the latest version of each
    /// asset by name. Archived versions are left out unless <paramref name="includeArchived"/>.
    /// </summary>
    public virtual IAsyncEnumerable<DataAsset> ListAsync(string? name = null, bool includeArchived = false, CancellationToken cancellationToken = default) =>
        AssetOperations.ListAsync(_workspace, AssetKind.Data, name, includeArchived,
            async (info, ct) => AssetOperations.Stamp(await _workspace.Backend.Assets.GetDataAsync(info.Name, info.Version, null, ct).ConfigureAwait(false)), cancellationToken);

    /// <summary>Archives a version, or every version of the asset when <paramref name="version"/> is null: hidden from listings and from <c>latest</c>, still usable by version.</summary>
    public virtual Task ArchiveAsync(string name, string? version = null, CancellationToken cancellationToken = default) =>
        AssetOperations.ArchiveAsync(_workspace, AssetKind.Data, name, version, true, cancellationToken);

    /// <summary>Restores an archived version, or every version of the asset when <paramref name="version"/> is null.</summary>
    public virtual Task RestoreAsync(string name, string? version = null, CancellationToken cancellationToken = default) =>
        AssetOperations.ArchiveAsync(_workspace, AssetKind.Data, name, version, false, cancellationToken);
}

/// <summary>
/// The workspace's environments (<see cref="Workspace.Environments"/>): recorded definitions — an image with a conda file (its content
/// is stored, not the path), or a Docker build context (uploaded to the default datastore). Versions as for data assets. On local
/// compute a job runs in the host's environment; the definition is recorded, not built.
/// </summary>
public class EnvironmentOperations
{
    private readonly Workspace _workspace = null!;

    /// <summary>For mocking only.</summary>
    protected EnvironmentOperations() { }

    internal EnvironmentOperations(Workspace workspace) => _workspace = workspace;

    /// <summary>
    /// Creates a version of <see cref="EnvironmentAsset.Name"/> (the next integer when <see cref="EnvironmentAsset.Version"/> is null).
    /// Creating an existing version again with the same definition updates its description and tags; with another definition it
    /// throws <see cref="ResourceExistsException"/>.
    /// </summary>
    /// <param name="environment">The definition, e.g. <see cref="EnvironmentAsset.Load"/> of an az ml environment YAML file; it needs a name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public virtual async Task<EnvironmentAsset> CreateOrUpdateAsync(EnvironmentAsset environment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment.Name is null)
        {
            throw new InvalidInputException("An environment needs a name to be created in the workspace (an inline environment without one belongs in a job).", "name");
        }
        AssetValidation.Name(AssetKind.Environment, environment.Name);
        AssetValidation.Version(AssetKind.Environment, environment.Version);
        environment.Validate();
        var stored = await _workspace.Backend.Assets.CreateEnvironmentAsync(environment, cancellationToken).ConfigureAwait(false);
        return AssetOperations.Stamp(stored);
    }

    /// <summary>Gets a version, or the one <paramref name="label"/> names (<c>latest</c>, also what neither gives); throws <see cref="ResourceNotFoundException"/>.</summary>
    public virtual async Task<EnvironmentAsset> GetAsync(string name, string? version = null, string? label = null, CancellationToken cancellationToken = default)
    {
        AssetOperations.CheckGet(AssetKind.Environment, name, version, label);
        var stored = await _workspace.Backend.Assets.GetEnvironmentAsync(name, version, version is null ? label ?? AssetValidation.Latest : null, cancellationToken).ConfigureAwait(false);
        return AssetOperations.Stamp(stored);
    }

    /// <summary>Lists environments: the versions of <paramref name="name"/>, newest first, or the latest version of each by name.</summary>
    public virtual IAsyncEnumerable<EnvironmentAsset> ListAsync(string? name = null, bool includeArchived = false, CancellationToken cancellationToken = default) =>
        AssetOperations.ListAsync(_workspace, AssetKind.Environment, name, includeArchived,
            async (info, ct) => AssetOperations.Stamp(await _workspace.Backend.Assets.GetEnvironmentAsync(info.Name, info.Version, null, ct).ConfigureAwait(false)), cancellationToken);

    /// <summary>Archives a version, or every version when <paramref name="version"/> is null.</summary>
    public virtual Task ArchiveAsync(string name, string? version = null, CancellationToken cancellationToken = default) =>
        AssetOperations.ArchiveAsync(_workspace, AssetKind.Environment, name, version, true, cancellationToken);

    /// <summary>Restores an archived version, or every version when <paramref name="version"/> is null.</summary>
    public virtual Task RestoreAsync(string name, string? version = null, CancellationToken cancellationToken = default) =>
        AssetOperations.ArchiveAsync(_workspace, AssetKind.Environment, name, version, false, cancellationToken);
}

/// <summary>
/// The workspace's command components (<see cref="Workspace.Components"/>): a local code folder is snapshotted as a code asset
/// (once per content), an environment label resolved to the version it names. Versions as for data assets. Run one with
/// <see cref="CommandComponent.ToJob"/>.
/// </summary>
public class ComponentOperations
{
    private readonly Workspace _workspace = null!;

    /// <summary>For mocking only.</summary>
    protected ComponentOperations() { }

    internal ComponentOperations(Workspace workspace) => _workspace = workspace;

    /// <summary>
    /// Creates a version of <see cref="CommandComponent.Name"/> (the next integer when <see cref="CommandComponent.Version"/> is null).
    /// Creating an existing version again with the same definition and code updates its description and tags; otherwise it throws
    /// <see cref="ResourceExistsException"/>.
    /// </summary>
    /// <param name="component">The definition, e.g. <see cref="CommandComponent.Load"/> of an az ml component YAML file.</param>
    /// <param name="progress">Receives the bytes of the code snapshot uploaded so far.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The stored version: its <see cref="CommandComponent.Code"/> is then the code asset's id.</returns>
    public virtual async Task<CommandComponent> CreateOrUpdateAsync(CommandComponent component, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(component);
        AssetValidation.Name(AssetKind.Component, component.Name);
        AssetValidation.Version(AssetKind.Component, component.Version);
        component.Validate();
        await using var ordered = OrderedProgress<long>.Wrap(progress);
        var stored = await _workspace.Backend.Assets.CreateComponentAsync(component, ordered.Progress, cancellationToken).ConfigureAwait(false);
        return AssetOperations.Stamp(stored);
    }

    /// <summary>Gets a version, or the one <paramref name="label"/> names (<c>latest</c>, also what neither gives); throws <see cref="ResourceNotFoundException"/>.</summary>
    public virtual async Task<CommandComponent> GetAsync(string name, string? version = null, string? label = null, CancellationToken cancellationToken = default)
    {
        AssetOperations.CheckGet(AssetKind.Component, name, version, label);
        var stored = await _workspace.Backend.Assets.GetComponentAsync(name, version, version is null ? label ?? AssetValidation.Latest : null, cancellationToken).ConfigureAwait(false);
        return AssetOperations.Stamp(stored);
    }

    /// <summary>Lists components: the versions of <paramref name="name"/>, newest first, or the latest version of each by name.</summary>
    public virtual IAsyncEnumerable<CommandComponent> ListAsync(string? name = null, bool includeArchived = false, CancellationToken cancellationToken = default) =>
        AssetOperations.ListAsync(_workspace, AssetKind.Component, name, includeArchived,
            async (info, ct) => AssetOperations.Stamp(await _workspace.Backend.Assets.GetComponentAsync(info.Name, info.Version, null, ct).ConfigureAwait(false)), cancellationToken);

    /// <summary>Archives a version, or every version when <paramref name="version"/> is null.</summary>
    public virtual Task ArchiveAsync(string name, string? version = null, CancellationToken cancellationToken = default) =>
        AssetOperations.ArchiveAsync(_workspace, AssetKind.Component, name, version, true, cancellationToken);

    /// <summary>Restores an archived version, or every version when <paramref name="version"/> is null.</summary>
    public virtual Task RestoreAsync(string name, string? version = null, CancellationToken cancellationToken = default) =>
        AssetOperations.ArchiveAsync(_workspace, AssetKind.Component, name, version, false, cancellationToken);
}

/// <summary>What the three asset operation groups share.</summary>
internal static class AssetOperations
{
    public static DataAsset Stamp(AssetVersion<DataAsset> v) => v.Definition.Stamped(v.Id, v.CreatedAt, v.IsArchived);

    public static EnvironmentAsset Stamp(AssetVersion<EnvironmentAsset> v) => v.Definition.Stamped(v.Id, v.CreatedAt, v.IsArchived);

    public static CommandComponent Stamp(AssetVersion<CommandComponent> v) => v.Definition.Stamped(v.Id, v.CreatedAt, v.IsArchived);

    public static void CheckGet(AssetKind kind, string name, string? version, string? label)
    {
        AssetValidation.Name(kind, name);
        AssetValidation.VersionOrLabel(kind, name, version, label);
    }

    public static async IAsyncEnumerable<T> ListAsync<T>(Workspace workspace, AssetKind kind, string? name, bool includeArchived,
        Func<AssetVersionInfo, CancellationToken, Task<T>> get, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (name is not null)
        {
            AssetValidation.Name(kind, name);
        }
        string? token = null;
        do
        {
            var page = await workspace.Backend.Assets.ListAsync(new AssetQuery(kind, name, includeArchived, 100, token), cancellationToken).ConfigureAwait(false);
            foreach (var info in page.Items)
            {
                yield return await get(info, cancellationToken).ConfigureAwait(false);
            }
            token = page.NextPageToken;
        }
        while (token is not null);
    }

    public static Task ArchiveAsync(Workspace workspace, AssetKind kind, string name, string? version, bool archived, CancellationToken cancellationToken)
    {
        AssetValidation.Name(kind, name);
        AssetValidation.Version(kind, version);
        return workspace.Backend.Assets.ArchiveAsync(kind, name, version, archived, cancellationToken);
    }
}
