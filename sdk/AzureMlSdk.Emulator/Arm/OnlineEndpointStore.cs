using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace AzureMlSdk.Emulator.Arm;

/// <summary>An online endpoint as the Emulator keeps it: the ARM resource as PUT, its state, keys and where it is served.</summary>
internal sealed class EndpointDocument
{
    public string Name { get; set; } = "";

    /// <summary><c>location</c>, <c>tags</c>, <c>kind</c>, <c>identity</c>, <c>sku</c> and <c>properties</c> as PUT (read-only fields removed).</summary>
    public JsonObject Resource { get; set; } = [];

    public string ProvisioningState { get; set; } = "Creating";

    /// <summary>Raised by every change request; an operation only settles the state of the generation it was started for.</summary>
    public long Generation { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ModifiedAt { get; set; }

    public string PrimaryKey { get; set; } = "";

    public string SecondaryKey { get; set; } = "";

    /// <summary>The hosted scoring URI (its port is asked for again when the Emulator restarts).</summary>
    public string? ScoringUri { get; set; }

    public string? SwaggerUri { get; set; }

    public Dictionary<string, DeploymentDocument> Deployments { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The traffic split (<c>properties.traffic</c>), keyed by the deployments' own spelling.</summary>
    [JsonIgnore]
    public Dictionary<string, int> Traffic
    {
        get
        {
            var traffic = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            if (Resource["properties"]?["traffic"] is JsonObject t)
            {
                foreach (var (name, weight) in t)
                {
                    traffic[name] = weight?.GetValue<int>() ?? 0;
                }
            }
            return traffic;
        }
    }

    /// <summary>The auth mode (<c>properties.authMode</c>): <c>Key</c>, <c>AMLToken</c> or <c>AADToken</c>.</summary>
    [JsonIgnore]
    public string AuthMode => Resource["properties"]?["authMode"]?.GetValue<string>() ?? "Key";

    /// <summary>The region, for the operation URLs.</summary>
    [JsonIgnore]
    public string Location => Resource["location"]?.GetValue<string>() ?? "local";
}

/// <summary>A deployment as the Emulator keeps it.</summary>
internal sealed class DeploymentDocument
{
    public string Name { get; set; } = "";

    /// <summary><c>location</c>, <c>tags</c>, <c>kind</c>, <c>identity</c>, <c>sku</c> and <c>properties</c> as PUT (read-only fields removed).</summary>
    public JsonObject Resource { get; set; } = [];

    public string ProvisioningState { get; set; } = "Creating";

    public long Generation { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ModifiedAt { get; set; }

    /// <summary>Why the last operation failed (kept across restarts, when the host's own log is gone).</summary>
    public string? Error { get; set; }
}

/// <summary>
/// A workspace's online endpoints and deployments, one JSON file per endpoint under <c>&lt;workspace&gt;/online-endpoints/</c>
/// (see <see cref="JsonDocumentStore{T}"/>).
/// </summary>
internal sealed class OnlineEndpointStore(string workspaceFolder)
    : JsonDocumentStore<EndpointDocument>(FolderOf(workspaceFolder), OnlineEndpointJsonContext.Default.EndpointDocument, d => d.Name)
{
    private static string FolderOf(string workspaceFolder) => Path.Combine(workspaceFolder, "online-endpoints");

    /// <summary>True when the workspace folder holds endpoints to host again.</summary>
    public static bool HasAny(string workspaceFolder) => HasAnyIn(FolderOf(workspaceFolder));

    protected override EndpointDocument Normalize(EndpointDocument document)
    {
        document.Deployments = new Dictionary<string, DeploymentDocument>(document.Deployments ?? [], StringComparer.OrdinalIgnoreCase);
        return document;
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(EndpointDocument))]
internal sealed partial class OnlineEndpointJsonContext : JsonSerializerContext;
