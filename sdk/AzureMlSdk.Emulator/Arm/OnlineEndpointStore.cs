using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace AzureMlSdk.Emulator.Arm;

/// <summary>An online endpoint as the Emulator keeps it: the ARM resource as PUT, its state, keys and where it is served.</summary>
internal sealed class EndpointDocument : EndpointDocumentBase<DeploymentDocument>
{
    public string PrimaryKey { get; set; } = "";

    public string SecondaryKey { get; set; } = "";

    /// <summary>The hosted scoring URI (its port is asked for again when the Emulator restarts).</summary>
    public string? ScoringUri { get; set; }

    public string? SwaggerUri { get; set; }

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
}

/// <summary>A deployment as the Emulator keeps it.</summary>
internal sealed class DeploymentDocument : DeploymentDocumentBase;

/// <summary>
/// A workspace's online endpoints and deployments, one JSON file per endpoint under <c>&lt;workspace&gt;/online-endpoints/</c>
/// (see <see cref="JsonDocumentStore{T}"/>).
/// </summary>
internal sealed class OnlineEndpointStore(string workspaceFolder)
    : EndpointDocumentStore<EndpointDocument, DeploymentDocument>(FolderOf(workspaceFolder), OnlineEndpointJsonContext.Default.EndpointDocument)
{
    private static string FolderOf(string workspaceFolder) => Path.Combine(workspaceFolder, "online-endpoints");

    /// <summary>True when the workspace folder holds endpoints to host again.</summary>
    public static bool HasAny(string workspaceFolder) => HasAnyIn(FolderOf(workspaceFolder));
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(EndpointDocument))]
internal sealed partial class OnlineEndpointJsonContext : JsonSerializerContext;
