using System.Runtime.CompilerServices;
using AzureMlSdk.Assets;

namespace AzureMlSdk;

/// <summary>
/// A workspace's computes (<c>ws.Computes</c>), as az ml's <c>compute</c> group. <c>local</c> always exists (not listed); on the local
/// workspace and the Emulator an <c>amlcompute</c> cluster is a pool of <see cref="ComputeDefinition.MaxInstances"/> slots.
/// </summary>
public class ComputeOperations
{
    private readonly Workspace _workspace = null!;

    /// <summary>For mocking only.</summary>
    protected ComputeOperations() { }

    internal ComputeOperations(Workspace workspace) => _workspace = workspace;

    private IComputeBackend Backend => _workspace.Backend.Computes;

    /// <summary>Creates a compute, or updates an existing one's instance counts, idle time, description and tags (az ml <c>compute create</c>).</summary>
    public virtual Task<ComputeData> CreateOrUpdateAsync(ComputeDefinition compute, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(compute);
        return Backend.CreateOrUpdateAsync(compute, cancellationToken);
    }

    /// <summary>Gets a compute (<c>local</c> included); throws <see cref="ResourceNotFoundException"/> naming it.</summary>
    public virtual Task<ComputeData> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        Validate.Required(name, nameof(name));
        return Backend.GetAsync(name, cancellationToken);
    }

    /// <summary>Lists the workspace's computes.</summary>
    public virtual async IAsyncEnumerable<ComputeData> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var compute in await Backend.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return compute;
        }
    }

    /// <summary>Deletes a compute; <see cref="InvalidStateException"/> while jobs are queued or running on it.</summary>
    public virtual Task DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        Validate.Required(name, nameof(name));
        return Backend.DeleteAsync(name, cancellationToken);
    }
}
