namespace AzureMlSdk.AutoML.Tests;

/// <summary>Bad data and settings: typed errors naming the column, or handled and logged.</summary>
public sealed class BadInputTests
{
    private static AutoMLJob Job(string csv, string target, AutoMLTask task = AutoMLTask.Classification, params string[] algorithms) => new()
    {
        Task = task,
        TrainingData = Input.UriFile(csv),
        TargetColumnName = target,
        ValidationDataSize = 0.3,
        Limits = new AutoMLLimits { MaxTrials = 2, TimeoutMinutes = 1 },
        Training = new AutoMLTraining { AllowedTrainingAlgorithms = algorithms.Length == 0 ? ["LogisticRegression"] : algorithms, EnableVoteEnsemble = false },
    };

    private static async Task<AutoMLDataException> Fails(TestFolder t, AutoMLJob job)
    {
        var e = await Assert.ThrowsAsync<AutoMLDataException>(() => AutoMLRunner.RunAsync(t.Workspace, job));
        Assert.IsAssignableFrom<InvalidInputException>(e);
        return e;
    }

    [Fact]
    public async Task A_missing_target_column_names_the_columns_and_the_closest()
    {
        await using var t = new TestFolder();
        var e = await Fails(t, Job(t.Churn(60), "chrun"));
        Assert.Equal(AutoMLDataProblem.MissingTargetColumn, e.Problem);
        Assert.Equal("chrun", e.Column);
        Assert.Contains("Did you mean 'churn'?", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_single_class_is_refused()
    {
        await using var t = new TestFolder();
        var e = await Fails(t, Job(t.Write("one.csv", "a,b,y\n1,x,yes\n2,y,yes\n3,x,yes\n4,y,yes\n"), "y"));
        Assert.Equal(AutoMLDataProblem.SingleClass, e.Problem);
        Assert.Contains("single class ('yes')", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_non_numeric_regression_target_is_refused()
    {
        await using var t = new TestFolder();
        var e = await Fails(t, Job(t.Churn(60), "churn", AutoMLTask.Regression, "LightGBM"));
        Assert.Equal(AutoMLDataProblem.NonNumericTarget, e.Problem);
        Assert.Contains("use a classification job", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Empty_data_and_empty_targets_are_refused()
    {
        await using var t = new TestFolder();
        Assert.Equal(AutoMLDataProblem.EmptyData, (await Fails(t, Job(t.Write("empty.csv", "a,y\n"), "y"))).Problem);
        Assert.Equal(AutoMLDataProblem.EmptyData, (await Fails(t, Job(t.Write("blank.csv", ""), "y"))).Problem);
        Assert.Equal(AutoMLDataProblem.EmptyData, (await Fails(t, Job(t.Write("notarget.csv", "a,y\n1,\n2,\n"), "y"))).Problem);
    }

    [Fact]
    public async Task An_all_null_column_is_dropped_and_logged_and_no_usable_column_is_an_error()
    {
        await using var t = new TestFolder();
        var rows = string.Concat(Enumerable.Range(0, 40).Select(i => $"{i % 7},,{(i % 7 > 3 ? "yes" : "no")}\n"));
        var result = await AutoMLRunner.RunAsync(t.Workspace, Job(t.Write("nulls.csv", "a,empty,y\n" + rows), "y"));
        var file = Path.Combine(t.Path, "summary.json");
        await result.ParentRun.DownloadFileAsync("outputs/featurization_summary.json", file);
        Assert.Contains("empty: ignored (all values are missing", await File.ReadAllTextAsync(file), StringComparison.Ordinal);

        var e = await Fails(t, Job(t.Write("nothing.csv", "empty,y\n" + string.Concat(Enumerable.Repeat(",yes\n,no\n", 10))), "y"));
        Assert.Equal(AutoMLDataProblem.NoFeatures, e.Problem);
    }

    [Fact]
    public async Task Unknown_algorithms_are_definition_errors_and_unavailable_ones_are_named()
    {
        await using var t = new TestFolder();
        var csv = t.Churn(60);
        var bad = Job(csv, "churn", AutoMLTask.Classification, "LightGBMM");
        var e = await Assert.ThrowsAsync<JobDefinitionException>(() => AutoMLRunner.RunAsync(t.Workspace, bad));
        Assert.Contains("Did you mean 'LightGBM'?", e.Message, StringComparison.Ordinal);

        var unavailable = await Fails(t, Job(csv, "churn", AutoMLTask.Classification, "KNN", "XGBoostClassifier"));
        Assert.Equal(AutoMLDataProblem.NoLearner, unavailable.Problem);
        Assert.Contains("LightGBM", unavailable.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Featurization_off_needs_numeric_columns()
    {
        await using var t = new TestFolder();
        var job = Job(t.Churn(60), "churn");
        job = new AutoMLJob { Task = job.Task, TrainingData = job.TrainingData, TargetColumnName = "churn", Featurization = new AutoMLFeaturization { Mode = FeaturizationMode.Off } };
        var e = await Fails(t, job);
        Assert.Contains("Featurization is off", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validation_data_without_a_training_column_is_a_schema_error()
    {
        await using var t = new TestFolder();
        var job = new AutoMLJob
        {
            Task = AutoMLTask.Classification,
            TrainingData = Input.UriFile(t.Write("a.csv", "x,z,y\n1,2,a\n2,3,b\n")),
            ValidationData = Input.UriFile(t.Write("b.csv", "x,y\n1,a\n")),
            TargetColumnName = "y",
        };
        var e = await Fails(t, job);
        Assert.Equal(AutoMLDataProblem.SchemaMismatch, e.Problem);
        Assert.Equal("z", e.Column);
    }
}
