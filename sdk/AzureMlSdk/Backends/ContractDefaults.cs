using AzureMlSdk.Assets;
using AzureMlSdk.Jobs;

namespace AzureMlSdk.Backends;

/// <summary>
/// What a backend contract member does when the backend does not implement it: every member of the contract interfaces
/// has a default body that fails with an <see cref="AzureMlNotSupportedException"/> naming the operation and the backend
/// (MLflow's <c>AbstractStore</c> raises "not implemented" the same way). So a member added to the contract later breaks
/// no implementer, and a third-party backend implements only what it supports.
/// </summary>
internal static class ContractDefaults
{
    /// <summary>The error of an operation a backend does not implement.</summary>
    public static AzureMlNotSupportedException Error(object backend, string operation)
    {
        var name = backend is NotSupportedConcern concern ? concern.BackendName : backend.GetType().Name;
        return new AzureMlNotSupportedException(
            $"The '{name}' backend does not support {operation}: it does not implement this member of the backend contract.");
    }

    /// <summary>A faulted task carrying <see cref="Error"/>.</summary>
    public static Task<T> NotSupported<T>(object backend, string operation) => Task.FromException<T>(Error(backend, operation));

    /// <summary>A faulted task carrying <see cref="Error"/>.</summary>
    public static Task NotSupported(object backend, string operation) => Task.FromException(Error(backend, operation));
}

/// <summary>
/// A concern a backend does not have at all (the default of <see cref="IWorkspaceBackend.Tracking"/>, <see cref="IWorkspaceBackend.Models"/>…):
/// it implements no member, so each one fails through its contract default, naming <see cref="BackendName"/>.
/// A new concern joins by adding its interface here (its members having not-supported defaults too).
/// </summary>
/// <param name="BackendName">The backend that lacks the concern.</param>
internal sealed record NotSupportedConcern(string BackendName) : ITrackingStore, IArtifactStore, IModelRegistry, IEndpointBackend,
    IJobBackend, IAssetBackend, IDatastoreBackend, IComputeBackend
{
    /// <summary>The stand-in for a concern <paramref name="backend"/> does not implement.</summary>
    public static NotSupportedConcern For(object backend) => new(backend.GetType().Name);
}
