using System.Globalization;

namespace AzureMlSdk;

/// <summary>The task of an AutoML job (<c>task</c> in YAML, <c>taskType</c> in ARM).</summary>
public enum AutoMLTask
{
    /// <summary>Predict a class (<c>classification</c>).</summary>
    Classification,
    /// <summary>Predict a number (<c>regression</c>).</summary>
    Regression,
    /// <summary>Predict a time series' future values (<c>forecasting</c>).</summary>
    Forecasting,
}

/// <summary>How AutoML featurises the data (<c>featurization.mode</c>).</summary>
public enum FeaturizationMode
{
    /// <summary>AutoML decides (<c>auto</c>): missing values, categorical encoding, text, date parts.</summary>
    Auto,
    /// <summary>Auto, adjusted by <see cref="AutoMLFeaturization.TransformerParams"/> and <see cref="AutoMLFeaturization.BlockedTransformers"/> (<c>custom</c>).</summary>
    Custom,
    /// <summary>No featurisation (<c>off</c>): every column must already be numeric. Not for forecasting.</summary>
    Off,
}

/// <summary>
/// An automated ML job (azure-ai-ml's <c>AutoMLJob</c>, YAML <c>type: automl</c>): AutoML featurises the training data,
/// tries learners and hyperparameters, and keeps the best model by <see cref="PrimaryMetric"/>. Built with
/// <see cref="Classification"/>, <see cref="Regression"/> or <see cref="Forecasting"/>, or read from YAML with
/// <see cref="Job.Load(string, IEnumerable{string}?)"/>. On the local workspace the <c>AzureMlSdk.AutoML</c> package runs it
/// (ML.NET learners); in Azure ML, Azure's own AutoML does.
/// </summary>
public sealed class AutoMLJob : JobDefinition
{
    /// <inheritdoc />
    public override JobType Type => JobType.AutoML;

    /// <summary>The task (<c>task</c>).</summary>
    public AutoMLTask Task { get; init; }

    /// <summary>The training data (<c>training_data</c>): a CSV file (<c>uri_file</c>), an MLTable folder (<c>mltable</c>) or a data asset.</summary>
    public Input? TrainingData { get; init; }

    /// <summary>Validation data (<c>validation_data</c>); when absent AutoML splits the training data or cross-validates.</summary>
    public Input? ValidationData { get; init; }

    /// <summary>Test data (<c>test_data</c>), scored with the best model at the end.</summary>
    public Input? TestData { get; init; }

    /// <summary>The column to predict (<c>target_column_name</c>).</summary>
    public string? TargetColumnName { get; init; }

    /// <summary>
    /// The metric that ranks trials (<c>primary_metric</c>), by Azure's name: classification <c>accuracy</c>,
    /// <c>AUC_weighted</c>, <c>average_precision_score_weighted</c>, <c>norm_macro_recall</c>, <c>precision_score_weighted</c>;
    /// regression and forecasting <c>spearman_correlation</c>, <c>normalized_root_mean_squared_error</c>, <c>r2_score</c>,
    /// <c>normalized_mean_absolute_error</c>. Null means the task's default (accuracy, normalized RMSE).
    /// </summary>
    public string? PrimaryMetric { get; init; }

    /// <summary>The number of cross-validation folds (<c>n_cross_validations</c>) when no validation data is given; null: a split (or auto).</summary>
    public int? NCrossValidations { get; init; }

    /// <summary><c>n_cross_validations: auto</c>: AutoML chooses folds or a split by the data's size.</summary>
    public bool AutoCrossValidations { get; init; }

    /// <summary>The fraction of the training data held out for validation (<c>validation_data_size</c>, 0 to 1 exclusive).</summary>
    public double? ValidationDataSize { get; init; }

    /// <summary>The fraction of the training data held out as test data (<c>test_data_size</c>, 0 to 1 exclusive).</summary>
    public double? TestDataSize { get; init; }

    /// <summary>A column of sample weights (<c>weight_column_name</c>).</summary>
    public string? WeightColumnName { get; init; }

    /// <summary>The positive class for binary metrics (<c>positive_label</c>, classification).</summary>
    public string? PositiveLabel { get; init; }

    /// <summary>Columns that hold a custom cross-validation split (<c>cv_split_column_names</c>).</summary>
    public IList<string> CvSplitColumnNames { get; init; } = [];

    /// <summary>Log verbosity (<c>log_verbosity</c>: not_set, debug, info, warning, error, critical).</summary>
    public string? LogVerbosity { get; init; }

    /// <summary>Featurisation (<c>featurization</c>).</summary>
    public AutoMLFeaturization Featurization { get; init; } = new();

    /// <summary>Limits (<c>limits</c>).</summary>
    public AutoMLLimits Limits { get; init; } = new();

