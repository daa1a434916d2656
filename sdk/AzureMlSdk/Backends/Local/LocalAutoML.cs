using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace AzureMlSdk.Backends.Local;

/// <summary>
/// The seam between the job engine and the package that runs AutoML jobs locally (<c>AzureMlSdk.AutoML</c>: ML.NET
/// learners, the cost-frugal tuner, ONNX export). The core package does not reference ML.NET; the AutoML package
/// implements this interface and is found by <see cref="LocalAutoML.Find"/>, as <see cref="LocalServing"/> finds the
/// serving package. An AutoML job's executor calls <see cref="RunAsync"/> with the job's run: trials become its child runs,
/// the run gets <c>automl_best_child_run_id</c> and a leaderboard table.
/// </summary>
internal interface ILocalAutoMLRunner
{
    /// <summary>Runs <paramref name="job"/> under <paramref name="jobRun"/> (not completed here); <paramref name="resolveData"/> gives the local path of each data input.</summary>
    Task RunAsync(AutoMLJob job, Run jobRun, Func<Input, string>? resolveData, string workingDirectory, CancellationToken cancellationToken);
}

/// <summary>Finds the AutoML package by assembly name the first time an AutoML job runs locally.</summary>
internal static class LocalAutoML
{
    /// <summary>The package (and assembly) that runs AutoML jobs locally.</summary>
    internal const string PackageName = "AzureMlSdk.AutoML";

    private const string RunnerTypeName = "AzureMlSdk.AutoML.LocalAutoMLRunner";

    private static readonly Lazy<ILocalAutoMLRunner?> Discovered = new(() => Discover(PackageName));

    /// <summary>The AutoML package's runner; throws <see cref="AzureMlNotSupportedException"/> naming the package when the application does not reference it.</summary>
    internal static ILocalAutoMLRunner Find() => Discovered.Value ?? throw MissingError();

    /// <summary>The error of a local AutoML job without the package.</summary>
    internal static AzureMlNotSupportedException MissingError() =>
        new($"AutoML jobs on the local workspace run with ML.NET in the {PackageName} package, which this application does not reference. Add it: dotnet add package {PackageName} (in Azure ML, Azure's AutoML runs them).");

    /// <summary>Loads <paramref name="assemblyName"/> and creates its runner; null when the assembly is not there.</summary>
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.NonPublicConstructors, RunnerTypeName, PackageName)]
    internal static ILocalAutoMLRunner? Discover(string assemblyName)
    {
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(new AssemblyName(assemblyName));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        var type = assembly.GetType(RunnerTypeName, throwOnError: true)!;
        return (ILocalAutoMLRunner)Activator.CreateInstance(type, nonPublic: true)!;
    }
}
