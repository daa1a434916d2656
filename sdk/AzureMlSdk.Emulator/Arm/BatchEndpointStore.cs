using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace AzureMlSdk.Emulator.Arm;

/// <summary>A batch endpoint as the Emulator keeps it: the ARM resource as PUT, its state and its deployments.</summary>
internal sealed class BatchEndpointDocument
{
    public string Name { get; set; } = "";

    /// <summary><c>location</c>, <c>tags</c>, <c>kind</c>, <c>identity</c>, <c>sku</c> and <c>properties</c> as PUT (read-only fields removed).</summary>
    public JsonObject Resource { get; set; } = [];

    public string ProvisioningState { get; set; } = "Creating";

    /// <summary>Raised by every change request; an operation only settles the state of the generation it was started for.</summary>
    public long Generation { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ModifiedAt { get; set; }

    public Dictionary<string, BatchDeploymentDocument> Deployments { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The deployment an invocation without <c>azureml-model-deployment</c> goes to (<c>properties.defaults.deploymentName</c>).</summary>
    [JsonIgnore]
    public string? DefaultDeployment => Resource["properties"]?["defaults"]?["deploymentName"]?.GetValue<string>() is { Length: > 0 } name ? name : null;

    /// <summary>The region, for the operation URLs.</summary>
    [JsonIgnore]
    public string Location => Resource["location"]?.GetValue<string>() ?? "local";
}

/// <summary>A batch deployment as the Emulator keeps it.</summary>
internal sealed class BatchDeploymentDocument
{
    public string Name { get; set; } = "";

    /// <summary><c>location</c>, <c>tags</c>, <c>kind</c>, <c>identity</c>, <c>sku</c> and <c>properties</c> as PUT (read-only fields removed).</summary>
    public JsonObject Resource { get; set; } = [];

    public string ProvisioningState { get; set; } = "Creating";

    public long Generation { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ModifiedAt { get; set; }

    /// <summary>Why the last operation failed.</summary>
    public string? Error { get; set; }
}

/// <summary>A workspace's batch endpoints and deployments, one JSON file per endpoint under <c>&lt;workspace&gt;/batch-endpoints/</c>.</summary>
internal sealed class BatchEndpointStore(string workspaceFolder)
    : JsonDocumentStore<BatchEndpointDocument>(FolderOf(workspaceFolder), BatchEndpointJsonContext.Default.BatchEndpointDocument, d => d.Name)
{
    private static string FolderOf(string workspaceFolder) => Path.Combine(workspaceFolder, "batch-endpoints");

    /// <summary>True when the workspace folder holds batch endpoints.</summary>
    public static bool HasAny(string workspaceFolder) => HasAnyIn(FolderOf(workspaceFolder));

    protected override BatchEndpointDocument Normalize(BatchEndpointDocument document)
    {
        document.Deployments = new Dictionary<string, BatchDeploymentDocument>(document.Deployments ?? [], StringComparer.OrdinalIgnoreCase);
        return document;
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(BatchEndpointDocument))]
internal sealed partial class BatchEndpointJsonContext : JsonSerializerContext;
