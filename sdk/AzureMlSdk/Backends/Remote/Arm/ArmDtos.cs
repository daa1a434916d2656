using System.Text.Json;
using System.Text.Json.Serialization;

namespace AzureMlSdk.Backends.Remote.Arm;

// Wire shapes of ARM Microsoft.MachineLearningServices (api-version 2026-07-01), camelCase.
// Each type names the fields the SDK reads or writes; [JsonExtensionData] keeps the rest, so a resource
// read and written back (GET → change → PUT) loses nothing the SDK does not model.

/// <summary>An ARM resource: <c>{id, name, type, systemData, properties}</c> (+ location/tags/identity/sku/kind for tracked resources).</summary>
internal sealed class ArmResource<TProperties> where TProperties : class
{
    public string? Id { get; set; }
    public string? Name { get; set; }
    public string? Type { get; set; }
    public string? Location { get; set; }
    public Dictionary<string, string>? Tags { get; set; }
    public string? Kind { get; set; }
    public ArmSystemData? SystemData { get; set; }
    public ArmSku? Sku { get; set; }
    public TProperties? Properties { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>One page of an ARM listing.</summary>
internal sealed class ArmPage<TProperties> where TProperties : class
{
    public List<ArmResource<TProperties>>? Value { get; set; }
    public string? NextLink { get; set; }
}

/// <summary>A tracked resource's SKU (common-types <c>Sku</c>); online deployments carry their instance count in <c>capacity</c>.</summary>
internal sealed class ArmSku
{
    public string? Name { get; set; }
    public string? Tier { get; set; }
    public string? Size { get; set; }
    public string? Family { get; set; }
    public int? Capacity { get; set; }
}

internal sealed class ArmSystemData
{
    public DateTimeOffset? CreatedAt { get; set; }
    public string? CreatedBy { get; set; }
    public string? CreatedByType { get; set; }
    public DateTimeOffset? LastModifiedAt { get; set; }
    public string? LastModifiedBy { get; set; }
    public string? LastModifiedByType { get; set; }
}

/// <summary>Fields shared by asset containers and versions (<c>ResourceBase</c>/<c>AssetBase</c>).</summary>
internal abstract class ArmAssetProperties
{
    public string? Description { get; set; }
    public Dictionary<string, string?>? Tags { get; set; }
    public Dictionary<string, string?>? Properties { get; set; }
    public bool? IsArchived { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

internal sealed class WorkspaceProperties
{
    public string? WorkspaceId { get; set; }
    public string? FriendlyName { get; set; }
    public string? DiscoveryUrl { get; set; }
    public string? MlFlowTrackingUri { get; set; }
    public string? StorageAccount { get; set; }
    public string? ProvisioningState { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

internal sealed class ModelContainerProperties : ArmAssetProperties
{
    public string? LatestVersion { get; set; }
    public string? NextVersion { get; set; }
    public string? ProvisioningState { get; set; }
}

internal sealed class ModelVersionProperties : ArmAssetProperties
{
    public bool? IsAnonymous { get; set; }
    public string? ModelType { get; set; }
    public string? ModelUri { get; set; }
    public string? JobName { get; set; }
    public string? Stage { get; set; }
    public string? ProvisioningState { get; set; }
}

internal sealed class EnvironmentContainerProperties : ArmAssetProperties
{
    public string? LatestVersion { get; set; }
    public string? NextVersion { get; set; }
    public string? ProvisioningState { get; set; }
}

internal sealed class EnvironmentVersionProperties : ArmAssetProperties
{
    public bool? IsAnonymous { get; set; }
    public string? Image { get; set; }
    public string? CondaFile { get; set; }
    public ArmBuildContext? Build { get; set; }
    public ArmInferenceConfig? InferenceConfig { get; set; }
    public string? OsType { get; set; }
    public string? EnvironmentType { get; set; }
    public string? ProvisioningState { get; set; }
}

internal sealed class CodeContainerProperties : ArmAssetProperties
{
    public string? LatestVersion { get; set; }
    public string? NextVersion { get; set; }
}

internal sealed class CodeVersionProperties : ArmAssetProperties
{
    public bool? IsAnonymous { get; set; }
    public string? CodeUri { get; set; }
    public string? ProvisioningState { get; set; }
}

internal sealed class DataVersionProperties : ArmAssetProperties
{
    public bool? IsAnonymous { get; set; }
    public string? DataType { get; set; }
    public string? DataUri { get; set; }
    public List<string>? ReferencedUris { get; set; }
}

internal sealed class DatastoreProperties
{
    public string? Description { get; set; }
    public Dictionary<string, string?>? Tags { get; set; }
    public Dictionary<string, string?>? Properties { get; set; }
    public string? DatastoreType { get; set; }
    public bool? IsDefault { get; set; }
    public string? AccountName { get; set; }
    public string? ContainerName { get; set; }
    public string? Endpoint { get; set; }
    public string? Protocol { get; set; }
    public DatastoreCredentials? Credentials { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

internal sealed class DatastoreCredentials
{
    public string? CredentialsType { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>A datastore's secrets. A class, not a record, so no generated ToString can print the key.</summary>
internal sealed class DatastoreSecrets
{
    public string? SecretsType { get; set; }
    public string? Key { get; set; }
    public string? SasToken { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

internal sealed class SecretExpiry
{
    public DateTimeOffset? ExpirableSecret { get; set; }
    public int? ExpireAfterHours { get; set; }
}

internal sealed class PendingUploadRequest
{
    public string? PendingUploadId { get; set; }
    public string? PendingUploadType { get; set; }
}

internal sealed class PendingUploadResponse
{
    public BlobReferenceForConsumption? BlobReferenceForConsumption { get; set; }
    public string? PendingUploadId { get; set; }
    public string? PendingUploadType { get; set; }
}

internal sealed class BlobReferenceForConsumption
{
    public string? BlobUri { get; set; }
    public string? StorageAccountArmId { get; set; }
    public PendingUploadCredential? Credential { get; set; }
}

internal sealed class PendingUploadCredential
{
    public string? CredentialType { get; set; }
    public string? SasUri { get; set; }
}

/// <summary>Job properties (command, sweep, pipeline…): the common fields; the kind-specific ones stay in <see cref="ArmAssetProperties.Extra"/>.</summary>
internal sealed class JobProperties : ArmAssetProperties
{
    public string? JobType { get; set; }
    public string? DisplayName { get; set; }
    public string? ExperimentName { get; set; }
    public string? Status { get; set; }
    public string? ComputeId { get; set; }
    public string? ParentJobName { get; set; }
}

internal sealed class OnlineEndpointProperties
{
    public string? Description { get; set; }
    public Dictionary<string, string?>? Properties { get; set; }
    public string? AuthMode { get; set; }
    public string? ScoringUri { get; set; }
    public string? SwaggerUri { get; set; }
    public string? ProvisioningState { get; set; }
    public Dictionary<string, int>? Traffic { get; set; }
    public Dictionary<string, int>? MirrorTraffic { get; set; }
    public string? Compute { get; set; }
    public string? PublicNetworkAccess { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

internal sealed class OnlineDeploymentProperties
{
    public string? Description { get; set; }
    public Dictionary<string, string?>? Properties { get; set; }
    public string? EndpointComputeType { get; set; }
    public string? Model { get; set; }
    public string? InstanceType { get; set; }
    public string? ProvisioningState { get; set; }
    public Dictionary<string, string?>? EnvironmentVariables { get; set; }
    public ArmScaleSettings? ScaleSettings { get; set; }
    public ArmRequestSettings? RequestSettings { get; set; }
    public ArmProbeSettings? LivenessProbe { get; set; }
    public ArmProbeSettings? ReadinessProbe { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary><c>OnlineScaleSettings</c>: <c>Default</c> (instance count from <c>sku.capacity</c>) or <c>TargetUtilization</c>.</summary>
internal sealed class ArmScaleSettings
{
    public string? ScaleType { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary><c>OnlineRequestSettings</c>; durations are ISO 8601 (<c>PT5S</c>).</summary>
internal sealed class ArmRequestSettings
{
    public int? MaxConcurrentRequestsPerInstance { get; set; }
    public string? RequestTimeout { get; set; }
    public string? MaxQueueWait { get; set; }
}

/// <summary><c>ProbeSettings</c>; durations are ISO 8601.</summary>
internal sealed class ArmProbeSettings
{
    public int? FailureThreshold { get; set; }
    public int? SuccessThreshold { get; set; }
    public string? InitialDelay { get; set; }
    public string? Period { get; set; }
    public string? Timeout { get; set; }
}

/// <summary><c>BatchEndpointProperties</c>: batch endpoints authenticate with Microsoft Entra tokens only (<c>AADToken</c>).</summary>
internal sealed class BatchEndpointProperties
{
    public string? Description { get; set; }
    public Dictionary<string, string?>? Properties { get; set; }
    public string? AuthMode { get; set; }
    public string? ScoringUri { get; set; }
    public string? SwaggerUri { get; set; }
    public string? ProvisioningState { get; set; }
    public BatchEndpointDefaults? Defaults { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary><c>BatchEndpointDefaults</c>: the deployment an invocation without <c>azureml-model-deployment</c> goes to.</summary>
internal sealed class BatchEndpointDefaults
{
    public string? DeploymentName { get; set; }
}

/// <summary><c>BatchDeploymentProperties</c> (model deployments; pipeline-component deployments keep their fields in <see cref="Extra"/>).</summary>
internal sealed class BatchDeploymentProperties
{
    public string? Description { get; set; }
    public Dictionary<string, string?>? Properties { get; set; }
    public Dictionary<string, string?>? EnvironmentVariables { get; set; }
    public ArmAssetReference? Model { get; set; }
    public string? Compute { get; set; }
    public long? MiniBatchSize { get; set; }
    public int? MaxConcurrencyPerInstance { get; set; }
    public int? ErrorThreshold { get; set; }
    public string? OutputAction { get; set; }
    public string? OutputFileName { get; set; }
    public string? ProvisioningState { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary><c>AssetReferenceBase</c>, discriminated by <c>referenceType</c>: <c>Id</c> (with <c>assetId</c>), <c>DataPath</c> or <c>OutputPath</c>.</summary>
internal sealed class ArmAssetReference
{
    public string? ReferenceType { get; set; }
    public string? AssetId { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>Endpoint keys. A class, so no generated ToString prints them.</summary>
internal sealed class EndpointAuthKeys
{
    public string? PrimaryKey { get; set; }
    public string? SecondaryKey { get; set; }
}

internal sealed class RegenerateEndpointKeysRequest
{
    public string? KeyType { get; set; }
    public string? KeyValue { get; set; }
}

internal sealed class EndpointAuthToken
{
    public string? AccessToken { get; set; }
    public string? TokenType { get; set; }
    public long? ExpiryTimeUtc { get; set; }
    public long? RefreshAfterTimeUtc { get; set; }
}

internal sealed class DeploymentLogsRequest
{
    public string? ContainerType { get; set; }
    public int? Tail { get; set; }
}

internal sealed class DeploymentLogs
{
    public string? Content { get; set; }
}

/// <summary>The body of an <c>Azure-AsyncOperation</c> status URL.</summary>
internal sealed class ArmOperationStatus
{
    public string? Id { get; set; }
    public string? Name { get; set; }
    public string? Status { get; set; }
    public double? PercentComplete { get; set; }
    public Http.ArmErrorDetail? Error { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>An ARM body with nothing the SDK reads.</summary>
internal sealed class ArmEmpty
{
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ArmResource<WorkspaceProperties>))]
[JsonSerializable(typeof(ArmPage<WorkspaceProperties>))]
[JsonSerializable(typeof(ArmResource<ModelContainerProperties>))]
[JsonSerializable(typeof(ArmPage<ModelContainerProperties>))]
[JsonSerializable(typeof(ArmResource<ModelVersionProperties>))]
[JsonSerializable(typeof(ArmPage<ModelVersionProperties>))]
[JsonSerializable(typeof(ArmResource<EnvironmentContainerProperties>))]
[JsonSerializable(typeof(ArmPage<EnvironmentContainerProperties>))]
[JsonSerializable(typeof(ArmResource<EnvironmentVersionProperties>))]
[JsonSerializable(typeof(ArmPage<EnvironmentVersionProperties>))]
[JsonSerializable(typeof(ArmResource<CodeContainerProperties>))]
[JsonSerializable(typeof(ArmPage<CodeContainerProperties>))]
[JsonSerializable(typeof(ArmResource<CodeVersionProperties>))]
[JsonSerializable(typeof(ArmPage<CodeVersionProperties>))]
[JsonSerializable(typeof(ArmResource<DataVersionProperties>))]
[JsonSerializable(typeof(ArmResource<DataContainerProperties>))]
[JsonSerializable(typeof(ArmPage<DataContainerProperties>))]
[JsonSerializable(typeof(ArmPage<DataVersionProperties>))]
[JsonSerializable(typeof(ArmResource<ComponentContainerProperties>))]
[JsonSerializable(typeof(ArmPage<ComponentContainerProperties>))]
[JsonSerializable(typeof(ArmResource<ComponentVersionProperties>))]
[JsonSerializable(typeof(ArmPage<ComponentVersionProperties>))]
[JsonSerializable(typeof(ArmResource<ComputeProperties>))]
[JsonSerializable(typeof(ArmPage<ComputeProperties>))]
[JsonSerializable(typeof(ArmResource<DatastoreProperties>))]
[JsonSerializable(typeof(ArmPage<DatastoreProperties>))]
[JsonSerializable(typeof(DatastoreSecrets))]
[JsonSerializable(typeof(SecretExpiry))]
[JsonSerializable(typeof(PendingUploadRequest))]
[JsonSerializable(typeof(PendingUploadResponse))]
[JsonSerializable(typeof(ArmResource<JobProperties>))]
[JsonSerializable(typeof(ArmPage<JobProperties>))]
[JsonSerializable(typeof(ArmResource<OnlineEndpointProperties>))]
[JsonSerializable(typeof(ArmPage<OnlineEndpointProperties>))]
[JsonSerializable(typeof(ArmResource<OnlineDeploymentProperties>))]
[JsonSerializable(typeof(ArmPage<OnlineDeploymentProperties>))]
[JsonSerializable(typeof(ArmResource<BatchEndpointProperties>))]
[JsonSerializable(typeof(ArmPage<BatchEndpointProperties>))]
[JsonSerializable(typeof(ArmResource<BatchDeploymentProperties>))]
[JsonSerializable(typeof(ArmPage<BatchDeploymentProperties>))]
[JsonSerializable(typeof(EndpointAuthKeys))]
[JsonSerializable(typeof(RegenerateEndpointKeysRequest))]
[JsonSerializable(typeof(EndpointAuthToken))]
[JsonSerializable(typeof(DeploymentLogsRequest))]
[JsonSerializable(typeof(DeploymentLogs))]
[JsonSerializable(typeof(ArmOperationStatus))]
[JsonSerializable(typeof(ArmEmpty))]
[JsonSerializable(typeof(Http.ArmErrorResponse))]
[JsonSerializable(typeof(ArmResumeToken))]
internal sealed partial class ArmJsonContext : JsonSerializerContext;
