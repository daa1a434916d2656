using AzureMlSdk.AutoML.Data;
using AzureMlSdk.AutoML.Learners;
using AzureMlSdk.AutoML.Metrics;
using AzureMlSdk.AutoML.Tuning;

namespace AzureMlSdk.AutoML.Tests;

/// <summary>The parts without training: CSV and MLTable reading, metrics against known values, the tuner's choices.</summary>
public sealed class UnitTests
{
    [Fact]
    public void Csv_reads_quotes_line_breaks_and_missing_values()
    {
        var records = Csv.Parse("a,b,c\r\n1,\"x, \"\"quoted\"\"\",\n2,\"two\nlines\",z\n", ',');
        Assert.Equal(3, records.Count);
        Assert.Equal(["1", "x, \"quoted\"", ""], records[1]);
        Assert.Equal("two\nlines", records[2][1]);
    }

    [Fact]
    public async Task An_mltable_folder_reads_its_paths_with_read_delimited()
    {
        await using var t = new TestFolder();
        t.Write("tbl/data/part1.csv", "a;b\n1;x\n");
        t.Write("tbl/data/part2.csv", "a;b\n2;y\n");
        t.Write("tbl/MLTable", "paths:\n  - pattern: ./data/*.csv\ntransformations:\n  - read_delimited:\n      delimiter: ';'\n      encoding: utf8\n      header: all_files_same_headers\n");
        var data = TabularData.Load(Path.Combine(t.Path, "tbl"));
        Assert.Equal(["a", "b"], data.Columns);
        Assert.Equal(2, data.RowCount);
        Assert.Equal("y", data.Rows[1][1]);

        // read_parquet is read (ParquetTests); a file it names must exist.
        t.Write("pq/MLTable", "paths:\n  - file: ./x.parquet\ntransformations:\n  - read_parquet\n");
        var e = Assert.Throws<AutoMLDataException>(() => TabularData.Load(Path.Combine(t.Path, "pq")));
        Assert.Contains("x.parquet', which does not exist", e.Message, StringComparison.Ordinal);
        t.Write("bad.csv", "a,b\n1\n");
        Assert.Contains("line 2 has 1 fields", Assert.Throws<AutoMLDataException>(() => TabularData.Load(Path.Combine(t.Path, "bad.csv"))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Classification_metrics_match_hand_computed_values()
    {
        // Two classes, four rows: scores rank 3 of 4 positive-negative pairs correctly.
        int[] truth = [1, 1, 0, 0];
        double[][] p = [[0.2, 0.8], [0.6, 0.4], [0.3, 0.7], [0.9, 0.1]];
        var m = TaskMetrics.Classification(truth, p, ["no", "yes"]).Values;
        Assert.Equal(0.5, m["accuracy"], 10);
        Assert.Equal(0.75, m["AUC_weighted"], 10);
        Assert.Equal(0.5, m["balanced_accuracy"], 10);
        Assert.Equal(0.0, m["norm_macro_recall"], 10);
        Assert.Equal(0.5, m["precision_score_weighted"], 10);
        Assert.Equal(-Math.Log(0.8 * 0.4 * 0.3 * 0.9) / 4, m["log_loss"], 10);
    }

    [Fact]
    public void Regression_metrics_match_hand_computed_values()
    {
        double[] truth = [1, 2, 3, 4];
        double[] predicted = [1, 2, 3, 6];
        var m = TaskMetrics.Regression(truth, predicted, range: 3).Values;
        Assert.Equal(1.0, m["root_mean_squared_error"], 10);
        Assert.Equal(1.0 / 3, m["normalized_root_mean_squared_error"], 10);
        Assert.Equal(0.5, m["mean_absolute_error"], 10);
        Assert.Equal(1.0 - 4.0 / 5.0, m["r2_score"], 10);
        Assert.Equal(1.0, m["spearman_correlation"], 10);
    }

    [Fact]
    public void The_tuner_starts_every_learner_at_its_defaults_then_favours_the_promising_one()
    {
        var learners = LearnerCatalog.For(LearnerTask.Regression).Where(l => l.AzureName is "LightGBM" or "ElasticNet" or "RandomForest").ToList();
        var tuner = new CostFrugalTuner(learners);
        var first = Enumerable.Range(0, 3).Select(_ => tuner.Propose()).ToList();
        Assert.Equal(["LightGBM", "ElasticNet", "RandomForest"], first.Select(p => p.Learner.AzureName));
        Assert.All(first, p => Assert.Equal(p.Learner.InitialConfig(), p.Config));
        Assert.Empty(first[0].Config); // LightGBM exactly as ML.NET defaults it
        Assert.Equal(100, first[2].Config["number_of_trees"]); // RandomForest at ML.NET's defaults
        // LightGBM is much better and as cheap: it should get most of the next trials.
        tuner.Report(first[0], 1.0, 0.1);
        tuner.Report(first[1], 5.0, 0.1);
        tuner.Report(first[2], 4.0, 0.5);
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < 40; i++)
        {
            var p = tuner.Propose();
            counts[p.Learner.AzureName] = counts.GetValueOrDefault(p.Learner.AzureName) + 1;
            tuner.Report(p, p.Learner.AzureName == "LightGBM" ? 1.0 - i * 0.001 : 5.0, 0.1);
        }
        Assert.True(counts["LightGBM"] >= 25, string.Join(", ", counts));
    }

    [Fact]
    public void Cfo_local_search_improves_a_smooth_objective()
    {
        var learner = LearnerCatalog.Find(LearnerTask.Regression, "ElasticNet")!;
        var tuner = new CostFrugalTuner([learner]);
        // Optimum at l1 = l2 = 0.1 (log scale); the start is far from it.
        double Loss(IReadOnlyDictionary<string, double> c) => Math.Pow(Math.Log10(c["l1_regularization"]) + 1, 2) + Math.Pow(Math.Log10(c["l2_regularization"]) + 1, 2);
        var start = tuner.Propose();
        var startLoss = Loss(start.Config);
        tuner.Report(start, startLoss, 0.01);
        for (var i = 0; i < 60; i++)
        {
            var p = tuner.Propose();
            tuner.Report(p, Loss(p.Config), 0.01);
        }
        Assert.True(tuner.BestLoss < startLoss / 4, $"{tuner.BestLoss} vs start {startLoss}");
    }

    [Fact]
    public void Hyperparameters_map_to_the_unit_cube_and_back()
    {
        var h = new HyperParameter("n", 4, 1000, 4, Log: true, Integer: true);
        Assert.Equal(0, h.ToUnit(4), 10);
        Assert.Equal(1000, h.FromUnit(1));
        Assert.Equal(4, h.FromUnit(-3));
        Assert.Equal(63, h.FromUnit(h.ToUnit(63)));
    }
}

/// <summary>The core finds this package by assembly name (the job engine's seam), as it finds AzureMlSdk.Serving.</summary>
public sealed class SeamTests
{
    [Fact]
    public async Task The_core_finds_the_runner_and_it_records_under_a_given_run()
    {
        var runner = AzureMlSdk.Backends.Local.LocalAutoML.Find();
        Assert.Equal("LocalAutoMLRunner", runner.GetType().Name);
        Assert.Null(AzureMlSdk.Backends.Local.LocalAutoML.Discover("AzureMlSdk.NoSuchPackage"));
        Assert.Contains("dotnet add package AzureMlSdk.AutoML", AzureMlSdk.Backends.Local.LocalAutoML.MissingError().Message, StringComparison.Ordinal);

        await using var t = new TestFolder();
        var job = new AutoMLJob
        {
            Task = AutoMLTask.Classification,
            TrainingData = Input.UriFile(t.Churn(80)),
            TargetColumnName = "churn",
            ValidationDataSize = 0.25,
            Limits = new AutoMLLimits { MaxTrials = 1 },
            Training = new AutoMLTraining { AllowedTrainingAlgorithms = ["LogisticRegression"] },
        };
        var exp = await t.Workspace.GetOrCreateExperimentAsync("job");
        await using var run = await exp.StartLoggingAsync("automl-job");
        var ended = new List<AzureMlSdk.Backends.Local.LocalAutoMLTrial>();
        var summary = await runner.RunJobAsync(new AzureMlSdk.Backends.Local.LocalAutoMLJobRequest
        {
            Job = job,
            JobRun = run,
            ResolveData = input => input.Path!,
            WorkingDirectory = Path.Combine(t.Path, "work"),
            TrialEndedAsync = (trial, _) =>
            {
                lock (ended)
                {
                    ended.Add(trial);
                }
                return Task.CompletedTask;
            },
        }, CancellationToken.None);
        await run.RefreshAsync();
        Assert.Equal(summary.BestRunId, run.Properties["automl_best_child_run_id"]);
        var trial = Assert.Single(ended);
        Assert.Equal(summary.BestRunId, trial.RunId);
        Assert.Equal("LogisticRegression", trial.Algorithm);
        Assert.Equal(RunStatus.Completed, trial.Status);
        Assert.Equal(summary.Score.ToString("R", System.Globalization.CultureInfo.InvariantCulture), trial.Properties["score"]);
    }
}
