using System.Globalization;
using AzureMlSdk.AutoML.Bench;

namespace AzureMlSdk.AutoML.Tests;

/// <summary><c>test_data</c>: the best model is scored on it and the task's metrics are set on the parent as <c>test_&lt;metric&gt;</c>.</summary>
public sealed class TestDataTests
{
    [Fact]
    public async Task The_best_model_is_evaluated_on_the_test_data_with_unknown_targets_left_out()
    {
        await using var t = new TestFolder();
        var (train, test) = SyntheticData.Split(SyntheticData.Churn(300));
        var testRows = test.TrimEnd('\n').Split('\n').Length - 1;
        var job = new AutoMLJob
        {
            Task = AutoMLTask.Classification,
            TrainingData = Input.UriFile(t.Write("train.csv", train)),
            TargetColumnName = "churn",
            ExperimentName = "test-data",
            TestData = Input.UriFile(t.Write("test.csv", test + "c-x,40,basic,r1,2021-01-01,50.0,1,maybe\n")),
            Limits = new AutoMLLimits { MaxTrials = 2, TimeoutMinutes = 2 },
            Training = new AutoMLTraining { AllowedTrainingAlgorithms = ["LightGBM", "LogisticRegression"], EnableVoteEnsemble = false },
        };

        var result = await AutoMLRunner.RunAsync(t.Workspace, job);

        var parent = await t.Workspace.GetRunAsync(result.ParentRun.Id);
        Assert.Equal(testRows.ToString(CultureInfo.InvariantCulture), parent.Properties["test_rows"]);
        Assert.Equal("1", parent.Properties["test_rows_skipped"]);
        var auc = double.Parse(parent.Properties["test_AUC_weighted"], CultureInfo.InvariantCulture);
        var accuracy = double.Parse(parent.Properties["test_accuracy"], CultureInfo.InvariantCulture);
        Assert.InRange(auc, 0.6, 1.0);
        Assert.InRange(accuracy, 0.5, 1.0);
    }
}
