using System.Text.Json;
using System.Text.Json.Nodes;
using AzureMlSdk.Backends.Remote.Arm;
using AzureMlSdk.Tests.Backends.Remote;
using static AzureMlSdk.Tests.Jobs.JobYamlTests;
using RemoteJobs = AzureMlSdk.Backends.Remote.Jobs.RemoteJobBackend;

namespace AzureMlSdk.Tests.Jobs;

/// <summary><see cref="AutoMLJob"/>: az ml's <c>type: automl</c> YAML, the code factories, checks, and the ARM 2026-07-01 <c>AutoMLJob</c> body.</summary>
public sealed class AutoMLJobTests : IDisposable
{
    private static readonly string SpecRoot = RestSpecFolder.Find();
    private static readonly OpenApiValidator Spec = new(Path.Combine(SpecRoot, "2026-07-01", "openapi.json"), Path.Combine(SpecRoot, "common-types"));
    private const string Ws = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws1";

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("azml-automl-");

    public void Dispose() => _dir.Delete(true);

    private static AutoMLJob Load(string name) => Assert.IsType<AutoMLJob>(Job.Load(Fixture(Path.Combine("automl", name))));

    private JobDefinitionException LoadFails(string yaml)
    {
        var path = Path.Combine(_dir.FullName, "job.yml");
        File.WriteAllText(path, yaml);
        var e = Assert.Throws<JobDefinitionException>(() => Job.Load(path));
        Assert.Equal(path, e.FilePath);
        return e;
    }

    private const string Head = "type: automl\ntask: classification\ntarget_column_name: y\ntraining_data:\n  type: mltable\n  path: azureml:bank:1\n";

    [Fact]
    public void The_bank_marketing_example_loads_with_every_setting()
    {
        var job = Load("classification-bankmarketing.yml");
        Assert.Equal(JobType.AutoML, job.Type);
        Assert.Equal(AutoMLTask.Classification, job.Task);
        Assert.Equal("y", job.TargetColumnName);
        Assert.Equal("accuracy", job.PrimaryMetric);
        Assert.Equal("debug", job.LogVerbosity);
        Assert.Equal(InputType.MLTable, job.TrainingData!.Type);
        Assert.Equal(Fixture(Path.Combine("automl", "training-mltable-folder")), job.TrainingData.Path);
        Assert.Equal(Fixture(Path.Combine("automl", "validation-mltable-folder")), job.ValidationData!.Path);
        Assert.Equal((180d, 40, 5, 20d, true, 0.92), (job.Limits.TimeoutMinutes, job.Limits.MaxTrials, job.Limits.MaxConcurrentTrials, job.Limits.TrialTimeoutMinutes, job.Limits.EnableEarlyTermination, job.Limits.ExitScore));
        Assert.Equal(FeaturizationMode.Custom, job.Featurization.Mode);
        Assert.Equal(["age"], job.Featurization.TransformerParams["imputer"][0].Fields);
        Assert.Equal("median", job.Featurization.TransformerParams["imputer"][0].Parameters["strategy"]);
        Assert.Equal(["WordEmbedding"], job.Featurization.BlockedTransformers);
        // az ml's snake_case and ARM's spelling both read as Azure's names.
        Assert.Equal(["GradientBoosting", "LogisticRegression", "LightGBM"], job.Training.AllowedTrainingAlgorithms);
        Assert.Equal(["GradientBoosting", "LogisticRegression", "LightGBM"], job.EffectiveAlgorithms);
        Assert.False(job.Training.EnableVoteEnsemble);
        Assert.Equal("cpu-cluster", job.ComputeName);
    }

