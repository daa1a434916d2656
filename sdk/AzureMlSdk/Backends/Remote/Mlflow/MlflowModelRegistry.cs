using System.Globalization;
using System.Text;
using System.Text.Json;
using AzureMlSdk.Backends.Remote.Arm;
using AzureMlSdk.Backends.Transfer;

namespace AzureMlSdk.Backends.Remote.Mlflow;

/// <summary>
/// <see cref="IModelRegistry"/> on a plain MLflow server: the model registry REST API for metadata and the artifacts proxy for files.
/// <list type="bullet">
/// <item>Versions are MLflow's own integers (the server numbers them per registered model).</item>
/// <item>Register: the files are uploaded through the proxy to <c>models/&lt;name&gt;/&lt;guid&gt;/…</c> (run artifacts are copied
/// there too, so every version downloads the same way), the registered model is created if missing
/// (<c>RESOURCE_ALREADY_EXISTS</c> is fine), then <c>model-versions/create</c> with <c>source = mlflow-artifacts:/models/&lt;name&gt;/&lt;guid&gt;</c>;
/// after an ambiguous failure the version is looked for by that source (unique to the call) before it is created again.</item>
/// <item>What MLflow has no field for is a model-version tag under the reserved prefix <c>azureml.sdk.</c>, hidden from
/// <see cref="ModelVersionData.Tags"/>: <c>azureml.sdk.framework</c>, <c>azureml.sdk.properties.&lt;key&gt;</c>, <c>azureml.sdk.files</c>
/// (the JSON manifest: path, length, SHA-256; split over <c>azureml.sdk.files.0…n</c> when longer than one tag value),
/// <c>azureml.sdk.stage</c> (MLflow's <c>current_stage</c> is deprecated) and <c>azureml.sdk.archived = true</c>.</item>
/// <item>Aliases are MLflow aliases (<c>registered-models/alias</c>); MLflow moves them and drops them with their version.</item>
/// </list>
/// </summary>
internal sealed class MlflowModelRegistry(IMlflowRegistryApi api, MlflowArtifactProxy proxy, IArtifactStore runArtifacts, TimeProvider time, int maxRetries = 3) : IModelRegistry
{
    internal const string ReservedPrefix = "azureml.sdk.";
    internal const string FrameworkTag = "azureml.sdk.framework";
    internal const string PropertyTagPrefix = "azureml.sdk.properties.";
    internal const string FilesTag = "azureml.sdk.files";
    internal const string FilesPartsTag = "azureml.sdk.files.parts";
    internal const string StageTag = "azureml.sdk.stage";
    internal const string ArchivedTag = "azureml.sdk.archived";
    internal const string ModelsRoot = "models";

    /// <summary>Longest tag value sent: MLflow servers before 2.x accepted 5000 characters for registry tags.</summary>
    internal const int MaxTagValueLength = 5000;

    private static readonly string[] VersionOrder = ["name ASC", "version_number DESC"];
    private const int SearchPageSize = 1000;

