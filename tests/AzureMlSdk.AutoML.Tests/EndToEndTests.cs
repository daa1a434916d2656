namespace AzureMlSdk.AutoML.Tests;

/// <summary>AutoML end to end on the local workspace, with tiny data and small budgets.</summary>
public sealed class EndToEndTests
{
    [Fact]
    public async Task Classification_logs_trials_as_child_runs_and_the_best_on_the_parent()
    {
        await using var t = new TestFolder();
        var job = new AutoMLJob
        {
            Task = AutoMLTask.Classification,
            TrainingData = Input.UriFile(t.Churn()),
            TargetColumnName = "churn",
            PrimaryMetric = "AUC_weighted",
            ExperimentName = "churn-automl",
            Limits = new AutoMLLimits { MaxTrials = 6, TimeoutMinutes = 2 },
            Training = new AutoMLTraining { AllowedTrainingAlgorithms = ["LightGBM", "LogisticRegression", "GradientBoosting"] },
        };
        var result = await AutoMLRunner.RunAsync(t.Workspace, job);
        Assert.Equal("AUC_weighted", result.PrimaryMetric);
        Assert.NotEmpty(result.Leaderboard);
        Assert.Equal(result.Best.RunId, result.ParentRun.Properties["automl_best_child_run_id"]);
        var children = new List<Run>();
        await foreach (var child in result.ParentRun.GetChildrenAsync())
        {
            children.Add(child);
        }
        Assert.Equal(6, children.Count);
        Assert.Contains(children, c => c.Params["run_algorithm"] == "VotingEnsemble");
        var best = await t.Workspace.GetRunAsync(result.Best.RunId);
        foreach (var metric in new[] { "accuracy", "AUC_weighted", "average_precision_score_weighted", "norm_macro_recall", "precision_score_weighted", "f1_score_macro", "log_loss" })
        {
            Assert.True(best.LatestMetrics.ContainsKey(metric), metric);
        }
        Assert.Equal("True", best.Properties["onnx_verified"]);
        var files = await best.GetFileNamesAsync();
        Assert.Contains("outputs/model.onnx", files);
        Assert.Contains("outputs/mlflow-model/MLmodel", files);
        var confusion = await best.GetTableAsync("confusion_matrix");
        Assert.Contains("predicted_yes", confusion.Columns);
        var leaderboard = await result.ParentRun.GetTableAsync("leaderboard");
        Assert.Equal(result.Leaderboard.Count, leaderboard.Rows.Count);
    }
}
