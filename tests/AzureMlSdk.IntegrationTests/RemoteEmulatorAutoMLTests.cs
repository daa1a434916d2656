using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AzureMlSdk.Emulator.Jobs;
using AzureMlSdk.Tests.Backends.Remote;
using AzureMlSdk.Tests.Endpoints;

namespace AzureMlSdk.IntegrationTests;

/// <summary>
/// AutoML through the Remote backend on the Emulator: the client submits the ARM <c>AutoMLJob</c> body with the CSV uploaded as an MLTable
/// folder, the Emulator runs it with the local job engine (the same AutoML engine), and the client reads the job, its trials (child jobs),
/// the leaderboard and registers the best model, as against Azure ML.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class RemoteEmulatorAutoMLTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private static readonly OpenApiValidator Spec = new(Path.Combine(RestSpecFolder.Find(), "2026-07-01", "openapi.json"), Path.Combine(RestSpecFolder.Find(), "common-types"));
    private readonly string _scratch = Directory.CreateTempSubdirectory("remote-automl-").FullName;
    private Workspace _ws = null!;
    private string _name = null!;

    public async Task InitializeAsync()
    {
        _name = await emulator.CreateWorkspaceAsync();
        _ws = await emulator.OpenAsync(_name);
    }

    public async Task DisposeAsync()
    {
        await _ws.DisposeAsync();
        Directory.Delete(_scratch, recursive: true);
    }

    private string ChurnCsv(int rows = 200)
    {
        var random = new Random(5);
        var sb = new StringBuilder("tenure,plan,charges,churn\n");
        for (var i = 0; i < rows; i++)
        {
            var tenure = random.Next(1, 72);
            var plan = random.Next(3) switch { 0 => "basic", 1 => "plus", _ => "pro" };
            var charges = 20 + random.NextDouble() * 80;
            var risk = 0.04 * charges - 0.05 * tenure + (plan == "basic" ? 0.8 : 0) + random.NextDouble();
            sb.Append(CultureInfo.InvariantCulture, $"{tenure},{plan},{charges:F2},{(risk > 1.2 ? "yes" : "no")}\n");
        }
        var path = Path.Combine(_scratch, "churn.csv");
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    [Fact]
    public async Task An_AutoML_job_runs_on_the_Emulator_with_trials_as_child_jobs_a_leaderboard_and_a_registered_best_model()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var definition = new AutoMLJob
        {
            Task = AutoMLTask.Classification,
            TrainingData = Input.UriFile(ChurnCsv()),
            TargetColumnName = "churn",
            PrimaryMetric = "AUC_weighted",
            ExperimentName = "remote-automl",
            DisplayName = "churn",
            Tags = { ["team"] = "churn" },
            Limits = new AutoMLLimits { MaxTrials = 3, TimeoutMinutes = 2 },
            Training = new AutoMLTraining { AllowedTrainingAlgorithms = ["LightGBM", "LogisticRegression"] },
        };
        var job = await _ws.Jobs.CreateOrUpdateAsync(definition, cancellationToken: timeout.Token);
        Assert.Equal(JobType.AutoML, job.Type);
        var sent = Assert.IsType<AutoMLJob>(job.Definition);
        Assert.Equal(InputType.MLTable, sent.TrainingData!.Type); // uploaded as an MLTable folder, as Azure's AutoML reads it
        Assert.StartsWith("azureml://datastores/workspaceblobstore/paths/LocalUpload/", sent.TrainingData.Path, StringComparison.Ordinal);

        job = await job.WaitAsync(timeout.Token);
        Assert.True(job.Status == JobStatus.Completed, $"{job.Status}: {job.Error?.Message}");
        var best = job.Properties[Job.AutoMLBestChildRunIdProperty];
        Assert.Equal("churn", job.Tags["team"]);

        var children = new List<Job>();
        await foreach (var child in _ws.Jobs.ListAsync(parentJobName: job.Name, cancellationToken: timeout.Token))
        {
            children.Add(child);
        }
        Assert.Equal(3, children.Count);
        Assert.All(children, c => Assert.Equal(JobType.AutoML, c.Type));
        Assert.Contains(children, c => c.Name == best && c.Status == JobStatus.Completed);
        Assert.Contains(children, c => c.Properties["run_algorithm"] == "VotingEnsemble");

        var leaderboard = await job.Run.GetTableAsync("leaderboard", timeout.Token);
        Assert.Equal(best, leaderboard.Rows[0][leaderboard.Columns.ToList().IndexOf("run_id")]);

        var model = await job.RegisterBestModelAsync("churn-remote", cancellationToken: timeout.Token);
        Assert.Equal(best, model.RunId);
        Assert.Equal("churn-remote", model.Name);

        // The Emulator answers the job as a spec-valid AutoMLJob (JobBase).
        using var response = await emulator.Http.GetAsync($"{EmulatorFixture.WorkspacePath(_name)}/jobs/{job.Name}?api-version=2026-07-01", timeout.Token);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(timeout.Token)).RootElement;
        var problems = Spec.Validate(body, Spec.Definition("JobBase").Schema, Spec.Root);
        Assert.True(problems.Count == 0, string.Join("; ", problems));
        Assert.Equal("AutoML", body.GetProperty("properties").GetProperty("jobType").GetString());
        Assert.Equal(best, body.GetProperty("properties").GetProperty("properties").GetProperty(Job.AutoMLBestChildRunIdProperty).GetString());
    }

    [Fact]
    public async Task The_best_model_scores_csv_and_mltable_folders_on_an_Emulator_batch_endpoint_as_it_does_locally()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var definition = new AutoMLJob
        {
            Task = AutoMLTask.Classification,
            TrainingData = Input.UriFile(ChurnCsv()),
            TargetColumnName = "churn",
            ExperimentName = "remote-automl-batch",
            Limits = new AutoMLLimits { MaxTrials = 2, TimeoutMinutes = 2 },
            Training = new AutoMLTraining { AllowedTrainingAlgorithms = ["LightGBM", "LogisticRegression"], EnableVoteEnsemble = false },
        };
        var job = await (await _ws.Jobs.CreateOrUpdateAsync(definition, cancellationToken: timeout.Token)).WaitAsync(timeout.Token);
        Assert.True(job.Status == JobStatus.Completed, $"{job.Status}: {job.Error?.Message}");
        var model = await job.RegisterBestModelAsync("churn-batch", cancellationToken: timeout.Token);
        var be = await _ws.CreateOrUpdateBatchEndpointAsync(new BatchEndpointSpec("churn-batch-ep"), timeout.Token);
        await be.DeployAsync(new BatchDeploymentSpec("automl", model) { MiniBatchSize = 8 }, cancellationToken: timeout.Token);

        // Raw rows (the churn column too, an unseen plan, a missing tenure) as a CSV folder and as an MLTable folder of ';'-separated files.
        var rows = File.ReadAllLines(ChurnCsv(30)).Skip(1).ToList();
        rows[0] = "3,platinum,99.50,yes";
        rows[1] = ",pro,20.00,no";
        Directory.CreateDirectory(Path.Combine(_scratch, "csv"));
        File.WriteAllText(Path.Combine(_scratch, "csv", "rows.csv"), "tenure,plan,charges,churn\n" + string.Join("\n", rows) + "\n");
        Directory.CreateDirectory(Path.Combine(_scratch, "table", "data"));
        File.WriteAllText(Path.Combine(_scratch, "table", "data", "rows.txt"), "tenure;plan;charges;churn\n" + string.Join("\n", rows.Select(r => r.Replace(',', ';'))) + "\n");
        File.WriteAllText(Path.Combine(_scratch, "table", "MLTable"), "paths:\n  - pattern: ./data/*.txt\ntransformations:\n  - read_delimited:\n      delimiter: ';'\n");
        // And as a Parquet MLTable folder (typed columns, the missing tenure a null), with a path column the model ignores.
        await ParquetFiles.WriteAsync(Path.Combine(_scratch, "pq", "data", "rows.parquet"), ChurnTypes, rows.Select(r => r.Split(',').Select(v => (string?)v).ToArray()).ToList(), rowGroupSize: 8);
        File.WriteAllText(Path.Combine(_scratch, "pq", "MLTable"), "paths:\n  - folder: ./data\ntransformations:\n  - read_parquet:\n      include_path_column: true\n");

        // The same model version scored by a local workspace's batch endpoint: the reference.
        var modelFolder = await model.DownloadAsync(Path.Combine(_scratch, "model"), cancellationToken: timeout.Token);
        await using var local = Workspace.Local(Path.Combine(_scratch, "local-ws"));
        var localModel = await local.RegisterModelAsync("churn-batch", Directory.GetFiles(modelFolder, "model.onnx", SearchOption.AllDirectories).Single(), cancellationToken: timeout.Token);
        var localEp = await local.CreateOrUpdateBatchEndpointAsync(new BatchEndpointSpec("churn-batch-ep"), timeout.Token);
        await localEp.DeployAsync(new BatchDeploymentSpec("automl", localModel), cancellationToken: timeout.Token);
        var expected = await PredictionsAsync(local, await localEp.InvokeAsync(Path.Combine(_scratch, "csv"), cancellationToken: timeout.Token), timeout.Token);
        Assert.Equal(30, expected.Count);
        Assert.All(expected, p => Assert.Contains((string)p["label"]!, new[] { "no", "yes" }));
        Assert.All(expected, p => Assert.Equal(["no", "yes"], p["probabilities"]!.AsObject().Select(c => c.Key)));

        foreach (var input in new[] { Path.Combine(_scratch, "csv"), Path.Combine(_scratch, "table"), Path.Combine(_scratch, "pq") })
        {
            var result = await be.InvokeAsync(input, cancellationToken: timeout.Token);
            Assert.Equal((RunStatus.Completed, 30L, 0L), (result.Status, result.RowsScored, result.RowsFailed));
            var predictions = await PredictionsAsync(_ws, result, timeout.Token);
            Assert.Equal(expected.Select(p => p.ToJsonString()), predictions.Select(p => p.ToJsonString()));
        }

        // A file without a column the model takes: the job fails and the client raises its error, naming the column.
        Directory.CreateDirectory(Path.Combine(_scratch, "bad"));
        File.WriteAllText(Path.Combine(_scratch, "bad", "rows.csv"), "tenure,charges\n3,99.5\n");
        var missing = await Assert.ThrowsAsync<InvalidInputException>(() => be.InvokeAsync(Path.Combine(_scratch, "bad"), cancellationToken: timeout.Token));
        Assert.Equal("plan", missing.ParameterName);
        Assert.Contains("no column 'plan'", missing.Message, StringComparison.Ordinal);
    }

    private static readonly (string, Type)[] ChurnTypes = [("tenure", typeof(int)), ("plan", typeof(string)), ("charges", typeof(double)), ("churn", typeof(string))];

    [Fact]
    public async Task An_AutoML_job_on_a_Parquet_MLTable_folder_runs_on_the_Emulator_as_on_the_same_rows_in_csv()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var csv = ChurnCsv(160);
        var rows = File.ReadAllLines(csv).Skip(1).Select(l => l.Split(',').Select(v => (string?)v).ToArray()).ToList();
        rows[3][0] = null; // a missing tenure: a null in the Parquet file, an empty field in the CSV
        File.WriteAllText(csv, "tenure,plan,charges,churn\n" + string.Concat(rows.Select(r => string.Join(",", r) + "\n")));
        await ParquetFiles.WriteAsync(Path.Combine(_scratch, "pqtrain", "data", "part-0.parquet"), ChurnTypes, rows.Take(90).ToList(), rowGroupSize: 32);
        await ParquetFiles.WriteAsync(Path.Combine(_scratch, "pqtrain", "data", "part-1.parquet"), ChurnTypes, rows.Skip(90).ToList());
        File.WriteAllText(Path.Combine(_scratch, "pqtrain", "MLTable"), "paths:\n  - pattern: ./data/*.parquet\ntransformations:\n  - read_parquet\n");
        AutoMLJob Definition(Input data, string experiment) => new()
        {
            Task = AutoMLTask.Classification,
            TrainingData = data,
            TargetColumnName = "churn",
            ExperimentName = experiment,
            ValidationDataSize = 0.25,
            Limits = new AutoMLLimits { MaxTrials = 2, MaxConcurrentTrials = 1, TimeoutMinutes = 3 },
            Training = new AutoMLTraining { AllowedTrainingAlgorithms = ["LogisticRegression"], EnableVoteEnsemble = false },
        };

        var fromParquet = await _ws.Jobs.CreateOrUpdateAsync(Definition(Input.MLTable(Path.Combine(_scratch, "pqtrain")), "remote-automl-parquet"), cancellationToken: timeout.Token);
        var fromCsv = await _ws.Jobs.CreateOrUpdateAsync(Definition(Input.UriFile(csv), "remote-automl-parquet-csv"), cancellationToken: timeout.Token);
        fromParquet = await fromParquet.WaitAsync(timeout.Token);
        fromCsv = await fromCsv.WaitAsync(timeout.Token);

        Assert.True(fromParquet.Status == JobStatus.Completed, $"{fromParquet.Status}: {fromParquet.Error?.Message}");
        Assert.True(fromCsv.Status == JobStatus.Completed, $"{fromCsv.Status}: {fromCsv.Error?.Message}");
        var parquetBoard = await fromParquet.Run.GetTableAsync("leaderboard", timeout.Token);
        var csvBoard = await fromCsv.Run.GetTableAsync("leaderboard", timeout.Token);
        Assert.Equal(2, parquetBoard.Rows.Count);
        foreach (var column in new[] { "algorithm", "accuracy", "hyperparameters" })
        {
            var index = parquetBoard.Columns.ToList().IndexOf(column);
            Assert.True(index >= 0, $"no column {column}: {string.Join(", ", parquetBoard.Columns)}");
            Assert.Equal(csvBoard.Rows.Select(r => Convert.ToString(r[index], CultureInfo.InvariantCulture)), parquetBoard.Rows.Select(r => Convert.ToString(r[index], CultureInfo.InvariantCulture)));
        }
    }

    private async Task<List<JsonNode>> PredictionsAsync(Workspace ws, BatchScoringResult result, CancellationToken cancellationToken)
    {
        var run = await ws.GetRunAsync(result.RunId, cancellationToken);
        var file = Path.Combine(_scratch, "out", Guid.NewGuid().ToString("N"));
        await run.DownloadFileAsync(result.PredictionsArtifact, file, cancellationToken: cancellationToken);
        return File.ReadAllLines(file).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!["prediction"]!).ToList();
    }

    [Fact]
    public async Task A_running_trial_is_a_Running_child_job_through_the_Remote_backend_and_ends_with_the_job()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var definition = new AutoMLJob
        {
            Task = AutoMLTask.Classification,
            TrainingData = Input.UriFile(ChurnCsv(3000)),
            TargetColumnName = "churn",
            ExperimentName = "remote-automl-running",
            Limits = new AutoMLLimits { MaxTrials = 1000, TimeoutMinutes = 30 },
        };
        var job = await _ws.Jobs.CreateOrUpdateAsync(definition, cancellationToken: timeout.Token);
        Job? running = null;
        while (running is null)
        {
            await foreach (var child in _ws.Jobs.ListAsync(parentJobName: job.Name, cancellationToken: timeout.Token))
            {
                running ??= child.Status == JobStatus.Running ? child : null;
            }
            await Task.Delay(50, timeout.Token);
        }
        Assert.Equal((job.Name, JobType.AutoML), (running.ParentJobName, running.Type));
        Assert.StartsWith(job.Name + "_", running.Name, StringComparison.Ordinal);

        await job.CancelAsync(timeout.Token);
        job = await job.WaitAsync(timeout.Token);
        Assert.Equal(JobStatus.Canceled, job.Status);
        await foreach (var child in _ws.Jobs.ListAsync(parentJobName: job.Name, cancellationToken: timeout.Token))
        {
            Assert.True(child.Status.IsTerminal(), $"{child.Name} is {child.Status}");
        }
    }

    [Fact]
    public async Task Test_data_size_gives_the_same_test_run_on_the_Emulator_as_on_the_local_workspace()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var csv = ChurnCsv(150);
        AutoMLJob Definition() => new()
        {
            Task = AutoMLTask.Classification,
            TrainingData = Input.UriFile(csv),
            TargetColumnName = "churn",
            PrimaryMetric = "AUC_weighted",
            ExperimentName = "remote-automl-test-size",
            TestDataSize = 0.2,
            NCrossValidations = 3,
            Limits = new AutoMLLimits { MaxTrials = 2, MaxConcurrentTrials = 1, TimeoutMinutes = 2 },
            Training = new AutoMLTraining { AllowedTrainingAlgorithms = ["LightGBM", "LogisticRegression"], EnableVoteEnsemble = false },
        };

        // The PUT body carries taskDetails.testDataSize, spec-valid.
        var remote = await _ws.Jobs.CreateOrUpdateAsync(Definition(), cancellationToken: timeout.Token);
        using (var response = await emulator.Http.GetAsync($"{EmulatorFixture.WorkspacePath(_name)}/jobs/{remote.Name}?api-version=2026-07-01", timeout.Token))
        {
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(timeout.Token)).RootElement;
            Assert.Equal(0.2, body.GetProperty("properties").GetProperty("taskDetails").GetProperty("testDataSize").GetDouble());
            Assert.Empty(Spec.Validate(body, Spec.Definition("JobBase").Schema, Spec.Root));
        }
        remote = await remote.WaitAsync(timeout.Token);
        Assert.True(remote.Status == JobStatus.Completed, $"{remote.Status}: {remote.Error?.Message}");
        Assert.Equal(0.2, Assert.IsType<AutoMLJob>(remote.Definition).TestDataSize);

        await using var local = Workspace.Local(Path.Combine(_scratch, "local-test-size"));
        var mine = await (await local.Jobs.CreateOrUpdateAsync(Definition(), cancellationToken: timeout.Token)).WaitAsync(timeout.Token);
        Assert.True(mine.Status == JobStatus.Completed, $"{mine.Status}: {mine.Error?.Message}");

        // The same test run on both: ⌈0.2·150⌉ = 30 held-out rows, the same rows, the same metrics of the same best model.
        static Dictionary<string, string> TestProperties(Job job) => job.Properties.Where(p => p.Key.StartsWith("test_", StringComparison.Ordinal)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var expected = TestProperties(mine);
        Assert.Equal(("30", "0", "test_data_size"), (expected["test_rows"], expected["test_rows_skipped"], expected["test_data_source"]));
        Assert.Contains("test_AUC_weighted", expected.Keys);
        Assert.Contains("test_accuracy", expected.Keys);
        var actual = TestProperties(remote);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, value) in expected)
        {
            Assert.True(value == actual[key] || Math.Abs(double.Parse(value, CultureInfo.InvariantCulture) - double.Parse(actual[key], CultureInfo.InvariantCulture)) < 1e-6, $"{key}: local {value}, Emulator {actual[key]}");
        }
        var localRows = Path.Combine(_scratch, "local-test.csv");
        var remoteRows = Path.Combine(_scratch, "remote-test.csv");
        await mine.Run.DownloadFileAsync("outputs/test_predictions.csv", localRows, cancellationToken: timeout.Token);
        await remote.Run.DownloadFileAsync("outputs/test_predictions.csv", remoteRows, cancellationToken: timeout.Token);
        var held = File.ReadAllLines(localRows);
        Assert.Equal(31, held.Length);
        Assert.Equal("tenure,plan,charges,churn,churn_predicted", held[0]);
        Assert.Equal(held, File.ReadAllLines(remoteRows));
    }

    [Fact]
    public async Task Forecasting_test_data_is_uploaded_and_scored_on_the_Emulator_as_on_the_local_workspace()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        // Two stores, daily, trend + weekly pattern: 100 days to train on, the next 20 as test data (beyond the 7-day horizon too).
        var random = new Random(9);
        var train = new StringBuilder("store,date,sales\n");
        var test = new StringBuilder("store,date,sales\n");
        foreach (var store in new[] { "a", "b" })
        {
            for (var d = 0; d < 120; d++)
            {
                var sales = (store == "a" ? 50 : 80) + 0.3 * d + 10 * Math.Sin(2 * Math.PI * d / 7) + random.NextDouble() * 3;
                (d < 100 ? train : test).Append(CultureInfo.InvariantCulture, $"{store},{new DateTime(2025, 1, 1).AddDays(d):yyyy-MM-dd},{sales:F2}\n");
            }
        }
        var trainFile = Path.Combine(_scratch, "sales-train.csv");
        var testFile = Path.Combine(_scratch, "sales-test.csv");
        File.WriteAllText(trainFile, train.ToString());
        File.WriteAllText(testFile, test.ToString());
        AutoMLJob Definition() => new()
        {
            Task = AutoMLTask.Forecasting,
            TrainingData = Input.UriFile(trainFile),
            TestData = Input.UriFile(testFile),
            TargetColumnName = "sales",
            ExperimentName = "remote-automl-forecast-test",
            ForecastingSettings = new ForecastingSettings { TimeColumnName = "date", ForecastHorizon = 7, TimeSeriesIdColumnNames = ["store"], TargetLags = [1, 7] },
            Limits = new AutoMLLimits { MaxTrials = 2, MaxConcurrentTrials = 1, TimeoutMinutes = 2 },
            Training = new AutoMLTraining { AllowedTrainingAlgorithms = ["ElasticNet", "LightGBM"], EnableVoteEnsemble = false },
        };

        var remote = await _ws.Jobs.CreateOrUpdateAsync(Definition(), cancellationToken: timeout.Token);
        var sent = Assert.IsType<AutoMLJob>(remote.Definition);
        Assert.Equal(InputType.MLTable, sent.TestData!.Type); // uploaded as an MLTable folder: taskDetails.testData
        Assert.StartsWith("azureml://datastores/workspaceblobstore/paths/LocalUpload/", sent.TestData.Path, StringComparison.Ordinal);
        remote = await remote.WaitAsync(timeout.Token);
        Assert.True(remote.Status == JobStatus.Completed, $"{remote.Status}: {remote.Error?.Message}");

        await using var local = Workspace.Local(Path.Combine(_scratch, "local-forecast-test"));
        var mine = await (await local.Jobs.CreateOrUpdateAsync(Definition(), cancellationToken: timeout.Token)).WaitAsync(timeout.Token);
        Assert.True(mine.Status == JobStatus.Completed, $"{mine.Status}: {mine.Error?.Message}");

        // 40 test rows, 2 × 13 of them more than 7 days after the training data (forecast from the test data's own actuals).
        static Dictionary<string, string> TestProperties(Job job) => job.Properties.Where(p => p.Key.StartsWith("test_", StringComparison.Ordinal)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var expected = TestProperties(mine);
        Assert.Equal(("40", "26", "0", "test_data"), (expected["test_rows"], expected["test_rows_beyond_horizon"], expected["test_rows_skipped"], expected["test_data_source"]));
        Assert.InRange(double.Parse(expected["test_normalized_root_mean_squared_error"], CultureInfo.InvariantCulture), 0, 0.2);
        var actual = TestProperties(remote);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, value) in expected)
        {
            Assert.True(value == actual[key] || Math.Abs(double.Parse(value, CultureInfo.InvariantCulture) - double.Parse(actual[key], CultureInfo.InvariantCulture)) < 1e-6, $"{key}: local {value}, Emulator {actual[key]}");
        }
    }

    [Fact]
    public void A_put_body_reads_back_with_local_data_references()
    {
        var ws = EmulatorFixture.WorkspacePath("ws1");
        var body = JsonNode.Parse("""
            {"properties": {"jobType": "AutoML", "experimentName": "e", "computeId": "WS/computes/cpu",
              "taskDetails": {"taskType": "Regression", "targetColumnName": "price", "primaryMetric": "R2Score", "testDataSize": 0.3,
                "trainingData": {"jobInputType": "mltable", "uri": "azureml:WS/data/houses/versions/2"}}}}
            """.Replace("WS", ws, StringComparison.Ordinal))!.AsObject();
        var job = AutoMLJobResources.Read(body, "j1");
        Assert.Equal("j1", job.Name);
        Assert.Equal("azureml:houses:2", job.TrainingData!.Path);
        Assert.Equal("cpu", job.ComputeName);
        Assert.Equal(AutoMLTask.Regression, job.Task);
        Assert.Equal("r2_score", job.EffectivePrimaryMetric);
        Assert.Equal(0.3, job.TestDataSize);
    }
}
