namespace AzureMlSdk;

/// <summary>
/// A registered model version. Its properties describe the version as last read; the verbs
/// (<see cref="SetAliasAsync"/>, <see cref="SetTagsAsync"/>…) change it in the registry and refresh this object.
/// </summary>
public class Model
{
    private readonly Workspace _workspace = null!;
    private ModelVersionData _data = null!;

    /// <summary>For mocking only.</summary>
    protected Model() { }

    internal Model(Workspace workspace, ModelVersionData data)
    {
        _workspace = workspace;
        _data = data;
    }

    /// <summary>The model name.</summary>
    public virtual string Name => _data.Name;

    /// <summary>The version (1, 2, …).</summary>
    public virtual int Version => _data.Version;

    /// <summary>Description.</summary>
    public virtual string? Description => _data.Description;

    /// <summary>Tags.</summary>
    public virtual IReadOnlyDictionary<string, string> Tags => _data.Tags;

    /// <summary>Properties (immutable).</summary>
    public virtual IReadOnlyDictionary<string, string> Properties => _data.Properties;

    /// <summary>The framework.</summary>
    public virtual ModelFramework Framework => _data.Framework;

    /// <summary>The run that produced the model, if known.</summary>
    public virtual string? RunId => _data.RunId;

    /// <summary>Lifecycle stage (free text such as Development, Staging, Production).</summary>
    public virtual string? Stage => _data.Stage;

    /// <summary>True when archived.</summary>
    public virtual bool IsArchived => _data.IsArchived;

    /// <summary>Aliases pointing at this version.</summary>
    public virtual IReadOnlyList<string> Aliases => _data.Aliases;

    /// <summary>When the version was registered.</summary>
    public virtual DateTimeOffset CreatedAt => _data.CreatedAt;

    /// <summary>The version's files with sizes and SHA-256 hashes.</summary>
    public virtual IReadOnlyList<ModelFile> Files => _data.Files;

    /// <summary>
    /// MLflow's model URI of this version, <c>models:/&lt;name&gt;/&lt;version&gt;</c>: the same form on every backend, and what
    /// MLflow clients load (<c>mlflow.pyfunc.load_model</c>) against the workspace's tracking URI.
    /// </summary>
    public virtual string Uri => $"models:/{Name}/{Version.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>The workspace.</summary>
    public virtual Workspace Workspace => _workspace;

    /// <summary>Points <paramref name="alias"/> (e.g. <c>production</c>) at this version, moving it from any other version.</summary>
    public virtual async Task SetAliasAsync(string alias, CancellationToken cancellationToken = default)
    {
        Validate.Alias(alias);
        await _workspace.Backend.Models.SetAliasAsync(Name, alias, Version, cancellationToken).ConfigureAwait(false);
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes an alias from the model.</summary>
    public virtual async Task RemoveAliasAsync(string alias, CancellationToken cancellationToken = default)
    {
        Validate.Alias(alias);
        await _workspace.Backend.Models.DeleteAliasAsync(Name, alias, cancellationToken).ConfigureAwait(false);
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds or overwrites tags.</summary>
    public virtual Task SetTagsAsync(IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tags);
        Experiment.ValidateTags(tags);
        return UpdateAsync(new ModelVersionUpdate(SetTags: tags), cancellationToken);
    }

    /// <summary>Removes tags.</summary>
    public virtual Task RemoveTagsAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return UpdateAsync(new ModelVersionUpdate(RemoveTags: keys.ToList()), cancellationToken);
    }

    /// <summary>Changes the description.</summary>
    public virtual Task SetDescriptionAsync(string description, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(description);
        return UpdateAsync(new ModelVersionUpdate(Description: description), cancellationToken);
    }

    /// <summary>Sets the lifecycle stage (e.g. Staging, Production).</summary>
    public virtual Task SetStageAsync(string stage, CancellationToken cancellationToken = default)
    {
        Validate.Required(stage, nameof(stage));
        if (stage.Length > 255)
        {
            throw new InvalidInputException($"Stage '{Validate.Shorten(stage)}' is longer than 255 characters.", nameof(stage));
        }
        return UpdateAsync(new ModelVersionUpdate(Stage: stage), cancellationToken);
    }

    /// <summary>Archives the version: it stays downloadable but is no longer "latest" nor listed by default.</summary>
    public virtual Task ArchiveAsync(CancellationToken cancellationToken = default) =>
        UpdateAsync(new ModelVersionUpdate(IsArchived: true), cancellationToken);

    /// <summary>Un-archives the version.</summary>
    public virtual Task RestoreAsync(CancellationToken cancellationToken = default) =>
        UpdateAsync(new ModelVersionUpdate(IsArchived: false), cancellationToken);

    /// <summary>Deletes the version (its aliases go with it).</summary>
    public virtual Task DeleteAsync(CancellationToken cancellationToken = default) =>
        _workspace.Backend.Models.DeleteVersionAsync(Name, Version, cancellationToken);

    /// <summary>
    /// Downloads the version's files into <paramref name="targetDirectory"/> (created if needed), checking
    /// each file's SHA-256; returns the full path of the folder.
    /// </summary>
    public virtual async Task<string> DownloadAsync(string targetDirectory = ".", IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        Validate.Required(targetDirectory, nameof(targetDirectory));
        var full = Path.GetFullPath(targetDirectory);
        await using (var ordered = OrderedProgress<long>.Wrap(progress))
        {
            await _workspace.Backend.Models.DownloadAsync(Name, Version, full, ordered.Progress, cancellationToken).ConfigureAwait(false);
        }
        return full;
    }

    /// <summary>Reloads the version from the registry.</summary>
    public virtual async Task RefreshAsync(CancellationToken cancellationToken = default) =>
        _data = await _workspace.Backend.Models.GetVersionAsync(Name, Version, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public override string ToString() => $"{Name}:{Version}";

    private async Task UpdateAsync(ModelVersionUpdate update, CancellationToken cancellationToken) =>
        _data = await _workspace.Backend.Models.UpdateVersionAsync(Name, Version, update, cancellationToken).ConfigureAwait(false);
}
