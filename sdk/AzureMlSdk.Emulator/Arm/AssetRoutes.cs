using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AzureMlSdk.Assets;
using AzureMlSdk.Backends.Remote.Arm;
using AzureMlSdk.Jobs.Yaml;

namespace AzureMlSdk.Emulator.Arm;

/// <summary>
/// ARM data, environment and component containers and versions (api-version 2026-07-01) over the workspace's local asset store
/// (<see cref="IAssetBackend"/>), so that a job the Emulator runs resolves <c>azureml:name:version</c> from the same versions the
/// Remote backend created. Version semantics are the store's (immutable versions; the same content again is an update of
/// description and tags; other content is 409 <c>Conflict</c>). Containers are the names that have versions: a container's
/// <c>isArchived</c> is "every version archived", and PUT of a container with <c>isArchived</c> archives or restores all its
/// versions. Content must already be in a datastore or at a URL: a local path in <c>dataUri</c>, <c>build.contextUri</c> or a
/// component's <c>code</c> is a 400 (the Emulator never reads the caller's disk).
/// </summary>
internal static class AssetRoutes
{
    private const string Provider = ArmEndpoints.Provider;

    public static void Map(WebApplication app, WorkspaceRegistry registry)
    {
        void Route(string method, string pattern, ArmEndpoints.Handler handler) =>
            app.MapMethods(ArmEndpoints.Ws + pattern, [method], (HttpContext c) => ArmEndpoints.RunAsync(c, registry, true, handler));

        foreach (var kind in new[] { AssetKind.Data, AssetKind.Environment, AssetKind.Component })
        {
            var segment = AssetValidation.Segment(kind);
            Route("GET", $"/{segment}", call => ListContainersAsync(call, kind));
            Route("GET", $"/{segment}/{{name}}", call => GetContainerAsync(call, kind));
            Route("PUT", $"/{segment}/{{name}}", call => PutContainerAsync(call, kind));
            Route("GET", $"/{segment}/{{name}}/versions", call => ListVersionsAsync(call, kind));
            Route("GET", $"/{segment}/{{name}}/versions/{{version}}", call => GetVersionAsync(call, kind));
            Route("PUT", $"/{segment}/{{name}}/versions/{{version}}", call => PutVersionAsync(call, kind));
        }
    }

    // ------------------------------------------------------------------ versions

