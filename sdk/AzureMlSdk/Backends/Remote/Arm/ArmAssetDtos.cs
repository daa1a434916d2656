using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace AzureMlSdk.Backends.Remote.Arm;

// Wire shapes of the asset and compute surfaces (api-version 2026-07-01): data containers, components, environment build
// contexts and inference routes, computes (AmlCompute). Unknown fields are kept ([JsonExtensionData]).

/// <summary>A data container (<c>DataContainerProperties</c>).</summary>
internal sealed class DataContainerProperties : ArmAssetProperties
{
    public string? DataType { get; set; }
    public string? LatestVersion { get; set; }
    public string? NextVersion { get; set; }
}

/// <summary>A component container (<c>ComponentContainerProperties</c>).</summary>
internal sealed class ComponentContainerProperties : ArmAssetProperties
{
    public string? LatestVersion { get; set; }
    public string? NextVersion { get; set; }
    public string? ProvisioningState { get; set; }
}

/// <summary>A component version: the az ml component document as <c>componentSpec</c>.</summary>
internal sealed class ComponentVersionProperties : ArmAssetProperties
{
    public bool? IsAnonymous { get; set; }
    public JsonObject? ComponentSpec { get; set; }
    public string? ProvisioningState { get; set; }
}

/// <summary>An environment's Docker build context (<c>BuildContext</c>).</summary>
internal sealed class ArmBuildContext
{
    public string? ContextUri { get; set; }
    public string? DockerfilePath { get; set; }
}

/// <summary>An environment's inference routes (<c>InferenceContainerProperties</c>).</summary>
internal sealed class ArmInferenceConfig
{
    public ArmRoute? LivenessRoute { get; set; }
    public ArmRoute? ReadinessRoute { get; set; }
    public ArmRoute? ScoringRoute { get; set; }
    public ArmRoute? StartupRoute { get; set; }
}

/// <summary>A route of an inference server (<c>Route</c>).</summary>
internal sealed class ArmRoute
{
    public string? Path { get; set; }
    public int? Port { get; set; }
}

/// <summary>A compute (<c>Compute</c>, discriminated by <c>computeType</c>; the SDK models <c>AmlCompute</c>).</summary>
internal sealed class ComputeProperties
{
    public string? ComputeType { get; set; }
    public string? ComputeLocation { get; set; }
    public string? ProvisioningState { get; set; }
    public string? Description { get; set; }
    public DateTimeOffset? CreatedOn { get; set; }
    public DateTimeOffset? ModifiedOn { get; set; }
    public string? ResourceId { get; set; }
    public bool? DisableLocalAuth { get; set; }
    public AmlComputeProperties? Properties { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>An AmlCompute cluster's settings (<c>AmlComputeProperties</c>).</summary>
internal sealed class AmlComputeProperties
{
    public string? OsType { get; set; }
    public string? VmSize { get; set; }
    public string? VmPriority { get; set; }
    public AmlScaleSettings? ScaleSettings { get; set; }
    public string? AllocationState { get; set; }
    public int? CurrentNodeCount { get; set; }
    public int? TargetNodeCount { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>A cluster's scale settings (<c>ScaleSettings</c>); the idle time is an ISO 8601 duration.</summary>
internal sealed class AmlScaleSettings
{
    public int? MaxNodeCount { get; set; }
    public int? MinNodeCount { get; set; }
    public string? NodeIdleTimeBeforeScaleDown { get; set; }
}
