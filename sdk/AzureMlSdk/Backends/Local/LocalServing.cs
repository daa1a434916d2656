using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace AzureMlSdk.Backends.Local;

/// <summary>
/// The seam between the local workspace and the package that serves its endpoints (<c>AzureMlSdk.Serving</c>: ONNX Runtime
/// scoring, Kestrel hosting, batch scoring). The core package references neither ONNX Runtime nor ASP.NET Core; the
/// serving package implements this interface and is found by <see cref="LocalServing.Find"/>.
/// </summary>
internal interface ILocalServingProvider
{
    /// <summary>Creates the endpoint backend of one local workspace (disposed with the workspace when it is <see cref="IAsyncDisposable"/>).</summary>
    IEndpointBackend CreateEndpoints(LocalServingContext context);
}

/// <summary>What a local workspace hands its endpoint backend.</summary>
/// <param name="Models">Where deployments fetch model versions.</param>
/// <param name="Tracking">Where batch jobs record their runs.</param>
/// <param name="Artifacts">Where batch jobs write their outputs.</param>
/// <param name="WorkspaceDirectory">The workspace folder.</param>
/// <param name="Time">The clock.</param>
/// <param name="TrafficRandom">The traffic router's random source; a shared one when null.</param>
internal sealed record LocalServingContext(IModelRegistry Models, ITrackingStore Tracking, IArtifactStore Artifacts, string WorkspaceDirectory, TimeProvider Time, Random? TrafficRandom)
{
    /// <summary>The workspace's logging (the serving package logs under <c>AzureMlSdk.Endpoints</c>).</summary>
    public Microsoft.Extensions.Logging.ILoggerFactory LoggerFactory { get; init; } = Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;
}

/// <summary>Finds the serving package: loaded by assembly name the first time a local workspace needs endpoints.</summary>
internal static class LocalServing
{
    /// <summary>The package (and assembly) that serves local endpoints.</summary>
    internal const string PackageName = "AzureMlSdk.Serving";

    private const string ProviderTypeName = "AzureMlSdk.Serving.LocalServingProvider";

    private static readonly Lazy<ILocalServingProvider> Discovered = new(() => Discover(PackageName));

    /// <summary>The serving package's provider, or <see cref="Missing"/> when the application does not reference the package.</summary>
    internal static ILocalServingProvider Find() => Discovered.Value;

    /// <summary>Endpoints that say the serving package is missing (what <see cref="Find"/> gives without it).</summary>
    internal static ILocalServingProvider Missing { get; } = new MissingProvider();

    /// <summary>The error of every endpoint operation on a local workspace without the serving package.</summary>
    internal static AzureMlNotSupportedException MissingError() =>
        new($"Endpoints on the local workspace (online endpoints hosted on Kestrel, ONNX Runtime scoring, batch scoring) are in the {PackageName} package, which this application does not reference. Add it: dotnet add package {PackageName}");

    /// <summary>Loads <paramref name="assemblyName"/> and creates its provider; <see cref="Missing"/> when the assembly is not there.</summary>
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.NonPublicConstructors, ProviderTypeName, PackageName)]
    internal static ILocalServingProvider Discover(string assemblyName)
    {
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(new AssemblyName(assemblyName));
        }
        catch (FileNotFoundException)
        {
            return Missing;
        }
        var type = assembly.GetType(ProviderTypeName, throwOnError: true)!;
        return (ILocalServingProvider)Activator.CreateInstance(type, nonPublic: true)!;
    }

    private sealed class MissingProvider : ILocalServingProvider
    {
        public IEndpointBackend CreateEndpoints(LocalServingContext context) => new NotSupportedEndpoints(MissingError);
    }
}
