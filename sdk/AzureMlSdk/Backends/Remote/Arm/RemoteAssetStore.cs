using System.Globalization;
using System.Text.Json.Nodes;
using AzureMlSdk.Assets;
using AzureMlSdk.Backends.Remote.Blob;
using AzureMlSdk.Jobs.Yaml;

namespace AzureMlSdk.Backends.Remote.Arm;

/// <summary>
/// Data, environments, components and code snapshots through ARM (<c>data</c>, <c>environments</c>, <c>components</c>,
/// <c>codes</c> containers and versions), as azure-ai-ml does: local content is uploaded to the default datastore first; an
/// omitted version is the container's <c>nextVersion</c> ("1" for a new name); <c>latest</c> is the newest active version
/// (<c>$orderBy=createdtime desc&amp;$top=1&amp;listViewType=ActiveOnly</c>); archiving sets <c>isArchived</c> on the version
/// (GET, change, PUT), or on the container and every version. A version that exists is compared before the PUT: the same
/// immutable content is an update of its description and tags (so a retried create is not an error), other content is
/// <see cref="ResourceExistsException"/>.
/// </summary>
internal sealed partial class RemoteAssetStore(ArmClients arm, WorkspaceCoordinates ws, RemoteDatastore datastore) : IAssetBackend
{
    private const int ListPageSize = 100;
    private const string ActiveOnly = "ActiveOnly";
    private const string All = "All";

    private string Sub => ws.SubscriptionId;
    private string Rg => ws.ResourceGroup;
    private string Ws => ws.WorkspaceName;

    // ------------------------------------------------------------------ data

    public async Task<AssetVersion<DataAsset>> CreateDataAsync(DataAsset data, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        AssetValidation.Name(AssetKind.Data, data.Name);
        AssetValidation.Version(AssetKind.Data, data.Version);
        data.Validate();
        var prepared = await AssetPreparation.PrepareDataAsync(data, datastore, progress, cancellationToken).ConfigureAwait(false);
        var version = prepared.Version ?? await NextVersionAsync(AssetKind.Data, data.Name, cancellationToken).ConfigureAwait(false);
        var existing = await TryAsync(() => arm.Data.GetVersionAsync(Sub, Rg, Ws, data.Name, version, cancellationToken)).ConfigureAwait(false);
        if (existing is not null)
        {
            RequireSameContent(AssetKind.Data, data.Name, version, AssetSpecs.ToSpec(DataFromArm(data.Name, existing)), AssetSpecs.ToSpec(prepared));
        }
        var body = DataBody(prepared, existing?.Properties?.IsArchived ?? false);
        var stored = await arm.Data.CreateOrUpdateVersionAsync(Sub, Rg, Ws, data.Name, version, body, cancellationToken).ConfigureAwait(false);
        return Version(data.Name, stored, DataFromArm);
    }

    public async Task<AssetVersion<DataAsset>> GetDataAsync(string name, string? version, string? label, CancellationToken cancellationToken)
    {
        AssetValidation.Name(AssetKind.Data, name);
        AssetValidation.VersionOrLabel(AssetKind.Data, name, version, label);
        var found = version is not null
            ? await arm.Data.GetVersionAsync(Sub, Rg, Ws, name, version, cancellationToken).ConfigureAwait(false)
            : await LatestAsync(AssetKind.Data, name, (skip, top, view) => arm.Data.ListVersionsAsync(Sub, Rg, Ws, name, skip, "createdtime desc", top, view, cancellationToken), cancellationToken).ConfigureAwait(false);
        return Version(name, found, DataFromArm);
    }

    /// <summary>The <c>DataVersion</c> body of a prepared data asset (its path already a datastore URI or URL).</summary>
    internal static ArmResource<DataVersionProperties> DataBody(DataAsset prepared, bool archived) => new()
    {
        Properties = new DataVersionProperties
        {
            DataType = YamlNames.Of(prepared.Type),
            DataUri = prepared.Path,
            Description = prepared.Description,
            Tags = Bag(prepared.Tags),
            Properties = Bag(prepared.Properties),
            IsAnonymous = false,
            IsArchived = archived,
        },
    };

