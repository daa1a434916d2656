using System.Diagnostics;
using System.Globalization;
using AzureMlSdk;
using AzureMlSdk.AutoML;
using AzureMlSdk.AutoML.Bench;
using AzureMlSdk.AutoML.Data;
using AzureMlSdk.AutoML.Engine;
using AzureMlSdk.AutoML.Learners;
using AzureMlSdk.AutoML.Metrics;
using Microsoft.ML;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

// AutoML quality benchmark: see the project file and README.md.
var minutes = args.Length >= 2 && args[0] == "--minutes" ? double.Parse(args[1], CultureInfo.InvariantCulture) : 2.0;
var only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault();
var root = Directory.CreateTempSubdirectory("automl-bench-").FullName;
await using var ws = Workspace.Local(Path.Combine(root, "ws"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"AutoML benchmark: budget {minutes} min per data set, {Environment.ProcessorCount} cores; held-out rows scored in the same run."));
Console.WriteLine("| data set | task, metric (held-out) | default LightGBM | best of 20-point grid | AutoML | AutoML's own test run (test_data) | AutoML best learner | trials | time to within 1 % of final best |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
var sets = new (string Name, AutoMLTask Task, string Csv, string Target, string Metric)[]
{
    ("churn (binary)", AutoMLTask.Classification, SyntheticData.Churn(1500), "churn", "AUC_weighted"),
    ("iris-like (3 classes)", AutoMLTask.Classification, SyntheticData.Iris(3000), "species", "accuracy"),
    ("houses (regression)", AutoMLTask.Regression, SyntheticData.Houses(1500), "price", "r2_score"),
    ("sales (forecasting, 14 days)", AutoMLTask.Forecasting, SyntheticData.Sales(730), "sales", "normalized_root_mean_squared_error"),
};
foreach (var set in sets.Where(s => only is null || s.Name.StartsWith(only, StringComparison.Ordinal)))
{
    var dir = Path.Combine(root, set.Target);
    Directory.CreateDirectory(dir);
    string trainCsv, testCsv;
    const int Horizon = 14;
    if (set.Task == AutoMLTask.Forecasting)
    {
        var lines = set.Csv.TrimEnd('\n').Split('\n');
        trainCsv = string.Join('\n', lines.Take(lines.Length - Horizon)) + "\n";
        testCsv = set.Csv;
    }
    else
    {
        (trainCsv, testCsv) = SyntheticData.Split(set.Csv);
    }
    var trainFile = Path.Combine(dir, "train.csv");
    File.WriteAllText(trainFile, trainCsv);
    var testFile = Path.Combine(dir, "test.csv");
    File.WriteAllText(testFile, testCsv);
    // The same held-out rows given to AutoML as test_data: its test run (the best model on them, test_<metric>) must agree with the bench's scoring.
    var heldOutFile = testFile;
    if (set.Task == AutoMLTask.Forecasting)
    {
        var lines = set.Csv.TrimEnd('\n').Split('\n');
        heldOutFile = Path.Combine(dir, "test-days.csv");
        File.WriteAllText(heldOutFile, lines[0] + "\n" + string.Join('\n', lines.TakeLast(Horizon)) + "\n");
    }
    var forecasting = set.Task == AutoMLTask.Forecasting
        ? new ForecastingSettings { TimeColumnName = "date", ForecastHorizon = Horizon, TargetLags = [1, 7], TargetRollingWindowSize = 7 }
        : null;
    var job = new AutoMLJob
    {
        Task = set.Task,
        TrainingData = Input.UriFile(trainFile),
        TestData = Input.UriFile(heldOutFile),
        TargetColumnName = set.Target,
        PrimaryMetric = set.Metric,
        ExperimentName = "bench-" + set.Target,
        // Validation as Azure's AutoML chooses it for small data: 3-fold cross-validation (rolling origin for the series), so
        // every trial's model is refitted on all training rows, as the baselines are.
        ForecastingSettings = forecasting,
        NCrossValidations = 3,
        Limits = new AutoMLLimits { TimeoutMinutes = minutes, MaxTrials = 1000, EnableEarlyTermination = false, MaxConcurrentTrials = Environment.ProcessorCount },
    };

    // Held-out scoring table: the test rows with the same featurisation inputs (forecasting: lags from the full series).
    var full = PreparedData.Prepare(new AutoMLJob
    {
        Task = set.Task,
        TrainingData = Input.UriFile(testFile),
        TargetColumnName = set.Target,
        ForecastingSettings = forecasting,
        NCrossValidations = set.Task == AutoMLTask.Forecasting ? 1 : null,
        ValidationDataSize = set.Task == AutoMLTask.Forecasting ? null : 0.5,
    }, i => i.Path!);
    var train = PreparedData.Prepare(job, i => i.Path!);
    int[] testRows;
    TabularData scoringTable;
    if (set.Task == AutoMLTask.Forecasting)
    {
        testRows = full.Folds[^1].Valid;
        scoringTable = full.Rows;
    }
    else
    {
        scoringTable = TabularData.Load(testFile);
        testRows = Enumerable.Range(0, scoringTable.RowCount).ToArray();
    }
    var truthData = new PreparedData
    {
        Rows = scoringTable,
        Target = set.Target,
        Task = train.Task,
        Plan = train.Plan,
        Folds = train.Folds,
        FitRows = train.FitRows,
        Classes = train.Classes,
        TargetRange = train.TargetRange,
        ValidationDescription = "",
    };

    // Baselines, fitted on all training rows with AutoML's featurisation: ML.NET's default LightGBM, and a 20-point grid chosen on AutoML's validation split.
    var ml = new MLContext(1);
    var lightGbm = LearnerCatalog.Find(train.Task, "LightGBM")!;
    var defaultLearner = new Learner
    {
        AzureName = "LightGBM (ML.NET defaults)",
        Trainer = "default",
        Task = train.Task,
        Space = [],
        Build = (m, _) => train.Task == LearnerTask.Classification
            ? m.MulticlassClassification.Trainers.LightGbm(new Microsoft.ML.Trainers.LightGbm.LightGbmMulticlassTrainer.Options { NumberOfThreads = LearnerCatalog.LightGbmThreads })
            : m.Regression.Trainers.LightGbm(new Microsoft.ML.Trainers.LightGbm.LightGbmRegressionTrainer.Options { NumberOfThreads = LearnerCatalog.LightGbmThreads }),
    };
    var allTrain = train.Task == LearnerTask.Classification || set.Task != AutoMLTask.Forecasting ? Enumerable.Range(0, TabularData.Load(trainFile).RowCount).ToArray() : train.FitRows;
    double Score(Learner learner, IReadOnlyDictionary<string, double> config, int[] fitRows, PreparedData evalData, int[] evalRows)
    {
        var model = TrialModel.Pipeline(ml, train, learner, config).Fit(train.Labelled(ml, fitRows));
        var features = evalData.Plan.ToFrame(evalData.Rows.WithRows(evalRows));
        var metrics = train.Task == LearnerTask.Classification
            ? TaskMetrics.Classification(evalData.ClassIndices(evalRows), TrialModel.Probabilities(model, features), train.Classes)
            : TaskMetrics.Regression(evalData.Numbers(evalRows), TrialModel.Predictions(model, features), train.TargetRange);
        return metrics.Values[set.Metric];
    }
    var phase = Stopwatch.StartNew();
    var defaultScore = Score(defaultLearner, new Dictionary<string, double>(), allTrain, truthData, testRows);
    var grid = (from trees in new[] { 25, 50, 100, 200, 400 }
                from leaves in new[] { 8, 31 }
                from rate in new[] { 0.05, 0.2 }
                select new Dictionary<string, double>
                {
                    ["number_of_trees"] = trees,
                    ["number_of_leaves"] = leaves,
                    ["learning_rate"] = rate,
                    ["minimum_example_count_per_leaf"] = 10,
                    ["feature_fraction"] = 1,
                    ["l2_regularization"] = 0.01,
                }).ToList();
    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{set.Name}: default LightGBM {phase.Elapsed.TotalSeconds:F1} s"));
    var gridWatch = Stopwatch.StartNew();
    var bestGrid = grid.Select(c => (Config: c, Validation: train.Folds.Average(f => Score(lightGbm, c, f.Train, train, f.Valid))))
        .OrderBy(x => TaskMetrics.Loss(set.Metric, x.Validation)).First();
    var gridScore = Score(lightGbm, bestGrid.Config, allTrain, truthData, testRows);
    var gridSeconds = gridWatch.Elapsed.TotalSeconds;

    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{set.Name}: grid {gridSeconds:F1} s"));
    // AutoML.
    var result = await AutoMLRunner.RunAsync(ws, job, new AutoMLRunOptions { WorkingDirectory = Path.Combine(dir, "work") });
    foreach (var e in result.Leaderboard.Take(8))
    {
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{set.Name}: #{e.Rank} {e.Algorithm} {set.Metric}={e.Score:F5} log_loss={e.Metrics.GetValueOrDefault("log_loss", double.NaN):F4} at {e.ElapsedSeconds:F0} s"));
    }
    var bestOnnx = Path.Combine(dir, "work", result.Best.RunId, "outputs", "model.onnx");
    var autoScore = ScoreOnnx(bestOnnx, truthData, testRows, set.Metric);
    var testRun = (await ws.GetRunAsync(result.ParentRun.Id)).Properties;
    var engineScore = double.Parse(testRun["test_" + set.Metric], CultureInfo.InvariantCulture);
    var final = result.Best.Score;
    var within = result.Leaderboard.Where(e => Math.Abs(e.Score - final) <= 0.01 * Math.Max(Math.Abs(final), 1e-9)).Min(e => e.ElapsedSeconds);
    var trials = result.Leaderboard.Count + result.FailedTrials.Count;
    var better = TaskMetrics.Loss(set.Metric, autoScore) <= Math.Min(TaskMetrics.Loss(set.Metric, defaultScore), TaskMetrics.Loss(set.Metric, gridScore)) + 1e-9;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {set.Name} | {set.Metric} | {defaultScore:F4} | {gridScore:F4} (grid took {gridSeconds:F0} s) | **{autoScore:F4}** {(better ? "≥ both" : "< a baseline")} | {engineScore:F4} ({testRun["test_rows"]} rows{(Math.Abs(engineScore - autoScore) <= 1e-4 * Math.Max(1, Math.Abs(autoScore)) ? ", = AutoML" : ", ≠ AutoML")}) | {result.Best.Algorithm} | {trials} ({result.StopReason}) | {within:F1} s of {result.Leaderboard.Max(e => e.ElapsedSeconds):F0} s |"));
}
try
{
    Directory.Delete(root, true);
}
catch (IOException)
{
}

static double ScoreOnnx(string file, PreparedData data, int[] rows, string metric)
{
    using var session = new InferenceSession(file);
    var frame = data.Plan.ToFrame(data.Rows.WithRows(rows));
    var inputs = session.InputMetadata.Keys.Select(name => session.InputMetadata[name].ElementType == typeof(string)
        ? NamedOnnxValue.CreateFromTensor(name, new DenseTensor<string>(Enumerable.Range(0, rows.Length).Select(i => (string)frame.Columns[name][i]).ToArray(), [rows.Length, 1]))
        : NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(Enumerable.Range(0, rows.Length).Select(i => (float)frame.Columns[name][i]).ToArray(), [rows.Length, 1]))).ToList();
    using var results = session.Run(inputs);
    if (data.Task == LearnerTask.Classification)
    {
        var scores = (DenseTensor<float>)results.First(r => r.Name == "probabilities").Value;
        var k = data.Classes.Length;
        var p = Enumerable.Range(0, rows.Length).Select(i => TrialModel.Normalize(Enumerable.Range(0, k).Select(c => scores[i, c]).ToArray())).ToArray();
        return TaskMetrics.Classification(data.ClassIndices(rows), p, data.Classes).Values[metric];
    }
    var predictions = ((DenseTensor<float>)results.First(r => r.Name == "prediction").Value).ToArray().Select(v => (double)v).ToArray();
    return TaskMetrics.Regression(data.Numbers(rows), predictions, data.TargetRange).Values[metric];
}
