using System.Globalization;
using System.Text.Json.Nodes;
using AzureMlSdk.Server.Artifacts;
using AzureMlSdk.Server.Registry;

namespace AzureMlSdk.Server.Mlflow;

// The model-version endpoints of model_registry.proto over ARM model versions (mapping: MlflowEndpoints.Registry.cs).
internal static partial class MlflowEndpoints
{
    // ------------------------------------------------------------------ model versions

    private static async Task CreateModelVersionAsync(MlflowCall call)
    {
        var name = ModelName(call);
        var source = call.Request.RequiredString("source");
        var runId = call.Request.String("run_id") ?? string.Empty;
        var runLink = call.Request.String("run_link") ?? string.Empty;
        var description = Description(call) ?? string.Empty;
        var modelId = call.Request.String("model_id") ?? string.Empty;
        var tags = new JsonObject();
        foreach (var tag in call.Request.Objects("tags"))
        {
            var (key, value) = RegistryTag(MlflowRequest.NestedString(tag, "key", "tags") ?? string.Empty, MlflowRequest.NestedString(tag, "value", "tags"), forModel: false);
            tags[key] = value;
        }
        ValidateSource(source);
        var container = RequireModel(call, name);

        var folder = await StorageFolderAsync(call, source).ConfigureAwait(false);
        var properties = new JsonObject { [SourceProperty] = source };
        if (runLink.Length > 0)
        {
            properties[RunLinkProperty] = runLink;
        }
        if (modelId.Length > 0)
        {
            properties[ModelIdProperty] = modelId;
        }
        string modelUri = source;
        var modelType = "custom_model";
        if (folder is not null)
        {
            var (root, manifest) = await ManifestAsync(call, folder).ConfigureAwait(false);
            modelUri = ArtifactLocations.DatastoreUri(call.Workspace, root);
            properties[FilesProperty] = manifest.ToJsonString();
            if (manifest.Any(f => f!["path"]!.GetValue<string>() == "MLmodel"))
            {
                modelType = "mlflow_model";
            }
        }
        var body = new JsonObject
        {
            ["description"] = description,
            ["tags"] = tags,
            ["properties"] = properties,
            ["isArchived"] = false,
            ["isAnonymous"] = false,
            ["modelType"] = modelType,
            ["modelUri"] = modelUri,
        };
        if (runId.Length > 0)
        {
            body["jobName"] = runId;
        }
        var created = call.Workspace.Assets.CreateNextVersion(container.Name, body) ?? throw RegisteredModelNotFound(name);
        LoggedModelData? logged = null;
        if (modelId.Length > 0)
        {
            // As MLflow's server: the logged model records which versions it became.
            // (read, add, write: two registrations from one logged model at the same instant could lose an entry, as in MLflow's own store)
            try
            {
                logged = await call.Store.GetLoggedModelAsync(modelId, call.Aborted).ConfigureAwait(false);
            }
            catch (ResourceNotFoundException)
            {
                logged = null; // a model_id naming no logged model: the version stands, nothing to record
            }
        }
        if (logged is not null)
        {
            var list = logged.Tags.TryGetValue(ModelVersionsTag, out var existing) && JsonNode.Parse(existing) is JsonArray array ? array : [];
            var entry = new JsonObject { ["name"] = created.Name, ["version"] = long.Parse(created.Version, CultureInfo.InvariantCulture) };
            if (!list.Any(e => JsonNode.DeepEquals(e, entry)))
            {
                list.Add(entry);
            }
            await call.Store.SetLoggedModelTagsAsync(modelId, new Dictionary<string, string> { [ModelVersionsTag] = list.ToJsonString() }, call.Aborted).ConfigureAwait(false);
        }
        await VersionReplyAsync(call, created).ConfigureAwait(false);
    }

    /// <summary>MLflow's source checks: no relative segments; a local path only inside the run's (local) artifact folder, which runs here never have.</summary>
    private static void ValidateSource(string source)
    {
        var decoded = source;
        while (Uri.UnescapeDataString(decoded) is var next && next != decoded)
        {
            decoded = next;
        }
        if (decoded.Contains('\0', StringComparison.Ordinal) || decoded.Split('/').Any(s => s == ".."))
        {
            throw MlflowException.Invalid(
                $"Invalid model version source: '{source}'. If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path references present. Please provide an absolute path.");
        }
        var colon = source.IndexOf(':', StringComparison.Ordinal);
        var scheme = colon > 1 ? source[..colon] : string.Empty;
        if (scheme.Length == 0 || scheme.Equals("file", StringComparison.OrdinalIgnoreCase))
        {
            throw MlflowException.Invalid(
                $"Invalid model version source: '{source}'. To use a local path as a model version source, the run_id request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the run_id.");
        }
    }