    internal static DataAsset DataFromArm(string name, ArmResource<DataVersionProperties> r) => new()
    {
        Name = name,
        Version = r.Name,
        Type = YamlNames.InputTypes.TryGetValue(r.Properties?.DataType ?? "uri_folder", out var t) ? t : InputType.UriFolder,
        Path = r.Properties?.DataUri ?? "",
        Description = r.Properties?.Description,
        Tags = Strings(r.Properties?.Tags),
        Properties = Strings(r.Properties?.Properties),
    };

    // ------------------------------------------------------------------ environments

    public async Task<AssetVersion<EnvironmentAsset>> CreateEnvironmentAsync(EnvironmentAsset environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var name = AssetValidation.Name(AssetKind.Environment, environment.Name);
        AssetValidation.Version(AssetKind.Environment, environment.Version);
        environment.Validate();
        var prepared = await AssetPreparation.PrepareEnvironmentAsync(environment, datastore, cancellationToken).ConfigureAwait(false);
        var version = prepared.Version ?? await NextVersionAsync(AssetKind.Environment, name, cancellationToken).ConfigureAwait(false);
        var existing = await TryAsync(() => arm.Environments.GetVersionAsync(Sub, Rg, Ws, name, version, cancellationToken)).ConfigureAwait(false);
        var body = new ArmResource<EnvironmentVersionProperties> { Properties = EnvironmentToArm(prepared) };
        if (existing is not null)
        {
            RequireSameContent(AssetKind.Environment, name, version, AssetSpecs.ToSpec(EnvironmentFromArm(name, existing)), AssetSpecs.ToSpec(EnvironmentFromArm(name, new() { Name = version, Properties = body.Properties })));
            body.Properties.IsArchived = existing.Properties?.IsArchived ?? false;
        }
        var stored = await arm.Environments.CreateOrUpdateVersionAsync(Sub, Rg, Ws, name, version, body, cancellationToken).ConfigureAwait(false);
        return Version(name, stored, EnvironmentFromArm);
    }

    public async Task<AssetVersion<EnvironmentAsset>> GetEnvironmentAsync(string name, string? version, string? label, CancellationToken cancellationToken)
    {
        AssetValidation.Name(AssetKind.Environment, name);
        AssetValidation.VersionOrLabel(AssetKind.Environment, name, version, label);
        var found = version is not null
            ? await arm.Environments.GetVersionAsync(Sub, Rg, Ws, name, version, cancellationToken).ConfigureAwait(false)
            : await LatestAsync(AssetKind.Environment, name, (skip, top, view) => arm.Environments.ListVersionsAsync(Sub, Rg, Ws, name, skip, "createdtime desc", top, view, cancellationToken), cancellationToken).ConfigureAwait(false);
        return Version(name, found, EnvironmentFromArm);
    }

    internal static EnvironmentVersionProperties EnvironmentToArm(EnvironmentAsset env) => new()
    {
        Description = env.Description,
        Tags = Bag(env.Tags),
        Properties = Bag(env.Properties),
        IsAnonymous = false,
        IsArchived = false,
        Image = env.Image,
        CondaFile = env.CondaSpecification,
        Build = env.Build is { } b ? new ArmBuildContext { ContextUri = b.Path, DockerfilePath = b.DockerfilePath } : null,
        OsType = env.OsType switch { "windows" => "Windows", "linux" => "Linux", _ => null },
        InferenceConfig = InferenceToArm(env.InferenceConfig),
    };

    internal static EnvironmentAsset EnvironmentFromArm(string name, ArmResource<EnvironmentVersionProperties> r)
    {
        var p = r.Properties ?? new EnvironmentVersionProperties();
        return new EnvironmentAsset
        {
            Name = name,
            Version = r.Name,
            Description = p.Description,
            Tags = Strings(p.Tags),
            Properties = Strings(p.Properties),
            Image = p.Image,
            CondaSpecification = string.IsNullOrEmpty(p.CondaFile) ? null : p.CondaFile.TrimEnd(),
            Build = p.Build?.ContextUri is { } uri ? new BuildContext { Path = uri, DockerfilePath = p.Build.DockerfilePath } : null,
            OsType = p.OsType?.ToLowerInvariant(),
            InferenceConfig = InferenceFromArm(p.InferenceConfig),
        };
    }