    /// <summary>Which learners are tried and the ensembles (<c>training</c>).</summary>
    public AutoMLTraining Training { get; init; } = new();

    /// <summary>Forecasting settings (<c>forecasting</c>); required for <see cref="AutoMLTask.Forecasting"/>.</summary>
    public ForecastingSettings? ForecastingSettings { get; init; }

    /// <summary>Outputs (<c>outputs</c>), e.g. <c>best_model</c>.</summary>
    public IDictionary<string, Output> Outputs { get; init; } = new Dictionary<string, Output>(StringComparer.Ordinal);

    /// <summary>Environment variables of the AutoML run (<c>environment_variables</c>).</summary>
    public IDictionary<string, string> EnvironmentVariables { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The classification job of azure-ai-ml's <c>automl.classification(...)</c>.</summary>
    /// <param name="trainingData">A CSV file (<see cref="Input.UriFile"/>), an MLTable folder or a data asset.</param>
    /// <param name="targetColumn">The column to predict.</param>
    /// <param name="primaryMetric">Azure's metric name (default <c>accuracy</c>).</param>
    /// <param name="validationData">Validation data; null to split or cross-validate the training data.</param>
    /// <param name="nCrossValidations">Folds when there is no validation data.</param>
    /// <param name="experimentName">The experiment of the job's run.</param>
    public static AutoMLJob Classification(Input trainingData, string targetColumn, string primaryMetric = "accuracy",
        Input? validationData = null, int? nCrossValidations = null, string? experimentName = null) =>
        Create(AutoMLTask.Classification, trainingData, targetColumn, primaryMetric, validationData, nCrossValidations, experimentName, null);

    /// <summary>The regression job of azure-ai-ml's <c>automl.regression(...)</c>.</summary>
    /// <param name="trainingData">A CSV file (<see cref="Input.UriFile"/>), an MLTable folder or a data asset.</param>
    /// <param name="targetColumn">The column to predict (numeric).</param>
    /// <param name="primaryMetric">Azure's metric name (default <c>normalized_root_mean_squared_error</c>).</param>
    /// <param name="validationData">Validation data; null to split or cross-validate the training data.</param>
    /// <param name="nCrossValidations">Folds when there is no validation data.</param>
    /// <param name="experimentName">The experiment of the job's run.</param>
    public static AutoMLJob Regression(Input trainingData, string targetColumn, string primaryMetric = "normalized_root_mean_squared_error",
        Input? validationData = null, int? nCrossValidations = null, string? experimentName = null) =>
        Create(AutoMLTask.Regression, trainingData, targetColumn, primaryMetric, validationData, nCrossValidations, experimentName, null);

    /// <summary>The forecasting job of azure-ai-ml's <c>automl.forecasting(...)</c> with its <c>set_forecast_settings</c>.</summary>
    /// <param name="trainingData">A CSV file (<see cref="Input.UriFile"/>), an MLTable folder or a data asset.</param>
    /// <param name="targetColumn">The column to forecast (numeric).</param>
    /// <param name="timeColumn">The time column.</param>
    /// <param name="forecastHorizon">How many periods ahead to forecast.</param>
    /// <param name="primaryMetric">Azure's metric name (default <c>normalized_root_mean_squared_error</c>).</param>
    /// <param name="timeSeriesIdColumns">Columns identifying each series when the data holds several.</param>
    /// <param name="nCrossValidations">Rolling-origin folds.</param>
    /// <param name="experimentName">The experiment of the job's run.</param>
    public static AutoMLJob Forecasting(Input trainingData, string targetColumn, string timeColumn, int forecastHorizon,
        string primaryMetric = "normalized_root_mean_squared_error", IEnumerable<string>? timeSeriesIdColumns = null,
        int? nCrossValidations = null, string? experimentName = null) =>
        Create(AutoMLTask.Forecasting, trainingData, targetColumn, primaryMetric, null, nCrossValidations, experimentName, new ForecastingSettings
        {
            TimeColumnName = timeColumn,
            ForecastHorizon = forecastHorizon,
            TimeSeriesIdColumnNames = timeSeriesIdColumns?.ToList() ?? [],
        });

    private static AutoMLJob Create(AutoMLTask task, Input trainingData, string targetColumn, string primaryMetric, Input? validationData,
        int? nCrossValidations, string? experimentName, ForecastingSettings? forecasting)
    {
        ArgumentNullException.ThrowIfNull(trainingData);
        ArgumentException.ThrowIfNullOrWhiteSpace(targetColumn);
        ArgumentException.ThrowIfNullOrWhiteSpace(primaryMetric);
        var job = new AutoMLJob
        {
            Task = task,
            TrainingData = trainingData,
            TargetColumnName = targetColumn,
            PrimaryMetric = AutoMLNames.CanonicalMetric(task, primaryMetric) ?? primaryMetric,
            ValidationData = validationData,
            NCrossValidations = nCrossValidations,
            ExperimentName = experimentName,
            ForecastingSettings = forecasting,
        };
        job.Validate();
        return job;
    }

    /// <summary>A copy with another name, compute and data inputs (the job engine stores a job with its inputs resolved).</summary>
    internal AutoMLJob With(string? name, string? compute, Input? trainingData, Input? validationData, Input? testData) => new()
    {
        Name = name,
        DisplayName = DisplayName,
        ExperimentName = ExperimentName,
        Description = Description,
        Tags = new Dictionary<string, string>(Tags, StringComparer.Ordinal),
        Properties = new Dictionary<string, string>(Properties, StringComparer.Ordinal),
        Compute = compute,
        Identity = Identity,
        Services = new Dictionary<string, JobService>(Services, StringComparer.Ordinal),
        Source = Source,
        Task = Task,
        TrainingData = trainingData,
        ValidationData = validationData,
        TestData = testData,
        TargetColumnName = TargetColumnName,
        PrimaryMetric = PrimaryMetric,
        NCrossValidations = NCrossValidations,
        AutoCrossValidations = AutoCrossValidations,
        ValidationDataSize = ValidationDataSize,
        TestDataSize = TestDataSize,
        WeightColumnName = WeightColumnName,
        PositiveLabel = PositiveLabel,
        CvSplitColumnNames = [.. CvSplitColumnNames],
        LogVerbosity = LogVerbosity,
        Featurization = Featurization,
        Limits = Limits,
        Training = Training,
        ForecastingSettings = ForecastingSettings,
        Outputs = new Dictionary<string, Output>(Outputs, StringComparer.Ordinal),
        EnvironmentVariables = new Dictionary<string, string>(EnvironmentVariables, StringComparer.Ordinal),
    };

    /// <summary><see cref="PrimaryMetric"/>, or the task's default, by Azure's name.</summary>
    public string EffectivePrimaryMetric => PrimaryMetric is { } m ? AutoMLNames.CanonicalMetric(Task, m) ?? m
        : Task == AutoMLTask.Classification ? "accuracy" : "normalized_root_mean_squared_error";

    /// <summary>The learners (Azure's names) this job may try: <see cref="AutoMLTraining.AllowedTrainingAlgorithms"/> (or all of the task's) less the blocked ones.</summary>
    public IReadOnlyList<string> EffectiveAlgorithms
    {
        get
        {
            var all = AutoMLNames.Algorithms(Task);
            var allowed = Training.AllowedTrainingAlgorithms.Count > 0
                ? Training.AllowedTrainingAlgorithms.Select(a => AutoMLNames.CanonicalAlgorithm(Task, a)).OfType<string>().ToList()
                : all.ToList();
            var blocked = Training.BlockedTrainingAlgorithms.Select(a => AutoMLNames.CanonicalAlgorithm(Task, a)).OfType<string>().ToHashSet(StringComparer.Ordinal);
            return allowed.Where(a => !blocked.Contains(a)).Distinct(StringComparer.Ordinal).ToList();
        }
    }

    internal override void CollectProblems(Problems problems)
    {
        base.CollectProblems(problems);
        if (TrainingData is null)
        {
            problems.Add("training_data", "an AutoML job needs 'training_data' (a CSV file, an MLTable folder or a data asset).");
        }
        CheckData(problems, "training_data", TrainingData);
        CheckData(problems, "validation_data", ValidationData);
        CheckData(problems, "test_data", TestData);
        if (string.IsNullOrWhiteSpace(TargetColumnName))
        {
            problems.Add("target_column_name", "an AutoML job needs 'target_column_name': the column to predict.");
        }
        if (PrimaryMetric is { } metric && AutoMLNames.CanonicalMetric(Task, metric) is null)
        {
            problems.Add("primary_metric", $"'{metric}' is not a {AutoMLNames.Word(Task)} primary metric; use one of {string.Join(", ", AutoMLNames.Metrics(Task))}.{Suggest(metric, AutoMLNames.Metrics(Task))}");
        }
        if (NCrossValidations is { } folds && (folds < 2 || folds > 100))
        {
            problems.Add("n_cross_validations", Invariant($"'n_cross_validations' must be between 2 and 100 (or auto), not {folds}."));
        }
        if (NCrossValidations is not null && ValidationData is not null)
        {
            problems.Add("n_cross_validations", "give either 'validation_data' or 'n_cross_validations', not both.");
        }
        if (ValidationDataSize is { } vs)
        {
            if (vs is <= 0 or >= 1 || double.IsNaN(vs))
            {
                problems.Add("validation_data_size", Invariant($"'validation_data_size' must be between 0 and 1 (exclusive), not {vs}."));
            }
            if (ValidationData is not null)
            {
                problems.Add("validation_data_size", "give either 'validation_data' or 'validation_data_size', not both.");
            }
            if (NCrossValidations is not null)
            {
                problems.Add("validation_data_size", "give either 'n_cross_validations' or 'validation_data_size', not both.");
            }
        }
        if (TestDataSize is { } ts && (ts is <= 0 or >= 1 || double.IsNaN(ts)))
        {
            problems.Add("test_data_size", Invariant($"'test_data_size' must be between 0 and 1 (exclusive), not {ts}."));
        }
        if (TestDataSize is not null && TestData is not null)
        {
            problems.Add("test_data_size", "give either 'test_data' or 'test_data_size', not both.");
        }
        if (PositiveLabel is not null && Task != AutoMLTask.Classification)
        {
            problems.Add("positive_label", "'positive_label' applies to classification only.");
        }
        if (LogVerbosity is { } verbosity && !AutoMLNames.LogVerbosities.ContainsKey(verbosity))
        {
            problems.Add("log_verbosity", $"'log_verbosity' must be one of {string.Join(", ", AutoMLNames.LogVerbosities.Keys)}, not '{verbosity}'.");
        }
        Featurization.CollectProblems(problems, Task);
        Limits.CollectProblems(problems);
        Training.CollectProblems(problems, Task);
        if (Task == AutoMLTask.Forecasting)
        {
            if (ForecastingSettings is null)
            {
                problems.Add("forecasting", "a forecasting job needs 'forecasting' settings: time_column_name and forecast_horizon at least.");
            }
            else
            {
                ForecastingSettings.CollectProblems(problems, TargetColumnName);
            }
        }
        else if (ForecastingSettings is not null)
        {
            problems.Add("forecasting", $"'forecasting' settings apply to forecasting jobs only, not {AutoMLNames.Word(Task)}.");
        }
        foreach (var name in Outputs.Keys.Where(n => string.IsNullOrWhiteSpace(n)))
        {
            problems.Add("outputs", "an output name must not be empty.");
        }
    }

    private static void CheckData(Problems problems, string key, Input? input)
    {
        if (input is null)
        {
            return;
        }
        if (input.IsLiteral)
        {
            problems.Add(key, $"'{key}' must be data (a uri_file CSV, an mltable folder or a data asset), not the literal '{input.LiteralText}'.");
            return;
        }
        if (input.Type is not (InputType.MLTable or InputType.UriFile or InputType.UriFolder))
        {
            problems.Add($"{key}.type", $"'{key}' must be mltable, uri_file or uri_folder, not {YamlNames.Of(input.Type)}.");
        }
        if (input.Reference is { IsRemote: false } && input.Path is { } path)
        {
            var exists = input.Type == InputType.UriFile ? File.Exists(path) : Directory.Exists(path) || File.Exists(path);
            if (!exists)
            {
                problems.Add($"{key}.path", $"'{key}' is the local path '{path}', which does not exist.");
            }
            else if (input.Type == InputType.MLTable && Directory.Exists(path) && !File.Exists(System.IO.Path.Combine(path, "MLTable")))
            {
                problems.Add($"{key}.path", $"'{key}' is an mltable folder without an 'MLTable' file: '{path}'.");
            }
        }
    }

    internal static string Suggest(string value, IEnumerable<string> known) => global::AzureMlSdk.Jobs.Yaml.Suggest.DidYouMean(value, known);

    internal static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>One custom transformer setting (<c>featurization.transformer_params.&lt;name&gt;[i]</c>): the columns and the parameters.</summary>
public sealed class ColumnTransformer
{
    /// <summary>The columns it applies to (<c>fields</c>).</summary>
    public IList<string> Fields { get; init; } = [];

    /// <summary>Its parameters (<c>parameters</c>), e.g. <c>strategy: median</c> for the imputer, <c>number_of_bits: 8</c> for hashing.</summary>
    public IDictionary<string, object?> Parameters { get; init; } = new Dictionary<string, object?>(StringComparer.Ordinal);
}

/// <summary>AutoML featurisation (<c>featurization</c>).</summary>
public sealed class AutoMLFeaturization
{
    /// <summary>Transformers whose parameters can be set (<c>transformer_params</c> keys).</summary>
    public static IReadOnlyList<string> TransformerNames { get; } = ["imputer", "hash_one_hot_encoder"];

    /// <summary>The mode (<c>mode</c>).</summary>
    public FeaturizationMode Mode { get; init; } = FeaturizationMode.Auto;

    /// <summary>
    /// Per-transformer settings (<c>transformer_params</c>): <c>imputer</c> (<c>strategy</c>: mean, median, most_frequent,
    /// constant with <c>fill_value</c>), <c>hash_one_hot_encoder</c> (<c>number_of_bits</c>). Custom mode only.
    /// </summary>
    public IDictionary<string, IList<ColumnTransformer>> TransformerParams { get; init; } = new Dictionary<string, IList<ColumnTransformer>>(StringComparer.Ordinal);

    /// <summary>Transformers not to use (<c>blocked_transformers</c>, Azure's names: OneHotEncoder, HashOneHotEncoder, TfIdf, …).</summary>
    public IList<string> BlockedTransformers { get; init; } = [];

    /// <summary>Column purposes (<c>column_name_and_types</c>): column → Numeric, Categorical, Text, DateTime, Ignore.</summary>
    public IDictionary<string, string> ColumnNameAndTypes { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The language of text columns (<c>dataset_language</c>, a 3-letter ISO code).</summary>
    public string? DatasetLanguage { get; init; }

    /// <summary>The column purposes AutoML knows (<see cref="ColumnNameAndTypes"/> values).</summary>
    public static IReadOnlyList<string> ColumnPurposes { get; } = ["Numeric", "Categorical", "Text", "DateTime", "Ignore"];

    internal void CollectProblems(Problems problems, AutoMLTask task)
    {
        if (Mode == FeaturizationMode.Off && task == AutoMLTask.Forecasting)
        {
            problems.Add("featurization.mode", "forecasting needs featurisation (lags, rolling windows, date parts): use mode auto or custom, not off.");
        }
        if (Mode != FeaturizationMode.Custom && (TransformerParams.Count > 0 || BlockedTransformers.Count > 0 || ColumnNameAndTypes.Count > 0))
        {
            problems.Add("featurization.mode", "transformer_params, blocked_transformers and column_name_and_types need 'mode: custom'.");
        }
        foreach (var (name, settings) in TransformerParams)
        {
            if (!TransformerNames.Contains(name))
            {
                problems.Add($"featurization.transformer_params.{name}", $"unknown transformer '{name}'; transformer_params takes {string.Join(", ", TransformerNames)}.{AutoMLJob.Suggest(name, TransformerNames)}");
                continue;
            }
            for (var i = 0; i < settings.Count; i++)
            {
                var at = AutoMLJob.Invariant($"featurization.transformer_params.{name}[{i}]");
                var s = settings[i];
                if (s.Fields.Count == 0)
                {
                    problems.Add(at, $"'{at}.fields' must name at least one column.");
                }
                foreach (var key in s.Parameters.Keys)
                {
                    var allowed = name == "imputer" ? new[] { "strategy", "fill_value" } : ["number_of_bits"];
                    if (!allowed.Contains(key))
                    {
                        problems.Add(at, $"unknown parameter '{key}' of {name}; it takes {string.Join(", ", allowed)}.");
                    }
                }
                if (name == "imputer" && s.Parameters.TryGetValue("strategy", out var strategy) && strategy is not ("mean" or "median" or "most_frequent" or "constant"))
                {
                    problems.Add(at, $"imputer strategy must be mean, median, most_frequent or constant, not '{strategy}'.");
                }
                if (name == "hash_one_hot_encoder" && s.Parameters.TryGetValue("number_of_bits", out var bits) && bits is not (long and >= 1 and <= 30) && bits is not (int and >= 1 and <= 30))
                {
                    problems.Add(at, $"hash_one_hot_encoder number_of_bits must be an integer from 1 to 30, not '{bits}'.");
                }
            }
        }
        foreach (var t in BlockedTransformers)
        {
            if (AutoMLNames.Canonical(t, AutoMLNames.Transformers) is null)
            {
                problems.Add("featurization.blocked_transformers", $"unknown transformer '{t}'; Azure's are {string.Join(", ", AutoMLNames.Transformers)}.{AutoMLJob.Suggest(t, AutoMLNames.Transformers)}");
            }
        }
        foreach (var (column, purpose) in ColumnNameAndTypes)
        {
            if (AutoMLNames.Canonical(purpose, ColumnPurposes) is null)
            {
                problems.Add($"featurization.column_name_and_types.{column}", $"column purpose '{purpose}' must be one of {string.Join(", ", ColumnPurposes)}.");
            }
        }
    }
}

/// <summary>AutoML limits (<c>limits</c>).</summary>
public sealed class AutoMLLimits
{
    /// <summary>The most trials (<c>max_trials</c>, default 1000).</summary>
    public int MaxTrials { get; init; } = 1000;

    /// <summary>Trials run at once (<c>max_concurrent_trials</c>, default 1).</summary>
    public int MaxConcurrentTrials { get; init; } = 1;

    /// <summary>Cores per trial (<c>max_cores_per_trial</c>, -1: all).</summary>
    public int MaxCoresPerTrial { get; init; } = -1;

    /// <summary>The whole job's budget in minutes (<c>timeout_minutes</c>, default 360).</summary>
    public double TimeoutMinutes { get; init; } = 360;

    /// <summary>One trial's budget in minutes (<c>trial_timeout_minutes</c>, default 30).</summary>
    public double TrialTimeoutMinutes { get; init; } = 30;

    /// <summary>Stop when the primary metric has not improved for 20 trials (<c>enable_early_termination</c>, default true).</summary>
    public bool EnableEarlyTermination { get; init; } = true;

    /// <summary>Stop as soon as a trial reaches this primary-metric score (<c>exit_score</c>).</summary>
    public double? ExitScore { get; init; }

    internal void CollectProblems(Problems problems)
    {
        if (MaxTrials < 1)
        {
            problems.Add("limits.max_trials", AutoMLJob.Invariant($"'limits.max_trials' must be at least 1, not {MaxTrials}."));
        }
        if (MaxConcurrentTrials < 1)
        {
            problems.Add("limits.max_concurrent_trials", AutoMLJob.Invariant($"'limits.max_concurrent_trials' must be at least 1, not {MaxConcurrentTrials}."));
        }
        if (MaxCoresPerTrial is 0 or < -1)
        {
            problems.Add("limits.max_cores_per_trial", AutoMLJob.Invariant($"'limits.max_cores_per_trial' must be -1 (all) or at least 1, not {MaxCoresPerTrial}."));
        }
        if (!(TimeoutMinutes > 0) || double.IsInfinity(TimeoutMinutes))
        {
            problems.Add("limits.timeout_minutes", AutoMLJob.Invariant($"'limits.timeout_minutes' must be positive, not {TimeoutMinutes}."));
        }
        if (!(TrialTimeoutMinutes > 0) || double.IsInfinity(TrialTimeoutMinutes))
        {
            problems.Add("limits.trial_timeout_minutes", AutoMLJob.Invariant($"'limits.trial_timeout_minutes' must be positive, not {TrialTimeoutMinutes}."));
        }
        if (ExitScore is { } e && !double.IsFinite(e))
        {
            problems.Add("limits.exit_score", "'limits.exit_score' must be a finite number.");
        }
    }
}

/// <summary>AutoML training settings (<c>training</c>).</summary>
public sealed class AutoMLTraining
{
    /// <summary>Only these learners (<c>allowed_training_algorithms</c>, Azure's names: LightGBM, LogisticRegression, RandomForest, …).</summary>
    public IList<string> AllowedTrainingAlgorithms { get; init; } = [];

    /// <summary>Never these learners (<c>blocked_training_algorithms</c>).</summary>
    public IList<string> BlockedTrainingAlgorithms { get; init; } = [];

    /// <summary>A soft-voting ensemble of the best trials as the last trial (<c>enable_vote_ensemble</c>, default true).</summary>
    public bool EnableVoteEnsemble { get; init; } = true;

    /// <summary>A stack ensemble (<c>enable_stack_ensemble</c>); kept for Azure, not run locally.</summary>
    public bool EnableStackEnsemble { get; init; }

    /// <summary>Only learners whose models export to ONNX (<c>enable_onnx_compatible_models</c>); every local learner does.</summary>
    public bool EnableOnnxCompatibleModels { get; init; }

    /// <summary>Explain the best model (<c>enable_model_explainability</c>); kept for Azure.</summary>
    public bool EnableModelExplainability { get; init; } = true;

    /// <summary>Allow deep-learning models (<c>enable_dnn_training</c>); kept for Azure.</summary>
    public bool EnableDnnTraining { get; init; }

    internal void CollectProblems(Problems problems, AutoMLTask task)
    {
        Check(problems, task, "training.allowed_training_algorithms", AllowedTrainingAlgorithms);
        Check(problems, task, "training.blocked_training_algorithms", BlockedTrainingAlgorithms);
        if (AllowedTrainingAlgorithms.Count > 0)
        {
            var blocked = BlockedTrainingAlgorithms.Select(a => AutoMLNames.CanonicalAlgorithm(task, a)).ToHashSet();
            if (AllowedTrainingAlgorithms.All(a => blocked.Contains(AutoMLNames.CanonicalAlgorithm(task, a))))
            {
                problems.Add("training.blocked_training_algorithms", "every allowed training algorithm is also blocked: nothing is left to try.");
            }
        }
    }

    private static void Check(Problems problems, AutoMLTask task, string key, IList<string> names)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (AutoMLNames.CanonicalAlgorithm(task, names[i]) is null)
            {
                problems.Add(AutoMLJob.Invariant($"{key}[{i}]"), $"unknown {AutoMLNames.Word(task)} algorithm '{names[i]}'; Azure's are {string.Join(", ", AutoMLNames.Algorithms(task))}.{AutoMLJob.Suggest(names[i], AutoMLNames.Algorithms(task))}");
            }
        }
    }
}

/// <summary>Forecasting settings (<c>forecasting</c>, azure-ai-ml's <c>set_forecast_settings</c>).</summary>
public sealed class ForecastingSettings
{
    /// <summary>The time column (<c>time_column_name</c>).</summary>
    public string? TimeColumnName { get; init; }

