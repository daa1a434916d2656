using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AzureMlSdk.AutoML.Data;
using AzureMlSdk.AutoML.Export;
using AzureMlSdk.AutoML.Featurization;
using AzureMlSdk.AutoML.Learners;
using AzureMlSdk.AutoML.Metrics;
using AzureMlSdk.AutoML.Tuning;
using Microsoft.Extensions.Logging;
using Microsoft.ML;

namespace AzureMlSdk.AutoML.Engine;

/// <summary>One finished trial, as the leaderboard and the ensemble see it.</summary>
internal sealed record TrialOutcome(
    int Index, string RunId, string Algorithm, IReadOnlyDictionary<string, double> Config, double Score, IReadOnlyDictionary<string, double> Metrics,
    double Seconds, double ElapsedAtEnd, bool HasOnnx, int[] OutOfFoldRows, double[][]? OutOfFoldProbabilities, double[]? OutOfFoldPredictions, string? Error);

/// <summary>What the engine returns: the trials, the best one, and why it stopped.</summary>
internal sealed record EngineResult(IReadOnlyList<TrialOutcome> Trials, TrialOutcome Best, string PrimaryMetric, string StopReason, PreparedData Data)
{
    /// <summary>The test run's properties set on the parent (<c>test_&lt;metric&gt;</c>, <c>test_rows</c>, …); empty without test data.</summary>
    public IReadOnlyDictionary<string, string> TestProperties { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// Runs an AutoML job: prepares the data, lets the cost-frugal tuner choose learners and hyperparameters, trains and
/// validates each trial (a child run with its algorithm, hyperparameters, all of the task's metrics and tables, and
/// outputs/model.onnx + outputs/mlflow-model/), stops on exit_score, time, trial count or no improvement, adds a vote
/// ensemble of the best trials as the last trial, and records the best child and a leaderboard on the parent.
/// </summary>
internal sealed class AutoMLEngine
{
    private readonly AutoMLJob _job;
    private readonly ITrialSink _sink;
    private readonly string _workDirectory;
    private readonly ILogger _logger;
    private readonly Func<Input, string> _resolve;

    public AutoMLEngine(AutoMLJob job, ITrialSink sink, string workDirectory, ILogger logger, Func<Input, string>? resolve = null)
    {
        _job = job;
        _sink = sink;
        _workDirectory = workDirectory;
        _logger = logger;
        _resolve = resolve ?? DefaultResolve;
    }

    /// <summary>Local paths as they are; anything else needs the job engine to materialise it.</summary>
    internal static string DefaultResolve(Input input)
    {
        if (input.Reference is { IsRemote: false } && input.Path is not null)
        {
            return input.Path;
        }
        throw new AutoMLDataException(AutoMLDataProblem.UnreadableData, $"The local AutoML reads local CSV files and MLTable folders; '{input.Path}' is a remote or asset reference (download it first, or run the job in Azure ML).");
    }

    public async Task<EngineResult> RunAsync(CancellationToken cancellationToken)
    {
        _job.Validate();
        var clock = Stopwatch.StartNew();
        var budget = TimeSpan.FromMinutes(_job.Limits.TimeoutMinutes);
        var trialBudget = TimeSpan.FromMinutes(_job.Limits.TrialTimeoutMinutes);
        var data = PreparedData.Prepare(_job, _resolve);
        var metric = _job.EffectivePrimaryMetric;
        var learners = ChooseLearners(data);
        _sink.LogParent("task", AutoMLNames.Word(_job.Task));
        _sink.LogParent("primary_metric", metric);
        _sink.LogParent("validation", data.ValidationDescription);
        _sink.LogParent("learners", string.Join(",", learners.Select(l => l.AzureName)));
        if (_logger.IsEnabled(LogLevel.Information))
        {
            foreach (var line in data.Log)
            {
                _logger.LogInformation("AutoML featurization: {Line}", line);
            }
        }
        var summary = Path.Combine(_workDirectory, "featurization_summary.json");
        Directory.CreateDirectory(_workDirectory);
        await File.WriteAllTextAsync(summary, JsonSerializer.Serialize(new
        {
            columns = data.Plan.Columns.Select(c => new { name = c.Name, purpose = c.Purpose.ToString(), missing = c.Missing, distinct = c.Distinct, reason = c.Reason }),
            inputs = data.Plan.InputColumns,
            log = data.Log,
        }), cancellationToken).ConfigureAwait(false);
        await _sink.UploadParentFileAsync("outputs/featurization_summary.json", summary, cancellationToken).ConfigureAwait(false);

        var tuner = new CostFrugalTuner(learners);
        var trials = new List<TrialOutcome>();
        string stop = "max_trials";
        var concurrency = Math.Max(1, Math.Min(_job.Limits.MaxConcurrentTrials, Environment.ProcessorCount));
        var running = new List<(Task<TrialOutcome> Task, TrialProposal Proposal)>();
        var index = 0;
        var reserveEnsemble = _job.Training.EnableVoteEnsemble && _job.Limits.MaxTrials > 2 ? 1 : 0;
        var sinceImprovement = 0;
        var best = double.PositiveInfinity;
        // The job's timeout stops the search; it stops a running trial only once some trial has succeeded, so that a job
        // with a budget shorter than its first trial still ends with a model.
        using var budgetCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bool AnySucceeded() => trials.Any(t => t.Error is null && t.HasOnnx);
        while (true)
        {
            while (running.Count < concurrency && index < _job.Limits.MaxTrials - reserveEnsemble && clock.Elapsed < budget)
            {
                var proposal = tuner.Propose();
                var i = index++;
                running.Add((Task.Run(() => RunTrialAsync(i, proposal, data, metric, trialBudget, clock, budgetCts.Token), CancellationToken.None), proposal));
            }
            if (running.Count == 0)
            {
                stop = clock.Elapsed >= budget ? "timeout" : "max_trials";
                break;
            }
            var remaining = budget - clock.Elapsed;
            var tasks = running.Select(r => (Task)r.Task).ToList();
            if (remaining > TimeSpan.Zero)
            {
                tasks.Add(Task.Delay(remaining, cancellationToken));
            }
            var first = await Task.WhenAny(tasks).ConfigureAwait(false);
            if (cancellationToken.IsCancellationRequested)
            {
                // Canceled: the running trials end canceled (their fits are abandoned) before the job ends.
                await StopRunningAsync().ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
            }
            var entry = running.FirstOrDefault(r => r.Task == first);
            if (entry.Task is null)
            {
                // The budget is spent while trials run.
                if (AnySucceeded())
                {
                    stop = "timeout";
                    await StopRunningAsync().ConfigureAwait(false);
                    break;
                }
                continue;
            }
            running.Remove(entry);
            var outcome = await entry.Task.ConfigureAwait(false);
            trials.Add(outcome);
            var loss = outcome.Error is null ? TaskMetrics.Loss(metric, outcome.Score) : double.NaN;
            tuner.Report(entry.Proposal, loss, outcome.Seconds);
            if (double.IsFinite(loss) && loss < best - 1e-12)
            {
                best = loss;
                sinceImprovement = 0;
            }
            else
            {
                sinceImprovement++;
            }
            string? reason = null;
            if (_job.Limits.ExitScore is { } exit && outcome.Error is null && (TaskMetrics.LowerIsBetter.Contains(metric) ? outcome.Score <= exit : outcome.Score >= exit))
            {
                reason = "exit_score";
            }
            else if (_job.Limits.EnableEarlyTermination && sinceImprovement >= 20)
            {
                reason = "early_termination";
            }
            else if (clock.Elapsed >= budget && AnySucceeded())
            {
                reason = "timeout";
            }
            if (reason is not null)
            {
                stop = reason;
                await StopRunningAsync().ConfigureAwait(false);
                break;
            }
        }

        async Task StopRunningAsync()
        {
            await budgetCts.CancelAsync().ConfigureAwait(false);
            foreach (var r in running)
            {
                trials.Add(await r.Task.ConfigureAwait(false));
            }
            running.Clear();
        }

        var succeeded = trials.Where(t => t.Error is null && t.HasOnnx).ToList();
        if (succeeded.Count == 0)
        {
            var first = trials.FirstOrDefault(t => t.Error is not null)?.Error ?? "no trial ran within the time limit";
            throw new AutoMLDataException(AutoMLDataProblem.NoLearner, $"No AutoML trial succeeded: {first}");
        }
        if (_job.Training.EnableVoteEnsemble && succeeded.Count >= 2 && index < _job.Limits.MaxTrials && stop != "exit_score" && !cancellationToken.IsCancellationRequested)
        {
            var ensemble = await RunEnsembleAsync(index, succeeded, data, metric, clock, cancellationToken).ConfigureAwait(false);
            if (ensemble is not null)
            {
                trials.Add(ensemble);
            }
        }
        var ranked = Rank(trials.Where(t => t.Error is null && t.HasOnnx), metric).ToList();
        var winner = ranked[0];
        _sink.SetParentProperties(new Dictionary<string, string>
        {
            ["automl_best_child_run_id"] = winner.RunId,
            ["score"] = winner.Score.ToString("R", CultureInfo.InvariantCulture),
            ["best_algorithm"] = winner.Algorithm,
            ["stop_reason"] = stop,
        });
        var rank = 1;
        foreach (var t in ranked)
        {
            _sink.LogParentRow("leaderboard", new Dictionary<string, object?>
            {
                ["rank"] = rank++,
                ["run_id"] = t.RunId,
                ["algorithm"] = t.Algorithm,
                [metric] = t.Score,
                ["duration_seconds"] = Math.Round(t.Seconds, 3),
                ["hyperparameters"] = JsonSerializer.Serialize(t.Config),
            });
        }
        if (_logger.IsEnabled(LogLevel.Information))
        {
            _logger.LogInformation("AutoML finished ({Reason}): {Trials} trials, best {Algorithm} {Metric}={Score}", stop, trials.Count, winner.Algorithm, metric, winner.Score);
        }
        var testProperties = await EvaluateTestDataAsync(winner, data, metric, cancellationToken).ConfigureAwait(false);
        return new EngineResult(trials, winner, metric, stop, data) { TestProperties = testProperties };
    }

    /// <summary>
    /// The test run: the best model (its <c>model.onnx</c>, as deployed) scores the test rows — <c>test_data</c>, or the rows
    /// <c>test_data_size</c> held out of the training data — and the task's metrics are set on the parent as <c>test_&lt;metric&gt;</c>
    /// properties, with <c>test_rows</c>, <c>test_rows_skipped</c> (rows whose target is missing, or a class the training data lacks) and
    /// the scored rows with their predictions as <c>outputs/test_predictions.csv</c>. Forecasting test rows continue the training series
    /// (<see cref="Forecasting.Featurize"/>); <c>test_rows_beyond_horizon</c> counts those forecast from the test data's own earlier actuals.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, string>> EvaluateTestDataAsync(TrialOutcome winner, PreparedData data, string metric, CancellationToken cancellationToken)
    {
        var (test, what) = _job.TestData is not null ? (TabularData.Load(_resolve(_job.TestData)), "test_data") : (data.HeldOutTest, "test_data_size");
        if (test is null)
        {
            return new Dictionary<string, string>();
        }
        var onnx = Path.Combine(_workDirectory, winner.RunId, "outputs", "model.onnx");
        var classification = data.Task == LearnerTask.Classification;
        MetricSet metrics;
        TabularData scored;
        string?[][] shown;
        string?[] predicted;
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        int skipped;
        if (data.Forecast is not null)
        {
            var rows = Forecasting.Featurize(data, test);
            if (rows.Actuals.Length == 0)
            {
                throw new AutoMLDataException(AutoMLDataProblem.EmptyData, $"The test data has no row with a value of '{data.Target}'.", data.Target);
            }
            var (_, _, predictions) = ModelExport.Predict(onnx, data, rows.Rows);
            metrics = TaskMetrics.Regression(rows.Actuals, predictions!, data.TargetRange);
            scored = rows.Rows;
            shown = rows.Source.Select(i => test.Rows[i]).ToArray();
            predicted = predictions!.Select(p => (string?)p.ToString("R", CultureInfo.InvariantCulture)).ToArray();
            skipped = rows.Skipped;
            properties["test_rows_beyond_horizon"] = rows.BeyondHorizon.ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            var target = test.IndexOf(data.Target);
            if (target < 0)
            {
                throw new AutoMLDataException(AutoMLDataProblem.MissingTargetColumn, $"The test data has no target column '{data.Target}'.", data.Target);
            }
            var kept = test.Rows.Where(r => r[target] is { Length: > 0 } v && (classification ? Array.IndexOf(data.Classes, v) >= 0 : ColumnProfile.TryNumber(v, out _))).ToList();
            if (kept.Count == 0)
            {
                throw new AutoMLDataException(AutoMLDataProblem.EmptyData, $"The test data has no row with a known target value of '{data.Target}'.", data.Target);
            }
            scored = test.WithRows(kept);
            var (labels, probabilities, predictions) = ModelExport.Predict(onnx, data, scored);
            metrics = classification
                ? TaskMetrics.Classification(kept.Select(r => Array.IndexOf(data.Classes, r[target])).ToArray(), probabilities!, data.Classes)
                : TaskMetrics.Regression(kept.Select(r => double.Parse(r[target]!, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture)).ToArray(), predictions!, data.TargetRange);
            shown = [.. kept];
            predicted = classification ? labels! : predictions!.Select(p => (string?)p.ToString("R", CultureInfo.InvariantCulture)).ToArray();
            skipped = test.RowCount - kept.Count;
        }
        foreach (var m in metrics.Values.Where(m => double.IsFinite(m.Value)))
        {
            properties["test_" + m.Key] = m.Value.ToString("R", CultureInfo.InvariantCulture);
        }
        properties["test_rows"] = scored.RowCount.ToString(CultureInfo.InvariantCulture);
        properties["test_rows_skipped"] = skipped.ToString(CultureInfo.InvariantCulture);
        properties["test_data_source"] = what;
        _sink.SetParentProperties(properties);
        var file = Path.Combine(_workDirectory, "test", "test_predictions.csv");
        TestHoldout.WriteCsv(file, [.. test.Columns, data.Target + "_predicted"], shown.Zip(predicted, (row, p) => (string?[])[.. row, p]));
        await _sink.UploadParentFileAsync("outputs/test_predictions.csv", file, cancellationToken).ConfigureAwait(false);
        if (_logger.IsEnabled(LogLevel.Information))
        {
            _logger.LogInformation("Test run ({Source}): the best model on {Rows} rows ({Skipped} without a known target left out): {Metric}={Score}", what, scored.RowCount, skipped, metric,
                metrics.Values.TryGetValue(metric, out var score) ? score.ToString("R", CultureInfo.InvariantCulture) : "n/a");
        }
        return properties;
    }

    /// <summary>
    /// Best first by the primary metric; equal scores (a discrete metric such as accuracy saturates on easy data) are told apart by a
    /// smooth one — log_loss for classification, normalized RMSE for regression — then by the earlier trial.
    /// </summary>
    internal static IEnumerable<TrialOutcome> Rank(IEnumerable<TrialOutcome> trials, string metric) =>
        trials.OrderBy(t => TaskMetrics.Loss(metric, t.Score)).ThenBy(TieBreak).ThenBy(t => t.Index);

    private static double TieBreak(TrialOutcome t) =>
        t.Metrics.TryGetValue("log_loss", out var logLoss) && double.IsFinite(logLoss) ? logLoss
        : t.Metrics.TryGetValue("normalized_root_mean_squared_error", out var rmse) && double.IsFinite(rmse) ? rmse
        : 0;

    private List<Learner> ChooseLearners(PreparedData data)
    {
        var learners = new List<Learner>();
        foreach (var name in _job.EffectiveAlgorithms)
        {
            if (LearnerCatalog.Find(data.Task, name) is { } learner)
            {
                learners.Add(learner);
            }
            else if (_job.Training.AllowedTrainingAlgorithms.Count > 0)
            {
                _logger.LogWarning("AutoML: {Algorithm} has no local ML.NET learner; skipped", name);
                data.Log.Add($"{name}: no local ML.NET learner (skipped)");
            }
        }
        if (learners.Count == 0)
        {
            throw new AutoMLDataException(AutoMLDataProblem.NoLearner,
                $"None of the allowed algorithms ({string.Join(", ", _job.EffectiveAlgorithms)}) runs locally; the local AutoML has {string.Join(", ", LearnerCatalog.For(data.Task).Select(l => l.AzureName))}.");
        }
        return learners;
    }

    private async Task<TrialOutcome> RunTrialAsync(int index, TrialProposal proposal, PreparedData data, string metric, TimeSpan trialBudget, Stopwatch clock, CancellationToken budgetToken)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"{proposal.Learner.AzureName}_{index}");
        var record = await _sink.StartTrialAsync(name, index, CancellationToken.None).ConfigureAwait(false);
        var watch = Stopwatch.StartNew();
        record.LogParam("run_algorithm", proposal.Learner.AzureName);
        record.LogParam("trainer", proposal.Learner.Trainer);
        record.LogParam("iteration", index.ToString(CultureInfo.InvariantCulture));
        foreach (var (key, value) in proposal.Config)
        {
            record.LogParam(key, value.ToString("R", CultureInfo.InvariantCulture));
        }
        if (proposal.Config.Count == 0)
        {
            record.LogParam("configuration", "the trainer's defaults");
        }
        using var trialCts = CancellationTokenSource.CreateLinkedTokenSource(budgetToken);
        trialCts.CancelAfter(trialBudget);
        var ml = new MLContext(seed: 1);
        try
        {
            // ML.NET trainers cannot be interrupted: at the trial's timeout the trial is failed and its slot freed (the fit is abandoned).
            var outcome = await Task.Run(() => Train(ml, index, proposal, data, metric, record, watch, clock, trialCts.Token), trialCts.Token).WaitAsync(trialCts.Token).ConfigureAwait(false);
            await record.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
            return outcome;
        }
        catch (Exception e) when (e is OperationCanceledException || trialCts.IsCancellationRequested || e is InvalidOperationException or ArgumentException or InvalidDataException or FormatException)
        {
            var message = trialCts.IsCancellationRequested
                ? budgetToken.IsCancellationRequested ? "stopped at the job's timeout, exit score or cancel" : string.Create(CultureInfo.InvariantCulture, $"exceeded trial_timeout_minutes ({trialBudget.TotalMinutes} min)")
                : e.Message;
            if (!budgetToken.IsCancellationRequested)
            {
                _logger.LogWarning("AutoML trial {Name} failed: {Message}", name, message);
            }
            record.SetProperties(new Dictionary<string, string> { ["error"] = AzureMlSdk.Validate.Shorten(message) });
            if (budgetToken.IsCancellationRequested)
            {
                await record.CancelAsync(message, CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                await record.FailAsync(new InvalidOperationException(message, e), CancellationToken.None).ConfigureAwait(false);
            }
            return new TrialOutcome(index, record.Id, proposal.Learner.AzureName, proposal.Config, double.NaN, new Dictionary<string, double>(), watch.Elapsed.TotalSeconds, clock.Elapsed.TotalSeconds, false, [], null, null, message);
        }
    }

    private async Task<TrialOutcome> Train(MLContext ml, int index, TrialProposal proposal, PreparedData data, string metric, ITrialRecord record, Stopwatch watch, Stopwatch clock, CancellationToken token)
    {
        var classification = data.Task == LearnerTask.Classification;
        var oofRows = new List<int>();
        var oofProbabilities = new List<double[]>();
        var oofPredictions = new List<double>();
        ITransformer? lastFoldModel = null;
        foreach (var fold in data.Folds)
        {
            token.ThrowIfCancellationRequested();
            var model = TrialModel.Pipeline(ml, data, proposal.Learner, proposal.Config).Fit(data.Labelled(ml, fold.Train));
            lastFoldModel = model;
            var validFeatures = data.Features(fold.Valid);
            oofRows.AddRange(fold.Valid);
            if (classification)
            {
                oofProbabilities.AddRange(TrialModel.Probabilities(model, validFeatures));
            }
            else
            {
                oofPredictions.AddRange(TrialModel.Predictions(model, validFeatures));
            }
        }
        var rows = oofRows.ToArray();
        var metrics = TrialModel.Evaluate(data, rows, classification ? [.. oofProbabilities] : null, classification ? null : [.. oofPredictions]);
        token.ThrowIfCancellationRequested();
        // The trial's model: refitted on all training rows under cross-validation, the fold's model otherwise.
        var final = data.Folds.Count == 1 && data.Folds[0].Train.SequenceEqual(data.FitRows)
            ? lastFoldModel!
            : TrialModel.Pipeline(ml, data, proposal.Learner, proposal.Config).Fit(data.Labelled(ml, data.FitRows));
        var trainSeconds = watch.Elapsed.TotalSeconds;
        var hasOnnx = await ExportAsync(ml, final, data, record, token).ConfigureAwait(false);
        foreach (var (key, value) in metrics.Values)
        {
            record.LogMetric(key, value);
        }
        foreach (var table in metrics.Tables)
        {
            record.LogTable(table.Name, table.Columns);
        }
        var score = metrics.Values[metric];
        record.SetProperties(new Dictionary<string, string>
        {
            ["score"] = score.ToString("R", CultureInfo.InvariantCulture),
            ["primary_metric"] = metric,
            ["training_seconds"] = trainSeconds.ToString("F3", CultureInfo.InvariantCulture),
        });
        return new TrialOutcome(index, record.Id, proposal.Learner.AzureName, proposal.Config, double.IsFinite(score) ? score : double.NaN, metrics.Values, watch.Elapsed.TotalSeconds, clock.Elapsed.TotalSeconds, hasOnnx,
            rows, classification ? [.. oofProbabilities] : null, classification ? null : [.. oofPredictions], double.IsFinite(score) ? null : $"{metric} is not defined for this data");
    }

    /// <summary>Exports model.onnx (checked with ONNX Runtime against ML.NET on held-out rows), model.zip and mlflow-model/, and uploads them under outputs/.</summary>
    private async Task<bool> ExportAsync(MLContext ml, ITransformer model, PreparedData data, ITrialRecord record, CancellationToken token)
    {
        var folder = Path.Combine(_workDirectory, record.Id, "outputs");
        Directory.CreateDirectory(folder);
        var onnxFile = Path.Combine(folder, "model.onnx");
        OnnxCheck check;
        try
        {
            await File.WriteAllBytesAsync(onnxFile, ModelExport.ToOnnx(ml, model, data), token).ConfigureAwait(false);
            var checkRows = data.Folds[^1].Valid.Take(200).ToArray();
            var features = data.Features(checkRows);
            check = data.Task == LearnerTask.Classification
                ? ModelExport.Verify(onnxFile, data, checkRows, TrialModel.Labels(model, features), TrialModel.Probabilities(model, features), null)
                : ModelExport.Verify(onnxFile, data, checkRows, null, null, TrialModel.Predictions(model, features));
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or KeyNotFoundException or InvalidDataException)
        {
            check = new OnnxCheck(false, 0, double.NaN, 0, e.Message);
            File.Delete(onnxFile);
        }
        ml.Model.Save(model, data.Features(data.FitRows.Take(1).ToArray()).Schema, Path.Combine(folder, "model.zip"));
        if (File.Exists(onnxFile))
        {
            ModelExport.WriteMlflowModel(Path.Combine(folder, "mlflow-model"), onnxFile, data, record.Id);
        }
        record.SetProperties(new Dictionary<string, string>
        {
            ["onnx_verified"] = check.Passed ? "True" : "False",
            ["onnx_check"] = check.Error is { } error ? AzureMlSdk.Validate.Shorten(error)
                : string.Create(CultureInfo.InvariantCulture, $"{check.Rows} held-out rows, max difference {check.MaxProbabilityDifference:G3}, {check.LabelMismatches} label mismatches"),
        });
        await record.UploadFolderAsync("outputs", folder, token).ConfigureAwait(false);
        if (!check.Passed)
        {
            _logger.LogWarning("AutoML trial {Run}: the ONNX model does not predict as ML.NET does ({Check})", record.Id, check.Error ?? "differences");
        }
        return check.Passed;
    }

    private async Task<TrialOutcome?> RunEnsembleAsync(int index, List<TrialOutcome> succeeded, PreparedData data, string metric, Stopwatch clock, CancellationToken cancellationToken)
    {
        var members = Rank(succeeded, metric).Take(5).ToList();
        var record = await _sink.StartTrialAsync(string.Create(CultureInfo.InvariantCulture, $"VotingEnsemble_{index}"), index, cancellationToken).ConfigureAwait(false);
        var watch = Stopwatch.StartNew();
        record.LogParam("run_algorithm", "VotingEnsemble");
        record.LogParam("ensembled_iterations", string.Join(",", members.Select(m => m.Index)));
        record.LogParam("ensembled_algorithms", string.Join(",", members.Select(m => m.Algorithm)));
        record.LogParam("ensemble_weights", string.Join(",", members.Select(_ => (1.0 / members.Count).ToString("R", CultureInfo.InvariantCulture))));
        var rows = members[0].OutOfFoldRows;
        MetricSet metrics;
        double[][]? probabilities = null;
        double[]? predictions = null;
        if (data.Task == LearnerTask.Classification)
        {
            probabilities = Enumerable.Range(0, rows.Length).Select(i => Enumerable.Range(0, data.Classes.Length).Select(c => members.Average(m => m.OutOfFoldProbabilities![i][c])).ToArray()).ToArray();
            metrics = TaskMetrics.Classification(data.ClassIndices(rows), probabilities, data.Classes);
        }
        else
        {
            predictions = Enumerable.Range(0, rows.Length).Select(i => members.Average(m => m.OutOfFoldPredictions![i])).ToArray();
            metrics = TaskMetrics.Regression(data.Numbers(rows), predictions, data.TargetRange);
        }
        foreach (var (key, value) in metrics.Values)
        {
            record.LogMetric(key, value);
        }
        foreach (var table in metrics.Tables)
        {
            record.LogTable(table.Name, table.Columns);
        }
        var hasOnnx = false;
        var folder = Path.Combine(_workDirectory, record.Id, "outputs");
        Directory.CreateDirectory(folder);
        try
        {
            var memberFiles = members.Select(m => Path.Combine(_workDirectory, m.RunId, "outputs", "model.onnx")).ToList();
            var onnxFile = Path.Combine(folder, "model.onnx");
            await File.WriteAllBytesAsync(onnxFile, ModelExport.WithMetadata(OnnxEnsemble.Merge(memberFiles.Select(File.ReadAllBytes).ToList(), data.Task == LearnerTask.Classification, data.Classes), data), cancellationToken).ConfigureAwait(false);
            var checkRows = data.Folds[^1].Valid.Take(200).ToArray();
            var check = VerifyEnsemble(onnxFile, memberFiles, data, checkRows);
            hasOnnx = check.Passed;
            record.SetProperties(new Dictionary<string, string>
            {
                ["onnx_verified"] = check.Passed ? "True" : "False",
                ["onnx_check"] = check.Error ?? string.Create(CultureInfo.InvariantCulture, $"{check.Rows} held-out rows, max difference {check.MaxProbabilityDifference:G3} from the members' mean"),
            });
            if (hasOnnx)
            {
                ModelExport.WriteMlflowModel(Path.Combine(folder, "mlflow-model"), onnxFile, data, record.Id);
            }
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            record.SetProperties(new Dictionary<string, string> { ["onnx_verified"] = "False", ["onnx_check"] = AzureMlSdk.Validate.Shorten(e.Message) });
            _logger.LogWarning("AutoML vote ensemble: ONNX merge failed: {Message}", e.Message);
        }
        var score = metrics.Values[metric];
        record.SetProperties(new Dictionary<string, string> { ["score"] = score.ToString("R", CultureInfo.InvariantCulture), ["primary_metric"] = metric });
        await record.UploadFolderAsync("outputs", folder, cancellationToken).ConfigureAwait(false);
        await record.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return new TrialOutcome(index, record.Id, "VotingEnsemble", new Dictionary<string, double>(), score, metrics.Values, watch.Elapsed.TotalSeconds, clock.Elapsed.TotalSeconds, hasOnnx, rows, probabilities, predictions, null);
    }

    /// <summary>The merged graph must answer the mean of its members' answers.</summary>
    private static OnnxCheck VerifyEnsemble(string ensembleFile, List<string> memberFiles, PreparedData data, int[] rows)
    {
        var outputs = OnnxRunner.Run(ensembleFile, data, rows);
        var members = memberFiles.Select(f => OnnxRunner.Run(f, data, rows)).ToList();
        var maxDiff = 0.0;
        var key = data.Task == LearnerTask.Classification ? ModelExport.ProbabilitiesOutput : ModelExport.PredictionOutput;
        var ensemble = outputs[key];
        for (var i = 0; i < ensemble.Length; i++)
        {
            var mean = members.Average(m => m[key][i]);
            maxDiff = Math.Max(maxDiff, Math.Abs(ensemble[i] - mean));
        }
        return new OnnxCheck(maxDiff < 1e-4, rows.Length, maxDiff, 0, null);
    }
}