    /// <summary>
    /// The datastore path a source names (MLflow's storage location), or null when it is outside the default datastore
    /// (s3://…, another workspace): <c>mlflow-artifacts:/X</c>, <c>azureml://…/paths/X</c>, <c>runs:/&lt;run&gt;/P</c> (the run's
    /// artifact folder + P), <c>models:/&lt;logged model id&gt;</c> (MLflow 3) and <c>models:/&lt;name&gt;/&lt;version&gt;</c>.
    /// </summary>
    private static async Task<string?> StorageFolderAsync(MlflowCall call, string source, int depth = 0)
    {
        if (ArtifactLocations.FolderOf(source, call.Workspace) is { } folder)
        {
            return folder;
        }
        if (source.StartsWith("runs:/", StringComparison.OrdinalIgnoreCase))
        {
            var rest = source["runs:/".Length..].Trim('/');
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            var runId = slash < 0 ? rest : rest[..slash];
            var path = slash < 0 ? string.Empty : rest[(slash + 1)..].Trim('/');
            if (runId.Length == 0)
            {
                throw MlflowException.Invalid($"Invalid model version source: '{source}': a runs:/ URI names a run (runs:/<run_id>/<path>).");
            }
            return ArtifactLocations.RunFolder(runId) + (path.Length == 0 ? string.Empty : "/" + ArtifactLocations.SafePath(path, allowEmpty: false));
        }
        if (source.StartsWith("models:/", StringComparison.OrdinalIgnoreCase))
        {
            var rest = source["models:/".Length..].Trim('/');
            if (rest.StartsWith("m-", StringComparison.Ordinal) && !rest.Contains('/', StringComparison.Ordinal))
            {
                LoggedModelData logged;
                try
                {
                    logged = await call.Store.GetLoggedModelAsync(rest, call.Aborted).ConfigureAwait(false);
                }
                catch (ResourceNotFoundException)
                {
                    throw MlflowException.Invalid($"Unable to fetch model from model URI source artifact location '{source}'.Error: Logged model with ID '{rest}' not found.");
                }
                return ArtifactLocations.LoggedModelFolder(logged.ModelId);
            }
            var parts = rest.Split('/');
            if (parts.Length == 2 && depth < 8 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                var version = call.Workspace.Assets.GetVersion(parts[0], parts[1]) ?? throw VersionNotFound(parts[0], parts[1]);
                return await StorageFolderAsync(call, Source(call.Workspace, version), depth + 1).ConfigureAwait(false);
            }
            throw MlflowException.Invalid($"Unable to fetch model from model URI source artifact location '{source}': use models:/<name>/<version> or models:/<model id>.");
        }
        return null;
    }

    /// <summary>
    /// The files at a datastore path, as the SDK's manifest (path, length, SHA-256), and the folder they are relative to: the
    /// path itself when it is a folder, its parent when it names one file.
    /// </summary>
    private static async Task<(string Root, JsonArray Manifest)> ManifestAsync(MlflowCall call, string path)
    {
        if (call.Registry.FilesOf(call.Workspace) is null)
        {
            return (path, []); // no blob storage: nothing to list (the proxy answers 503 for the files themselves)
        }
        var files = call.Files;
        var under = await files.ListUnderAsync(path, call.Aborted).ConfigureAwait(false);
        var root = path;
        var entries = under.Select(f => (f.RelativePath, Blob: path + "/" + f.RelativePath)).ToList();
        if (entries.Count == 0 && await files.FileExistsAsync(path, call.Aborted).ConfigureAwait(false))
        {
            var slash = path.LastIndexOf('/');
            root = slash < 0 ? string.Empty : path[..slash];
            entries.Add((path[(slash + 1)..], path));
        }
        var manifest = new JsonArray();
        foreach (var (relative, blob) in entries)
        {
            var (length, sha) = await files.HashAsync(blob, call.Aborted).ConfigureAwait(false);
            manifest.Add(new JsonObject { ["path"] = relative, ["length"] = length, ["sha256"] = sha });
        }
        return (root, manifest);
    }