    /// <summary>Periods ahead to forecast (<c>forecast_horizon</c>); null with <see cref="AutoForecastHorizon"/> false means 1.</summary>
    public int? ForecastHorizon { get; init; }

    /// <summary><c>forecast_horizon: auto</c>.</summary>
    public bool AutoForecastHorizon { get; init; }

    /// <summary>Columns identifying each series (<c>time_series_id_column_names</c>).</summary>
    public IList<string> TimeSeriesIdColumnNames { get; init; } = [];

    /// <summary>Lags of the target used as features (<c>target_lags</c>); empty and not auto: none.</summary>
    public IList<int> TargetLags { get; init; } = [];

    /// <summary><c>target_lags: auto</c>.</summary>
    public bool AutoTargetLags { get; init; }

    /// <summary>The rolling window over the target (mean, min, max) as features (<c>target_rolling_window_size</c>).</summary>
    public int? TargetRollingWindowSize { get; init; }

    /// <summary><c>target_rolling_window_size: auto</c>.</summary>
    public bool AutoTargetRollingWindowSize { get; init; }

    /// <summary>The series' frequency (<c>frequency</c>, pandas offset alias: D, H, W, MS…); null: inferred.</summary>
    public string? Frequency { get; init; }

    /// <summary>Periods between rolling-origin folds (<c>cv_step_size</c>).</summary>
    public int? CvStepSize { get; init; }