    public async Task<ModelVersionData> CreateVersionAsync(NewModelVersion model, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        var name = Validate.ModelName(model.Name);
        var tags = new List<MlflowTag>();
        foreach (var tag in model.Tags ?? new Dictionary<string, string>())
        {
            tags.Add(new MlflowTag { Key = UserTagKey(tag.Key), Value = Validate.TagValue(tag.Key, tag.Value) });
        }
        foreach (var property in model.Properties ?? new Dictionary<string, string>())
        {
            Validate.Key(property.Key, "property");
            tags.Add(new MlflowTag { Key = PropertyTagPrefix + property.Key, Value = Validate.TagValue(property.Key, property.Value) });
        }
        var runId = model.RunId ?? (model.Source as RunArtifactModelSource)?.RunId;

        var folder = $"{ModelsRoot}/{name}/{Guid.NewGuid():N}";
        var files = await UploadSourceAsync(name, model.Source, folder, progress, cancellationToken).ConfigureAwait(false);
        tags.Add(new MlflowTag { Key = FrameworkTag, Value = model.Framework.ToString() });
        tags.AddRange(ManifestTags(files));

        // Both creates are POSTs the HTTP pipeline does not replay. After an ambiguous failure: the registered model is
        // simply created again (RESOURCE_ALREADY_EXISTS is fine); the version is looked for by its source, unique to this
        // call (a fresh folder), before it is created again — so one registration makes exactly one version.
        await IdempotentCreate.ExecuteAsync(
            async ct =>
            {
                try
                {
                    await api.CreateRegisteredModelAsync(new CreateRegisteredModelRequest { Name = name }, ct).ConfigureAwait(false);
                }
                catch (ResourceExistsException)
                {
                    // registered before: add a version to it
                }
                return name;
            },
            _ => Task.FromResult<string?>(null),
            maxRetries, time, cancellationToken).ConfigureAwait(false);
        var source = MlflowArtifactStore.Scheme + "/" + folder;
        var request = new CreateModelVersionRequest
        {
            Name = name,
            Source = source,
            RunId = string.IsNullOrEmpty(runId) ? null : runId,
            Tags = tags,
            Description = model.Description,
        };
        return await IdempotentCreate.ExecuteAsync(
            async ct => ToData((await api.CreateModelVersionAsync(request, ct).ConfigureAwait(false)).ModelVersion
                ?? throw new AzureMlException($"The MLflow server registered a version of '{name}' without returning it.")),
            async ct => (await SearchAllAsync(name, ct).ConfigureAwait(false)).FirstOrDefault(v => v.ModelUri == source),
            maxRetries, time, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ModelVersionData> GetVersionAsync(string name, int version, CancellationToken cancellationToken)
    {
        Validate.ModelName(name);
        Validate.ModelVersion(version);
        return ToData(await GetRawAsync(name, version, cancellationToken).ConfigureAwait(false));
    }

    public async Task<ModelVersionData> GetLatestVersionAsync(string name, CancellationToken cancellationToken)
    {
        Validate.ModelName(name);
        var all = await SearchAllAsync(name, cancellationToken).ConfigureAwait(false);
        return Latest(all) ?? throw new ResourceNotFoundException($"Model '{name}' does not exist or has no versions.");
    }

    public async Task<ModelVersionData> GetVersionByAliasAsync(string name, string alias, CancellationToken cancellationToken)
    {
        Validate.ModelName(name);
        Validate.Alias(alias);
        return ToData(await GetByAliasRawAsync(name, alias, cancellationToken).ConfigureAwait(false));
    }

    public async Task SetAliasAsync(string name, string alias, int version, CancellationToken cancellationToken)
    {
        Validate.ModelName(name);
        Validate.Alias(alias);
        Validate.ModelVersion(version);
        await api.SetRegisteredModelAliasAsync(new SetRegisteredModelAliasRequest { Name = name, Alias = alias, Version = Text(version) }, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteAliasAsync(string name, string alias, CancellationToken cancellationToken)
    {
        Validate.ModelName(name);
        Validate.Alias(alias);
        // MLflow deletes a missing alias silently; the contract says it is not found.
        await GetByAliasRawAsync(name, alias, cancellationToken).ConfigureAwait(false);
        await api.DeleteRegisteredModelAliasAsync(new DeleteRegisteredModelAliasRequest { Name = name, Alias = alias }, cancellationToken).ConfigureAwait(false);
    }

    /// <remarks>
    /// Pages through <c>model-versions/search</c> (filter <c>name='x'</c>, order <c>name ASC, version_number DESC</c>) with the server's
    /// page tokens; archived and tag filters apply here, so the SDK's token is the server token plus how many of that page were used.
    /// <see cref="ModelQuery.LatestOnly"/> reads every matching version and pages the per-name latest here.
    /// </remarks>
    public async Task<ResultPage<ModelVersionData>> ListVersionsAsync(ModelQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.MaxResults < 1)
        {
            throw new InvalidInputException($"MaxResults {query.MaxResults} is out of range: use at least 1.", "maxResults");
        }
        var name = query.Name is null ? null : Validate.ModelName(query.Name);
        var (serverToken, skip) = DecodeToken(query.PageToken);
        bool Matches(ModelVersionData v) =>
            (query.IncludeArchived || !v.IsArchived)
            && (query.Tags is null || query.Tags.All(t => v.Tags.TryGetValue(t.Key, out var tv) && tv == t.Value));

        if (query.LatestOnly)
        {
            var latest = (await SearchAllAsync(name, cancellationToken).ConfigureAwait(false))
                .GroupBy(v => v.Name, StringComparer.Ordinal)
                .Select(g => Latest(g.Where(v => query.Tags is null || query.Tags.All(t => v.Tags.TryGetValue(t.Key, out var tv) && tv == t.Value)).ToList()))
                .OfType<ModelVersionData>()
                .Where(Matches)
                .OrderBy(v => v.Name, StringComparer.Ordinal)
                .ToList();
            var pageItems = latest.Skip(skip).Take(query.MaxResults).ToList();
            var next = skip + pageItems.Count;
            return new ResultPage<ModelVersionData>(pageItems, next < latest.Count ? EncodeToken(null, next) : null);
        }

        var items = new List<ModelVersionData>();
        while (true)
        {
            var reply = await api.SearchModelVersionsAsync(Filter(name), query.MaxResults, VersionOrder, serverToken, cancellationToken).ConfigureAwait(false);
            var versions = reply.ModelVersions ?? [];
            for (var i = skip; i < versions.Count; i++)
            {
                var v = ToData(versions[i]);
                if (!Matches(v))
                {
                    continue;
                }
                if (items.Count == query.MaxResults)
                {
                    return new ResultPage<ModelVersionData>(items, EncodeToken(serverToken, i));
                }
                items.Add(v);
            }
            skip = 0;
            serverToken = string.IsNullOrEmpty(reply.NextPageToken) ? null : reply.NextPageToken;
            if (serverToken is null)
            {
                return new ResultPage<ModelVersionData>(items, null);
            }
            if (items.Count == query.MaxResults)
            {
                return new ResultPage<ModelVersionData>(items, EncodeToken(serverToken, 0));
            }
        }
    }

    public async Task<ModelVersionData> UpdateVersionAsync(string name, int version, ModelVersionUpdate update, CancellationToken cancellationToken)
    {
        Validate.ModelName(name);
        Validate.ModelVersion(version);
        ArgumentNullException.ThrowIfNull(update);
        var removals = (update.RemoveTags ?? []).Select(UserTagKey).ToList();
        var sets = (update.SetTags ?? new Dictionary<string, string>()).Select(t => (Key: UserTagKey(t.Key), Value: Validate.TagValue(t.Key, t.Value))).ToList();
        var v = Text(version);
        await GetRawAsync(name, version, cancellationToken).ConfigureAwait(false); // a missing version fails before any change
        if (update.Description is not null)
        {
            await api.UpdateModelVersionAsync(new UpdateModelVersionRequest { Name = name, Version = v, Description = update.Description }, cancellationToken).ConfigureAwait(false);
        }
        foreach (var key in removals)
        {
            await DeleteTagIfAnyAsync(name, v, key, cancellationToken).ConfigureAwait(false);
        }
        foreach (var (key, value) in sets)
        {
            await api.SetModelVersionTagAsync(new SetModelVersionTagRequest { Name = name, Version = v, Key = key, Value = value }, cancellationToken).ConfigureAwait(false);
        }
        if (update.Stage is not null)
        {
            await api.SetModelVersionTagAsync(new SetModelVersionTagRequest { Name = name, Version = v, Key = StageTag, Value = Validate.TagValue("stage", update.Stage) }, cancellationToken).ConfigureAwait(false);
        }
        if (update.IsArchived == true)
        {
            await api.SetModelVersionTagAsync(new SetModelVersionTagRequest { Name = name, Version = v, Key = ArchivedTag, Value = "true" }, cancellationToken).ConfigureAwait(false);
        }
        else if (update.IsArchived == false)
        {
            await DeleteTagIfAnyAsync(name, v, ArchivedTag, cancellationToken).ConfigureAwait(false);
        }
        return ToData(await GetRawAsync(name, version, cancellationToken).ConfigureAwait(false));
    }

    public async Task DeleteVersionAsync(string name, int version, CancellationToken cancellationToken)
    {
        Validate.ModelName(name);
        Validate.ModelVersion(version);
        await api.DeleteModelVersionAsync(new ModelVersionKeyRequest { Name = name, Version = Text(version) }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> DownloadAsync(string name, int version, string destinationDirectory, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        Validate.Required(destinationDirectory, nameof(destinationDirectory));
        var data = await GetVersionAsync(name, version, cancellationToken).ConfigureAwait(false);
        var folder = MlflowArtifactStore.ProxyPath(data.ModelUri)
            ?? throw new AzureMlNotSupportedException($"Model '{name}' version {version} has source '{data.ModelUri}', which is not an mlflow-artifacts: URI; only versions whose files are on this server's artifacts proxy can be downloaded.");
        var destination = Path.GetFullPath(destinationDirectory);
        Directory.CreateDirectory(destination);

        // Every file goes to a temp name beside its target; targets are written only when every file passed its check.
        var pending = new List<(string Temp, string Target)>();
        long received = 0;
        var throttle = ThrottledProgress.Create(progress, data.Files.Sum(f => f.Length));
        try
        {
            foreach (var file in data.Files)
            {
                var relative = Validate.ArtifactPath(file.Path, "path");
                var target = Path.GetFullPath(Path.Combine(destination, relative));
                var check = Path.GetRelativePath(destination, target);
                if (check.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(check))
                {
                    throw new AzureMlException($"Model '{name}' version {version} lists file '{file.Path}', which would land outside '{destination}'; the registry entry is damaged.", AzureMlErrorCodes.DataLoss);
                }
                DownloadTargets.Resolve(destination, relative, $"Model '{name}' version {version} file");
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                var temp = TempFiles.Beside(target);
                pending.Add((temp, target));
                (long Length, string Sha256) got;
                await using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
                {
                    got = await proxy.DownloadAsync(folder + "/" + relative, output, throttle, received, cancellationToken).ConfigureAwait(false);
                }
                if (got.Length != file.Length || !string.Equals(got.Sha256, file.Sha256, StringComparison.OrdinalIgnoreCase))
                {
                    throw new AzureMlException(
                        $"Model '{name}' version {version}: file '{file.Path}' failed its integrity check (expected {file.Length} bytes with SHA-256 {file.Sha256}, " +
                        $"the server sent {got.Length} bytes with SHA-256 {got.Sha256}); nothing was written for it.",
                        AzureMlErrorCodes.DataLoss);
                }
                received += got.Length;
            }
            var written = new List<string>(pending.Count);
            foreach (var (temp, target) in pending)
            {
                File.Move(temp, target, overwrite: true);
                written.Add(target);
            }
            pending.Clear();
            throttle?.Complete(received);
            return written;
        }
        finally
        {
            foreach (var (temp, _) in pending)
            {
                try
                {
                    File.Delete(temp);
                }
                catch (IOException)
                {
                    // best effort
                }
            }
        }
    }

    private async Task<List<ModelFile>> UploadSourceAsync(string name, ModelSource source, string folder, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var files = new List<ModelFile>();
        long sent = 0;
        var throttle = ThrottledProgress.Create(progress, TransferSizes.Of(source));
        async Task PutAsync(string relative, Stream content)
        {
            var (length, sha) = await proxy.UploadAsync(folder + "/" + relative, content, throttle, sent, cancellationToken).ConfigureAwait(false);
            sent += length;
            files.Add(new ModelFile(relative, length, sha));
        }

        switch (source)
        {
            case LocalModelSource local when File.Exists(local.Path):
                await using (var content = OpenRead(local.Path))
                {
                    await PutAsync(Path.GetFileName(local.Path), content).ConfigureAwait(false);
                }
                break;
            case LocalModelSource local when Directory.Exists(local.Path):
                var root = Path.GetFullPath(local.Path);
                foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                {
                    var relative = Validate.ArtifactPath(Path.GetRelativePath(root, file).Replace('\\', '/'), "source");
                    await using var content = OpenRead(file);
                    await PutAsync(relative, content).ConfigureAwait(false);
                }
                break;
            case LocalModelSource local:
                // As the other registries (and the contract): a missing source is not found, not malformed input.
                throw new ResourceNotFoundException($"Model source '{local.Path}' is neither a file nor a folder.");
            case RunArtifactModelSource run:
                Validate.Required(run.RunId, "runId");
                var artifactPath = Validate.ArtifactPath(run.ArtifactPath, "artifactPath");
                var items = await runArtifacts.ListAsync(run.RunId, artifactPath, cancellationToken).ConfigureAwait(false);
                if (items.Count == 0)
                {
                    throw new ResourceNotFoundException($"Run {run.RunId} has no artifact file or folder '{artifactPath}'.");
                }
                foreach (var item in items)
                {
                    var relative = item.Path == artifactPath ? artifactPath[(artifactPath.LastIndexOf('/') + 1)..] : item.Path[(artifactPath.Length + 1)..];
                    await using var temp = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
                    await runArtifacts.DownloadAsync(run.RunId, item.Path, temp, null, cancellationToken).ConfigureAwait(false);
                    temp.Position = 0;
                    await PutAsync(relative, temp).ConfigureAwait(false);
                }
                break;
            default:
                throw new InvalidInputException($"Unknown model source {source?.GetType().Name ?? "null"}.", "source");
        }
        if (files.Count == 0)
        {
            throw new InvalidInputException($"Model '{name}' has no files to register.", "source");
        }
        throttle?.Complete(sent);
        return files;
    }

    private static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);

    private async Task<MlflowModelVersion> GetRawAsync(string name, int version, CancellationToken cancellationToken)
    {
        var reply = await api.GetModelVersionAsync(name, Text(version), cancellationToken).ConfigureAwait(false);
        return reply.ModelVersion ?? throw new ResourceNotFoundException($"Model '{name}' has no version {version}.");
    }

    private async Task<MlflowModelVersion> GetByAliasRawAsync(string name, string alias, CancellationToken cancellationToken)
    {
        try
        {
            var reply = await api.GetModelVersionByAliasAsync(name, alias, cancellationToken).ConfigureAwait(false);
            return reply.ModelVersion ?? throw new ResourceNotFoundException($"Model '{name}' has no alias '{alias}'.");
        }
        catch (InvalidInputException ex) when (ex.Message.Contains("not found", StringComparison.OrdinalIgnoreCase))
        {
            // MLflow answers a missing alias with 400 INVALID_PARAMETER_VALUE "Registered model alias x not found."
            throw new ResourceNotFoundException($"Model '{name}' has no alias '{alias}'. {ex.Message}", AzureMlErrorCodes.ResourceDoesNotExist, 404, ex.RequestId, ex);
        }
    }

    private async Task DeleteTagIfAnyAsync(string name, string version, string key, CancellationToken cancellationToken)
    {
        try
        {
            await api.DeleteModelVersionTagAsync(new DeleteModelVersionTagRequest { Name = name, Version = version, Key = key }, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException)
        {
            // some stores answer a missing tag as not found: it is gone either way
        }
    }

    private async Task<List<ModelVersionData>> SearchAllAsync(string? name, CancellationToken cancellationToken)
    {
        var all = new List<ModelVersionData>();
        string? token = null;
        do
        {
            var reply = await api.SearchModelVersionsAsync(Filter(name), SearchPageSize, VersionOrder, token, cancellationToken).ConfigureAwait(false);
            all.AddRange((reply.ModelVersions ?? []).Select(ToData));
            token = string.IsNullOrEmpty(reply.NextPageToken) ? null : reply.NextPageToken;
        }
        while (token is not null);
        return all;
    }

    private static ModelVersionData? Latest(IReadOnlyCollection<ModelVersionData> versions) =>
        versions.Where(v => !v.IsArchived).MaxBy(v => v.Version) ?? versions.MaxBy(v => v.Version);

    /// <summary>The search filter for one model (model names have no quote or backslash, so quoting the name is enough).</summary>
    internal static string? Filter(string? name) => name is null ? null : $"name='{name}'";

    private static string UserTagKey(string key)
    {
        Validate.Key(key, "tag");
        if (key.StartsWith(ReservedPrefix, StringComparison.Ordinal))
        {
            throw new InvalidInputException($"Tag key '{Validate.Shorten(key)}' uses the prefix '{ReservedPrefix}', which the SDK reserves for its own model metadata.", "tags");
        }
        return key;
    }

    private static string Text(int version) => version.ToString(CultureInfo.InvariantCulture);

    /// <summary>The manifest as one tag, or as numbered parts when it is longer than one tag value.</summary>
    internal static IEnumerable<MlflowTag> ManifestTags(IReadOnlyList<ModelFile> files)
    {
        var json = JsonSerializer.Serialize(files.Select(f => new ManifestEntry { Path = f.Path, Length = f.Length, Sha256 = f.Sha256 }).ToList(), RegistryJsonContext.Default.ListManifestEntry);
        if (json.Length <= MaxTagValueLength)
        {
            yield return new MlflowTag { Key = FilesTag, Value = json };
            yield break;
        }
        var parts = (json.Length + MaxTagValueLength - 1) / MaxTagValueLength;
        yield return new MlflowTag { Key = FilesPartsTag, Value = Text(parts) };
        for (var i = 0; i < parts; i++)
        {
            var start = i * MaxTagValueLength;
            yield return new MlflowTag { Key = $"{FilesTag}.{Text(i)}", Value = json.Substring(start, Math.Min(MaxTagValueLength, json.Length - start)) };
        }
    }

    private static List<ModelFile> ReadManifest(Dictionary<string, string> tags)
    {
        string? json = null;
        if (tags.TryGetValue(FilesTag, out var single))
        {
            json = single;
        }
        else if (tags.TryGetValue(FilesPartsTag, out var partsText) && int.TryParse(partsText, NumberStyles.None, CultureInfo.InvariantCulture, out var parts))
        {
            var sb = new StringBuilder();
            for (var i = 0; i < parts; i++)
            {
                sb.Append(tags.TryGetValue($"{FilesTag}.{Text(i)}", out var part) ? part : string.Empty);
            }
            json = sb.ToString();
        }
        if (string.IsNullOrEmpty(json))
        {
            return [];
        }
        try
        {
            return (JsonSerializer.Deserialize(json, RegistryJsonContext.Default.ListManifestEntry) ?? [])
                .Select(e => new ModelFile(e.Path ?? string.Empty, e.Length, e.Sha256 ?? string.Empty)).ToList();
        }
        catch (JsonException ex)
        {
            throw new AzureMlException($"The file manifest of a model version (tag {FilesTag}) is damaged: {ex.Message}", AzureMlErrorCodes.DataLoss, innerException: ex);
        }
    }

    internal ModelVersionData ToData(MlflowModelVersion v)
    {
        var all = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in v.Tags ?? [])
        {
            if (tag.Key is not null)
            {
                all[tag.Key] = tag.Value ?? string.Empty;
            }
        }
        var tags = all.Where(t => !t.Key.StartsWith(ReservedPrefix, StringComparison.Ordinal)).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
        var properties = all.Where(t => t.Key.StartsWith(PropertyTagPrefix, StringComparison.Ordinal))
            .ToDictionary(t => t.Key[PropertyTagPrefix.Length..], t => t.Value, StringComparer.Ordinal);
        var framework = all.TryGetValue(FrameworkTag, out var fw) && Enum.TryParse<ModelFramework>(fw, out var f) ? f : ModelFramework.Custom;
        if (!int.TryParse(v.Version, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            throw new AzureMlException($"The MLflow server returned model version '{v.Version}' of '{v.Name}', which is not a number.");
        }
        return new ModelVersionData(
            v.Name ?? string.Empty,
            version,
            string.IsNullOrEmpty(v.Description) ? null : v.Description,
            tags,
            properties,
            framework,
            string.IsNullOrEmpty(v.RunId) ? null : v.RunId,
            all.TryGetValue(StageTag, out var stage) ? stage : null,
            all.TryGetValue(ArchivedTag, out var archived) && string.Equals(archived, "true", StringComparison.OrdinalIgnoreCase),
            (v.Aliases ?? []).Order(StringComparer.Ordinal).ToList(),
            v.CreationTimestamp is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : time.GetUtcNow(),
            ReadManifest(all),
            v.Source);
    }

    /// <summary>The SDK's page token: the server's token of the page to read and how many of its entries were already returned.</summary>
    internal static string EncodeToken(string? serverToken, int skip) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Text(skip)}|{serverToken}"));

    internal static (string? ServerToken, int Skip) DecodeToken(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return (null, 0);
        }
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            var bar = text.IndexOf('|', StringComparison.Ordinal);
            if (bar > 0 && int.TryParse(text.AsSpan(0, bar), NumberStyles.None, CultureInfo.InvariantCulture, out var skip))
            {
                var server = text[(bar + 1)..];
                return (server.Length == 0 ? null : server, skip);
            }
        }
        catch (FormatException)
        {
            // fall through
        }
        throw new InvalidInputException($"Page token '{Validate.Shorten(token)}' is not one this registry issued.", "pageToken");
    }
}
