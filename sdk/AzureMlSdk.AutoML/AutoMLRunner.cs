using AzureMlSdk.AutoML.Engine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AzureMlSdk.AutoML;

/// <summary>One row of an AutoML run's leaderboard (best first).</summary>
/// <param name="Rank">1 for the best.</param>
/// <param name="RunId">The trial's child run.</param>
/// <param name="Algorithm">Azure's learner name (<c>LightGBM</c>, <c>VotingEnsemble</c>…).</param>
/// <param name="Score">The primary metric on validation data.</param>
/// <param name="Metrics">All of the task's metrics by Azure's names.</param>
/// <param name="Hyperparameters">The learner's hyperparameters.</param>
/// <param name="DurationSeconds">Training, validation and export time.</param>
/// <param name="ElapsedSeconds">Seconds since the AutoML run started when this trial ended.</param>
public sealed record LeaderboardEntry(int Rank, string RunId, string Algorithm, double Score, IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyDictionary<string, double> Hyperparameters, double DurationSeconds, double ElapsedSeconds);

/// <summary>Options of a local AutoML run.</summary>
public sealed class AutoMLRunOptions
{
    /// <summary>Where trial artifacts are staged before upload (default: a temporary folder, deleted afterwards).</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Logging (featurisation decisions, skipped learners, failed trials, the stop reason).</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Display name of the parent run (default: the job's display name, or "automl").</summary>
    public string? DisplayName { get; init; }
}

/// <summary>A finished local AutoML run: the parent run, its trials ranked, the best one.</summary>
public sealed class AutoMLResult
{
    internal AutoMLResult(Run parent, string primaryMetric, string stopReason, IReadOnlyList<LeaderboardEntry> leaderboard, IReadOnlyList<string> failedTrials)
    {
        ParentRun = parent;
        PrimaryMetric = primaryMetric;
        StopReason = stopReason;
        Leaderboard = leaderboard;
        FailedTrials = failedTrials;
    }

    /// <summary>The AutoML parent run (properties <c>automl_best_child_run_id</c>, <c>score</c>; table <c>leaderboard</c>).</summary>
    public Run ParentRun { get; }

    /// <summary>The metric that ranked the trials (Azure's name).</summary>
    public string PrimaryMetric { get; }

    /// <summary>Why the search stopped: <c>max_trials</c>, <c>timeout</c>, <c>exit_score</c> or <c>early_termination</c>.</summary>
    public string StopReason { get; }

    /// <summary>The successful trials, best first.</summary>
    public IReadOnlyList<LeaderboardEntry> Leaderboard { get; }

    /// <summary>Trials that failed or timed out: their run ids.</summary>
    public IReadOnlyList<string> FailedTrials { get; }

    /// <summary>The best trial.</summary>
    public LeaderboardEntry Best => Leaderboard[0];

    /// <summary>Registers the best trial's <c>outputs/model.onnx</c> (the whole pipeline) as a model version, as azure-ai-ml's AutoML does.</summary>
    public async Task<Model> RegisterBestModelAsync(string name, IReadOnlyDictionary<string, string>? tags = null, CancellationToken cancellationToken = default)
    {
        var best = await ParentRun.Workspace.GetRunAsync(Best.RunId, cancellationToken).ConfigureAwait(false);
        var allTags = new Dictionary<string, string>(tags ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            ["automl_algorithm"] = Best.Algorithm,
            [PrimaryMetric] = Best.Score.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        };
        return await best.RegisterModelAsync(name, "outputs/model.onnx", allTags, $"AutoML best model ({Best.Algorithm}) of run {ParentRun.Id}", cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>
/// Runs an <see cref="AutoMLJob"/> here and now with ML.NET, tracked in a workspace: a parent run with one child run per
/// trial. (Submitted as a job — <c>ws.Jobs.CreateOrUpdateAsync(automlJob)</c> — the job engine runs the same engine
/// under the job's run.)
/// </summary>
public static class AutoMLRunner
{
    /// <summary>Runs <paramref name="job"/> in the workspace's experiment <c>job.ExperimentName</c> (default "automl").</summary>
    /// <exception cref="JobDefinitionException">The definition is invalid.</exception>
    /// <exception cref="AutoMLDataException">The data cannot be used (missing target, single class, non-numeric regression target, empty data…).</exception>
    public static async Task<AutoMLResult> RunAsync(Workspace workspace, AutoMLJob job, AutoMLRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(job);
        options ??= new AutoMLRunOptions();
        job.Validate();
        var experiment = await workspace.GetOrCreateExperimentAsync(job.ExperimentName ?? "automl", cancellationToken).ConfigureAwait(false);
        var parent = await experiment.StartLoggingAsync(options.DisplayName ?? job.DisplayName ?? "automl", job.Tags.Count == 0 ? null : new Dictionary<string, string>(job.Tags), cancellationToken).ConfigureAwait(false);
        try
        {
            var result = await RunUnderAsync(parent, job, options, cancellationToken).ConfigureAwait(false);
            await parent.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
            return result;
        }
        catch (OperationCanceledException)
        {
            await parent.CancelAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        catch (Exception e)
        {
            await parent.FailAsync(e, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs <paramref name="job"/> under an existing run (a job's run): trials become its child runs. The run is not completed here.</summary>
    public static async Task<AutoMLResult> RunUnderAsync(Run parent, AutoMLJob job, AutoMLRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parent);
        ArgumentNullException.ThrowIfNull(job);
        options ??= new AutoMLRunOptions();
        var work = options.WorkingDirectory ?? Directory.CreateTempSubdirectory("azureml-automl-").FullName;
        var logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("AzureMlSdk.AutoML");
        try
        {
            var engine = new AutoMLEngine(job, new RunTrialSink(parent), work, logger);
            var result = await engine.RunAsync(cancellationToken).ConfigureAwait(false);
            await parent.FlushAsync(cancellationToken).ConfigureAwait(false);
            var rank = 1;
            var leaderboard = AutoMLEngine.Rank(result.Trials.Where(t => t.Error is null && t.HasOnnx), result.PrimaryMetric)
                .Select(t => new LeaderboardEntry(rank++, t.RunId, t.Algorithm, t.Score, t.Metrics, t.Config, t.Seconds, t.ElapsedAtEnd)).ToList();
            return new AutoMLResult(parent, result.PrimaryMetric, result.StopReason, leaderboard, result.Trials.Where(t => t.Error is not null).Select(t => t.RunId).ToList());
        }
        finally
        {
            if (options.WorkingDirectory is null)
            {
                try
                {
                    Directory.Delete(work, recursive: true);
                }
                catch (IOException)
                {
                    // Best effort: a temporary folder.
                }
            }
        }
    }
}
