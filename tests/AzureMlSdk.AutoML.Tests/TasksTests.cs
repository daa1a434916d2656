using AzureMlSdk.AutoML.Bench;

namespace AzureMlSdk.AutoML.Tests;

/// <summary>Regression, multiclass, forecasting and the vote ensemble, each a small run.</summary>
public sealed class TasksTests
{
    private static async Task<List<Run>> Children(Run parent)
    {
        var children = new List<Run>();
        await foreach (var child in parent.GetChildrenAsync())
        {
            children.Add(child);
        }
        return children;
    }

    [Fact]
    public async Task Regression_logs_azure_metrics_residuals_and_a_verified_onnx_ensemble()
    {
        await using var t = new TestFolder();
        var job = new AutoMLJob
        {
            Task = AutoMLTask.Regression,
            TrainingData = Input.UriFile(t.Write("houses.csv", SyntheticData.Houses(200))),
            TargetColumnName = "price",
            PrimaryMetric = "r2_score",
            ValidationDataSize = 0.25,
            Limits = new AutoMLLimits { MaxTrials = 5, TimeoutMinutes = 2 },
            Training = new AutoMLTraining { AllowedTrainingAlgorithms = ["LightGBM", "ElasticNet", "RandomForest"] },
        };
        var result = await AutoMLRunner.RunAsync(t.Workspace, job);
        var children = await Children(result.ParentRun);
        var ensemble = Assert.Single(children, c => c.Params["run_algorithm"] == "VotingEnsemble");
        Assert.Equal("True", ensemble.Properties["onnx_verified"]);
        Assert.Contains("outputs/model.onnx", await ensemble.GetFileNamesAsync());
        var best = await t.Workspace.GetRunAsync(result.Best.RunId);
        foreach (var metric in new[] { "r2_score", "spearman_correlation", "normalized_root_mean_squared_error", "normalized_mean_absolute_error", "root_mean_squared_error", "mean_absolute_error", "explained_variance" })
        {
            Assert.True(best.LatestMetrics.ContainsKey(metric), metric);
        }
        Assert.True(result.Best.Score > 0.7, $"r2 {result.Best.Score}");
        var residuals = await best.GetTableAsync("residuals");
        Assert.Contains("count", residuals.Columns);
        // Leaderboard ordered by the primary metric, higher first for r2.
        Assert.True(result.Leaderboard.Zip(result.Leaderboard.Skip(1)).All(p => p.First.Score >= p.Second.Score));
    }

    [Fact]
    public async Task Multiclass_answers_its_three_classes_and_stops_at_the_exit_score()
    {
        await using var t = new TestFolder();
        var job = new AutoMLJob
        {
            Task = AutoMLTask.Classification,
            TrainingData = Input.UriFile(t.Write("iris.csv", SyntheticData.Iris(150))),
            TargetColumnName = "species",
            ValidationDataSize = 0.3,
            Limits = new AutoMLLimits { MaxTrials = 30, ExitScore = 0.5, TimeoutMinutes = 2 },
            Training = new AutoMLTraining { AllowedTrainingAlgorithms = ["LogisticRegression", "LightGBM"] },
        };
        var result = await AutoMLRunner.RunAsync(t.Workspace, job);
        Assert.Equal("exit_score", result.StopReason);
        Assert.Single(result.Leaderboard);
        var best = await t.Workspace.GetRunAsync(result.Best.RunId);
        var confusion = await best.GetTableAsync("confusion_matrix");
        Assert.Equal(["true_class_index", "predicted_setosa", "predicted_versicolor", "predicted_virginica"], confusion.Columns);
    }

    [Fact]
    public async Task Forecasting_uses_lags_rolling_windows_and_rolling_origin_folds()
    {
        await using var t = new TestFolder();
        var job = AutoMLJob.Forecasting(Input.UriFile(t.Write("sales.csv", SyntheticData.Sales(150))), "sales", "date", forecastHorizon: 7, nCrossValidations: 3);
        job = new AutoMLJob
        {
            Task = job.Task,
            TrainingData = job.TrainingData,
            TargetColumnName = "sales",
            NCrossValidations = 3,
            ForecastingSettings = new ForecastingSettings { TimeColumnName = "date", ForecastHorizon = 7, TargetLags = [1, 7], TargetRollingWindowSize = 7 },
            Limits = new AutoMLLimits { MaxTrials = 4, TimeoutMinutes = 2 },
            Training = new AutoMLTraining { AllowedTrainingAlgorithms = ["LightGBM", "ElasticNet", "AutoArima"] },
        };
        var result = await AutoMLRunner.RunAsync(t.Workspace, job);
        Assert.StartsWith("rolling-origin validation: 3 folds of 7 periods", result.ParentRun.Params["validation"], StringComparison.Ordinal);
        Assert.Equal("LightGBM,ElasticNet", result.ParentRun.Params["learners"]);
        var best = await t.Workspace.GetRunAsync(result.Best.RunId);
        Assert.True(best.LatestMetrics.ContainsKey("normalized_root_mean_squared_error"));
        Assert.Equal("True", best.Properties["onnx_verified"]);
        var summaryFile = Path.Combine(t.Path, "summary.json");
        await result.ParentRun.DownloadFileAsync("outputs/featurization_summary.json", summaryFile);
        var summary = await File.ReadAllTextAsync(summaryFile);
        Assert.Contains("sales_lag1", summary, StringComparison.Ordinal);
        Assert.Contains("sales_lag7", summary, StringComparison.Ordinal);
        Assert.Contains("sales_rolling_mean7", summary, StringComparison.Ordinal);
        Assert.Contains("date_dayofweek", summary, StringComparison.Ordinal);
    }
}