    /// <summary>Seasonality in periods (<c>seasonality</c>); null: auto.</summary>
    public int? Seasonality { get; init; }

    /// <summary>Lags of the features (<c>feature_lags</c>: none or auto).</summary>
    public string? FeatureLags { get; init; }

    /// <summary>Short series handling (<c>short_series_handling_config</c>: auto, pad, drop, none).</summary>
    public string? ShortSeriesHandlingConfig { get; init; }

    /// <summary>Aggregation to the frequency (<c>target_aggregate_function</c>: sum, max, min, mean).</summary>
    public string? TargetAggregateFunction { get; init; }

    /// <summary>Country or region for holiday features (<c>country_or_region_for_holidays</c>).</summary>
    public string? CountryOrRegionForHolidays { get; init; }

    /// <summary>STL decomposition (<c>use_stl</c>: season, season_trend).</summary>
    public string? UseStl { get; init; }

    internal void CollectProblems(Problems problems, string? target)
    {
        if (string.IsNullOrWhiteSpace(TimeColumnName))
        {
            problems.Add("forecasting.time_column_name", "a forecasting job needs 'forecasting.time_column_name'.");
        }
        if (ForecastHorizon is < 1)
        {
            problems.Add("forecasting.forecast_horizon", AutoMLJob.Invariant($"'forecasting.forecast_horizon' must be at least 1 (or auto), not {ForecastHorizon}."));
        }
        foreach (var lag in TargetLags.Where(l => l < 1))
        {
            problems.Add("forecasting.target_lags", AutoMLJob.Invariant($"target lags must be at least 1, not {lag}."));
        }
        if (TargetRollingWindowSize is < 2)
        {
            problems.Add("forecasting.target_rolling_window_size", AutoMLJob.Invariant($"'forecasting.target_rolling_window_size' must be at least 2, not {TargetRollingWindowSize}."));
        }
        if (CvStepSize is < 1)
        {
            problems.Add("forecasting.cv_step_size", AutoMLJob.Invariant($"'forecasting.cv_step_size' must be at least 1, not {CvStepSize}."));
        }
        if (Seasonality is < 1)
        {
            problems.Add("forecasting.seasonality", AutoMLJob.Invariant($"'forecasting.seasonality' must be at least 1 (or auto), not {Seasonality}."));
        }
        if (target is not null && (TimeColumnName == target || TimeSeriesIdColumnNames.Contains(target)))
        {
            problems.Add("forecasting", $"the target column '{target}' cannot also be the time column or a series id column.");
        }
        CheckWord(problems, "forecasting.feature_lags", FeatureLags, ["none", "auto"]);
        CheckWord(problems, "forecasting.short_series_handling_config", ShortSeriesHandlingConfig, ["auto", "pad", "drop", "none"]);
        CheckWord(problems, "forecasting.target_aggregate_function", TargetAggregateFunction, ["sum", "max", "min", "mean", "none"]);
        CheckWord(problems, "forecasting.use_stl", UseStl, ["season", "season_trend", "none"]);
    }

