using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace AzureMlSdk.Backends.Local;

/// <summary>
/// The seam between the job engine and the package that runs AutoML jobs locally (<c>AzureMlSdk.AutoML</c>: ML.NET
/// learners, the cost-frugal tuner, ONNX export). The core package does not reference ML.NET; the AutoML package
/// implements this interface and is found by <see cref="LocalAutoML.Find"/>, as <see cref="LocalServing"/> finds the
/// serving package. The AutoML job executor (<c>Jobs/AutoMLJobExecutor.cs</c>) calls <see cref="RunJobAsync"/> with the job's
/// run: trials become its child runs (and child jobs), the run gets <c>automl_best_child_run_id</c> and a leaderboard table.
/// </summary>
internal interface ILocalAutoMLRunner
{
    /// <summary>Runs <see cref="LocalAutoMLJobRequest.Job"/> under <see cref="LocalAutoMLJobRequest.JobRun"/> (not completed here) and says how it ended.</summary>
    Task<LocalAutoMLJobSummary> RunJobAsync(LocalAutoMLJobRequest request, CancellationToken cancellationToken);
}

/// <summary>What the job engine hands the AutoML package for one AutoML job.</summary>
internal sealed class LocalAutoMLJobRequest
{
    /// <summary>The job as stored (data inputs resolved at submit).</summary>
    public required AutoMLJob Job { get; init; }

    /// <summary>The job's run (run id = job name): the AutoML parent run.</summary>
    public required Run JobRun { get; init; }

    /// <summary>The local path of each data input (a CSV file, an MLTable folder, a folder of CSV files).</summary>
    public Func<Input, string>? ResolveData { get; init; }

    /// <summary>Where trial artifacts are staged before upload.</summary>
    public required string WorkingDirectory { get; init; }

    /// <summary>A line for the job's log (<c>user_logs/std_log.txt</c>).</summary>
    public Action<string> Log { get; init; } = _ => { };

    /// <summary>Creates trial <c>index</c>'s run (a child of the job's run; Azure names it <c>&lt;job&gt;_&lt;index&gt;</c>); null: <see cref="Run.ChildRunAsync"/>.</summary>
    public Func<string, int, CancellationToken, Task<Run>>? StartTrialAsync { get; init; }

    /// <summary>Called when a trial has ended (the job engine records it as a child job).</summary>
    public Func<LocalAutoMLTrial, CancellationToken, Task>? TrialEndedAsync { get; init; }
}

/// <summary>One ended trial, as the job engine records it.</summary>
/// <param name="RunId">Its run (and child job) name.</param>
/// <param name="DisplayName">e.g. <c>LightGBM_3</c>.</param>
/// <param name="Algorithm">Azure's learner name.</param>
/// <param name="Params">Its algorithm and hyperparameters, as logged.</param>
/// <param name="Properties">Its properties (score, primary_metric, onnx_verified…).</param>
/// <param name="Status">Completed, Failed or Canceled.</param>
/// <param name="Error">Why it failed.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="EndedAt">When it ended.</param>
internal sealed record LocalAutoMLTrial(string RunId, string DisplayName, string Algorithm, IReadOnlyDictionary<string, string> Params,
    IReadOnlyDictionary<string, string> Properties, RunStatus Status, string? Error, DateTimeOffset StartedAt, DateTimeOffset EndedAt);

/// <summary>How an AutoML job's search ended.</summary>
/// <param name="BestRunId">The best trial's run.</param>
/// <param name="BestAlgorithm">Its algorithm.</param>
/// <param name="PrimaryMetric">Azure's name of the metric that ranked the trials.</param>
/// <param name="Score">The best trial's score.</param>
/// <param name="StopReason"><c>max_trials</c>, <c>timeout</c>, <c>exit_score</c> or <c>early_termination</c>.</param>
/// <param name="Trials">How many trials ran (the ensemble included).</param>
/// <param name="TestProperties">The test run's <c>test_&lt;metric&gt;</c>, <c>test_rows</c>, … (empty without <c>test_data</c> or <c>test_data_size</c>).</param>
internal sealed record LocalAutoMLJobSummary(string BestRunId, string BestAlgorithm, string PrimaryMetric, double Score, string StopReason, int Trials,
    IReadOnlyDictionary<string, string>? TestProperties = null);

/// <summary>Finds the AutoML package by assembly name the first time an AutoML job runs locally.</summary>
internal static class LocalAutoML
{
    /// <summary>The package (and assembly) that runs AutoML jobs locally.</summary>
    internal const string PackageName = "AzureMlSdk.AutoML";

    private const string RunnerTypeName = "AzureMlSdk.AutoML.LocalAutoMLRunner";

    private static readonly Lazy<ILocalAutoMLRunner?> Discovered = new(() => Discover(PackageName));

    /// <summary>The AutoML package's runner; throws <see cref="AzureMlNotSupportedException"/> naming the package when the application does not reference it.</summary>
    internal static ILocalAutoMLRunner Find() => Discovered.Value ?? throw MissingError();

    /// <summary>The AutoML package's runner, or null when this process cannot load it.</summary>
    internal static ILocalAutoMLRunner? TryFind() => Discovered.Value;

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
