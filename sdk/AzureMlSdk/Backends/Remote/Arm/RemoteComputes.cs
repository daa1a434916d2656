using System.Xml;
using AzureMlSdk.Assets;
using AzureMlSdk.Backends.Local;
using AzureMlSdk.Backends.Remote.Blob;

namespace AzureMlSdk.Backends.Remote.Arm;

/// <summary>
/// Computes through ARM (<c>Compute_*</c>): <c>az ml compute create --type amlcompute</c> is a PUT of an <c>AmlCompute</c> with its
/// scale settings (a long-running operation, waited for), delete a long-running DELETE with <c>underlyingResourceAction=Delete</c>.
/// <c>local</c> is answered here, as the local workspace answers it: it is the SDK's name for "the machine that runs the job" (a job
/// submitted with <c>compute: local</c> carries <c>…/computes/local</c>, which the Emulator runs on its own machine), not an ARM
/// compute, so it is never asked of ARM, never listed, and cannot be created or deleted. Names may carry <c>azureml:</c>.
/// </summary>
internal sealed class RemoteComputes(IArmComputesApi api, ArmLongRunningOperation lro, WorkspaceCoordinates ws, string? location) : IComputeBackend
{
    public async Task<ComputeData> CreateOrUpdateAsync(ComputeDefinition compute, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(compute);
        compute.Validate();
        var response = await api.CreateOrUpdateAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, compute.Name, ToArm(compute, location), cancellationToken).ConfigureAwait(false);
        var final = await lro.WaitAsync(response, ArmJsonContext.Default.ArmResourceComputeProperties, cancellationToken).ConfigureAwait(false)
            ?? await api.GetAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, compute.Name, cancellationToken).ConfigureAwait(false);
        var data = FromArm(final);
        if (data.State is "Failed" or "Canceled")
        {
            throw new InvalidStateException($"Compute '{compute.Name}' ended {data.State}.");
        }
        return data;
    }

    public async Task<ComputeData> GetAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        name = Bare(name);
        if (IsLocal(name))
        {
            return Local();
        }
        return FromArm(await api.GetAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, name, cancellationToken).ConfigureAwait(false));
    }

    public async Task<IReadOnlyList<ComputeData>> ListAsync(CancellationToken cancellationToken)
    {
        var result = new List<ComputeData>();
        string? skip = null;
        do
        {
            var page = await api.ListAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, skip, cancellationToken).ConfigureAwait(false);
            result.AddRange((page.Value ?? []).Select(FromArm));
            skip = RemoteAssetStore.SkipOf(page.NextLink);
        }
        while (skip is not null);
        return result;
    }

    public async Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        name = Bare(name);
        if (IsLocal(name))
        {
            throw new InvalidInputException("'local' is the built-in local compute; it cannot be deleted.", nameof(name));
        }
        var response = await api.DeleteAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, name, "Delete", cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == System.Net.HttpStatusCode.NoContent)
        {
            response.Dispose();
            throw new ResourceNotFoundException($"Compute '{name}' does not exist in workspace '{ws.WorkspaceName}'.");
        }
        await lro.WaitAsync(response, ArmJsonContext.Default.ArmEmpty, cancellationToken).ConfigureAwait(false);
    }

    private static string Bare(string name) => name.StartsWith("azureml:", StringComparison.OrdinalIgnoreCase) ? name["azureml:".Length..] : name;

    private static bool IsLocal(string name) => string.Equals(name, LocalComputeBackend.LocalComputeName, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// <c>local</c> as the local workspace describes it (same type, slots and state); its id is this workspace's <c>computes/local</c>,
    /// the id a job on <c>local</c> carries.
    /// </summary>
    private ComputeData Local() => new(LocalComputeBackend.LocalComputeName, "local", $"{ws.ResourceId}/computes/{LocalComputeBackend.LocalComputeName}", 0,
        LocalComputeBackend.LocalSlots, null, "Succeeded", "The machine that runs the job: jobs run in its environment (not an ARM compute).",
        new Dictionary<string, string>(StringComparer.Ordinal), DateTimeOffset.UnixEpoch);

    /// <summary>An amlcompute definition as ARM's <c>ComputeResource</c>.</summary>
    internal static ArmResource<ComputeProperties> ToArm(ComputeDefinition compute, string? workspaceLocation) => new()
    {
        Location = compute.Location ?? workspaceLocation,
        Tags = compute.Tags.Count == 0 ? null : new Dictionary<string, string>(compute.Tags, StringComparer.Ordinal),
        Properties = new ComputeProperties
        {
            ComputeType = "AmlCompute",
            Description = compute.Description,
            Properties = new AmlComputeProperties
            {
                VmSize = compute.Size ?? "STANDARD_DS3_V2",
                VmPriority = compute.Tier == "low_priority" ? "LowPriority" : "Dedicated",
                ScaleSettings = new AmlScaleSettings
                {
                    MinNodeCount = compute.MinInstances,
                    MaxNodeCount = compute.MaxInstances,
                    NodeIdleTimeBeforeScaleDown = XmlConvert.ToString(compute.IdleTimeBeforeScaleDown ?? TimeSpan.FromSeconds(120)),
                },
            },
        },
    };

    /// <summary>An ARM compute as the contract's record (type in az ml's words: <c>amlcompute</c>, <c>computeinstance</c>…).</summary>
    internal static ComputeData FromArm(ArmResource<ComputeProperties> r)
    {
        var p = r.Properties ?? new ComputeProperties();
        var scale = p.Properties?.ScaleSettings;
        return new ComputeData(
            r.Name ?? "",
            (p.ComputeType ?? "unknown").ToLowerInvariant(),
            r.Id ?? "",
            scale?.MinNodeCount ?? 0,
            scale?.MaxNodeCount ?? 1,
            p.Properties?.VmSize,
            p.ProvisioningState ?? "Unknown",
            p.Description,
            r.Tags ?? new Dictionary<string, string>(StringComparer.Ordinal),
            p.CreatedOn ?? r.SystemData?.CreatedAt ?? DateTimeOffset.UnixEpoch);
    }
}
