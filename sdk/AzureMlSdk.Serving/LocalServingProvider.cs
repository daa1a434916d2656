using AzureMlSdk.Backends.Local;
using AzureMlSdk.Serving.Local;

namespace AzureMlSdk.Serving;

/// <summary>
/// This package's side of the core's serving seam (<see cref="ILocalServingProvider"/>): the core loads this assembly by
/// name the first time a local workspace needs endpoints and creates this type, which serves them in-process
/// (<see cref="LocalEndpointBackend"/>).
/// </summary>
internal sealed class LocalServingProvider : ILocalServingProvider
{
    public IEndpointBackend CreateEndpoints(LocalServingContext context) =>
        new LocalEndpointBackend(context.Models, context.Tracking, context.Artifacts, context.WorkspaceDirectory, context.Time, context.TrafficRandom)
        {
            Logger = context.LoggerFactory.CreateLogger(LogCategories.Endpoints),
        };
}

/// <summary>Reaches the serving side of a local workspace (for the Emulator, tests and benchmarks).</summary>
internal static class LocalWorkspaceServing
{
    extension(LocalWorkspaceBackend backend)
    {
        /// <summary>The in-process endpoint backend of this workspace.</summary>
        internal LocalEndpointBackend LocalEndpoints => backend.Endpoints as LocalEndpointBackend
            ?? throw new InvalidOperationException($"This local workspace's endpoints are not served by {nameof(LocalEndpointBackend)}.");
    }
}
