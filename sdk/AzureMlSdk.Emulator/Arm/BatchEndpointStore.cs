using System.Text.Json.Serialization;

namespace AzureMlSdk.Emulator.Arm;

/// <summary>A batch endpoint as the Emulator keeps it: the ARM resource as PUT, its state and its deployments.</summary>
internal sealed class BatchEndpointDocument : EndpointDocumentBase<BatchDeploymentDocument>
{
    /// <summary>The deployment an invocation without <c>azureml-model-deployment</c> goes to (<c>properties.defaults.deploymentName</c>).</summary>
    [JsonIgnore]
    public string? DefaultDeployment => Resource["properties"]?["defaults"]?["deploymentName"]?.GetValue<string>() is { Length: > 0 } name ? name : null;
}

/// <summary>A batch deployment as the Emulator keeps it.</summary>
internal sealed class BatchDeploymentDocument : DeploymentDocumentBase;

/// <summary>A workspace's batch endpoints and deployments, one JSON file per endpoint under <c>&lt;workspace&gt;/batch-endpoints/</c>.</summary>
internal sealed class BatchEndpointStore(string workspaceFolder)
    : EndpointDocumentStore<BatchEndpointDocument, BatchDeploymentDocument>(FolderOf(workspaceFolder), BatchEndpointJsonContext.Default.BatchEndpointDocument)
{
    private static string FolderOf(string workspaceFolder) => Path.Combine(workspaceFolder, "batch-endpoints");

    /// <summary>True when the workspace folder holds batch endpoints.</summary>
    public static bool HasAny(string workspaceFolder) => HasAnyIn(FolderOf(workspaceFolder));
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(BatchEndpointDocument))]
internal sealed partial class BatchEndpointJsonContext : JsonSerializerContext;