    private static void CheckWord(Problems problems, string key, string? value, string[] words)
    {
        if (value is not null && !words.Contains(value, StringComparer.OrdinalIgnoreCase))
        {
            problems.Add(key, $"'{key}' must be one of {string.Join(", ", words)}, not '{value}'.");
        }
    }
}

/// <summary>Azure's names for AutoML's metrics, algorithms and transformers, and the spellings az ml accepts for them.</summary>
internal static class AutoMLNames
{
    public static readonly string[] ClassificationMetrics = ["accuracy", "AUC_weighted", "average_precision_score_weighted", "norm_macro_recall", "precision_score_weighted"];

    public static readonly string[] RegressionMetrics = ["spearman_correlation", "normalized_root_mean_squared_error", "r2_score", "normalized_mean_absolute_error"];

    /// <summary>ARM's enum value of each metric (ClassificationPrimaryMetrics, RegressionPrimaryMetrics).</summary>
    public static readonly Dictionary<string, string> ArmMetrics = new(StringComparer.Ordinal)
    {
        ["accuracy"] = "Accuracy",
        ["AUC_weighted"] = "AUCWeighted",
        ["average_precision_score_weighted"] = "AveragePrecisionScoreWeighted",
        ["norm_macro_recall"] = "NormMacroRecall",
        ["precision_score_weighted"] = "PrecisionScoreWeighted",
        ["spearman_correlation"] = "SpearmanCorrelation",
        ["normalized_root_mean_squared_error"] = "NormalizedRootMeanSquaredError",
        ["r2_score"] = "R2Score",
        ["normalized_mean_absolute_error"] = "NormalizedMeanAbsoluteError",
    };