    /// <summary>
    /// Where a version's files can be downloaded (MLflow's storage location): the proxy URI of the datastore path its source
    /// names, else of the folder its modelUri names, else its source.
    /// </summary>
    private static async Task<string> DownloadUriAsync(MlflowCall call, VersionRow v)
    {
        var source = Source(call.Workspace, v);
        string? folder;
        try
        {
            folder = await StorageFolderAsync(call, source).ConfigureAwait(false);
        }
        catch (MlflowException)
        {
            folder = null; // what the source named is gone (a deleted version, a deleted logged model)
        }
        folder ??= ArtifactLocations.FolderOf(Text(v.Properties, "modelUri"), call.Workspace);
        return folder is null ? source : ArtifactLocations.ProxyUri(folder);
    }

    private static Task GetModelVersionAsync(MlflowCall call)
    {
        var name = ModelName(call);
        return VersionReplyAsync(call, RequireVersion(call, name, VersionNumber(call)));
    }

    private static async Task UpdateModelVersionAsync(MlflowCall call)
    {
        var name = ModelName(call);
        var version = VersionNumber(call);
        RequireVersion(call, name, version);
        var description = Description(call);
        var row = call.Workspace.Assets.UpdateVersion(name, version, p =>
        {
            if (description is not null)
            {
                p["description"] = description;
            }
        }) ?? throw VersionNotFound(name, version);
        await VersionReplyAsync(call, row).ConfigureAwait(false);
    }

    private static async Task TransitionModelVersionStageAsync(MlflowCall call)
    {
        var name = ModelName(call);
        var version = VersionNumber(call);
        var stage = CanonicalStage(call.Request.RequiredString("stage"));
        var archiveOthers = call.Request.Bool("archive_existing_versions") ?? false;
        if (archiveOthers && stage is not ("Staging" or "Production"))
        {
            throw MlflowException.Invalid($"Model version transition cannot archive existing model versions because '{stage}' is not an Active stage. Valid stages are Staging, Production");
        }
        RequireVersion(call, name, version);
        if (archiveOthers)
        {
            foreach (var other in NumberedVersions(call.Workspace.Assets, name).Where(v => v.Version != version && Stage(v) == stage))
            {
                call.Workspace.Assets.UpdateVersion(name, other.Version, p => p["stage"] = "Archived");
            }
        }
        var row = call.Workspace.Assets.UpdateVersion(name, version, p =>
        {
            if (stage == "None")
            {
                p.Remove("stage"); // ARM: no stage
            }
            else
            {
                p["stage"] = stage;
            }
        }) ?? throw VersionNotFound(name, version);
        call.Workspace.Assets.UpdateContainer(name, _ => { }); // the registered model's last update moves too
        await VersionReplyAsync(call, row).ConfigureAwait(false);
    }

    private static async Task DeleteModelVersionAsync(MlflowCall call)
    {
        var name = ModelName(call);
        var version = VersionNumber(call);
        RequireVersion(call, name, version);
        if (!call.Workspace.Assets.DeleteVersion(name, version))
        {
            throw VersionNotFound(name, version);
        }
        // As MLflow: the version's aliases go with it.
        call.Workspace.Assets.UpdateContainer(name, p =>
        {
            var tags = Tags(p);
            foreach (var stale in tags.Where(t => t.Key.StartsWith(AliasTagPrefix, StringComparison.Ordinal) && Text(tags, t.Key) == version).Select(t => t.Key).ToList())
            {
                tags.Remove(stale);
            }
        });
        await OkAsync(call).ConfigureAwait(false);
    }

