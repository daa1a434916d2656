using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace AzureMlSdk.Emulator.Arm;

/// <summary>What a stored endpoint or deployment has, online or batch: the ARM resource as PUT and its state.</summary>
internal abstract class ArmResourceDocument
{
    public string Name { get; set; } = "";

    /// <summary><c>location</c>, <c>tags</c>, <c>kind</c>, <c>identity</c>, <c>sku</c> and <c>properties</c> as PUT (read-only fields removed).</summary>
    public JsonObject Resource { get; set; } = [];

    public string ProvisioningState { get; set; } = "Creating";

    /// <summary>Raised by every change request; an operation only settles the state of the generation it was started for.</summary>
    public long Generation { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ModifiedAt { get; set; }
}

/// <summary>A stored endpoint, online or batch: its resource, state and deployments.</summary>
internal abstract class EndpointDocumentBase<TDeployment> : ArmResourceDocument
    where TDeployment : DeploymentDocumentBase
{
    public Dictionary<string, TDeployment> Deployments { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The region, for the operation URLs.</summary>
    [JsonIgnore]
    public string Location => Resource["location"]?.GetValue<string>() ?? "local";
}

/// <summary>A stored deployment, online or batch.</summary>
internal abstract class DeploymentDocumentBase : ArmResourceDocument
{
    /// <summary>Why the last operation failed (kept across restarts, when a host's own log is gone).</summary>
    public string? Error { get; set; }
}

/// <summary>A workspace's endpoints of one kind and their deployments, one JSON file per endpoint (see <see cref="JsonDocumentStore{T}"/>).</summary>
internal abstract class EndpointDocumentStore<TEndpoint, TDeployment>(string folder, JsonTypeInfo<TEndpoint> type)
    : JsonDocumentStore<TEndpoint>(folder, type, d => d.Name)
    where TEndpoint : EndpointDocumentBase<TDeployment>
    where TDeployment : DeploymentDocumentBase
{
    /// <summary>Deployment names are case-insensitive, as in ARM; JSON reads the dictionary back case-sensitive.</summary>
    protected override TEndpoint Normalize(TEndpoint document)
    {
        document.Deployments = new Dictionary<string, TDeployment>(document.Deployments ?? [], StringComparer.OrdinalIgnoreCase);
        return document;
    }
}