    public static readonly string[] ClassificationAlgorithms =
        ["LogisticRegression", "SGD", "MultinomialNaiveBayes", "BernoulliNaiveBayes", "SVM", "LinearSVM", "KNN", "DecisionTree", "RandomForest", "ExtremeRandomTrees", "LightGBM", "GradientBoosting", "XGBoostClassifier"];

    public static readonly string[] RegressionAlgorithms =
        ["ElasticNet", "GradientBoosting", "DecisionTree", "KNN", "LassoLars", "SGD", "RandomForest", "ExtremeRandomTrees", "LightGBM", "XGBoostRegressor"];

    public static readonly string[] ForecastingAlgorithms =
        ["AutoArima", "Prophet", "Naive", "SeasonalNaive", "Average", "SeasonalAverage", "ExponentialSmoothing", "Arimax", "TCNForecaster",
         "ElasticNet", "GradientBoosting", "DecisionTree", "KNN", "LassoLars", "SGD", "RandomForest", "ExtremeRandomTrees", "LightGBM", "XGBoostRegressor"];

    public static readonly string[] Transformers =
        ["TextTargetEncoder", "OneHotEncoder", "CatTargetEncoder", "TfIdf", "WoETargetEncoder", "LabelEncoder", "WordEmbedding", "NaiveBayes", "CountVectorizer", "HashOneHotEncoder"];