    [Fact]
    public void Regression_and_forecasting_examples_load()
    {
        var r = Load("regression-hardware.yml");
        Assert.Equal(AutoMLTask.Regression, r.Task);
        Assert.Equal("r2_score", r.EffectivePrimaryMetric);
        Assert.Equal(5, r.NCrossValidations);
        Assert.Equal("azureml:machine-cpu-test:1", r.TestData!.Path);
        Assert.Equal(InputType.MLTable, r.TestData.Type);
        Assert.DoesNotContain("KNN", r.EffectiveAlgorithms);
        Assert.DoesNotContain("XGBoostRegressor", r.EffectiveAlgorithms);
        Assert.Contains("LightGBM", r.EffectiveAlgorithms);

        var f = Load("forecasting-energy.yml");
        Assert.Equal(AutoMLTask.Forecasting, f.Task);
        Assert.True(f.AutoCrossValidations);
        var s = f.ForecastingSettings!;
        Assert.Equal(("timeStamp", 48, "H", 6, 12), (s.TimeColumnName, s.ForecastHorizon, s.Frequency, s.TargetRollingWindowSize, s.CvStepSize));
        Assert.Equal([1, 24], s.TargetLags);
        Assert.Equal(["region"], s.TimeSeriesIdColumnNames);
        Assert.Equal(["LightGBM", "ElasticNet"], f.EffectiveAlgorithms);
    }