    private static readonly (string Yaml, Func<ArmInferenceConfig, ArmRoute?> Get, Action<ArmInferenceConfig, ArmRoute> Set)[] Routes =
    [
        ("liveness_route", c => c.LivenessRoute, (c, r) => c.LivenessRoute = r),
        ("readiness_route", c => c.ReadinessRoute, (c, r) => c.ReadinessRoute = r),
        ("scoring_route", c => c.ScoringRoute, (c, r) => c.ScoringRoute = r),
        ("startup_route", c => c.StartupRoute, (c, r) => c.StartupRoute = r),
    ];

    /// <summary>az ml's <c>inference_config</c> (<c>liveness_route: {path, port}</c>…) as ARM's <c>inferenceConfig</c>.</summary>
    internal static ArmInferenceConfig? InferenceToArm(IReadOnlyDictionary<string, object?>? config)
    {
        if (config is null)
        {
            return null;
        }
        var arm = new ArmInferenceConfig();
        foreach (var (key, value) in config)
        {
            var route = Routes.FirstOrDefault(r => r.Yaml == key);
            if (route.Yaml is null || value is not IReadOnlyDictionary<string, object?> map)
            {
                throw new InvalidInputException($"inference_config.{key} is not supported: give liveness_route, readiness_route, scoring_route or startup_route, each with path and port.", "inference_config");
            }
            route.Set(arm, new ArmRoute
            {
                Path = map.TryGetValue("path", out var path) ? Convert.ToString(path, CultureInfo.InvariantCulture) : null,
                Port = map.TryGetValue("port", out var port) && port is not null ? Convert.ToInt32(port, CultureInfo.InvariantCulture) : null,
            });
        }
        return arm;
    }