    public static readonly Dictionary<string, string> LogVerbosities = new(StringComparer.OrdinalIgnoreCase)
    {
        ["not_set"] = "NotSet",
        ["debug"] = "Debug",
        ["info"] = "Info",
        ["warning"] = "Warning",
        ["error"] = "Error",
        ["critical"] = "Critical",
    };

    public static IReadOnlyList<string> Metrics(AutoMLTask task) => task == AutoMLTask.Classification ? ClassificationMetrics : RegressionMetrics;

    public static IReadOnlyList<string> Algorithms(AutoMLTask task) => task switch
    {
        AutoMLTask.Classification => ClassificationAlgorithms,
        AutoMLTask.Regression => RegressionAlgorithms,
        _ => ForecastingAlgorithms,
    };

    public static string Word(AutoMLTask task) => task switch
    {
        AutoMLTask.Classification => "classification",
        AutoMLTask.Regression => "regression",
        _ => "forecasting",
    };

    /// <summary>
    /// The canonical spelling of <paramref name="name"/> among <paramref name="names"/>, comparing without case and
    /// underscores (az ml's snake_case <c>light_gbm</c>, ARM's <c>LightGBM</c>, the metric <c>AUC_weighted</c> and
    /// ARM's <c>AUCWeighted</c> all match); null when none matches.
    /// </summary>
    public static string? Canonical(string name, IEnumerable<string> names)
    {
        var key = Key(name);
        return names.FirstOrDefault(n => Key(n) == key);
    }

    public static string? CanonicalMetric(AutoMLTask task, string name) => Canonical(name, Metrics(task));

    public static string? CanonicalAlgorithm(AutoMLTask task, string name) => Canonical(name, Algorithms(task));

    private static string Key(string name) => new(name.Where(c => c is not ('_' or '-' or ' ')).Select(char.ToLowerInvariant).ToArray());
}
