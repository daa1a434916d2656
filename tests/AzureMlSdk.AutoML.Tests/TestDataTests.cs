using System.Globalization;
using System.Text;
using AzureMlSdk.AutoML.Bench;
using AzureMlSdk.AutoML.Data;
using AzureMlSdk.AutoML.Engine;

namespace AzureMlSdk.AutoML.Tests;

/// <summary>
/// The test run: <c>test_data</c> or <c>test_data_size</c> rows scored with the best model, the task's metrics set on the parent as
/// <c>test_&lt;metric&gt;</c> and the scored rows with their predictions in <c>outputs/test_predictions.csv</c>.
/// </summary>
public sealed class TestDataTests
{
    private static async Task<List<string[]>> Predictions(TestFolder t, Run parent)
    {
        var file = Path.Combine(t.Path, "predictions-" + Guid.NewGuid().ToString("N") + ".csv");
        await parent.DownloadFileAsync("outputs/test_predictions.csv", file);
        return File.ReadAllLines(file).Where(l => l.Length > 0).Select(l => l.Split(',')).ToList();
    }

    private static double Number(Run run, string key) => double.Parse(run.Properties[key], CultureInfo.InvariantCulture);

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
        Assert.Equal("test_data", parent.Properties["test_data_source"]);
        var auc = Number(parent, "test_AUC_weighted");
        var accuracy = Number(parent, "test_accuracy");
        Assert.InRange(auc, 0.6, 1.0);
        Assert.InRange(accuracy, 0.5, 1.0);
        // The predictions file: the scored rows as given, plus the predicted label; its accuracy is test_accuracy.
        var predictions = await Predictions(t, parent);
        Assert.Equal([.. test.Split('\n')[0].Split(','), "churn_predicted"], predictions[0]);
        Assert.Equal(testRows, predictions.Count - 1);
        Assert.DoesNotContain(predictions, p => p[0] == "c-x");
        Assert.Equal(accuracy, predictions.Skip(1).Count(p => p[7] == p[8]) / (double)testRows, 12);
    }

    [Fact]
    public void The_classification_hold_out_is_stratified_deterministic_and_disjoint()
    {
        // 70 "a", 25 "b", 5 "c": 0.2 holds out ⌈20⌉ rows: 14 a, 5 b, 1 c — each class its share.
        var rows = Enumerable.Range(0, 100).Select(i => new string?[] { i.ToString(CultureInfo.InvariantCulture), i < 70 ? "a" : i < 95 ? "b" : "c" }).ToList();
        var data = new TabularData(["id", "y"], rows, "mem");
        var log = new List<string>();

        var (train, test) = TestHoldout.Split(data, "y", classification: true, 0.2, log);

        Assert.Equal(20, test.RowCount);
        Assert.Equal(80, train.RowCount);
        Assert.Equal([("a", 14), ("b", 5), ("c", 1)], test.Rows.GroupBy(r => r[1]!).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (g.Key, g.Count())));
        Assert.Empty(train.Rows.Select(r => r[0]).Intersect(test.Rows.Select(r => r[0])));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => i.ToString(CultureInfo.InvariantCulture)), train.Rows.Concat(test.Rows).Select(r => r[0]!).OrderBy(int.Parse));
        Assert.Equal(test.Rows.Select(r => r[0]), test.Rows.Select(r => r[0]).OrderBy(v => int.Parse(v!, CultureInfo.InvariantCulture))); // original order kept
        var again = TestHoldout.Split(data, "y", classification: true, 0.2, []).Test;
        Assert.Equal(test.Rows.Select(r => r[0]), again.Rows.Select(r => r[0]));
        Assert.Contains("test_data_size 0.2: 20 of 100 training rows held out as test data (stratified by class, seed 42)", log[0], StringComparison.Ordinal);
    }

    [Fact]
    public void The_regression_hold_out_is_a_seeded_random_sample_of_the_rounded_up_count()
    {
        var data = new TabularData(["id", "y"], Enumerable.Range(0, 50).Select(i => new string?[] { i.ToString(CultureInfo.InvariantCulture), (i * 1.5).ToString(CultureInfo.InvariantCulture) }).ToList(), "mem");
        var (train, test) = TestHoldout.Split(data, "y", classification: false, 0.15, []);
        Assert.Equal((8, 42), (test.RowCount, train.RowCount)); // ⌈7.5⌉
        var ids = test.Rows.Select(r => int.Parse(r[0]!, CultureInfo.InvariantCulture)).ToList();
        Assert.NotEqual(Enumerable.Range(0, 8), ids);
        Assert.NotEqual(Enumerable.Range(42, 8), ids);
        Assert.Equal(ids, TestHoldout.Split(data, "y", classification: false, 0.15, []).Test.Rows.Select(r => int.Parse(r[0]!, CultureInfo.InvariantCulture)));
        Assert.Equal(50, train.Rows.Concat(test.Rows).Select(r => r[0]).Distinct().Count());

        var bad = new TabularData(["x", "y"], [["1", "2"], ["2", "lots"], ["3", "4"], ["4", "5"]], "mem");
        var e = Assert.Throws<AutoMLDataException>(() => TestHoldout.Split(bad, "y", classification: false, 0.25, []));
        Assert.Equal((AutoMLDataProblem.NonNumericTarget, "y"), (e.Problem, e.Column));
    }

    [Fact]
    public void A_class_keeps_a_training_row_and_too_few_rows_are_refused()
    {
        // ⌈0.5·5⌉ = 3 rows: "b" has 2 rows but gives at most 1, so "a" gives the rest.
        var data = new TabularData(["id", "y"], [["0", "a"], ["1", "a"], ["2", "a"], ["3", "b"], ["4", "b"]], "mem");
        var (train, test) = TestHoldout.Split(data, "y", classification: true, 0.5, []);
        Assert.Equal(3, test.RowCount);
        Assert.Contains(train.Rows, r => r[1] == "a");
        Assert.Contains(train.Rows, r => r[1] == "b");

        var e = Assert.Throws<AutoMLDataException>(() => TestHoldout.Split(new TabularData(["x", "y"], [["1", "2"], ["2", "3"]], "mem"), "y", classification: false, 0.3, []));
        Assert.Equal(AutoMLDataProblem.EmptyData, e.Problem);
        Assert.Contains("2 training rows are too few to hold out test_data_size 0.3 (1 rows)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_data_size_holds_out_rows_before_training_and_scores_the_best_model_on_them()
    {
        await using var t = new TestFolder();
        var csv = SyntheticData.Churn(200);
        var job = new AutoMLJob
        {
            Task = AutoMLTask.Classification,
            TrainingData = Input.UriFile(t.Write("churn.csv", csv)),
            TargetColumnName = "churn",
            ExperimentName = "test-size",
            TestDataSize = 0.2,
            NCrossValidations = 3,
            Limits = new AutoMLLimits { MaxTrials = 2, TimeoutMinutes = 2 },
            Training = new AutoMLTraining { AllowedTrainingAlgorithms = ["LightGBM", "LogisticRegression"], EnableVoteEnsemble = false },
        };

        var result = await AutoMLRunner.RunAsync(t.Workspace, job);

        var parent = await t.Workspace.GetRunAsync(result.ParentRun.Id);
        Assert.Equal("40", parent.Properties["test_rows"]);
        Assert.Equal("0", parent.Properties["test_rows_skipped"]);
        Assert.Equal("test_data_size", parent.Properties["test_data_source"]);
        Assert.InRange(Number(parent, "test_AUC_weighted"), 0.6, 1.0);
        // The held-out rows are the split's (stratified, seed 42) …
        var expected = TestHoldout.Split(TabularData.Load(Path.Combine(t.Path, "churn.csv")), "churn", classification: true, 0.2, []).Test;
        var predictions = await Predictions(t, parent);
        Assert.Equal(expected.Rows.Select(r => r[0]), predictions.Skip(1).Select(p => p[0]));
        // … and no trial saw them: 3-fold cross-validation scored each of the other 160 rows once.
        var best = await t.Workspace.GetRunAsync(result.Best.RunId);
        var confusion = await best.GetTableAsync("confusion_matrix");
        var counted = confusion.Rows.Sum(r => confusion.Columns.Select((c, i) => c.StartsWith("predicted_", StringComparison.Ordinal) ? Convert.ToDouble(r[i], CultureInfo.InvariantCulture) : 0).Sum());
        Assert.Equal(160, counted);
    }

    [Fact]
    public async Task Both_test_data_and_test_data_size_or_a_size_out_of_range_are_refused_at_submit()
    {
        await using var t = new TestFolder();
        var churn = t.Churn(60);
        AutoMLJob Job(double size, Input? test) => new()
        {
            Task = AutoMLTask.Classification,
            TrainingData = Input.UriFile(churn),
            TargetColumnName = "churn",
            TestData = test,
            TestDataSize = size,
        };
        var both = await Assert.ThrowsAsync<JobDefinitionException>(() => t.Workspace.Jobs.CreateOrUpdateAsync(Job(0.2, Input.UriFile(churn))));
        Assert.Contains(both.Problems, p => p.Key == "test_data_size" && p.Reason.Contains("give either 'test_data' or 'test_data_size', not both", StringComparison.Ordinal));
        foreach (var size in new[] { 0.0, 1.0, -0.1, 1.5, double.NaN })
        {
            var e = await Assert.ThrowsAsync<JobDefinitionException>(() => AutoMLRunner.RunAsync(t.Workspace, Job(size, null)));
            Assert.Contains(e.Problems, p => p.Key == "test_data_size" && p.Reason.Contains("'test_data_size' must be between 0 and 1 (exclusive)", StringComparison.Ordinal));
        }
        await foreach (var job in t.Workspace.Jobs.ListAsync())
        {
            Assert.Fail($"nothing is submitted, but {job.Name} is");
        }
    }

    // ---- forecasting ----

    /// <summary>Daily rows from 2024-01-01: value = day index + 1 (+100 per series after the first), one series per id.</summary>
    private static string Series(int days, int from = 0, params string[] ids)
    {
        var sb = new StringBuilder(ids.Length > 0 ? "store,date,promo,sales\n" : "date,promo,sales\n");
        foreach (var (id, s) in (ids.Length > 0 ? ids : [""]).Select((id, s) => (id, s)))
        {
            for (var d = from; d < from + days; d++)
            {
                var value = (d + 1 + 100 * s).ToString(CultureInfo.InvariantCulture);
                sb.Append(ids.Length > 0 ? id + "," : "").Append(CultureInfo.InvariantCulture, $"{new DateTime(2024, 1, 1).AddDays(d):yyyy-MM-dd},{d % 2},{value}\n");
            }
        }
        return sb.ToString();
    }

    private static AutoMLJob Forecast(string train, int horizon, double? testSize = null, string[]? ids = null, int? window = null) => new()
    {
        Task = AutoMLTask.Forecasting,
        TrainingData = Input.UriFile(train),
        TargetColumnName = "sales",
        TestDataSize = testSize,
        ForecastingSettings = new ForecastingSettings { TimeColumnName = "date", ForecastHorizon = horizon, TargetLags = [1], TargetRollingWindowSize = window, TimeSeriesIdColumnNames = ids ?? [] },
    };

    private static PreparedData Prepare(AutoMLJob job) => PreparedData.Prepare(job, AutoMLEngine.DefaultResolve);

    private static TabularData Load(TestFolder t, string csv) => TabularData.Load(t.Write("test-" + Guid.NewGuid().ToString("N") + ".csv", csv));

    [Fact]
    public async Task Forecasting_test_rows_read_the_training_history_then_the_test_actuals()
    {
        await using var t = new TestFolder();
        // Horizon 2, lag 1: the row at position p reads the value at p − 2. Training days 0..9 (values 1..10), test days 10..14.
        var data = Prepare(Forecast(t.Write("train.csv", Series(10)), horizon: 2, window: 2));
        var rows = Forecasting.Featurize(data, Load(t, Series(5, from: 10)));

        var lag = rows.Rows.IndexOf("sales_lag1");
        var mean = rows.Rows.IndexOf("sales_rolling_mean2");
        Assert.Equal(["9", "10", "11", "12", "13"], rows.Rows.Rows.Select(r => r[lag]));       // two from the training data, then the test's own actuals
        Assert.Equal(["8.5", "9.5", "10.5", "11.5", "12.5"], rows.Rows.Rows.Select(r => r[mean]));
        Assert.Equal([11.0, 12, 13, 14, 15], rows.Actuals);
        Assert.Equal(3, rows.BeyondHorizon);
        Assert.Equal(0, rows.Skipped);
        // The same features as the training rows had: the last training row (day 9) read day 7.
        Assert.Equal("8", data.Rows.Rows[^1][data.Rows.IndexOf("sales_lag1")]);
    }

    [Fact]
    public async Task Forecasting_test_data_size_holds_out_the_last_periods_of_each_series()
    {
        await using var t = new TestFolder();
        var data = Prepare(Forecast(t.Write("train.csv", Series(20, 0, "s1", "s2")), horizon: 2, testSize: 0.25, ids: ["store"]));

        var test = data.HeldOutTest!;
        Assert.Equal(10, test.RowCount); // ⌈0.25·20⌉ = 5 per series
        Assert.Equal(["s1:2024-01-16", "s1:2024-01-17", "s1:2024-01-18", "s1:2024-01-19", "s1:2024-01-20", "s2:2024-01-16", "s2:2024-01-17", "s2:2024-01-18", "s2:2024-01-19", "s2:2024-01-20"],
            test.Rows.Select(r => $"{r[0]}:{r[1]}"));
        Assert.Equal(30, data.Rows.RowCount);
        Assert.DoesNotContain(data.Rows.Rows, r => string.CompareOrdinal(r[1], "2024-01-16") >= 0);
        Assert.Contains(data.Log, l => l.StartsWith("test_data_size 0.25: the last 10 rows in time (2 series", StringComparison.Ordinal));
        var rows = Forecasting.Featurize(data, test);
        Assert.Equal(["114", "115", "116", "117", "118"], rows.Rows.Rows.Where(r => r[0] == "s2").Select(r => r[rows.Rows.IndexOf("sales_lag1")]));
        Assert.Equal(6, rows.BeyondHorizon);
    }

    [Fact]
    public async Task Forecasting_test_data_that_does_not_continue_the_series_is_refused_naming_the_problem()
    {
        await using var t = new TestFolder();
        var data = Prepare(Forecast(t.Write("train.csv", Series(10, 0, "s1")), horizon: 2, ids: ["store"]));

        var unknown = Assert.Throws<AutoMLDataException>(() => Forecasting.Featurize(data, Load(t, Series(3, 10, "s9"))));
        Assert.Equal((AutoMLDataProblem.ForecastHistory, "store"), (unknown.Problem, unknown.Column));
        Assert.Contains("series store=s9, which the training data does not have", unknown.Message, StringComparison.Ordinal);

        var overlap = Assert.Throws<AutoMLDataException>(() => Forecasting.Featurize(data, Load(t, Series(3, 9, "s1"))));
        Assert.Equal(AutoMLDataProblem.ForecastHistory, overlap.Problem);
        Assert.Contains("starts at 2024-01-10, within its training data (which ends at 2024-01-10)", overlap.Message, StringComparison.Ordinal);

        var gap = Assert.Throws<AutoMLDataException>(() => Forecasting.Featurize(data, Load(t, Series(3, 12, "s1"))));
        Assert.Contains("starts at 2024-01-13, but its training data ends at 2024-01-10 and never steps more than 1.00:00:00", gap.Message, StringComparison.Ordinal);

        // A missing actual: its own row is not scored; the row forecast from it (2 periods later) cannot be.
        var lines = Series(5, 10, "s1").Split('\n');
        lines[1] = "s1,2024-01-11,0,";
        var needed = Assert.Throws<AutoMLDataException>(() => Forecasting.Featurize(data, Load(t, string.Join('\n', lines))));
        Assert.Equal((AutoMLDataProblem.ForecastHistory, "sales"), (needed.Problem, needed.Column));
        Assert.Contains("The test row of series store=s1 at 2024-01-11 has no value of 'sales', and the row at 2024-01-13 is forecast from it", needed.Message, StringComparison.Ordinal);
        var last = Series(5, 10, "s1").TrimEnd('\n').Split('\n');
        last[^1] = "s1,2024-01-15,0,";
        var rows = Forecasting.Featurize(data, Load(t, string.Join('\n', last) + "\n"));
        Assert.Equal((4, 1), (rows.Actuals.Length, rows.Skipped));
    }

    [Fact]
    public async Task A_forecasting_model_is_scored_on_test_data_that_continues_the_series()
    {
        await using var t = new TestFolder();
        var lines = SyntheticData.Sales(150).TrimEnd('\n').Split('\n');
        var job = new AutoMLJob
        {
            Task = AutoMLTask.Forecasting,
            TrainingData = Input.UriFile(t.Write("train.csv", string.Join('\n', lines.Take(121)) + "\n")),
            TestData = Input.UriFile(t.Write("test.csv", lines[0] + "\n" + string.Join('\n', lines.Skip(121)) + "\n")),
            TargetColumnName = "sales",
            ForecastingSettings = new ForecastingSettings { TimeColumnName = "date", ForecastHorizon = 7, TargetLags = [1, 7], TargetRollingWindowSize = 7 },
            Limits = new AutoMLLimits { MaxTrials = 2, TimeoutMinutes = 2 },
            Training = new AutoMLTraining { AllowedTrainingAlgorithms = ["LightGBM", "ElasticNet"], EnableVoteEnsemble = false },
        };

        var result = await AutoMLRunner.RunAsync(t.Workspace, job);

        var parent = await t.Workspace.GetRunAsync(result.ParentRun.Id);
        Assert.Equal(("30", "23", "0"), (parent.Properties["test_rows"], parent.Properties["test_rows_beyond_horizon"], parent.Properties["test_rows_skipped"]));
        var nrmse = Number(parent, "test_normalized_root_mean_squared_error");
        Assert.InRange(nrmse, 0.0, 0.3);
        var predictions = await Predictions(t, parent);
        Assert.Equal(["date", "promo", "sales", "sales_predicted"], predictions[0]);
        Assert.Equal(lines.Skip(121).Select(l => l.Split(',')[0]), predictions.Skip(1).Select(p => p[0]));
        // The property is the metric of the file's predictions against its actuals.
        var errors = predictions.Skip(1).Select(p => double.Parse(p[3], CultureInfo.InvariantCulture) - double.Parse(p[2], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Math.Sqrt(errors.Average(e => e * e)), Number(parent, "test_root_mean_squared_error"), 6);
    }
}