    [Fact]
    public void An_unknown_algorithm_is_reported_at_its_line_with_a_suggestion()
    {
        var e = LoadFails(Head + "training:\n  allowed_training_algorithms:\n    - LightGBM\n    - RandomForrest\n");
        Assert.Equal("training.allowed_training_algorithms[1]", e.Key);
        Assert.Equal(10, e.Line);
        Assert.Contains("unknown classification algorithm 'RandomForrest'", e.Message, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'RandomForest'?", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_regression_algorithm_is_not_a_classification_one()
    {
        var e = LoadFails(Head + "training:\n  blocked_training_algorithms: [ElasticNet]\n");
        Assert.Equal("training.blocked_training_algorithms[0]", e.Key);
        Assert.Contains("unknown classification algorithm 'ElasticNet'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_metric_of_another_task_is_reported_with_the_tasks_metrics()
    {
        var e = LoadFails(Head + "primary_metric: r2_score\n");
        Assert.Equal("primary_metric", e.Key);
        Assert.Equal(7, e.Line);
        Assert.Contains("AUC_weighted", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Metric_spellings_of_az_ml_and_arm_are_the_same_metric()
    {
        foreach (var spelling in new[] { "AUC_weighted", "auc_weighted", "AUCWeighted" })
        {
            var job = Assert.IsType<AutoMLJob>(Job.LoadFromText(Head + $"primary_metric: {spelling}\n"));
            Assert.Equal("AUC_weighted", job.PrimaryMetric);
        }
    }

    [Fact]
    public void Several_problems_are_reported_at_once_with_keys()
    {
        var e = LoadFails("type: automl\ntask: clasification\ntraining_data: {type: mltable, path: ./missing}\nlimits:\n  max_trials: 0\n  timeout_minutes: -5\nfeaturization:\n  mode: sometimes\n  transformer_params:\n    imputer: []\nn_cross_validations: many\nforecasting:\n  time_column_name: t\n");
        var keys = e.Problems.Select(p => p.Key).ToList();
        Assert.Contains("task", keys);
        Assert.Contains("target_column_name", keys);
        Assert.Contains("limits.max_trials", keys);
        Assert.Contains("limits.timeout_minutes", keys);
        Assert.Contains("featurization.mode", keys);
        Assert.Contains("n_cross_validations", keys);
        Assert.Contains("training_data.path", keys);
        Assert.Contains(e.Problems, p => p.Key == "task" && p.Message.Contains("Did you mean 'classification'?", StringComparison.Ordinal));
    }

    [Fact]
    public void Image_and_text_tasks_are_named_as_unsupported()
    {
        var e = LoadFails("type: automl\ntask: image_classification\ntarget_column_name: label\ntraining_data: {type: mltable, path: azureml:imgs:1}\n");
        Assert.Equal("task", e.Key);
        Assert.Contains("not supported by AzureMlSdk", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Forecasting_needs_its_settings_and_featurisation()
    {
        var e = LoadFails("type: automl\ntask: forecasting\ntarget_column_name: y\ntraining_data: azureml:s:1\nfeaturization: {mode: 'off'}\n");
        Assert.Contains(e.Problems, p => p.Key == "forecasting");
        Assert.Contains(e.Problems, p => p.Key == "featurization.mode");
    }

    [Fact]
    public void Validation_choices_exclude_each_other()
    {
        var e = LoadFails(Head + "validation_data: azureml:v:1\nn_cross_validations: 3\nvalidation_data_size: 1.5\n");
        Assert.Contains(e.Problems, p => p.Key == "n_cross_validations" && p.Message.Contains("not both", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Key == "validation_data_size" && p.Message.Contains("between 0 and 1", StringComparison.Ordinal));
    }

    [Fact]
    public void Custom_transformer_settings_are_checked()
    {
        var e = LoadFails(Head + "featurization:\n  mode: custom\n  transformer_params:\n    imputer:\n      - fields: [age]\n        parameters: {strategy: average}\n    tfidf:\n      - fields: [text]\n  blocked_transformers: [OneHot]\n");
        Assert.Contains(e.Problems, p => p.Message.Contains("imputer strategy must be", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Key == "featurization.transformer_params.tfidf");
        Assert.Contains(e.Problems, p => p.Key == "featurization.blocked_transformers" && p.Message.Contains("OneHotEncoder", StringComparison.Ordinal));
    }

    [Fact]
    public void The_code_factories_build_valid_jobs_and_reject_bad_names()
    {
        var csv = Path.Combine(_dir.FullName, "train.csv");
        File.WriteAllText(csv, "a,y\n1,yes\n");
        var c = AutoMLJob.Classification(Input.UriFile(csv), "y", primaryMetric: "AUCWeighted");
        Assert.Equal("AUC_weighted", c.PrimaryMetric);
        var r = AutoMLJob.Regression(Input.UriFile(csv), "a");
        Assert.Equal("normalized_root_mean_squared_error", r.EffectivePrimaryMetric);
        var f = AutoMLJob.Forecasting(Input.UriFile(csv), "a", "t", forecastHorizon: 7);
        Assert.Equal(7, f.ForecastingSettings!.ForecastHorizon);
        Assert.Throws<JobDefinitionException>(() => AutoMLJob.Classification(Input.UriFile(csv), "y", primaryMetric: "f1"));
        Assert.Throws<JobDefinitionException>(() => AutoMLJob.Classification(Input.UriFile(Path.Combine(_dir.FullName, "nope.csv")), "y"));
        var bad = new AutoMLJob { Task = AutoMLTask.Regression, TrainingData = Input.UriFile(csv), TargetColumnName = "a", Training = new AutoMLTraining { AllowedTrainingAlgorithms = ["LightGBM"], BlockedTrainingAlgorithms = ["light_gbm"] } };
        var e = Assert.Throws<JobDefinitionException>(bad.Validate);
        Assert.Contains("nothing is left to try", e.Message, StringComparison.Ordinal);
    }

    private static readonly ArmJobReferences References = new()
    {
        EnvironmentId = "",
        ComputeId = $"{Ws}/computes/cpu-cluster",
        InputUris = new Dictionary<string, string>
        {
            ["training_data"] = "azureml://datastores/workspaceblobstore/paths/LocalUpload/abc/training-mltable-folder",
            ["validation_data"] = "azureml://datastores/workspaceblobstore/paths/LocalUpload/def/validation-mltable-folder",
        },
    };

    private static JsonElement Serialize(ArmResource<AutoMLJobProperties> body) => JsonSerializer.SerializeToElement(body, ArmAutoMLJobJsonContext.Default.ArmResourceAutoMLJobProperties);

    [Theory]
    [InlineData("classification-bankmarketing.yml", "Classification", "Accuracy")]
    [InlineData("regression-hardware.yml", "Regression", "R2Score")]
    [InlineData("forecasting-energy.yml", "Forecasting", "NormalizedRootMeanSquaredError")]
    public void Bodies_validate_against_the_spec_and_read_back(string file, string taskType, string metric)
    {
        var job = Load(file);
        var body = Serialize(ArmAutoMLMapping.ToArm(job, References));
        Assert.Empty(Spec.Validate(body, Spec.Definition("JobBase").Schema, Spec.Root));
        var p = body.GetProperty("properties");
        Assert.Equal("AutoML", p.GetProperty("jobType").GetString());
        var t = p.GetProperty("taskDetails");
        Assert.Equal(taskType, t.GetProperty("taskType").GetString());
        Assert.Equal(metric, t.GetProperty("primaryMetric").GetString());
        Assert.Equal("mltable", t.GetProperty("trainingData").GetProperty("jobInputType").GetString());

        var back = ArmAutoMLMapping.FromArm(JsonSerializer.Deserialize(body.GetRawText(), ArmAutoMLJobJsonContext.Default.ArmResourceAutoMLJobProperties)!);
        Assert.Equal(job.Task, back.Task);
        Assert.Equal(job.EffectivePrimaryMetric, back.EffectivePrimaryMetric);
        Assert.Equal(job.Limits.MaxTrials, back.Limits.MaxTrials);
        Assert.Equal(job.Limits.TimeoutMinutes, back.Limits.TimeoutMinutes);
        Assert.Equal(job.Training.AllowedTrainingAlgorithms, back.Training.AllowedTrainingAlgorithms);
        Assert.Equal(job.NCrossValidations, back.NCrossValidations);
        Assert.Equal(job.AutoCrossValidations, back.AutoCrossValidations);
        Assert.Equal(job.Featurization.Mode, back.Featurization.Mode);
        Assert.Equal("cpu-cluster", back.Compute);
    }

    [Fact]
    public void Forecasting_settings_map_to_their_mode_value_shapes()
    {
        var t = Serialize(ArmAutoMLMapping.ToArm(Load("forecasting-energy.yml"), References)).GetProperty("properties").GetProperty("taskDetails");
        var f = t.GetProperty("forecastingSettings");
        Assert.Equal("""{"mode":"Custom","value":48}""", f.GetProperty("forecastHorizon").GetRawText());
        Assert.Equal("""{"mode":"Custom","values":[1,24]}""", f.GetProperty("targetLags").GetRawText());
        Assert.Equal("Auto", f.GetProperty("featureLags").GetString());
        Assert.Equal("""{"mode":"Auto"}""", t.GetProperty("nCrossValidations").GetRawText());
        Assert.Equal("PT2H", t.GetProperty("limitSettings").GetProperty("timeout").GetString());
        Assert.Equal(["LightGBM", "ElasticNet"], t.GetProperty("trainingSettings").GetProperty("allowedTrainingAlgorithms").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public void A_custom_imputer_and_blocked_transformers_reach_the_body()
    {
        var f = Serialize(ArmAutoMLMapping.ToArm(Load("classification-bankmarketing.yml"), References)).GetProperty("properties").GetProperty("taskDetails").GetProperty("featurizationSettings");
        Assert.Equal("Custom", f.GetProperty("mode").GetString());
        Assert.Equal("median", f.GetProperty("transformerParams").GetProperty("imputer")[0].GetProperty("parameters").GetProperty("strategy").GetString());
        Assert.Equal("WordEmbedding", f.GetProperty("blockedTransformers")[0].GetString());
    }

    [Fact]
    public void Local_or_csv_data_must_be_resolved_to_mltable_first()
    {
        var csv = Path.Combine(_dir.FullName, "train.csv");
        File.WriteAllText(csv, "a,y\n1,yes\n");
        var job = AutoMLJob.Classification(Input.UriFile(csv), "y");
        var e = Assert.Throws<JobDefinitionException>(() => ArmAutoMLMapping.ToArm(job, new ArmJobReferences { EnvironmentId = "" }));
        Assert.Equal("training_data.path", e.Key);
        var remoteCsv = AutoMLJob.Classification(Input.UriFile("azureml://datastores/ds/paths/train.csv"), "y");
        Assert.Equal("training_data.type", Assert.Throws<JobDefinitionException>(() => ArmAutoMLMapping.ToArm(remoteCsv, new ArmJobReferences { EnvironmentId = "" })).Key);
    }

    [Fact]
    public async Task Submitting_without_the_AutoML_package_is_a_typed_error_naming_it_and_stores_nothing()
    {
        // This test assembly does not reference AzureMlSdk.AutoML: the local engine cannot run the job, and says which package to add.
        var csv = Path.Combine(_dir.FullName, "train.csv");
        File.WriteAllText(csv, "a,y\n1,yes\n2,no\n");
        await using var ws = Workspace.Local(Path.Combine(_dir.FullName, "ws"));
        var e = await Assert.ThrowsAsync<AzureMlNotSupportedException>(() => ws.Jobs.CreateOrUpdateAsync(AutoMLJob.Classification(Input.UriFile(csv), "y")));
        Assert.Contains("dotnet add package AzureMlSdk.AutoML", e.Message, StringComparison.Ordinal);
        await foreach (var job in ws.Jobs.ListAsync())
        {
            Assert.Fail($"nothing is stored, but {job.Name} is");
        }
    }

    [Theory]
    [InlineData("classification-bankmarketing.yml")]
    [InlineData("forecasting-energy.yml")]
    public void The_remote_backend_sends_the_AutoML_body_through_the_jobs_api_unchanged_and_reads_it_back(string file)
    {
        // RemoteJobBackend PUTs and GETs jobs through the command-shaped body type; an AutoML job's fields travel in its extension data.
        var body = ArmAutoMLMapping.ToArm(Load(file), References);
        var direct = Serialize(body);
        var shaped = JsonSerializer.SerializeToElement(RemoteJobs.AsCommandShaped(body), ArmJobJsonContext.Default.ArmResourceCommandJobProperties);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(direct.GetRawText()), JsonNode.Parse(shaped.GetRawText())), shaped.GetRawText());
        var problems = Spec.Validate(shaped, Spec.Definition("JobBase").Schema, Spec.Root);
        Assert.True(problems.Count == 0, string.Join("; ", problems));
        var back = Assert.IsType<AutoMLJob>(RemoteJobs.DefinitionOf(RemoteJobs.AsCommandShaped(body)));
        Assert.Equal(Load(file).TargetColumnName, back.TargetColumnName);
        Assert.Equal(Load(file).EffectivePrimaryMetric, back.EffectivePrimaryMetric);
    }

    [Fact]
    public void A_local_csv_is_staged_as_an_MLTable_folder_that_reads_it()
    {
        var csv = Path.Combine(_dir.FullName, "train.csv");
        File.WriteAllText(csv, "a,y\n1,yes\n");
        var folder = Path.Combine(_dir.FullName, "staged", "train");
        RemoteJobs.StageMLTable(csv, folder);
        Assert.Equal(File.ReadAllText(csv), File.ReadAllText(Path.Combine(folder, "train.csv")));
        var mltable = File.ReadAllText(Path.Combine(folder, "MLTable"));
        Assert.Contains("- file: ./train.csv", mltable, StringComparison.Ordinal);
        Assert.Contains("read_delimited:", mltable, StringComparison.Ordinal);
        Assert.Contains("header: all_files_same_headers", mltable, StringComparison.Ordinal);
    }

    [Fact]
    public void A_local_parquet_file_or_folder_is_staged_as_an_MLTable_folder_that_reads_it_with_read_parquet()
    {
        var parquet = Path.Combine(_dir.FullName, "train.parquet");
        File.WriteAllBytes(parquet, [1, 2, 3]);
        var folder = Path.Combine(_dir.FullName, "staged-pq", "train");
        RemoteJobs.StageMLTable(parquet, folder);
        Assert.Equal("paths:\n  - file: ./train.parquet\ntransformations:\n  - read_parquet\n", File.ReadAllText(Path.Combine(folder, "MLTable")));

        var parts = Path.Combine(_dir.FullName, "parts");
        Directory.CreateDirectory(parts);
        File.WriteAllBytes(Path.Combine(parts, "part-0.parquet"), [1]);
        File.WriteAllText(Path.Combine(parts, "_SUCCESS"), "");
        RemoteJobs.StageMLTable(parts, Path.Combine(_dir.FullName, "staged-parts", "parts"));
        Assert.Equal("paths:\n  - pattern: ./*.parquet\ntransformations:\n  - read_parquet\n", File.ReadAllText(Path.Combine(_dir.FullName, "staged-parts", "parts", "MLTable")));

        // A folder with CSV files stays a CSV table.
        File.WriteAllText(Path.Combine(parts, "extra.csv"), "a\n1\n");
        RemoteJobs.StageMLTable(parts, Path.Combine(_dir.FullName, "staged-mixed", "parts"));
        Assert.Contains("read_delimited:", File.ReadAllText(Path.Combine(_dir.FullName, "staged-mixed", "parts", "MLTable")), StringComparison.Ordinal);
    }

    [Fact]
    public void Test_data_and_test_data_size_travel_as_the_tasks_testData_and_testDataSize()
    {
        var references = new ArmJobReferences
        {
            EnvironmentId = "",
            InputUris = new Dictionary<string, string>
            {
                ["training_data"] = "azureml://datastores/workspaceblobstore/paths/LocalUpload/abc/training-mltable-folder",
                ["test_data"] = "azureml://datastores/workspaceblobstore/paths/LocalUpload/ghi/test-mltable-folder",
            },
        };
        var csv = Path.Combine(_dir.FullName, "train.csv");
        File.WriteAllText(csv, "a,y\n1,yes\n");
        foreach (var task in new[] { AutoMLTask.Classification, AutoMLTask.Regression, AutoMLTask.Forecasting })
        {
            var baseJob = task switch
            {
                AutoMLTask.Classification => AutoMLJob.Classification(Input.UriFile(csv), "y"),
                AutoMLTask.Regression => AutoMLJob.Regression(Input.UriFile(csv), "a"),
                _ => AutoMLJob.Forecasting(Input.UriFile(csv), "a", "t", forecastHorizon: 3),
            };
            var sized = new AutoMLJob { Task = task, TrainingData = baseJob.TrainingData, TargetColumnName = baseJob.TargetColumnName, ForecastingSettings = baseJob.ForecastingSettings, TestDataSize = 0.25 };
            var withData = new AutoMLJob { Task = task, TrainingData = baseJob.TrainingData, TargetColumnName = baseJob.TargetColumnName, ForecastingSettings = baseJob.ForecastingSettings, TestData = Input.UriFile(csv) };

            var sizeBody = Serialize(ArmAutoMLMapping.ToArm(sized, references));
            var dataBody = Serialize(ArmAutoMLMapping.ToArm(withData, references));

            foreach (var body in new[] { sizeBody, dataBody })
            {
                var problems = Spec.Validate(body, Spec.Definition("JobBase").Schema, Spec.Root);
                Assert.True(problems.Count == 0, string.Join("; ", problems));
            }
            var sizeTask = sizeBody.GetProperty("properties").GetProperty("taskDetails");
            Assert.Equal(0.25, sizeTask.GetProperty("testDataSize").GetDouble());
            Assert.False(sizeTask.TryGetProperty("testData", out _));
            var dataTask = dataBody.GetProperty("properties").GetProperty("taskDetails");
            Assert.Equal("""{"jobInputType":"mltable","uri":"azureml://datastores/workspaceblobstore/paths/LocalUpload/ghi/test-mltable-folder"}""",
                JsonNode.Parse(dataTask.GetProperty("testData").GetRawText())!.ToJsonString());
            Assert.False(dataTask.TryGetProperty("testDataSize", out _));

            Assert.Equal(0.25, ArmAutoMLMapping.FromArm(JsonSerializer.Deserialize(sizeBody.GetRawText(), ArmAutoMLJobJsonContext.Default.ArmResourceAutoMLJobProperties)!).TestDataSize);
            var back = ArmAutoMLMapping.FromArm(JsonSerializer.Deserialize(dataBody.GetRawText(), ArmAutoMLJobJsonContext.Default.ArmResourceAutoMLJobProperties)!);
            Assert.Equal(("azureml://datastores/workspaceblobstore/paths/LocalUpload/ghi/test-mltable-folder", InputType.MLTable), (back.TestData!.Path, back.TestData.Type));
        }
    }

    [Fact]
    public void Both_test_data_and_test_data_size_are_refused_before_a_body_is_made()
    {
        var e = LoadFails(Head + "test_data: azureml:t:1\ntest_data_size: 0.2\n");
        Assert.Contains(e.Problems, p => p.Key == "test_data_size" && p.Reason == "give either 'test_data' or 'test_data_size', not both.");
        var range = LoadFails(Head + "test_data_size: 1.2\n");
        Assert.Contains(range.Problems, p => p.Key == "test_data_size" && p.Reason == "'test_data_size' must be between 0 and 1 (exclusive), not 1.2.");
        var job = new AutoMLJob { Task = AutoMLTask.Classification, TrainingData = Input.MLTable("azureml:bank:1"), TargetColumnName = "y", TestData = Input.MLTable("azureml:t:1"), TestDataSize = 0.2 };
        var arm = Assert.Throws<JobDefinitionException>(() => ArmAutoMLMapping.ToArm(job, References));
        Assert.Contains(arm.Problems, p => p.Key == "test_data_size");
    }
}
