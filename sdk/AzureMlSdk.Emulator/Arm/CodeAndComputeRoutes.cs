using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Xml;
using AzureMlSdk.Assets;
using AzureMlSdk.Backends.Remote.Arm;

namespace AzureMlSdk.Emulator.Arm;

/// <summary>A code container as the Emulator keeps it: its versions as PUT (their <c>codeUri</c> names the uploaded folder in Azurite).</summary>
internal sealed class CodeDocument
{
    public string Name { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public Dictionary<string, CodeVersionDocument> Versions { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One code version: its properties as PUT and when it was created.</summary>
internal sealed class CodeVersionDocument
{
    public JsonObject Properties { get; set; } = [];
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A workspace's code assets, one JSON file per name under <c>&lt;workspace&gt;/codes/</c>.</summary>
internal sealed class CodeStore(string workspaceFolder) : JsonDocumentStore<CodeDocument>(Path.Combine(workspaceFolder, "codes"), CodeJsonContext.Default.CodeDocument, d => d.Name);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(CodeDocument))]
internal sealed partial class CodeJsonContext : JsonSerializerContext;

/// <summary>
/// ARM code versions (<c>codes/{name}/versions/{version}</c>: what the Remote backend PUTs after uploading a snapshot to the
/// workspace's blob container) and computes (<c>AmlCompute</c> over the workspace's local compute store: a cluster is a pool of
/// <c>maxNodeCount</c> job slots). A code version is immutable: the same <c>codeUri</c> again is 200, another one 409.
/// </summary>
internal static class CodeAndComputeRoutes
{
    private const string Provider = ArmEndpoints.Provider;

    public static void Map(WebApplication app, WorkspaceRegistry registry)
    {
        void Route(string method, string pattern, ArmEndpoints.Handler handler) =>
            app.MapMethods(ArmEndpoints.Ws + pattern, [method], (HttpContext c) => ArmEndpoints.RunAsync(c, registry, true, handler));

        Route("GET", "/codes/{name}", GetCodeContainerAsync);
        Route("GET", "/codes/{name}/versions/{version}", GetCodeVersionAsync);
        Route("PUT", "/codes/{name}/versions/{version}", PutCodeVersionAsync);
        Route("GET", "/computes", ListComputesAsync);
        Route("GET", "/computes/{computeName}", GetComputeAsync);
        Route("PUT", "/computes/{computeName}", PutComputeAsync);
        Route("DELETE", "/computes/{computeName}", DeleteComputeAsync);
    }

    // ------------------------------------------------------------------ codes

    private static CodeStore Codes(ArmEndpoints.ArmCall call) => call.Workspace.Codes;

    private static string CodeName(ArmEndpoints.ArmCall call)
    {
        try
        {
            return AssetValidation.Name(AssetKind.Code, call.Route("name"));
        }
        catch (InvalidInputException ex)
        {
            throw new ArmException(400, "ValidationError", ex.Message, "name");
        }
    }

    private static Task GetCodeContainerAsync(ArmEndpoints.ArmCall call)
    {
        var name = CodeName(call);
        var doc = Codes(call).Get(name) ?? throw new ArmException(404, "ResourceNotFound", $"Code container '{name}' was not found in workspace '{call.WorkspaceName}'.");
        var latest = doc.Versions.OrderByDescending(v => v.Value.CreatedAt).Select(v => v.Key).FirstOrDefault();
        var json = new JsonObject
        {
            ["id"] = $"{call.Workspace.ResourceId}/codes/{doc.Name}",
            ["name"] = doc.Name,
            ["type"] = $"{Provider}/workspaces/codes",
            ["systemData"] = ArmEndpoints.SystemData(doc.CreatedAt, doc.CreatedAt),
            ["properties"] = new JsonObject
            {
                ["description"] = null,
                ["tags"] = new JsonObject(),
                ["properties"] = new JsonObject(),
                ["isArchived"] = false,
                ["latestVersion"] = latest,
                ["nextVersion"] = AssetPreparation.NextVersion(doc.Versions.Keys),
                ["provisioningState"] = "Succeeded",
            },
        };
        return ArmEndpoints.WriteAsync(call.Context, 200, json);
    }

    private static Task GetCodeVersionAsync(ArmEndpoints.ArmCall call)
    {
        var name = CodeName(call);
        var version = call.Route("version");
        var doc = Codes(call).Get(name);
        if (doc is null || !doc.Versions.TryGetValue(version, out var v))
        {
            throw new ArmException(404, "ResourceNotFound", $"Code '{name}' version '{version}' was not found in workspace '{call.WorkspaceName}'.");
        }
        return ArmEndpoints.WriteAsync(call.Context, 200, CodeVersionJson(call, doc.Name, version, v));
    }

    private static async Task PutCodeVersionAsync(ArmEndpoints.ArmCall call)
    {
        var name = CodeName(call);
        var version = call.Route("version");
        try
        {
            AssetValidation.Version(AssetKind.Code, version);
        }
        catch (InvalidInputException ex)
        {
            throw new ArmException(400, "ValidationError", ex.Message, "version");
        }
        var properties = ArmEndpoints.PropertiesOf(await ArmEndpoints.ReadBodyAsync(call.Context, required: true).ConfigureAwait(false));
        properties.Remove("provisioningState");
        var codeUri = properties["codeUri"]?.GetValue<string>();
        if (string.IsNullOrWhiteSpace(codeUri) || AssetReference.Parse(codeUri).Kind == AssetReferenceKind.LocalPath)
        {
            throw new ArmException(400, "ValidationError", "A code version needs 'properties.codeUri': the URL (or azureml://datastores/… URI) of the uploaded code folder.", "properties.codeUri");
        }
        var now = DateTimeOffset.UtcNow;
        var (created, stored) = Codes(call).Change(name, doc =>
        {
            doc ??= new CodeDocument { Name = name, CreatedAt = now };
            if (doc.Versions.TryGetValue(version, out var existing))
            {
                if (existing.Properties["codeUri"]?.GetValue<string>() != codeUri)
                {
                    throw new ArmException(409, "Conflict", $"Code '{name}' version '{version}' already exists with another codeUri; code versions are immutable.");
                }
                existing.Properties = (JsonObject)properties.DeepClone();
                return (doc, (false, existing));
            }
            var added = new CodeVersionDocument { Properties = (JsonObject)properties.DeepClone(), CreatedAt = now };
            doc.Versions[version] = added;
            return (doc, (true, added));
        });
        await ArmEndpoints.WriteAsync(call.Context, created ? 201 : 200, CodeVersionJson(call, name, version, stored)).ConfigureAwait(false);
    }

    private static JsonObject CodeVersionJson(ArmEndpoints.ArmCall call, string name, string version, CodeVersionDocument v)
    {
        var properties = (JsonObject)v.Properties.DeepClone();
        properties["tags"] ??= new JsonObject();
        properties["properties"] ??= new JsonObject();
        properties["isArchived"] ??= false;
        properties["isAnonymous"] ??= false;
        properties["provisioningState"] = "Succeeded";
        return new JsonObject
        {
            ["id"] = $"{call.Workspace.ResourceId}/codes/{name}/versions/{version}",
            ["name"] = version,
            ["type"] = $"{Provider}/workspaces/codes/versions",
            ["systemData"] = ArmEndpoints.SystemData(v.CreatedAt, v.CreatedAt),
            ["properties"] = properties,
        };
    }

    // ------------------------------------------------------------------ computes

    private static async Task ListComputesAsync(ArmEndpoints.ArmCall call)
    {
        var computes = await call.Workspace.Backend.Computes.ListAsync(call.Context.RequestAborted).ConfigureAwait(false);
        await ArmEndpoints.PageAsync(call.Context, computes.Where(c => c.Type == "amlcompute").Select(c => (JsonNode)ComputeJson(call, c)).ToList()).ConfigureAwait(false);
    }

    private static async Task GetComputeAsync(ArmEndpoints.ArmCall call)
    {
        var compute = await FindComputeAsync(call, call.Route("computeName")).ConfigureAwait(false)
            ?? throw ComputeNotFound(call);
        await ArmEndpoints.WriteAsync(call.Context, 200, ComputeJson(call, compute)).ConfigureAwait(false);
    }

    private static async Task PutComputeAsync(ArmEndpoints.ArmCall call)
    {
        var name = call.Route("computeName");
        var body = await ArmEndpoints.ReadBodyAsync(call.Context, required: true).ConfigureAwait(false);
        var resource = body.Deserialize(ArmJsonContext.Default.ArmResourceComputeProperties)
            ?? throw new ArmException(400, "InvalidRequestContent", "The request content must be a JSON object.");
        var p = resource.Properties ?? throw new ArmException(400, "InvalidRequestContent", "The request content must have a 'properties' object.", "properties");
        if (!string.Equals(p.ComputeType, "AmlCompute", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArmException(400, "ValidationError", $"computeType '{p.ComputeType}' is not supported by the Emulator: it runs AmlCompute clusters (local pools of job slots).", "properties.computeType");
        }
        var scale = p.Properties?.ScaleSettings;
        TimeSpan? idle = null;
        if (scale?.NodeIdleTimeBeforeScaleDown is { Length: > 0 } idleText)
        {
            try
            {
                idle = XmlConvert.ToTimeSpan(idleText);
            }
            catch (FormatException)
            {
                throw new ArmException(400, "ValidationError", $"nodeIdleTimeBeforeScaleDown '{idleText}' is not an ISO 8601 duration (e.g. PT120S).", "properties.properties.scaleSettings.nodeIdleTimeBeforeScaleDown");
            }
        }
        var definition = new ComputeDefinition
        {
            Name = name,
            Description = p.Description,
            Tags = resource.Tags is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(resource.Tags, StringComparer.Ordinal),
            Size = p.Properties?.VmSize,
            MinInstances = scale?.MinNodeCount ?? 0,
            MaxInstances = scale?.MaxNodeCount ?? 1,
            IdleTimeBeforeScaleDown = idle,
            Tier = string.Equals(p.Properties?.VmPriority, "LowPriority", StringComparison.OrdinalIgnoreCase) ? "low_priority" : "dedicated",
            Location = resource.Location,
        };
        try
        {
            definition.Validate();
        }
        catch (JobDefinitionException ex)
        {
            throw new ArmException(400, "ValidationError", ex.Message, ex.Key);
        }
        var existed = await FindComputeAsync(call, name).ConfigureAwait(false) is not null;
        ComputeData data;
        try
        {
            data = await call.Workspace.Backend.Computes.CreateOrUpdateAsync(definition, call.Context.RequestAborted).ConfigureAwait(false);
        }
        catch (InvalidStateException ex)
        {
            throw new ArmException(409, "Conflict", ex.Message);
        }
        catch (InvalidInputException ex)
        {
            throw new ArmException(400, "ValidationError", ex.Message);
        }
        await ArmEndpoints.WriteAsync(call.Context, existed ? 200 : 201, ComputeJson(call, data)).ConfigureAwait(false);
    }

    private static async Task DeleteComputeAsync(ArmEndpoints.ArmCall call)
    {
        var name = call.Route("computeName");
        if (await FindComputeAsync(call, name).ConfigureAwait(false) is null)
        {
            call.Context.Response.StatusCode = 204;
            return;
        }
        try
        {
            await call.Workspace.Backend.Computes.DeleteAsync(name, call.Context.RequestAborted).ConfigureAwait(false);
        }
        catch (InvalidStateException ex)
        {
            throw new ArmException(409, "Conflict", ex.Message);
        }
        call.Context.Response.StatusCode = 200;
    }

    private static async Task<ComputeData?> FindComputeAsync(ArmEndpoints.ArmCall call, string name)
    {
        if (string.Equals(name, "local", StringComparison.OrdinalIgnoreCase))
        {
            return null; // 'local' is the SDK's name for running on this machine, not an ARM compute
        }
        try
        {
            return await call.Workspace.Backend.Computes.GetAsync(name, call.Context.RequestAborted).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
    }

    private static ArmException ComputeNotFound(ArmEndpoints.ArmCall call) =>
        new(404, "ResourceNotFound", $"Compute '{call.Route("computeName")}' was not found in workspace '{call.WorkspaceName}'.");

    private static JsonObject ComputeJson(ArmEndpoints.ArmCall call, ComputeData c) => new()
    {
        ["id"] = $"{call.Workspace.ResourceId}/computes/{c.Name}",
        ["name"] = c.Name,
        ["type"] = $"{Provider}/workspaces/computes",
        ["location"] = call.Workspace.Location,
        ["tags"] = new JsonObject(c.Tags.Select(t => KeyValuePair.Create(t.Key, (JsonNode?)t.Value))),
        ["systemData"] = ArmEndpoints.SystemData(c.CreatedAt, c.CreatedAt),
        ["properties"] = new JsonObject
        {
            ["computeType"] = "AmlCompute",
            ["computeLocation"] = call.Workspace.Location,
            ["provisioningState"] = c.State,
            ["description"] = c.Description,
            ["createdOn"] = c.CreatedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ["modifiedOn"] = c.CreatedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ["isAttachedCompute"] = false,
            ["disableLocalAuth"] = true,
            ["properties"] = new JsonObject
            {
                ["osType"] = "Linux",
                ["vmSize"] = c.Size ?? "STANDARD_DS3_V2",
                ["vmPriority"] = "Dedicated",
                ["scaleSettings"] = new JsonObject
                {
                    ["maxNodeCount"] = c.MaxInstances,
                    ["minNodeCount"] = c.MinInstances,
                    ["nodeIdleTimeBeforeScaleDown"] = "PT120S",
                },
                ["allocationState"] = "Steady",
                ["currentNodeCount"] = 0,
                ["targetNodeCount"] = c.MinInstances,
            },
        },
    };
}