    private static async Task PutVersionAsync(ArmEndpoints.ArmCall call, AssetKind kind)
    {
        var name = Name(call, kind);
        var version = VersionOf(call, kind);
        var body = await ArmEndpoints.ReadBodyAsync(call.Context, required: true).ConfigureAwait(false);
        ArmEndpoints.PropertiesOf(body);
        var assets = call.Workspace.Backend.Assets;
        var ct = call.Context.RequestAborted;
        var before = await TryGetAsync(call, kind, name, version).ConfigureAwait(false);
        bool? archived;
        try
        {
            switch (kind)
            {
                case AssetKind.Data:
                    var data = Deserialize(body, ArmJsonContext.Default.ArmResourceDataVersionProperties);
                    archived = data.Properties?.IsArchived;
                    var path = data.Properties?.DataUri ?? "";
                    RequireRemote(path, "properties.dataUri", "data");
                    await assets.CreateDataAsync(new DataAsset
                    {
                        Name = name,
                        Version = version,
                        Path = path,
                        Type = YamlNames.InputTypes.TryGetValue(data.Properties?.DataType ?? "", out var t) ? t : throw new ArmException(400, "ValidationError", $"dataType '{data.Properties?.DataType}' is invalid: use uri_file, uri_folder or mltable.", "properties.dataType"),
                        Description = data.Properties?.Description,
                        Tags = Strings(data.Properties?.Tags),
                        Properties = Strings(data.Properties?.Properties),
                    }, null, ct).ConfigureAwait(false);
                    break;
                case AssetKind.Environment:
                    var env = Deserialize(body, ArmJsonContext.Default.ArmResourceEnvironmentVersionProperties);
                    archived = env.Properties?.IsArchived;
                    env.Name = version;
                    var definition = RemoteAssetStore.EnvironmentFromArm(name, env);
                    if (definition.Build is { } build)
                    {
                        RequireRemote(build.Path, "properties.build.contextUri", "build context");
                    }
                    await assets.CreateEnvironmentAsync(definition, ct).ConfigureAwait(false);
                    break;
                default:
                    var component = Deserialize(body, ArmJsonContext.Default.ArmResourceComponentVersionProperties);
                    archived = component.Properties?.IsArchived;
                    if (component.Properties?.ComponentSpec is null)
                    {
                        throw new ArmException(400, "ValidationError", "A component version needs 'properties.componentSpec' (the component's YAML document as JSON).", "properties.componentSpec");
                    }
                    component.Name = version;
                    CommandComponent spec;
                    try
                    {
                        spec = RemoteAssetStore.ComponentFromArm(name, component);
                    }
                    catch (JobDefinitionException ex)
                    {
                        throw new ArmException(400, "ValidationError", $"properties.componentSpec is invalid: {ex.Message}", "properties.componentSpec");
                    }
                    if (spec.Code is { } code)
                    {
                        RequireRemote(code, "properties.componentSpec.code", "code");
                    }
                    await assets.CreateComponentAsync(spec, null, ct).ConfigureAwait(false);
                    break;
            }
        }
        catch (ResourceExistsException ex)
        {
            throw new ArmException(409, "Conflict", ex.Message);
        }
        catch (JobDefinitionException ex)
        {
            throw new ArmException(400, "ValidationError", ex.Message, ex.Key is null ? null : "properties." + ex.Key);
        }
        catch (InvalidInputException ex)
        {
            throw new ArmException(400, "ValidationError", ex.Message, ex.ParameterName);
        }
        if (archived is { } wanted)
        {
            var now = await GetAsync(call, kind, name, version).ConfigureAwait(false);
            if (now.IsArchived != wanted)
            {
                await assets.ArchiveAsync(kind, name, version, wanted, ct).ConfigureAwait(false);
            }
        }
        var stored = await GetAsync(call, kind, name, version).ConfigureAwait(false);
        await ArmEndpoints.WriteAsync(call.Context, before is null ? 201 : 200, stored.Json).ConfigureAwait(false);
    }

    private static async Task GetVersionAsync(ArmEndpoints.ArmCall call, AssetKind kind)
    {
        var name = Name(call, kind);
        var version = VersionOf(call, kind);
        var found = await GetAsync(call, kind, name, version).ConfigureAwait(false);
        await ArmEndpoints.WriteAsync(call.Context, 200, found.Json).ConfigureAwait(false);
    }