    private static async Task SearchModelVersionsAsync(MlflowCall call)
    {
        var max = call.Request.Long("max_results") ?? DefaultVersionSearchPage;
        if (max < 1)
        {
            throw MlflowException.Invalid($"Invalid value for max_results. It must be a positive integer, but got {max}");
        }
        if (max > MaxVersionSearchPage)
        {
            throw MlflowException.Invalid($"Invalid value for request parameter max_results. It must be at most {MaxVersionSearchPage}, but got value {max}");
        }
        var matches = RegistryFilter.ForVersions(call.Request.String("filter"));
        var order = call.Request.Strings("order_by");
        var offset = MlflowJson.ParseOffsetToken(call.Request.String("page_token"));
        var assets = call.Workspace.Assets;
        var containers = assets.ListContainers().ToDictionary(c => c.Name, StringComparer.OrdinalIgnoreCase);
        var versions = containers.Values
            .SelectMany(c => NumberedVersions(assets, c.Name))
            .Where(v => matches(new RegistryFields(v.Name, Bag(v.Properties, "tags"), Text(v.Properties, "jobName") ?? string.Empty, Source(call.Workspace, v), Number(v))));
        var sorted = OrderVersions(versions, order.Count == 0 ? ["last_updated_timestamp DESC", "name ASC", "version_number DESC"] : order).ToList();
        var page = sorted.Skip(offset).Take((int)Math.Min(max, int.MaxValue)).ToList();
        var next = offset + page.Count < sorted.Count ? MlflowJson.OffsetToken(offset + page.Count) : null;
        await OkAsync(call, w =>
        {
            if (page.Count > 0)
            {
                w.WriteStartArray("model_versions");
                foreach (var v in page)
                {
                    WriteVersion(w, call.Workspace, v, containers.GetValueOrDefault(v.Name));
                }
                w.WriteEndArray();
            }
            if (next is not null)
            {
                w.WriteString("next_page_token", next);
            }
        }).ConfigureAwait(false);
    }

    /// <summary>Model version order: the clauses, then name ASC and version_number DESC unless given.</summary>
    private static IEnumerable<VersionRow> OrderVersions(IEnumerable<VersionRow> rows, IReadOnlyList<string> orderBy)
    {
        IOrderedEnumerable<VersionRow>? ordered = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var clause in orderBy)
        {
            var (field, descending) = OrderClause(clause);
            Func<VersionRow, IComparable> key = field switch
            {
                "name" => v => v.Name,
                "version_number" => v => Number(v) ?? 0,
                "creation_timestamp" => v => v.CreatedAt,
                "last_updated_timestamp" => v => v.ModifiedAt,
                "run_id" => v => Text(v.Properties, "jobName") ?? string.Empty,
                "current_stage" => Stage,
                "source_path" => v => Text(v.Properties, "modelUri") ?? string.Empty,
                _ => throw MlflowException.Invalid($"Invalid order by key '{field}' specified. Valid keys are {{'name', 'version_number', 'creation_timestamp', 'last_updated_timestamp', 'run_id', 'current_stage', 'source_path'}}"),
            };
            if (!seen.Add(field))
            {
                throw MlflowException.Invalid($"`order_by` contains duplicate fields: [{string.Join(", ", orderBy.Select(o => $"'{o}'"))}]");
            }
            ordered = ordered is null ? (descending ? rows.OrderByDescending(key) : rows.OrderBy(key)) : (descending ? ordered.ThenByDescending(key) : ordered.ThenBy(key));
        }
        ordered ??= rows.OrderBy(_ => 0);
        if (!seen.Contains("name"))
        {
            ordered = ordered.ThenBy(v => v.Name, StringComparer.Ordinal);
        }
        if (!seen.Contains("version_number"))
        {
            ordered = ordered.ThenByDescending(v => Number(v));
        }
        return ordered;
    }

    private static async Task SetModelVersionTagAsync(MlflowCall call)
    {
        var name = ModelName(call);
        var version = VersionNumber(call);
        var (key, value) = RegistryTag(call.Request.RequiredString("key"), call.Request.String("value"), forModel: false);
        RequireVersion(call, name, version);
        _ = call.Workspace.Assets.UpdateVersion(name, version, p => Tags(p)[key] = value) ?? throw VersionNotFound(name, version);
        await OkAsync(call).ConfigureAwait(false);
    }

    private static async Task DeleteModelVersionTagAsync(MlflowCall call)
    {
        var name = ModelName(call);
        var version = VersionNumber(call);
        var key = call.Request.RequiredString("key");
        RequireVersion(call, name, version);
        // As MLflow: a tag that is not set is deleted silently; the version must exist.
        _ = call.Workspace.Assets.UpdateVersion(name, version, p => Tags(p).Remove(key)) ?? throw VersionNotFound(name, version);
        await OkAsync(call).ConfigureAwait(false);
    }

    private static async Task GetModelVersionDownloadUriAsync(MlflowCall call)
    {
        var name = ModelName(call);
        var version = RequireVersion(call, name, VersionNumber(call));
        var uri = await DownloadUriAsync(call, version).ConfigureAwait(false);
        await OkAsync(call, w => w.WriteString("artifact_uri", uri)).ConfigureAwait(false);
    }
}
