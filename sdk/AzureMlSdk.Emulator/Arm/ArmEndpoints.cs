using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AzureMlSdk.Emulator.Hosting;

namespace AzureMlSdk.Emulator.Arm;

/// <summary>An ARM error to answer with (<c>ErrorResponse</c>).</summary>
internal sealed class ArmException(int status, string code, string message, string? target = null) : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public string? Target { get; } = target;
}

/// <summary>
/// The ARM <c>Microsoft.MachineLearningServices</c> routes the Remote backend calls (api-version 2026-07-01): workspaces,
/// datastores (+ listSecrets, describing Azurite), model containers and versions. Real resource ids, <c>systemData</c>,
/// <c>{value, nextLink}</c> paging and <c>ErrorResponse</c> bodies.
/// </summary>
internal static partial class ArmEndpoints
{
    /// <summary>The api-version of the spec the Emulator follows: the SDK's own (one constant for both, <c>ArmRoutes.ApiVersion</c>).</summary>
    public const string ApiVersion = AzureMlSdk.Backends.Remote.Arm.ArmRoutes.ApiVersion;

    /// <summary>api-versions accepted (the shapes served are those of <see cref="ApiVersion"/>).</summary>
    public static readonly string[] SupportedApiVersions = [ApiVersion, "2025-09-01", "2025-06-01"];