    private static async Task ListVersionsAsync(ArmEndpoints.ArmCall call, AssetKind kind)
    {
        var name = Name(call, kind);
        var q = call.Context.Request.Query;
        var view = View(q["listViewType"].ToString());
        int? top = null;
        if (q["$top"].ToString() is { Length: > 0 } topText)
        {
            top = int.TryParse(topText, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new ArmException(400, "ValidationError", $"$top '{topText}' is not a positive whole number.", "$top");
        }
        var infos = await AllVersionsAsync(call, kind, name).ConfigureAwait(false);
        if (infos.Count == 0 && !await HasVersionsAsync(call, kind, name).ConfigureAwait(false))
        {
            throw NotFound(call, kind, name, null);
        }
        var tags = q["$tags"].ToString();
        IEnumerable<AssetVersionInfo> rows = infos.Where(i => Matches(i.IsArchived, view));
        if (tags.Length > 0)
        {
            rows = rows.Where(i => ArmEndpoints.MatchesPairs(new JsonObject(i.Tags.Select(t => KeyValuePair.Create(t.Key, (JsonNode?)t.Value))), tags));
        }
        static long Number(AssetVersionInfo v) => long.TryParse(v.Version, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;
        var orderBy = q["$orderBy"].ToString().Trim().ToLowerInvariant();
        // The store lists newest first (creation order).
        rows = orderBy switch
        {
            "" or "createdtime desc" => rows,
            "createdtime asc" or "createdtime" => rows.Reverse(),
            "version desc" => rows.OrderByDescending(Number),
            "version asc" or "version" => rows.OrderBy(Number),
            _ => throw new ArmException(400, "ValidationError", $"$orderBy '{orderBy}' is not supported: use createdtime or version, asc or desc.", "$orderBy"),
        };
        var selected = rows.Take(top ?? int.MaxValue).ToList();
        var items = new List<JsonNode>();
        foreach (var info in selected)
        {
            items.Add((await GetAsync(call, kind, name, info.Version).ConfigureAwait(false)).Json);
        }
        await ArmEndpoints.PageAsync(call.Context, items).ConfigureAwait(false);
    }

    // ------------------------------------------------------------------ containers

    private static async Task ListContainersAsync(ArmEndpoints.ArmCall call, AssetKind kind)
    {
        var view = View(call.Context.Request.Query["listViewType"].ToString());
        var names = new List<string>();
        string? token = null;
        do
        {
            var page = await call.Workspace.Backend.Assets.ListAsync(new AssetQuery(kind, null, IncludeArchived: true, MaxResults: 1000, PageToken: token), call.Context.RequestAborted).ConfigureAwait(false);
            names.AddRange(page.Items.Select(i => i.Name));
            token = page.NextPageToken;
        }
        while (token is not null);
        var items = new List<JsonNode>();
        foreach (var name in names)
        {
            var container = await ContainerJsonAsync(call, kind, name).ConfigureAwait(false);
            if (Matches(container["properties"]!["isArchived"]!.GetValue<bool>(), view))
            {
                items.Add(container);
            }
        }
        await ArmEndpoints.PageAsync(call.Context, items).ConfigureAwait(false);
    }

    private static async Task GetContainerAsync(ArmEndpoints.ArmCall call, AssetKind kind)
    {
        var name = Name(call, kind);
        if (!await HasVersionsAsync(call, kind, name).ConfigureAwait(false))
        {
            throw NotFound(call, kind, name, null);
        }
        await ArmEndpoints.WriteAsync(call.Context, 200, await ContainerJsonAsync(call, kind, name).ConfigureAwait(false)).ConfigureAwait(false);
    }

    private static async Task PutContainerAsync(ArmEndpoints.ArmCall call, AssetKind kind)
    {
        var name = Name(call, kind);
        var properties = ArmEndpoints.PropertiesOf(await ArmEndpoints.ReadBodyAsync(call.Context, required: true).ConfigureAwait(false));
        if (!await HasVersionsAsync(call, kind, name).ConfigureAwait(false))
        {
            throw new ArmException(404, "ResourceNotFound",
                $"{AssetValidation.Noun(kind)} container '{name}' has no versions in workspace '{call.WorkspaceName}': the Emulator keeps the containers of existing versions; create a version first (PUT …/{AssetValidation.Segment(kind)}/{name}/versions/{{version}}).");
        }
        if (properties["isArchived"] is JsonValue archived && archived.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            var wanted = archived.GetValue<bool>();
            var current = (await ContainerJsonAsync(call, kind, name).ConfigureAwait(false))["properties"]!["isArchived"]!.GetValue<bool>();
            if (current != wanted)
            {
                await call.Workspace.Backend.Assets.ArchiveAsync(kind, name, null, wanted, call.Context.RequestAborted).ConfigureAwait(false);
            }
        }
        await ArmEndpoints.WriteAsync(call.Context, 200, await ContainerJsonAsync(call, kind, name).ConfigureAwait(false)).ConfigureAwait(false);
    }

    private static async Task<JsonObject> ContainerJsonAsync(ArmEndpoints.ArmCall call, AssetKind kind, string name)
    {
        var versions = await AllVersionsAsync(call, kind, name).ConfigureAwait(false);
        var latest = versions.FirstOrDefault(v => !v.IsArchived) ?? versions.FirstOrDefault();
        var created = versions.Count == 0 ? call.Workspace.CreatedAt : versions.Min(v => v.CreatedAt);
        var modified = versions.Count == 0 ? created : versions.Max(v => v.CreatedAt);
        var properties = new JsonObject
        {
            ["description"] = null,
            ["tags"] = new JsonObject(),
            ["properties"] = new JsonObject(),
            ["isArchived"] = versions.Count > 0 && versions.All(v => v.IsArchived),
            ["latestVersion"] = latest?.Version,
            ["nextVersion"] = AssetPreparation.NextVersion(versions.Select(v => v.Version)),
        };
        if (kind == AssetKind.Data && latest is not null)
        {
            properties["dataType"] = (await GetAsync(call, kind, name, latest.Version).ConfigureAwait(false)).Json["properties"]!["dataType"]!.DeepClone();
        }
        if (kind != AssetKind.Data)
        {
            properties["provisioningState"] = "Succeeded";
        }
        var stored = versions.FirstOrDefault()?.Name ?? name;
        return new JsonObject
        {
            ["id"] = $"{call.Workspace.ResourceId}/{AssetValidation.Segment(kind)}/{stored}",
            ["name"] = stored,
            ["type"] = $"{Provider}/workspaces/{AssetValidation.Segment(kind)}",
            ["systemData"] = ArmEndpoints.SystemData(created, modified),
            ["properties"] = properties,
        };
    }

    // ------------------------------------------------------------------ helpers

    private sealed record Stored(JsonObject Json, bool IsArchived);

    private static async Task<Stored?> TryGetAsync(ArmEndpoints.ArmCall call, AssetKind kind, string name, string version)
    {
        try
        {
            return await GetAsync(call, kind, name, version).ConfigureAwait(false);
        }
        catch (ArmException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>A version as ARM answers it, from the local store.</summary>
    private static async Task<Stored> GetAsync(ArmEndpoints.ArmCall call, AssetKind kind, string name, string version)
    {
        var assets = call.Workspace.Backend.Assets;
        var ct = call.Context.RequestAborted;
        JsonNode properties;
        string storedName;
        DateTimeOffset created;
        bool archived;
        try
        {
            switch (kind)
            {
                case AssetKind.Data:
                    var d = await assets.GetDataAsync(name, version, null, ct).ConfigureAwait(false);
                    (storedName, created, archived) = (d.Name, d.CreatedAt, d.IsArchived);
                    properties = JsonSerializer.SerializeToNode(new DataVersionProperties
                    {
                        DataType = YamlNames.Of(d.Definition.Type),
                        DataUri = d.Definition.Path,
                        Description = d.Definition.Description,
                        Tags = Bag(d.Definition.Tags),
                        Properties = Bag(d.Definition.Properties),
                        IsAnonymous = false,
                        IsArchived = d.IsArchived,
                    }, ArmJsonContext.Default.DataVersionProperties)!;
                    break;
                case AssetKind.Environment:
                    var e = await assets.GetEnvironmentAsync(name, version, null, ct).ConfigureAwait(false);
                    (storedName, created, archived) = (e.Name, e.CreatedAt, e.IsArchived);
                    var envProps = RemoteAssetStore.EnvironmentToArm(e.Definition);
                    envProps.IsArchived = e.IsArchived;
                    envProps.EnvironmentType = "UserCreated";
                    envProps.ProvisioningState = "Succeeded";
                    properties = JsonSerializer.SerializeToNode(envProps, ArmJsonContext.Default.EnvironmentVersionProperties)!;
                    properties["autoRebuild"] = "Disabled";
                    break;
                default:
                    var c = await assets.GetComponentAsync(name, version, null, ct).ConfigureAwait(false);
                    (storedName, created, archived) = (c.Name, c.CreatedAt, c.IsArchived);
                    properties = JsonSerializer.SerializeToNode(new ComponentVersionProperties
                    {
                        ComponentSpec = AssetSpecs.ToSpec(c.Definition),
                        Description = c.Definition.Description,
                        Tags = Bag(c.Definition.Tags),
                        Properties = Bag(c.Definition.Properties),
                        IsAnonymous = false,
                        IsArchived = c.IsArchived,
                        ProvisioningState = "Succeeded",
                    }, ArmJsonContext.Default.ComponentVersionProperties)!;
                    break;
            }
        }
        catch (ResourceNotFoundException)
        {
            throw NotFound(call, kind, name, version);
        }
        properties["tags"] ??= new JsonObject();
        properties["properties"] ??= new JsonObject();
        properties["description"] ??= null;
        var json = new JsonObject
        {
            ["id"] = $"{call.Workspace.ResourceId}/{AssetValidation.Segment(kind)}/{storedName}/versions/{version}",
            ["name"] = version,
            ["type"] = $"{Provider}/workspaces/{AssetValidation.Segment(kind)}/versions",
            ["systemData"] = ArmEndpoints.SystemData(created, created),
            ["properties"] = properties,
        };
        return new Stored(json, archived);
    }

    private static async Task<List<AssetVersionInfo>> AllVersionsAsync(ArmEndpoints.ArmCall call, AssetKind kind, string name)
    {
        var all = new List<AssetVersionInfo>();
        string? token = null;
        do
        {
            var page = await call.Workspace.Backend.Assets.ListAsync(new AssetQuery(kind, name, IncludeArchived: true, MaxResults: 1000, PageToken: token), call.Context.RequestAborted).ConfigureAwait(false);
            all.AddRange(page.Items);
            token = page.NextPageToken;
        }
        while (token is not null);
        return all;
    }

    private static async Task<bool> HasVersionsAsync(ArmEndpoints.ArmCall call, AssetKind kind, string name) =>
        (await call.Workspace.Backend.Assets.ListAsync(new AssetQuery(kind, name, IncludeArchived: true, MaxResults: 1), call.Context.RequestAborted).ConfigureAwait(false)).Items.Count > 0;

    private static ArmException NotFound(ArmEndpoints.ArmCall call, AssetKind kind, string name, string? version) => new(404, "ResourceNotFound", version is null
        ? $"{AssetValidation.Noun(kind)} '{name}' was not found in workspace '{call.WorkspaceName}'."
        : $"{AssetValidation.Noun(kind)} '{name}' version '{version}' was not found in workspace '{call.WorkspaceName}'.");

    private static string Name(ArmEndpoints.ArmCall call, AssetKind kind)
    {
        try
        {
            return AssetValidation.Name(kind, call.Route("name"));
        }
        catch (InvalidInputException ex)
        {
            throw new ArmException(400, "ValidationError", ex.Message, "name");
        }
    }

    private static string VersionOf(ArmEndpoints.ArmCall call, AssetKind kind)
    {
        try
        {
            return AssetValidation.Version(kind, call.Route("version"))!;
        }
        catch (InvalidInputException ex)
        {
            throw new ArmException(400, "ValidationError", ex.Message, "version");
        }
    }

    private static void RequireRemote(string path, string target, string what)
    {
        if (AssetReference.Parse(path).Kind == AssetReferenceKind.LocalPath)
        {
            throw new ArmException(400, "ValidationError", $"The {what} '{path}' is a local path: upload it to a datastore first and give its azureml://datastores/… URI (or an https:// URL).", target);
        }
    }

    private static string View(string text) => text.Length == 0 ? "ACTIVEONLY" : text.ToUpperInvariant() switch
    {
        "ACTIVEONLY" or "ARCHIVEDONLY" or "ALL" => text.ToUpperInvariant(),
        _ => throw new ArmException(400, "ValidationError", $"listViewType '{text}' is invalid: use ActiveOnly, ArchivedOnly or All.", "listViewType"),
    };

    private static bool Matches(bool archived, string view) => view switch
    {
        "ALL" => true,
        "ARCHIVEDONLY" => archived,
        _ => !archived,
    };

    private static T Deserialize<T>(JsonObject body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        body.Deserialize(type) ?? throw new ArmException(400, "InvalidRequestContent", "The request content must be a JSON object.");

    private static Dictionary<string, string?> Bag(IDictionary<string, string> source) => source.ToDictionary(kv => kv.Key, kv => (string?)kv.Value, StringComparer.Ordinal);

    private static Dictionary<string, string> Strings(Dictionary<string, string?>? source) =>
        source is null ? new(StringComparer.Ordinal) : source.Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value!, StringComparer.Ordinal);
}
