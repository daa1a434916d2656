using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using AzureMlSdk.Backends.Remote.Blob;
using AzureMlSdk.Backends.Transfer;

namespace AzureMlSdk.Backends.Remote.Arm;

/// <summary>
/// <see cref="IModelRegistry"/> on ARM workspace model containers and versions.
/// <list type="bullet">
/// <item>Files are uploaded to the workspace's default datastore under <c>LocalUpload/&lt;guid&gt;/</c>, then the version is
/// PUT with <c>modelUri = azureml://subscriptions/…/workspaces/…/datastores/&lt;ds&gt;/paths/LocalUpload/&lt;guid&gt;/</c>
/// (workspace models have no pending-upload operation).</item>
/// <item>Versions auto-increment: the next number after the container's <c>latestVersion</c> (or the highest listed), PUT with
/// <c>If-None-Match: *</c>; a 409/412 (someone registered that number first) moves on to the following number — unless the
/// version holding that number carries this registration's id (property <c>azureml.sdk.registrationId</c>): then it is this
/// call's own earlier attempt, applied although its reply was lost, and it is returned as the result. After an ambiguous
/// failure (503, dropped connection) the number is read back the same way before the PUT is sent again
/// (<see cref="IdempotentCreate"/>), so a registration makes exactly one version.</item>
/// <item>Framework and the file manifest (path, length, SHA-256) are kept in version properties <c>azureml.sdk.framework</c>
/// and <c>azureml.sdk.files</c>; they are hidden from <see cref="ModelVersionData.Properties"/>.</item>
/// <item>ARM has no aliases for workspace models: an alias is the container tag <c>alias.&lt;name&gt;</c> = version.</item>
/// </list>
/// </summary>
internal sealed class RemoteModelRegistry(
    IArmModelsApi api,
    WorkspaceCoordinates ws,
    DatastoreBlobContainer datastore,
    IArtifactStore artifacts,
    TimeProvider time,
    int maxRetries = 3) : IModelRegistry
{
    internal const string FrameworkProperty = "azureml.sdk.framework";
    internal const string FilesProperty = "azureml.sdk.files";
    internal const string RegistrationIdProperty = "azureml.sdk.registrationId";
    internal const string AliasTagPrefix = "alias.";
    private const int MaxVersionAttempts = 20;

    public async Task<ModelVersionData> CreateVersionAsync(NewModelVersion model, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        var name = Validate.ModelName(model.Name);
        var ds = await datastore.GetAsync(cancellationToken).ConfigureAwait(false);
        var folder = $"LocalUpload/{Guid.NewGuid():N}/";
        var files = new List<ModelFile>();
        long sent = 0;
        var runId = model.RunId;
        var throttle = ThrottledProgress.Create(progress, TransferSizes.Of(model.Source));
        await foreach (var (path, open) in EnumerateSourceAsync(model.Source, cancellationToken).ConfigureAwait(false))
        {
            await using var content = await open().ConfigureAwait(false);
            try
            {
                // Hashed while it is sent: one read of each file.
                var (length, sha) = await BlobTransfer.UploadAsync(ds.Container.GetBlobClient(folder + path), content, throttle, sent, sha256: true, cancellationToken).ConfigureAwait(false);
                sent += length;
                files.Add(new ModelFile(path, length, sha!));
            }
            catch (RequestFailedException ex)
            {
                throw DatastoreBlobContainer.Map(ex, $"model file '{path}'");
            }
        }
        throttle?.Complete(sent);
        if (files.Count == 0)
        {
            throw new InvalidInputException($"Model '{name}' has no files to register.", "source");
        }
        if (runId is null && model.Source is RunArtifactModelSource ras)
        {
            runId = ras.RunId;
        }

        var body = BuildVersionBody(ws, ds.Name, folder, model, files, runId);
        var registrationId = IdempotentCreate.NewKey();
        body.Properties!.Properties![RegistrationIdProperty] = registrationId;

        var container = await TryGetContainerAsync(name, cancellationToken).ConfigureAwait(false);
        container ??= await api.CreateOrUpdateContainerAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, name,
            new ArmResource<ModelContainerProperties> { Properties = new ModelContainerProperties() }, cancellationToken).ConfigureAwait(false);
        var next = await NextVersionAsync(name, container, cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; ; attempt++)
        {
            var number = next.ToString(CultureInfo.InvariantCulture);
            try
            {
                // A conditional create: after an ambiguous failure (a 5xx or a dropped connection that the HTTP pipeline
                // does not replay, or a replay answered 412) the version is read back before anything is created again.
                var created = await IdempotentCreate.ExecuteAsync(
                    ct => api.CreateOrUpdateVersionAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, name, number, body, "*", ct),
                    ct => FindOwnVersionAsync(name, number, registrationId, ct),
                    maxRetries, time, cancellationToken).ConfigureAwait(false);
                return ToData(name, created, await TryGetContainerAsync(name, cancellationToken).ConfigureAwait(false) ?? container);
            }
            catch (ResourceExistsException) when (attempt < MaxVersionAttempts)
            {
                // Taken: by another registration, or by this one (a replayed PUT meeting its own first attempt).
                if (await FindOwnVersionAsync(name, number, registrationId, cancellationToken, throwWhenTaken: false).ConfigureAwait(false) is { } own)
                {
                    return ToData(name, own, await TryGetContainerAsync(name, cancellationToken).ConfigureAwait(false) ?? container);
                }
                next++;
            }
        }
    }

    /// <summary>
    /// Version <paramref name="version"/> when the registration <paramref name="registrationId"/> made it; null when it does not
    /// exist (yet); when another registration holds the number, a <see cref="ResourceExistsException"/> (or null with
    /// <paramref name="throwWhenTaken"/> false).
    /// </summary>
    private async Task<ArmResource<ModelVersionProperties>?> FindOwnVersionAsync(string name, string version, string registrationId, CancellationToken cancellationToken, bool throwWhenTaken = true)
    {
        ArmResource<ModelVersionProperties> existing;
        try
        {
            existing = await api.GetVersionAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, name, version, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
        if (existing.Properties?.Properties?.TryGetValue(RegistrationIdProperty, out var id) == true && id == registrationId)
        {
            return existing;
        }
        return throwWhenTaken ? throw new ResourceExistsException($"Model '{name}' version {version} was registered by someone else.") : null;
    }

    /// <summary>The body of the version PUT (a separate method so the spec conformance test validates exactly what is sent).</summary>
    internal static ArmResource<ModelVersionProperties> BuildVersionBody(WorkspaceCoordinates ws, string datastoreName, string folder, NewModelVersion model, IReadOnlyList<ModelFile> files, string? runId)
    {
        var properties = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var p in model.Properties ?? new Dictionary<string, string>())
        {
            properties[p.Key] = p.Value;
        }
        properties[FrameworkProperty] = model.Framework.ToString();
        properties[FilesProperty] = JsonSerializer.Serialize(files.Select(f => new ManifestEntry { Path = f.Path, Length = f.Length, Sha256 = f.Sha256 }).ToList(), RegistryJsonContext.Default.ListManifestEntry);
        return new ArmResource<ModelVersionProperties>
        {
            Properties = new ModelVersionProperties
            {
                Description = model.Description,
                Tags = model.Tags?.ToDictionary(t => t.Key, t => (string?)t.Value, StringComparer.Ordinal) ?? [],
                Properties = properties,
                IsArchived = false,
                ModelType = "custom_model",
                ModelUri = $"azureml://subscriptions/{ws.SubscriptionId}/resourcegroups/{ws.ResourceGroup}/workspaces/{ws.WorkspaceName}/datastores/{datastoreName}/paths/{folder}",
                JobName = runId,
            },
        };

    }

    public async Task<ModelVersionData> GetVersionAsync(string name, int version, CancellationToken cancellationToken)
    {
        Validate.ModelName(name);
        Validate.ModelVersion(version);
        var v = await api.GetVersionAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, name, version.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        var container = await TryGetContainerAsync(name, cancellationToken).ConfigureAwait(false);
        return ToData(name, v, container);
    }

    public async Task<ModelVersionData> GetLatestVersionAsync(string name, CancellationToken cancellationToken)
    {
        Validate.ModelName(name);
        var container = await TryGetContainerAsync(name, cancellationToken).ConfigureAwait(false)
            ?? throw new ResourceNotFoundException($"Model '{name}' does not exist.");
        var all = await ListAllVersionsAsync(name, cancellationToken).ConfigureAwait(false);
        var latest = all.Where(v => v.Properties?.IsArchived != true).MaxBy(VersionOf) ?? all.MaxBy(VersionOf)
            ?? throw new ResourceNotFoundException($"Model '{name}' has no versions.");
        return ToData(name, latest, container);
    }

    public async Task<ModelVersionData> GetVersionByAliasAsync(string name, string alias, CancellationToken cancellationToken)
    {
        Validate.ModelName(name);
        Validate.Alias(alias);
        var container = await TryGetContainerAsync(name, cancellationToken).ConfigureAwait(false)
            ?? throw new ResourceNotFoundException($"Model '{name}' does not exist.");
        if (container.Properties?.Tags?.TryGetValue(AliasTagPrefix + alias, out var value) != true
            || !int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            throw new ResourceNotFoundException($"Model '{name}' has no alias '{alias}'.");
        }
        return await GetVersionAsync(name, version, cancellationToken).ConfigureAwait(false);
    }

    public async Task SetAliasAsync(string name, string alias, int version, CancellationToken cancellationToken)
    {
        Validate.ModelName(name);
        Validate.Alias(alias);
        Validate.ModelVersion(version);
        await api.GetVersionAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, name, version.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        var container = await api.GetContainerAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, name, cancellationToken).ConfigureAwait(false);
        container.Properties ??= new ModelContainerProperties();
        container.Properties.Tags ??= [];
        container.Properties.Tags[AliasTagPrefix + alias] = version.ToString(CultureInfo.InvariantCulture);
        await PutContainerAsync(name, container, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteAliasAsync(string name, string alias, CancellationToken cancellationToken)
    {
        Validate.ModelName(name);
        Validate.Alias(alias);
        var container = await api.GetContainerAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, name, cancellationToken).ConfigureAwait(false);
        if (container.Properties?.Tags?.Remove(AliasTagPrefix + alias) != true)
        {
            throw new ResourceNotFoundException($"Model '{name}' has no alias '{alias}'.");
        }
        await PutContainerAsync(name, container, cancellationToken).ConfigureAwait(false);
    }

    /// <remarks>ARM pages by opaque <c>$skip</c> tokens in an order of its own; to give the contract's order (names in order,
    /// newest version first) this reads the matching versions and pages them here with an offset token.</remarks>
    public async Task<ResultPage<ModelVersionData>> ListVersionsAsync(ModelQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.MaxResults < 1)
        {
            throw new InvalidInputException($"MaxResults {query.MaxResults} is out of range: use at least 1.", "maxResults");
        }
        var offset = 0;
        if (query.PageToken is not null && !int.TryParse(query.PageToken, NumberStyles.None, CultureInfo.InvariantCulture, out offset))
        {
            throw new InvalidInputException($"Page token '{Validate.Shorten(query.PageToken)}' is not one this registry issued.", "pageToken");
        }
        var names = new List<string>();
        if (query.Name is not null)
        {
            names.Add(Validate.ModelName(query.Name));
        }
        else
        {
            string? skip = null;
            do
            {
                var page = await api.ListContainersAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, skip, "All", cancellationToken).ConfigureAwait(false);
                names.AddRange((page.Value ?? []).Select(c => c.Name).OfType<string>());
                skip = SkipToken(page.NextLink);
            }
            while (skip is not null);
            names.Sort(StringComparer.Ordinal);
        }

        var result = new List<ModelVersionData>();
        foreach (var name in names)
        {
            var container = await TryGetContainerAsync(name, cancellationToken).ConfigureAwait(false);
            if (container is null)
            {
                continue;
            }
            var versions = (await ListAllVersionsAsync(name, cancellationToken).ConfigureAwait(false))
                .Select(v => ToData(name, v, container))
                .Where(v => query.IncludeArchived || !v.IsArchived)
                .Where(v => query.Tags is null || query.Tags.All(t => v.Tags.TryGetValue(t.Key, out var tv) && tv == t.Value))
                .OrderByDescending(v => v.Version)
                .ToList();
            if (query.LatestOnly)
            {
                versions = versions.Take(1).ToList();
            }
            result.AddRange(versions);
        }
        var items = result.Skip(offset).Take(query.MaxResults).ToList();
        var nextOffset = offset + items.Count;
        return new ResultPage<ModelVersionData>(items, nextOffset < result.Count ? nextOffset.ToString(CultureInfo.InvariantCulture) : null);
    }

    public async Task<ModelVersionData> UpdateVersionAsync(string name, int version, ModelVersionUpdate update, CancellationToken cancellationToken)
    {
        Validate.ModelName(name);
        Validate.ModelVersion(version);
        ArgumentNullException.ThrowIfNull(update);
        var v = version.ToString(CultureInfo.InvariantCulture);
        var current = await api.GetVersionAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, name, v, cancellationToken).ConfigureAwait(false);
        var props = current.Properties ??= new ModelVersionProperties();
        if (update.Description is not null)
        {
            props.Description = update.Description;
        }
        props.Tags ??= [];
        foreach (var key in update.RemoveTags ?? [])
        {
            props.Tags.Remove(key);
        }
        foreach (var tag in update.SetTags ?? new Dictionary<string, string>())
        {
            props.Tags[tag.Key] = tag.Value;
        }
        if (update.Stage is not null)
        {
            props.Stage = update.Stage;
        }
        if (update.IsArchived is { } archived)
        {
            props.IsArchived = archived;
        }
        props.ProvisioningState = null; // read-only
        var updated = await api.CreateOrUpdateVersionAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, name, v,
            new ArmResource<ModelVersionProperties> { Properties = props }, null, cancellationToken).ConfigureAwait(false);
        return ToData(name, updated, await TryGetContainerAsync(name, cancellationToken).ConfigureAwait(false));
    }

    public async Task DeleteVersionAsync(string name, int version, CancellationToken cancellationToken)
    {
        Validate.ModelName(name);
        Validate.ModelVersion(version);
        var v = version.ToString(CultureInfo.InvariantCulture);
        await api.GetVersionAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, name, v, cancellationToken).ConfigureAwait(false);
        await api.DeleteVersionAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, name, v, cancellationToken).ConfigureAwait(false);
        var container = await TryGetContainerAsync(name, cancellationToken).ConfigureAwait(false);
        var tags = container?.Properties?.Tags;
        if (tags is not null)
        {
            var stale = tags.Where(t => t.Key.StartsWith(AliasTagPrefix, StringComparison.Ordinal) && t.Value == v).Select(t => t.Key).ToList();
            if (stale.Count > 0)
            {
                stale.ForEach(k => tags.Remove(k));
                await PutContainerAsync(name, container!, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async Task<IReadOnlyList<string>> DownloadAsync(string name, int version, string destinationDirectory, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        Validate.Required(destinationDirectory, nameof(destinationDirectory));
        var data = await GetVersionAsync(name, version, cancellationToken).ConfigureAwait(false);
        var ds = await datastore.GetAsync(cancellationToken).ConfigureAwait(false);
        var folder = DatastorePath(data.ModelUri, ds.Name);
        var root = Path.GetFullPath(destinationDirectory);
        Directory.CreateDirectory(root);
        // Every file goes to a temp name beside its target; targets are written only when every file passed its check.
        var pending = new List<(string Temp, string Target)>();
        long received = 0;
        var throttle = ThrottledProgress.Create(progress, data.Files.Sum(f => f.Length));
        try
        {
            foreach (var file in data.Files)
            {
                var relative = Validate.ArtifactPath(file.Path, "path");
                var target = DownloadTargets.Resolve(root, relative, "Model file"); // inside root, never through a link
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                var partial = TempFiles.Beside(target); // short whatever the target's name
                pending.Add((partial, target));
                (long Length, string? Sha256) got;
                try
                {
                    await using var output = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
                    // Hashed as the ranges are written: no second read of the file.
                    got = await BlobTransfer.DownloadAsync(ds.Container.GetBlobClient(folder + relative), output, throttle, received, sha256: true, cancellationToken).ConfigureAwait(false);
                }
                catch (RequestFailedException ex)
                {
                    throw DatastoreBlobContainer.Map(ex, $"model file '{file.Path}'");
                }
                if (got.Length != file.Length || !string.Equals(got.Sha256, file.Sha256, StringComparison.OrdinalIgnoreCase))
                {
                    throw new AzureMlException(
                        $"Model '{name}' version {version}: file '{file.Path}' failed its integrity check (expected {file.Length} bytes with SHA-256 {file.Sha256}, " +
                        $"the datastore sent {got.Length} bytes with SHA-256 {got.Sha256}); no file of the version was written.",
                        AzureMlErrorCodes.DataLoss, 500);
                }
                received += got.Length;
            }
            var written = new List<string>(pending.Count);
            foreach (var (partial, target) in pending)
            {
                File.Move(partial, target, overwrite: true);
                written.Add(target);
            }
            pending.Clear();
            throttle?.Complete(received);
            return written;
        }
        finally
        {
            foreach (var (partial, _) in pending)
            {
                try
                {
                    File.Delete(partial);
                }
                catch (IOException)
                {
                    // best effort
                }
            }
        }
    }

    private async IAsyncEnumerable<(string Path, Func<Task<Stream>> Open)> EnumerateSourceAsync(ModelSource source, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        switch (source)
        {
            case LocalModelSource local when File.Exists(local.Path):
                yield return (Path.GetFileName(local.Path), () => Task.FromResult<Stream>(File.OpenRead(local.Path)));
                break;
            case LocalModelSource local when Directory.Exists(local.Path):
                var root = Path.GetFullPath(local.Path);
                foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                {
                    var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
                    yield return (relative, () => Task.FromResult<Stream>(File.OpenRead(file)));
                }
                break;
            case LocalModelSource local:
                throw new ResourceNotFoundException($"Model source '{local.Path}' is neither a file nor a folder.");
            case RunArtifactModelSource run:
                var artifactPath = Validate.ArtifactPath(run.ArtifactPath, "artifactPath");
                var items = await artifacts.ListAsync(run.RunId, artifactPath, cancellationToken).ConfigureAwait(false);
                if (items.Count == 0)
                {
                    throw new ResourceNotFoundException($"Run {run.RunId} has no artifact '{artifactPath}'.");
                }
                foreach (var item in items)
                {
                    var relative = item.Path == artifactPath ? artifactPath[(artifactPath.LastIndexOf('/') + 1)..] : item.Path[(artifactPath.Length + 1)..];
                    var itemPath = item.Path;
                    yield return (relative, async () =>
                    {
                        var temp = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
                        await artifacts.DownloadAsync(run.RunId, itemPath, temp, null, cancellationToken).ConfigureAwait(false);
                        temp.Position = 0;
                        return temp;
                    }
                    );
                }
                break;
            default:
                throw new InvalidInputException($"Unknown model source {source?.GetType().Name ?? "null"}.", "source");
        }
    }

    private async Task PutContainerAsync(string name, ArmResource<ModelContainerProperties> container, CancellationToken cancellationToken)
    {
        var props = container.Properties ?? new ModelContainerProperties();
        props.LatestVersion = null; // read-only
        props.NextVersion = null;
        props.ProvisioningState = null;
        await api.CreateOrUpdateContainerAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, name,
            new ArmResource<ModelContainerProperties> { Properties = props }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ArmResource<ModelContainerProperties>?> TryGetContainerAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await api.GetContainerAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, name, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
    }

    private async Task<int> NextVersionAsync(string name, ArmResource<ModelContainerProperties> container, CancellationToken cancellationToken)
    {
        // The spec's auto-increment is nextVersion; latestVersion drops back when the latest version is deleted.
        if (int.TryParse(container.Properties?.NextVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var next) && next > 0)
        {
            return next;
        }
        if (int.TryParse(container.Properties?.LatestVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var latest))
        {
            return latest + 1;
        }
        var all = await ListAllVersionsAsync(name, cancellationToken).ConfigureAwait(false);
        return all.Count == 0 ? 1 : all.Max(VersionOf) + 1;
    }

    private async Task<List<ArmResource<ModelVersionProperties>>> ListAllVersionsAsync(string name, CancellationToken cancellationToken)
    {
        var all = new List<ArmResource<ModelVersionProperties>>();
        string? skip = null;
        do
        {
            var page = await api.ListVersionsAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, name, skip, null, null, null, "All", cancellationToken).ConfigureAwait(false);
            all.AddRange(page.Value ?? []);
            skip = SkipToken(page.NextLink);
        }
        while (skip is not null);
        return all;
    }

    /// <summary>The <c>$skip</c> continuation token of an ARM <c>nextLink</c>, so the next page goes through the Refit route too.</summary>
    internal static string? SkipToken(string? nextLink)
    {
        if (string.IsNullOrEmpty(nextLink) || !Uri.TryCreate(nextLink, UriKind.Absolute, out var uri))
        {
            return null;
        }
        foreach (var part in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(eq < 0 ? part : part[..eq]);
            if (key is "$skip" or "$skipToken")
            {
                return eq < 0 ? null : Uri.UnescapeDataString(part[(eq + 1)..]);
            }
        }
        return null;
    }

    private static int VersionOf(ArmResource<ModelVersionProperties> v) =>
        int.TryParse(v.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;

    private static string DatastorePath(string? modelUri, string datastoreName)
    {
        var dsMarker = $"/datastores/{datastoreName}/paths/";
        if (modelUri is null || !modelUri.StartsWith("azureml://", StringComparison.OrdinalIgnoreCase))
        {
            throw new AzureMlNotSupportedException($"Model URI '{modelUri}' is not an azureml:// datastore path; only models stored in the workspace's default datastore can be downloaded.");
        }
        var at = modelUri.IndexOf(dsMarker, StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            throw new AzureMlNotSupportedException($"Model URI '{modelUri}' is not in the default datastore '{datastoreName}'.");
        }
        var path = modelUri[(at + dsMarker.Length)..];
        return path.EndsWith('/') ? path : path + "/";
    }

    internal ModelVersionData ToData(string name, ArmResource<ModelVersionProperties> v, ArmResource<ModelContainerProperties>? container)
    {
        var props = v.Properties ?? new ModelVersionProperties();
        var version = VersionOf(v);
        var versionText = version.ToString(CultureInfo.InvariantCulture);
        var all = props.Properties ?? [];
        var userProps = all.Where(p => !p.Key.StartsWith("azureml.sdk.", StringComparison.Ordinal))
            .ToDictionary(p => p.Key, p => p.Value ?? string.Empty, StringComparer.Ordinal);
        var framework = all.TryGetValue(FrameworkProperty, out var fw) && Enum.TryParse<ModelFramework>(fw, out var f) ? f : ModelFramework.Custom;
        var files = all.TryGetValue(FilesProperty, out var manifest) && !string.IsNullOrEmpty(manifest)
            ? (JsonSerializer.Deserialize(manifest, RegistryJsonContext.Default.ListManifestEntry) ?? []).Select(e => new ModelFile(e.Path ?? string.Empty, e.Length, e.Sha256 ?? string.Empty)).ToList()
            : [];
        var aliases = (container?.Properties?.Tags ?? [])
            .Where(t => t.Key.StartsWith(AliasTagPrefix, StringComparison.Ordinal) && t.Value == versionText)
            .Select(t => t.Key[AliasTagPrefix.Length..]).Order(StringComparer.Ordinal).ToList();
        return new ModelVersionData(
            name,
            version,
            props.Description,
            (props.Tags ?? []).ToDictionary(t => t.Key, t => t.Value ?? string.Empty, StringComparer.Ordinal),
            userProps,
            framework,
            props.JobName,
            props.Stage,
            props.IsArchived == true,
            aliases,
            v.SystemData?.CreatedAt ?? time.GetUtcNow(),
            files,
            props.ModelUri);
    }
}

/// <summary>One file of a model version's manifest (property <c>azureml.sdk.files</c>).</summary>
internal sealed class ManifestEntry
{
    [JsonPropertyName("path")]
    public string? Path { get; set; }

    [JsonPropertyName("length")]
    public long Length { get; set; }

    [JsonPropertyName("sha256")]
    public string? Sha256 { get; set; }
}

[JsonSerializable(typeof(List<ManifestEntry>))]
internal sealed partial class RegistryJsonContext : JsonSerializerContext;