    internal const string Provider = "Microsoft.MachineLearningServices";
    internal const string Ws = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}";
    internal const string DefaultDatastore = "workspaceblobstore";
    private const int PageSize = 50;

    /// <summary>Workspace model names: the spec gives <c>models/{name}</c> no pattern; the SDK's rule (letters, digits, '-', '_', '.', no trailing '.').</summary>
    [GeneratedRegex(@"^[a-zA-Z0-9](?:[a-zA-Z0-9\-_.]{0,253}[a-zA-Z0-9\-_])?$")]
    private static partial Regex AssetNameRegex();

    internal delegate Task Handler(ArmCall call);

    internal sealed record ArmCall(HttpContext Context, WorkspaceRegistry Registry, string SubscriptionId, string ResourceGroup, string WorkspaceName, EmulatorWorkspace? Found)
    {
        public EmulatorWorkspace Workspace => Found!;
        public string Route(string name) => (string)Context.GetRouteValue(name)!;
    }

    public static void Map(WebApplication app, WorkspaceRegistry registry)
    {
        void Route(string method, string pattern, bool needsWorkspace, Handler handler) =>
            app.MapMethods(pattern, [method], (HttpContext c) => RunAsync(c, registry, needsWorkspace, handler));

        Route("GET", Ws, true, GetWorkspaceAsync);
        Route("PUT", Ws, false, PutWorkspaceAsync);
        Route("GET", Ws + "/datastores", true, ListDatastoresAsync);
        Route("GET", Ws + "/datastores/{name}", true, GetDatastoreAsync);
        Route("POST", Ws + "/datastores/{name}/listSecrets", true, ListSecretsAsync);
        Route("GET", Ws + "/models", true, ListContainersAsync);
        Route("GET", Ws + "/models/{name}", true, GetContainerAsync);
        Route("PUT", Ws + "/models/{name}", true, PutContainerAsync);
        Route("DELETE", Ws + "/models/{name}", true, DeleteContainerAsync);
        Route("GET", Ws + "/models/{name}/versions", true, ListVersionsAsync);
        Route("GET", Ws + "/models/{name}/versions/{version}", true, GetVersionAsync);
        Route("PUT", Ws + "/models/{name}/versions/{version}", true, PutVersionAsync);
        Route("DELETE", Ws + "/models/{name}/versions/{version}", true, DeleteVersionAsync);

        // Anything else under /subscriptions is a resource type the Emulator does not serve.
        app.MapFallback("/subscriptions/{**rest}", (HttpContext c) => Wire.ArmErrorAsync(c, 404, "NoRegisteredProviderFound",
            $"The Emulator does not serve '{c.Request.Method} {c.Request.Path}'; it serves workspaces, datastores, models, data, environments, components, codes, computes, online and batch endpoints and batch jobs of {Provider}."));
    }

    /// <summary>Runs an ARM-shaped route: api-version checked (unless <paramref name="apiVersion"/> is false: data-plane routes), the workspace found, errors as <c>ErrorResponse</c>.</summary>
    internal static async Task RunAsync(HttpContext context, WorkspaceRegistry registry, bool needsWorkspace, Handler handler, bool apiVersion = true)
    {
        try
        {
            if (apiVersion)
            {
                CheckApiVersion(context);
            }
            var sub = (string)context.GetRouteValue("subscriptionId")!;
            var rg = (string)context.GetRouteValue("resourceGroupName")!;
            var name = (string)context.GetRouteValue("workspaceName")!;
            var ws = registry.Find(sub, rg, name);
            if (needsWorkspace && ws is null)
            {
                throw new ArmException(404, "ResourceNotFound",
                    $"The Resource '{Provider}/workspaces/{name}' under resource group '{rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix");
            }
            await handler(new ArmCall(context, registry, sub, rg, name, ws)).ConfigureAwait(false);
        }
        catch (ArmException ex)
        {
            await Wire.ArmErrorAsync(context, ex.Status, ex.Code, ex.Message, ex.Target).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            await Wire.ArmErrorAsync(context, 400, "InvalidRequestContent", $"The request content was invalid and could not be deserialized: {Wire.JsonSyntaxMessage(ex)}").ConfigureAwait(false);
        }
        catch (AzureMlException ex)
        {
            await Wire.ArmErrorAsync(context, ex.Status is >= 400 and < 600 ? ex.Status : 500, ex.Status == 404 ? "ResourceNotFound" : "UserError", ex.Message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            await Wire.FailureAsync(context, ex).ConfigureAwait(false);
        }
    }

    // ------------------------------------------------------------------ helpers

    /// <summary>Throws the ARM error for a missing or unsupported <c>api-version</c>.</summary>
    internal static void CheckApiVersion(HttpContext context)
    {
        var apiVersion = context.Request.Query["api-version"].ToString();
        if (string.IsNullOrEmpty(apiVersion))
        {
            throw new ArmException(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.");
        }
        if (!SupportedApiVersions.Contains(apiVersion, StringComparer.OrdinalIgnoreCase))
        {
            throw new ArmException(400, "InvalidApiVersionParameter",
                $"The api-version '{apiVersion}' is invalid. The supported versions are '{string.Join(",", SupportedApiVersions)}'.");
        }
    }

    internal static string Base(HttpContext c) => $"{c.Request.Scheme}://{c.Request.Host}";

    internal static JsonObject SystemData(DateTimeOffset created, DateTimeOffset modified) => new()
    {
        ["createdAt"] = created.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        ["createdBy"] = "emulator",
        ["createdByType"] = "User",
        ["lastModifiedAt"] = modified.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        ["lastModifiedBy"] = "emulator",
        ["lastModifiedByType"] = "User",
    };

    internal static Task WriteAsync(HttpContext c, int status, JsonNode body) => Wire.JsonAsync(c, status, w => body.WriteTo(w));

    /// <summary>
    /// Reads a JSON object body (strict UTF-8, within the route's size limit) and checks it against the operation's body schema
    /// in the 2026-07-01 spec (<see cref="ArmSchema"/>): a body the service would refuse is a 400 naming the field.
    /// </summary>
    internal static async Task<JsonObject> ReadBodyAsync(HttpContext c, bool required)
    {
        var bytes = await Wire.ReadBodyAsync(c).ConfigureAwait(false);
        if (Wire.IsBlank(bytes))
        {
            return required ? throw new ArmException(400, "InvalidRequestContent", "The request content is required.") : [];
        }
        JsonNode? node;
        using (var doc = Wire.ParseJson(bytes))
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ArmException(400, "InvalidRequestContent", "The request content must be a JSON object.");
            }
            ArmSchema.Default.ValidateRequestBody(c, doc.RootElement);
            node = JsonNode.Parse(bytes);
        }
        return node as JsonObject ?? throw new ArmException(400, "InvalidRequestContent", "The request content must be a JSON object.");
    }

    internal static JsonObject PropertiesOf(JsonObject body) =>
        body["properties"] as JsonObject ?? throw new ArmException(400, "InvalidRequestContent", "The request content must have a 'properties' object.", "properties");

    /// <summary>Pages <paramref name="items"/> by an offset carried in <c>$skip</c>; <c>nextLink</c> repeats the request's other query parameters.</summary>
    internal static Task PageAsync(HttpContext c, IReadOnlyList<JsonNode> items, int? top = null, int? pageSize = null)
    {
        var skipText = c.Request.Query["$skip"].ToString();
        var offset = 0;
        if (skipText.Length > 0 && (!int.TryParse(skipText, NumberStyles.None, CultureInfo.InvariantCulture, out offset) || offset > items.Count))
        {
            throw new ArmException(400, "InvalidSkipToken", $"The $skip token '{skipText}' is not one this service issued.", "$skip");
        }
        var limit = top is { } t ? Math.Min(t, items.Count) : items.Count;
        var page = items.Skip(offset).Take(Math.Min(pageSize ?? PageSize, Math.Max(0, limit - offset))).ToList();
        var next = offset + page.Count;
        var body = new JsonObject { ["value"] = new JsonArray([.. page.Select(i => i.DeepClone())]) };
        if (next < limit)
        {
            var query = c.Request.Query.Where(q => q.Key != "$skip")
                .SelectMany(q => q.Value.Select(v => Uri.EscapeDataString(q.Key) + "=" + Uri.EscapeDataString(v ?? string.Empty)))
                .Append("$skip=" + next.ToString(CultureInfo.InvariantCulture));
            body["nextLink"] = $"{Base(c)}{c.Request.Path}?{string.Join("&", query)}";
        }
        return WriteAsync(c, 200, body);
    }

    private static string AssetName(ArmCall call)
    {
        var name = call.Route("name");
        if (!AssetNameRegex().IsMatch(name))
        {
            throw new ArmException(400, "ValidationError", $"The name '{name}' is invalid: use 1 to 255 letters, digits, '-', '_' or '.', starting with a letter or digit and not ending with '.'.", "name");
        }
        return name;
    }

    // ------------------------------------------------------------------ workspaces

    private static JsonObject WorkspaceJson(HttpContext c, EmulatorWorkspace ws, string storageAccount)
    {
        var (tags, properties) = ws.Snapshot();
        properties["friendlyName"] ??= ws.Name;
        properties["workspaceId"] = ws.WorkspaceId;
        properties["mlFlowTrackingUri"] = $"{Base(c)}/mlflow/v1.0{ws.ResourceId}";
        properties["discoveryUrl"] = $"{Base(c)}/discovery";
        properties["storageAccount"] = $"/subscriptions/{ws.SubscriptionId}/resourceGroups/{ws.ResourceGroup}/providers/Microsoft.Storage/storageAccounts/{storageAccount}";
        properties["provisioningState"] = "Succeeded";
        properties["hbiWorkspace"] ??= false;
        properties["v1LegacyMode"] ??= false;
        properties["publicNetworkAccess"] ??= "Disabled";
        return new JsonObject
        {
            ["id"] = ws.ResourceId,
            ["name"] = ws.Name,
            ["type"] = $"{Provider}/workspaces",
            ["location"] = ws.Location,
            ["tags"] = tags,
            ["kind"] = "Default",
            ["identity"] = new JsonObject { ["type"] = "SystemAssigned", ["principalId"] = ws.PrincipalId, ["tenantId"] = "00000000-0000-0000-0000-000000000000" },
            ["sku"] = new JsonObject { ["name"] = "Basic", ["tier"] = "Basic" },
            ["systemData"] = SystemData(ws.CreatedAt, ws.ModifiedAt),
            ["properties"] = properties,
        };
    }

    private static Task GetWorkspaceAsync(ArmCall call) =>
        WriteAsync(call.Context, 200, WorkspaceJson(call.Context, call.Workspace, call.Registry.AccountName));

    private static async Task PutWorkspaceAsync(ArmCall call)
    {
        if (!WorkspaceRegistry.IsSafeSegment(call.SubscriptionId) || !WorkspaceRegistry.IsSafeSegment(call.ResourceGroup))
        {
            throw new ArmException(400, "InvalidResourceGroup", $"'{call.SubscriptionId}/{call.ResourceGroup}' is not a valid subscription id and resource group.");
        }
        if (!WorkspaceRegistry.IsValidName(call.WorkspaceName))
        {
            throw new ArmException(400, "ValidationError", $"Workspace name '{call.WorkspaceName}' is invalid: use 3 to 33 letters, digits, '_' or '-', starting with a letter or digit.", "workspaceName");
        }
        var body = await ReadBodyAsync(call.Context, required: true).ConfigureAwait(false);
        var properties = body["properties"] as JsonObject ?? [];
        foreach (var readOnly in new[] { "provisioningState", "workspaceId", "mlFlowTrackingUri", "discoveryUrl", "storageAccount" })
        {
            properties.Remove(readOnly);
        }
        var location = body["location"]?.GetValue<string>();
        var tags = body["tags"] as JsonObject;
        var (ws, _) = await call.Registry.CreateOrUpdateAsync(call.SubscriptionId, call.ResourceGroup, call.WorkspaceName, location,
            (JsonObject?)tags?.DeepClone(), (JsonObject)properties.DeepClone(), call.Context.RequestAborted).ConfigureAwait(false);
        // Workspaces_CreateOrUpdate answers 200 (done) or 202 (in progress); the Emulator provisions at once.
        await WriteAsync(call.Context, 200, WorkspaceJson(call.Context, ws, call.Registry.AccountName)).ConfigureAwait(false);
    }

    // ------------------------------------------------------------------ datastores

    private static JsonObject DatastoreJson(ArmCall call)
    {
        var ws = call.Workspace;
        var endpoint = call.Registry.BlobEndpoint;
        return new JsonObject
        {
            ["id"] = $"{ws.ResourceId}/datastores/{DefaultDatastore}",
            ["name"] = DefaultDatastore,
            ["type"] = $"{Provider}/workspaces/datastores",
            ["systemData"] = SystemData(ws.CreatedAt, ws.CreatedAt),
            ["properties"] = new JsonObject
            {
                ["description"] = "The workspace's default blob datastore (Azurite).",
                ["tags"] = new JsonObject(),
                ["properties"] = new JsonObject(),
                ["isDefault"] = true,
                ["credentials"] = new JsonObject
                {
                    ["credentialsType"] = "AccountKey",
                    ["secrets"] = new JsonObject { ["secretsType"] = "AccountKey" },
                },
                ["datastoreType"] = "AzureBlob",
                ["accountName"] = call.Registry.AccountName,
                ["containerName"] = ws.ContainerName,
                // Azure gives the cloud suffix (core.windows.net); Azurite is path-style, so the full account URL is given.
                ["endpoint"] = endpoint.AbsoluteUri.TrimEnd('/'),
                ["protocol"] = endpoint.Scheme,
                ["serviceDataAccessAuthIdentity"] = "None",
                ["subscriptionId"] = ws.SubscriptionId,
                ["resourceGroup"] = ws.ResourceGroup,
            },
        };
    }

    private static Task ListDatastoresAsync(ArmCall call)
    {
        var isDefault = call.Context.Request.Query["isDefault"].ToString();
        JsonNode[] items = isDefault.Equals("false", StringComparison.OrdinalIgnoreCase) ? [] : [DatastoreJson(call)];
        return PageAsync(call.Context, items);
    }

    private static Task GetDatastoreAsync(ArmCall call)
    {
        RequireDefaultDatastore(call);
        return WriteAsync(call.Context, 200, DatastoreJson(call));
    }

    private static async Task ListSecretsAsync(ArmCall call)
    {
        RequireDefaultDatastore(call);
        await ReadBodyAsync(call.Context, required: false).ConfigureAwait(false); // SecretExpiry is optional and ignored
        await WriteAsync(call.Context, 200, new JsonObject { ["secretsType"] = "AccountKey", ["key"] = EmulatorOptions.AzuriteKey }).ConfigureAwait(false);
    }

    private static void RequireDefaultDatastore(ArmCall call)
    {
        var name = call.Route("name");
        if (!string.Equals(name, DefaultDatastore, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArmException(404, "ResourceNotFound", $"Datastore '{name}' was not found in workspace '{call.WorkspaceName}'.");
        }
    }

    // ------------------------------------------------------------------ model containers

    private static readonly string[] ContainerReadOnly = ["latestVersion", "nextVersion", "provisioningState"];
    private static readonly string[] VersionReadOnly = ["provisioningState"];

    private static JsonObject ContainerJson(EmulatorWorkspace ws, ContainerRow row, IReadOnlyList<VersionRow> versions)
    {
        var properties = (JsonObject)row.Properties.DeepClone();
        properties["tags"] ??= new JsonObject();
        properties["properties"] ??= new JsonObject();
        properties["isArchived"] ??= false;
        var latest = versions.Select(v => (v, n: long.TryParse(v.Version, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1))
            .OrderByDescending(x => x.n).ThenByDescending(x => x.v.CreatedAt).Select(x => x.v.Version).FirstOrDefault();
        if (latest is not null)
        {
            properties["latestVersion"] = latest;
        }
        properties["nextVersion"] = row.NextVersion.ToString(CultureInfo.InvariantCulture);
        properties["provisioningState"] = "Succeeded";
        return new JsonObject
        {
            ["id"] = $"{ws.ResourceId}/models/{row.Name}",
            ["name"] = row.Name,
            ["type"] = $"{Provider}/workspaces/models",
            ["systemData"] = SystemData(row.CreatedAt, row.ModifiedAt),
            ["properties"] = properties,
        };
    }

    private static ContainerRow RequireContainer(ArmCall call, string name) =>
        call.Workspace.Assets.GetContainer(name) ?? throw new ArmException(404, "ResourceNotFound", $"Model container '{name}' was not found in workspace '{call.WorkspaceName}'.");

    private static bool MatchesView(JsonObject properties, string? view) => (view ?? "ActiveOnly").ToUpperInvariant() switch
    {
        "ALL" => true,
        "ARCHIVEDONLY" => properties["isArchived"]?.GetValue<bool>() == true,
        "ACTIVEONLY" => properties["isArchived"]?.GetValue<bool>() != true,
        _ => throw new ArmException(400, "ValidationError", $"listViewType '{view}' is invalid: use ActiveOnly, ArchivedOnly or All.", "listViewType"),
    };

    private static Task ListContainersAsync(ArmCall call)
    {
        var view = call.Context.Request.Query["listViewType"].ToString();
        var assets = call.Workspace.Assets;
        var items = assets.ListContainers()
            .Where(r => MatchesView(r.Properties, view.Length == 0 ? null : view))
            .Select(r => (JsonNode)ContainerJson(call.Workspace, r, assets.ListVersions(r.Name)))
            .ToList();
        return PageAsync(call.Context, items);
    }

    private static Task GetContainerAsync(ArmCall call)
    {
        var name = AssetName(call);
        var row = RequireContainer(call, name);
        return WriteAsync(call.Context, 200, ContainerJson(call.Workspace, row, call.Workspace.Assets.ListVersions(row.Name)));
    }

    private static async Task PutContainerAsync(ArmCall call)
    {
        var name = AssetName(call);
        var properties = PropertiesOf(await ReadBodyAsync(call.Context, required: true).ConfigureAwait(false));
        foreach (var readOnly in ContainerReadOnly)
        {
            properties.Remove(readOnly);
        }
        var created = call.Workspace.Assets.PutContainer(name, (JsonObject)properties.DeepClone());
        var row = RequireContainer(call, name);
        await WriteAsync(call.Context, created ? 201 : 200, ContainerJson(call.Workspace, row, call.Workspace.Assets.ListVersions(row.Name))).ConfigureAwait(false);
    }

    private static Task DeleteContainerAsync(ArmCall call)
    {
        var name = AssetName(call);
        call.Context.Response.StatusCode = call.Workspace.Assets.DeleteContainer(name) ? 200 : 204;
        return Task.CompletedTask;
    }

    // ------------------------------------------------------------------ model versions

    private static JsonObject VersionJson(EmulatorWorkspace ws, VersionRow row)
    {
        var properties = (JsonObject)row.Properties.DeepClone();
        properties["tags"] ??= new JsonObject();
        properties["properties"] ??= new JsonObject();
        properties["isArchived"] ??= false;
        properties["isAnonymous"] ??= false;
        properties["provisioningState"] = "Succeeded";
        return new JsonObject
        {
            ["id"] = $"{ws.ResourceId}/models/{row.Name}/versions/{row.Version}",
            ["name"] = row.Version,
            ["type"] = $"{Provider}/workspaces/models/versions",
            ["systemData"] = SystemData(row.CreatedAt, row.ModifiedAt),
            ["properties"] = properties,
        };
    }

    /// <summary>Azure ML's filter syntax for tags/properties: <c>k1=v1,k2</c> (a bare key: the key is present).</summary>
    internal static bool MatchesPairs(JsonObject? bag, string filter)
    {
        foreach (var part in filter.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? part : part[..eq];
            if (bag is null || !bag.TryGetPropertyValue(key, out var value))
            {
                return false;
            }
            if (eq >= 0 && value?.GetValue<string>() != part[(eq + 1)..])
            {
                return false;
            }
        }
        return true;
    }

    private static Task ListVersionsAsync(ArmCall call)
    {
        var name = AssetName(call);
        var row = RequireContainer(call, name);
        var q = call.Context.Request.Query;
        var view = q["listViewType"].ToString();
        var tags = q["tags"].ToString();
        var properties = q["properties"].ToString();
        var version = q["version"].ToString();
        var description = q["description"].ToString();
        int? top = null;
        if (q["$top"].ToString() is { Length: > 0 } topText)
        {
            top = int.TryParse(topText, NumberStyles.None, CultureInfo.InvariantCulture, out var t) && t > 0
                ? t
                : throw new ArmException(400, "ValidationError", $"$top '{topText}' is not a positive whole number.", "$top");
        }
        var orderBy = q["$orderBy"].ToString().Trim().ToLowerInvariant();
        IEnumerable<VersionRow> rows = call.Workspace.Assets.ListVersions(row.Name)
            .Where(v => MatchesView(v.Properties, view.Length == 0 ? null : view))
            .Where(v => tags.Length == 0 || MatchesPairs(v.Properties["tags"] as JsonObject, tags))
            .Where(v => properties.Length == 0 || MatchesPairs(v.Properties["properties"] as JsonObject, properties))
            .Where(v => version.Length == 0 || v.Version == version)
            .Where(v => description.Length == 0 || v.Properties["description"]?.GetValue<string>() == description);
        static long Number(VersionRow v) => long.TryParse(v.Version, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;
        rows = orderBy switch
        {
            "" or "createdtime desc" => rows.OrderByDescending(v => v.CreatedAt).ThenByDescending(Number),
            "createdtime asc" or "createdtime" => rows.OrderBy(v => v.CreatedAt).ThenBy(Number),
            "version desc" => rows.OrderByDescending(Number),
            "version asc" or "version" => rows.OrderBy(Number),
            _ => throw new ArmException(400, "ValidationError", $"$orderBy '{orderBy}' is not supported: use createdtime or version, asc or desc.", "$orderBy"),
        };
        return PageAsync(call.Context, rows.Select(v => (JsonNode)VersionJson(call.Workspace, v)).ToList(), top);
    }

    private static Task GetVersionAsync(ArmCall call)
    {
        var name = AssetName(call);
        var version = call.Route("version");
        var row = call.Workspace.Assets.GetVersion(name, version)
            ?? throw new ArmException(404, "ResourceNotFound", $"Model '{name}' version '{version}' was not found in workspace '{call.WorkspaceName}'.");
        return WriteAsync(call.Context, 200, VersionJson(call.Workspace, row));
    }

    private static async Task PutVersionAsync(ArmCall call)
    {
        var name = AssetName(call);
        var version = call.Route("version");
        if (version.Length is 0 or > 30 || version.Any(ch => !char.IsAsciiLetterOrDigit(ch) && ch is not '.' and not '-' and not '_'))
        {
            throw new ArmException(400, "ValidationError", $"Version '{version}' is invalid: use up to 30 letters, digits, '.', '-' or '_'.", "version");
        }
        var properties = PropertiesOf(await ReadBodyAsync(call.Context, required: true).ConfigureAwait(false));
        foreach (var readOnly in VersionReadOnly)
        {
            properties.Remove(readOnly);
        }
        var ifNoneMatch = call.Context.Request.Headers.IfNoneMatch.ToString().Trim();
        var (outcome, row) = call.Workspace.Assets.PutVersion(name, version, (JsonObject)properties.DeepClone(), ifNoneMatch == "*");
        switch (outcome)
        {
            case PutOutcome.PreconditionFailed:
                throw new ArmException(412, "PreconditionFailed", $"Model '{name}' version '{version}' already exists (If-None-Match: *).");
            case PutOutcome.Conflict:
                throw new ArmException(409, "Conflict", $"Model '{name}' version '{version}' already exists with different content (modelUri); versions are immutable, register a new version instead.");
            default:
                await WriteAsync(call.Context, outcome == PutOutcome.Created ? 201 : 200, VersionJson(call.Workspace, row!)).ConfigureAwait(false);
                break;
        }
    }

    private static Task DeleteVersionAsync(ArmCall call)
    {
        var name = AssetName(call);
        call.Context.Response.StatusCode = call.Workspace.Assets.DeleteVersion(name, call.Route("version")) ? 200 : 204;
        return Task.CompletedTask;
    }
}