    internal static Dictionary<string, object?>? InferenceFromArm(ArmInferenceConfig? config)
    {
        if (config is null)
        {
            return null;
        }
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (yaml, get, _) in Routes)
        {
            if (get(config) is { } route)
            {
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                if (route.Path is not null)
                {
                    map["path"] = route.Path;
                }
                if (route.Port is { } port)
                {
                    map["port"] = (long)port;
                }
                result[yaml] = map;
            }
        }
        return result.Count == 0 ? null : result;
    }

    // ------------------------------------------------------------------ components

    public async Task<AssetVersion<CommandComponent>> CreateComponentAsync(CommandComponent component, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(component);
        AssetValidation.Name(AssetKind.Component, component.Name);
        AssetValidation.Version(AssetKind.Component, component.Version);
        component.Validate();
        var prepared = await AssetPreparation.PrepareComponentAsync(component, this, datastore, progress, cancellationToken).ConfigureAwait(false);
        var version = prepared.Version ?? await NextVersionAsync(AssetKind.Component, component.Name, cancellationToken).ConfigureAwait(false);
        var spec = AssetSpecs.ToSpec(prepared);
        spec["version"] = version;
        var existing = await TryAsync(() => arm.Components.GetVersionAsync(Sub, Rg, Ws, component.Name, version, cancellationToken)).ConfigureAwait(false);
        if (existing is not null)
        {
            RequireSameContent(AssetKind.Component, component.Name, version, AssetSpecs.ToSpec(ComponentFromArm(component.Name, existing)), spec);
        }
        var body = ComponentBody(prepared, spec, existing?.Properties?.IsArchived ?? false);
        var stored = await arm.Components.CreateOrUpdateVersionAsync(Sub, Rg, Ws, component.Name, version, body, cancellationToken).ConfigureAwait(false);
        return Version(component.Name, stored, ComponentFromArm);
    }

    public async Task<AssetVersion<CommandComponent>> GetComponentAsync(string name, string? version, string? label, CancellationToken cancellationToken)
    {
        AssetValidation.Name(AssetKind.Component, name);
        AssetValidation.VersionOrLabel(AssetKind.Component, name, version, label);
        var found = version is not null
            ? await arm.Components.GetVersionAsync(Sub, Rg, Ws, name, version, cancellationToken).ConfigureAwait(false)
            : await LatestAsync(AssetKind.Component, name, (skip, top, view) => arm.Components.ListVersionsAsync(Sub, Rg, Ws, name, skip, "createdtime desc", top, view, cancellationToken), cancellationToken).ConfigureAwait(false);
        return Version(name, found, ComponentFromArm);
    }

    /// <summary>
    /// An anonymous component version (a pipeline step's, as azure-ai-ml creates one: <c>isAnonymous: true</c>, name
    /// <c>azureml_anonymous</c>, a content-hash version): <paramref name="prepared"/> has its code uploaded and its environment resolved
    /// already. The version names its content, so one that exists is the same component and is used as it is (nothing sent).
    /// </summary>
    internal async Task<AssetVersion<CommandComponent>> CreateAnonymousComponentAsync(CommandComponent prepared, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        var version = prepared.Version ?? throw new ArgumentException("An anonymous component needs its content-hash version.", nameof(prepared));
        var existing = await TryAsync(() => arm.Components.GetVersionAsync(Sub, Rg, Ws, prepared.Name, version, cancellationToken)).ConfigureAwait(false);
        if (existing is not null)
        {
            return Version(prepared.Name, existing, ComponentFromArm);
        }
        var body = AnonymousComponentBody(prepared);
        var stored = await arm.Components.CreateOrUpdateVersionAsync(Sub, Rg, Ws, prepared.Name, version, body, cancellationToken).ConfigureAwait(false);
        return Version(prepared.Name, stored, ComponentFromArm);
    }

    /// <summary>An anonymous component's <c>ComponentVersion</c> body: <see cref="ComponentBody"/> with <c>isAnonymous: true</c>.</summary>
    internal static ArmResource<ComponentVersionProperties> AnonymousComponentBody(CommandComponent prepared)
    {
        var body = ComponentBody(prepared, AssetSpecs.ToSpec(prepared), false);
        body.Properties!.IsAnonymous = true;
        return body;
    }

    /// <summary>The <c>ComponentVersion</c> body: the component's az ml document as <c>componentSpec</c>, description and tags beside it (as azure-ai-ml sends them).</summary>
    internal static ArmResource<ComponentVersionProperties> ComponentBody(CommandComponent prepared, JsonObject spec, bool archived) => new()
    {
        Properties = new ComponentVersionProperties
        {
            ComponentSpec = spec,
            Description = prepared.Description,
            Tags = Bag(prepared.Tags),
            Properties = Bag(prepared.Properties),
            IsAnonymous = false,
            IsArchived = archived,
        },
    };

    /// <summary>A component version's definition: its <c>componentSpec</c> read as az ml YAML; description and tags of the version win.</summary>
    internal static CommandComponent ComponentFromArm(string name, ArmResource<ComponentVersionProperties> r)
    {
        var spec = (JsonObject?)r.Properties?.ComponentSpec?.DeepClone() ?? [];
        spec["name"] ??= name;
        spec["version"] = r.Name;
        if (r.Properties?.Description is { } description)
        {
            spec["description"] = description;
        }
        if (r.Properties?.Tags is { Count: > 0 } tags)
        {
            spec["tags"] = new JsonObject(tags.Select(t => KeyValuePair.Create(t.Key, (JsonNode?)t.Value)));
        }
        return AssetSpecs.ComponentFromSpec(spec, $"component {name}:{r.Name}");
    }

    // ------------------------------------------------------------------ list, archive

    public async Task<ResultPage<AssetVersionInfo>> ListAsync(AssetQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Kind is not (AssetKind.Data or AssetKind.Environment or AssetKind.Component))
        {
            throw new InvalidInputException($"Listing applies to data, environments and components, not {query.Kind}.", "kind");
        }
        var view = query.IncludeArchived ? All : ActiveOnly;
        var skip = query.PageToken;
        if (query.Name is { } name)
        {
            AssetValidation.Name(query.Kind, name);
            var top = Math.Clamp(query.MaxResults, 1, ListPageSize);
            IEnumerable<(string Version, ArmAssetProperties? Properties, ArmSystemData? System, string? Id)> rows;
            string? next;
            switch (query.Kind)
            {
                case AssetKind.Data:
                    var d = await arm.Data.ListVersionsAsync(Sub, Rg, Ws, name, skip, "createdtime desc", top, view, cancellationToken).ConfigureAwait(false);
                    rows = (d.Value ?? []).Select(v => (v.Name ?? "", (ArmAssetProperties?)v.Properties, v.SystemData, v.Id));
                    next = d.NextLink;
                    break;
                case AssetKind.Environment:
                    var e = await arm.Environments.ListVersionsAsync(Sub, Rg, Ws, name, skip, "createdtime desc", top, view, cancellationToken).ConfigureAwait(false);
                    rows = (e.Value ?? []).Select(v => (v.Name ?? "", (ArmAssetProperties?)v.Properties, v.SystemData, v.Id));
                    next = e.NextLink;
                    break;
                default:
                    var c = await arm.Components.ListVersionsAsync(Sub, Rg, Ws, name, skip, "createdtime desc", top, view, cancellationToken).ConfigureAwait(false);
                    rows = (c.Value ?? []).Select(v => (v.Name ?? "", (ArmAssetProperties?)v.Properties, v.SystemData, v.Id));
                    next = c.NextLink;
                    break;
            }
            var items = rows.Select(r => Info(query.Kind, name, r.Version, r.Id, r.Properties, r.System)).ToList();
            return new ResultPage<AssetVersionInfo>(items, SkipOf(next));
        }
        // Containers: the latest version of each name.
        IEnumerable<(string Name, string? Latest)> containers;
        string? nextLink;
        switch (query.Kind)
        {
            case AssetKind.Data:
                var dc = await arm.Data.ListContainersAsync(Sub, Rg, Ws, skip, view, cancellationToken).ConfigureAwait(false);
                containers = (dc.Value ?? []).Select(c => (c.Name ?? "", c.Properties?.LatestVersion));
                nextLink = dc.NextLink;
                break;
            case AssetKind.Environment:
                var ec = await arm.Environments.ListContainersAsync(Sub, Rg, Ws, skip, view, cancellationToken).ConfigureAwait(false);
                containers = (ec.Value ?? []).Select(c => (c.Name ?? "", c.Properties?.LatestVersion));
                nextLink = ec.NextLink;
                break;
            default:
                var cc = await arm.Components.ListContainersAsync(Sub, Rg, Ws, skip, view, cancellationToken).ConfigureAwait(false);
                containers = (cc.Value ?? []).Select(c => (c.Name ?? "", c.Properties?.LatestVersion));
                nextLink = cc.NextLink;
                break;
        }
        var latest = new List<AssetVersionInfo>();
        foreach (var (containerName, _) in containers)
        {
            // The container's latestVersion counts archived versions; the listing's latest is the newest version in the view.
            var page = await ListAsync(query with { Name = containerName, MaxResults = 1, PageToken = null }, cancellationToken).ConfigureAwait(false);
            if (page.Items.Count > 0)
            {
                latest.Add(page.Items[0]);
            }
        }
        return new ResultPage<AssetVersionInfo>(latest, SkipOf(nextLink));
    }

    public async Task ArchiveAsync(AssetKind kind, string name, string? version, bool archived, CancellationToken cancellationToken)
    {
        AssetValidation.Name(kind, name);
        AssetValidation.Version(kind, version);
        if (version is not null)
        {
            await ArchiveVersionAsync(kind, name, version, archived, cancellationToken).ConfigureAwait(false);
            return;
        }
        // The container, then every version (so that 'latest' and listings agree on every backend).
        switch (kind)
        {
            case AssetKind.Data:
                var d = await arm.Data.GetContainerAsync(Sub, Rg, Ws, name, cancellationToken).ConfigureAwait(false);
                d.Properties ??= new DataContainerProperties();
                d.Properties.IsArchived = archived;
                await arm.Data.CreateOrUpdateContainerAsync(Sub, Rg, Ws, name, Writable(d), cancellationToken).ConfigureAwait(false);
                break;
            case AssetKind.Environment:
                var e = await arm.Environments.GetContainerAsync(Sub, Rg, Ws, name, cancellationToken).ConfigureAwait(false);
                e.Properties ??= new EnvironmentContainerProperties();
                e.Properties.IsArchived = archived;
                await arm.Environments.CreateOrUpdateContainerAsync(Sub, Rg, Ws, name, Writable(e), cancellationToken).ConfigureAwait(false);
                break;
            case AssetKind.Component:
                var c = await arm.Components.GetContainerAsync(Sub, Rg, Ws, name, cancellationToken).ConfigureAwait(false);
                c.Properties ??= new ComponentContainerProperties();
                c.Properties.IsArchived = archived;
                await arm.Components.CreateOrUpdateContainerAsync(Sub, Rg, Ws, name, Writable(c), cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw new InvalidInputException($"Archiving applies to data, environments and components, not {kind}.", "kind");
        }
        string? token = null;
        do
        {
            var page = await ListAsync(new AssetQuery(kind, name, IncludeArchived: true, MaxResults: ListPageSize, PageToken: token), cancellationToken).ConfigureAwait(false);
            foreach (var v in page.Items.Where(v => v.IsArchived != archived))
            {
                await ArchiveVersionAsync(kind, name, v.Version, archived, cancellationToken).ConfigureAwait(false);
            }
            token = page.NextPageToken;
        }
        while (token is not null);
    }

    private async Task ArchiveVersionAsync(AssetKind kind, string name, string version, bool archived, CancellationToken cancellationToken)
    {
        switch (kind)
        {
            case AssetKind.Data:
                var d = await arm.Data.GetVersionAsync(Sub, Rg, Ws, name, version, cancellationToken).ConfigureAwait(false);
                d.Properties ??= new DataVersionProperties();
                d.Properties.IsArchived = archived;
                await arm.Data.CreateOrUpdateVersionAsync(Sub, Rg, Ws, name, version, Writable(d), cancellationToken).ConfigureAwait(false);
                break;
            case AssetKind.Environment:
                var e = await arm.Environments.GetVersionAsync(Sub, Rg, Ws, name, version, cancellationToken).ConfigureAwait(false);
                e.Properties ??= new EnvironmentVersionProperties();
                e.Properties.IsArchived = archived;
                await arm.Environments.CreateOrUpdateVersionAsync(Sub, Rg, Ws, name, version, Writable(e), cancellationToken).ConfigureAwait(false);
                break;
            case AssetKind.Component:
                var c = await arm.Components.GetVersionAsync(Sub, Rg, Ws, name, version, cancellationToken).ConfigureAwait(false);
                c.Properties ??= new ComponentVersionProperties();
                c.Properties.IsArchived = archived;
                await arm.Components.CreateOrUpdateVersionAsync(Sub, Rg, Ws, name, version, Writable(c), cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw new InvalidInputException($"Archiving applies to data, environments and components, not {kind}.", "kind");
        }
    }

    // ------------------------------------------------------------------ helpers

    /// <summary>A resource read back for a PUT: only its properties (ids, systemData and read-only fields are the server's).</summary>
    private static ArmResource<T> Writable<T>(ArmResource<T> read) where T : ArmAssetProperties
    {
        if (read.Properties is { Extra: { } extra })
        {
            foreach (var readOnly in new[] { "provisioningState", "latestVersion", "nextVersion", "environmentType" })
            {
                extra.Remove(readOnly);
            }
        }
        switch (read.Properties)
        {
            case DataContainerProperties dc:
                dc.LatestVersion = null;
                dc.NextVersion = null;
                break;
            case EnvironmentContainerProperties ec:
                ec.LatestVersion = null;
                ec.NextVersion = null;
                ec.ProvisioningState = null;
                break;
            case ComponentContainerProperties cc:
                cc.LatestVersion = null;
                cc.NextVersion = null;
                cc.ProvisioningState = null;
                break;
            case EnvironmentVersionProperties ev:
                ev.ProvisioningState = null;
                ev.EnvironmentType = null;
                break;
            case ComponentVersionProperties cv:
                cv.ProvisioningState = null;
                break;
        }
        return new ArmResource<T> { Properties = read.Properties };
    }

    /// <summary>The version an omitted one becomes: the container's <c>nextVersion</c>, or "1" for a new name.</summary>
    private async Task<string> NextVersionAsync(AssetKind kind, string name, CancellationToken cancellationToken)
    {
        string? next = kind switch
        {
            AssetKind.Data => (await TryAsync(() => arm.Data.GetContainerAsync(Sub, Rg, Ws, name, cancellationToken)).ConfigureAwait(false))?.Properties?.NextVersion,
            AssetKind.Environment => (await TryAsync(() => arm.Environments.GetContainerAsync(Sub, Rg, Ws, name, cancellationToken)).ConfigureAwait(false))?.Properties?.NextVersion,
            _ => (await TryAsync(() => arm.Components.GetContainerAsync(Sub, Rg, Ws, name, cancellationToken)).ConfigureAwait(false))?.Properties?.NextVersion,
        };
        return string.IsNullOrEmpty(next) ? "1" : next;
    }

    private async Task<ArmResource<T>> LatestAsync<T>(AssetKind kind, string name, Func<string?, int?, string, Task<ArmPage<T>>> list, CancellationToken cancellationToken) where T : class
    {
        var page = await list(null, 1, ActiveOnly).ConfigureAwait(false);
        if (page.Value is { Count: > 0 } found)
        {
            return found[0];
        }
        var any = await list(null, 1, All).ConfigureAwait(false);
        throw new ResourceNotFoundException(any.Value is { Count: > 0 }
            ? $"{AssetValidation.Noun(kind)} '{name}' has no active version for the label '{AssetValidation.Latest}': all its versions are archived."
            : $"{AssetValidation.Noun(kind)} '{name}' does not exist in workspace '{ws.WorkspaceName}'.");
    }

    private static void RequireSameContent(AssetKind kind, string name, string version, JsonObject stored, JsonObject requested)
    {
        if (AssetSpecs.ImmutableCanonical(stored) != AssetSpecs.ImmutableCanonical(requested))
        {
            throw new ResourceExistsException(
                $"{AssetValidation.Noun(kind)} '{name}' version '{version}' already exists with different content. Versions are immutable: create a new version, or omit the version to get the next one.");
        }
    }

    private static async Task<T?> TryAsync<T>(Func<Task<T>> get) where T : class
    {
        try
        {
            return await get().ConfigureAwait(false);
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
    }

    private static AssetVersion<T> Version<TProps, T>(string name, ArmResource<TProps> r, Func<string, ArmResource<TProps>, T> map) where TProps : ArmAssetProperties =>
        new(name, r.Name ?? "", r.Id ?? "", map(name, r), r.SystemData?.CreatedAt ?? DateTimeOffset.UnixEpoch, r.Properties?.IsArchived ?? false);

    private static AssetVersionInfo Info(AssetKind kind, string name, string version, string? id, ArmAssetProperties? p, ArmSystemData? system) =>
        new(kind, name, version, id ?? "", p?.Description, Strings(p?.Tags), system?.CreatedAt ?? DateTimeOffset.UnixEpoch, p?.IsArchived ?? false);

    /// <summary>The <c>$skip</c> of a <c>nextLink</c> (the page token the listing hands back).</summary>
    internal static string? SkipOf(string? nextLink)
    {
        if (string.IsNullOrEmpty(nextLink) || !Uri.TryCreate(nextLink, UriKind.Absolute, out var uri))
        {
            return null;
        }
        foreach (var part in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && Uri.UnescapeDataString(part[..eq]) == "$skip")
            {
                return Uri.UnescapeDataString(part[(eq + 1)..]);
            }
        }
        return null;
    }

    private static Dictionary<string, string?> Bag(IDictionary<string, string> source) => source.ToDictionary(kv => kv.Key, kv => (string?)kv.Value, StringComparer.Ordinal);

    private static Dictionary<string, string> Strings(Dictionary<string, string?>? source) =>
        source is null ? new(StringComparer.Ordinal) : source.Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value!, StringComparer.Ordinal);
}
