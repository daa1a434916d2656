using AzureMlSdk.Backends;

namespace AzureMlSdk.Assets;

/// <summary>
/// Computes (az ml <c>compute</c> group; ARM <c>computes</c>). <c>local</c> always exists and is never listed as created. On the
/// local workspace and the Emulator an <c>amlcompute</c> cluster is a local pool of <see cref="ComputeDefinition.MaxInstances"/>
/// slots: jobs beyond it wait <see cref="JobStatus.Queued"/>, first in first out.
/// Every member has a not-supported default (see <see cref="IWorkspaceBackend"/>).
/// </summary>
public interface IComputeBackend
{
    /// <summary>Creates or updates a compute (an update may change the instance counts, idle time, description and tags).</summary>
    Task<ComputeData> CreateOrUpdateAsync(ComputeDefinition compute, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<ComputeData>(this, nameof(CreateOrUpdateAsync));

    /// <summary>Gets a compute (including <c>local</c>); throws <see cref="ResourceNotFoundException"/> naming the compute.</summary>
    Task<ComputeData> GetAsync(string name, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<ComputeData>(this, nameof(GetAsync));

    /// <summary>Lists the workspace's computes.</summary>
    Task<IReadOnlyList<ComputeData>> ListAsync(CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported<IReadOnlyList<ComputeData>>(this, nameof(ListAsync));

    /// <summary>Deletes a compute; throws <see cref="ResourceNotFoundException"/>, or <see cref="InvalidStateException"/> while jobs run on it.</summary>
    Task DeleteAsync(string name, CancellationToken cancellationToken) =>
        ContractDefaults.NotSupported(this, nameof(DeleteAsync));
}

/// <summary>A compute as a backend reports it.</summary>
/// <param name="Name">Name.</param>
/// <param name="Type">az ml type (<c>amlcompute</c>, <c>computeinstance</c>, <c>kubernetes</c>, <c>local</c>).</param>
/// <param name="Id">The backend's id (ARM resource id).</param>
/// <param name="MinInstances">Minimum instances.</param>
/// <param name="MaxInstances">Maximum instances (local slots).</param>
/// <param name="Size">VM size, when it has one.</param>
/// <param name="State">Provisioning state (<c>Succeeded</c>, <c>Creating</c>, <c>Failed</c>…).</param>
/// <param name="Description">Description.</param>
/// <param name="Tags">Tags.</param>
/// <param name="CreatedAt">When it was created.</param>
public sealed record ComputeData(string Name, string Type, string Id, int MinInstances, int MaxInstances, string? Size, string State, string? Description, IReadOnlyDictionary<string, string> Tags, DateTimeOffset CreatedAt);
