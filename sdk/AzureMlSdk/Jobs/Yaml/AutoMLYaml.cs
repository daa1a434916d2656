using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace AzureMlSdk.Jobs.Yaml;

/// <summary>az ml v2 <c>type: automl</c> YAML (azure-ai-ml's <c>AutoMLClassificationSchema</c>, regression, forecasting) → <see cref="AutoMLJob"/>.</summary>
internal static class AutoMLYaml
{
    internal static readonly string[] Keys =
    [
        .. JobYaml.CommonKeys, "task", "training_data", "validation_data", "test_data", "target_column_name", "primary_metric",
        "n_cross_validations", "validation_data_size", "test_data_size", "weight_column_name", "positive_label", "cv_split_column_names",
        "log_verbosity", "featurization", "limits", "training", "forecasting", "outputs", "environment_variables",
    ];

    private static readonly string[] FeaturizationKeys = ["mode", "transformer_params", "blocked_transformers", "column_name_and_types", "dataset_language", "enable_dnn_featurization"];

    private static readonly string[] LimitKeys = ["max_trials", "max_concurrent_trials", "max_cores_per_trial", "timeout_minutes", "trial_timeout_minutes", "enable_early_termination", "exit_score", "max_nodes"];

    private static readonly string[] TrainingKeys =
    [
        "allowed_training_algorithms", "blocked_training_algorithms", "enable_vote_ensemble", "enable_stack_ensemble", "enable_onnx_compatible_models",
        "enable_model_explainability", "enable_dnn_training", "ensemble_model_download_timeout", "stack_ensemble_settings", "training_mode",
    ];

    private static readonly string[] ForecastingKeys =
    [
        "time_column_name", "forecast_horizon", "time_series_id_column_names", "target_lags", "target_rolling_window_size", "frequency",
        "cv_step_size", "seasonality", "feature_lags", "short_series_handling_config", "target_aggregate_function",
        "country_or_region_for_holidays", "use_stl", "features_unknown_at_forecast_time",
    ];

    private static readonly Dictionary<string, AutoMLTask> Tasks = new(StringComparer.Ordinal)
    {
        ["classification"] = AutoMLTask.Classification,
        ["regression"] = AutoMLTask.Regression,
        ["forecasting"] = AutoMLTask.Forecasting,
    };

    private static readonly Dictionary<string, FeaturizationMode> Modes = new(StringComparer.Ordinal)
    {
        ["auto"] = FeaturizationMode.Auto,
        ["custom"] = FeaturizationMode.Custom,
        ["off"] = FeaturizationMode.Off,
    };

    private static readonly string[] OtherTasks = ["image_classification", "image_classification_multilabel", "image_object_detection", "image_instance_segmentation", "text_classification", "text_classification_multilabel", "text_ner"];

    public static AutoMLJob Read(YamlContext context, YamlMap map)
    {
        var common = JobYaml.ReadCommon(map);
        AutoMLTask task = AutoMLTask.Classification;
        var taskText = map.RequiredString("task");
        if (taskText is not null)
        {
            if (OtherTasks.Contains(taskText.ToLowerInvariant()))
            {
                map.Report("task", $"AutoML task '{taskText}' (images, text) is not supported by AzureMlSdk; classification, regression and forecasting are.");
            }
            else if (map.Enum("task", Tasks) is { } t)
            {
                task = t;
            }
        }
        var primary = map.String("primary_metric");
        if (primary is not null && AutoMLNames.CanonicalMetric(task, primary) is null)
        {
            map.Report("primary_metric", $"'{primary}' is not a {AutoMLNames.Word(task)} primary metric; use one of {string.Join(", ", AutoMLNames.Metrics(task))}.{Suggest.DidYouMean(primary, AutoMLNames.Metrics(task))}");
            primary = null;
        }
        var (folds, autoFolds) = IntOrAuto(map, "n_cross_validations", 2);
        var featurization = ReadFeaturization(map, task);
        var limits = ReadLimits(map);
        var training = ReadTraining(map, task);
        var forecasting = map.Has("forecasting") ? ReadForecasting(map) : null;
        if (forecasting is not null && task != AutoMLTask.Forecasting)
        {
            map.Report("forecasting", $"'forecasting' settings apply to forecasting jobs only, not {AutoMLNames.Word(task)}.");
        }
        var verbosity = map.String("log_verbosity");
        if (verbosity is not null && !AutoMLNames.LogVerbosities.ContainsKey(verbosity))
        {
            map.Report("log_verbosity", $"'log_verbosity' must be one of {string.Join(", ", AutoMLNames.LogVerbosities.Keys)}, not '{verbosity}'.{Suggest.DidYouMean(verbosity, AutoMLNames.LogVerbosities.Keys)}");
            verbosity = null;
        }
        var job = new AutoMLJob
        {
            Name = common.Name,
            DisplayName = common.DisplayName,
            ExperimentName = common.ExperimentName,
            Description = common.Description,
            Tags = common.Tags,
            Properties = common.Properties,
            Compute = common.Compute,
            Identity = common.Identity,
            Services = common.Services,
            Source = context.Map,
            Task = task,
            TrainingData = ReadData(map, "training_data"),
            ValidationData = ReadData(map, "validation_data"),
            TestData = ReadData(map, "test_data"),
            TargetColumnName = map.RequiredString("target_column_name"),
            PrimaryMetric = primary is null ? null : AutoMLNames.CanonicalMetric(task, primary),
            NCrossValidations = folds,
            AutoCrossValidations = autoFolds,
            ValidationDataSize = map.Number("validation_data_size"),
            TestDataSize = map.Number("test_data_size"),
            WeightColumnName = map.String("weight_column_name"),
            PositiveLabel = map.String("positive_label"),
            CvSplitColumnNames = map.StringList("cv_split_column_names") ?? [],
            LogVerbosity = verbosity,
            Featurization = featurization,
            Limits = limits,
            Training = training,
            ForecastingSettings = task == AutoMLTask.Forecasting ? forecasting : null,
            Outputs = JobYaml.ReadOutputs(map, "outputs"),
            EnvironmentVariables = map.StringMap("environment_variables"),
        };
        if (context.Problems.Count > 0)
        {
            // The file has problems already: add the definition's own (a missing path, a bad imputer strategy) so that all are reported at once.
            var problems = new Problems(context.Map);
            job.CollectProblems(problems);
            foreach (var p in problems.Items.Where(p => !context.Problems.Any(q => q.Key == p.Key)))
            {
                context.Problems.Add(p);
            }
        }
        return job;
    }

    /// <summary>A data input: a mapping (<c>{type: mltable, path: …}</c>; mltable by default, as azure-ai-ml) or a bare path.</summary>
    private static Input? ReadData(YamlMap map, string key)
    {
        var node = map.Get(key);
        switch (node)
        {
            case null:
                return null;
            case YamlScalarNode s when YamlScalars.Value(s) is null:
                return null;
            case YamlScalarNode s:
                return Input.MLTable(map.Context.ResolvePath(s.Value!));
            case YamlMappingNode m:
                var hasType = m.Children.Keys.Any(k => k is YamlScalarNode { Value: "type" });
                var input = JobYaml.ReadInput(map.Context, key, node, map.Sub(key));
                return input is null || hasType ? input : Input.Data(InputType.MLTable, input.Path!, input.Mode, input.Description);
            default:
                map.Report(key, $"'{map.Sub(key)}' must be a data input ({{type: mltable, path: ./folder}}) or a path, not {YamlContext.Describe(node)}.");
                return null;
        }
    }

    /// <summary>An integer, or the word <c>auto</c>.</summary>
    private static (int? Value, bool Auto) IntOrAuto(YamlMap map, string key, int min)
    {
        if (map.Get(key) is YamlScalarNode s && YamlScalars.Value(s) is string word)
        {
            if (string.Equals(word, "auto", StringComparison.OrdinalIgnoreCase))
            {
                return (null, true);
            }
            map.Report(key, $"'{map.Sub(key)}' must be an integer or 'auto', not '{word}'.");
            return (null, false);
        }
        return (map.Int(key, min), false);
    }

    private static AutoMLFeaturization ReadFeaturization(YamlMap map, AutoMLTask task)
    {
        if (map.Map("featurization", "AutoML featurization", FeaturizationKeys) is not { } f)
        {
            return new AutoMLFeaturization();
        }
        var mode = f.Has("mode") ? f.Enum("mode", Modes) ?? FeaturizationMode.Auto : FeaturizationMode.Auto;
        var transformerParams = new Dictionary<string, IList<ColumnTransformer>>(StringComparer.Ordinal);
        foreach (var (name, _, value) in f.Entries("transformer_params"))
        {
            var at = $"{f.Sub("transformer_params")}.{name}";
            if (!AutoMLFeaturization.TransformerNames.Contains(name))
            {
                f.Context.Report(value, at, $"unknown transformer '{name}'; transformer_params takes {string.Join(", ", AutoMLFeaturization.TransformerNames)}.{Suggest.DidYouMean(name, AutoMLFeaturization.TransformerNames)}");
                continue;
            }
            if (value is not YamlSequenceNode list)
            {
                f.Context.Report(value, at, $"'{at}' must be a list of {{fields: [...], parameters: {{...}}}}, not {YamlContext.Describe(value)}.");
                continue;
            }
            var settings = new List<ColumnTransformer>();
            var i = 0;
            foreach (var item in list.Children)
            {
                var itemAt = string.Create(CultureInfo.InvariantCulture, $"{at}[{i++}]");
                if (f.Context.Mapping(item, itemAt, $"a {name} setting", ["fields", "parameters"]) is { } m)
                {
                    settings.Add(new ColumnTransformer
                    {
                        Fields = m.StringList("fields") ?? [],
                        Parameters = m.Get("parameters") is YamlMappingNode p ? YamlObjects.ToDictionary(p) : new Dictionary<string, object?>(StringComparer.Ordinal),
                    });
                }
            }
            transformerParams[name] = settings;
        }
        var blocked = f.StringList("blocked_transformers") ?? [];
        for (var i = 0; i < blocked.Count; i++)
        {
            if (AutoMLNames.Canonical(blocked[i], AutoMLNames.Transformers) is { } canonical)
            {
                blocked[i] = canonical;
            }
            else
            {
                f.Report("blocked_transformers", $"unknown transformer '{blocked[i]}' in 'featurization.blocked_transformers'; Azure's are {string.Join(", ", AutoMLNames.Transformers)}.{Suggest.DidYouMean(blocked[i], AutoMLNames.Transformers)}");
            }
        }
        var columnTypes = f.StringMap("column_name_and_types");
        foreach (var (column, purpose) in columnTypes.ToList())
        {
            if (AutoMLNames.Canonical(purpose, AutoMLFeaturization.ColumnPurposes) is { } canonical)
            {
                columnTypes[column] = canonical;
            }
        }
        _ = task;
        return new AutoMLFeaturization
        {
            Mode = mode,
            TransformerParams = transformerParams,
            BlockedTransformers = blocked,
            ColumnNameAndTypes = columnTypes,
            DatasetLanguage = f.String("dataset_language"),
        };
    }

    private static AutoMLLimits ReadLimits(YamlMap map)
    {
        if (map.Map("limits", "AutoML limits", LimitKeys) is not { } l)
        {
            return new AutoMLLimits();
        }
        var defaults = new AutoMLLimits();
        return new AutoMLLimits
        {
            MaxTrials = l.Int("max_trials", 1) ?? defaults.MaxTrials,
            MaxConcurrentTrials = l.Int("max_concurrent_trials", 1) ?? defaults.MaxConcurrentTrials,
            MaxCoresPerTrial = l.Int("max_cores_per_trial", -1) ?? defaults.MaxCoresPerTrial,
            TimeoutMinutes = Positive(l, "timeout_minutes") ?? defaults.TimeoutMinutes,
            TrialTimeoutMinutes = Positive(l, "trial_timeout_minutes") ?? defaults.TrialTimeoutMinutes,
            EnableEarlyTermination = l.Bool("enable_early_termination") ?? defaults.EnableEarlyTermination,
            ExitScore = l.Number("exit_score"),
        };
    }

    private static double? Positive(YamlMap map, string key)
    {
        var value = map.Number(key);
        if (value is { } v && !(v > 0))
        {
            map.Report(key, YamlContext.Invariant($"'{map.Sub(key)}' must be positive, not {v}."));
            return null;
        }
        return value;
    }

    private static AutoMLTraining ReadTraining(YamlMap map, AutoMLTask task)
    {
        if (map.Map("training", "AutoML training settings", TrainingKeys) is not { } t)
        {
            return new AutoMLTraining();
        }
        var defaults = new AutoMLTraining();
        return new AutoMLTraining
        {
            AllowedTrainingAlgorithms = Algorithms(t, "allowed_training_algorithms", task),
            BlockedTrainingAlgorithms = Algorithms(t, "blocked_training_algorithms", task),
            EnableVoteEnsemble = t.Bool("enable_vote_ensemble") ?? defaults.EnableVoteEnsemble,
            EnableStackEnsemble = t.Bool("enable_stack_ensemble") ?? defaults.EnableStackEnsemble,
            EnableOnnxCompatibleModels = t.Bool("enable_onnx_compatible_models") ?? defaults.EnableOnnxCompatibleModels,
            EnableModelExplainability = t.Bool("enable_model_explainability") ?? defaults.EnableModelExplainability,
            EnableDnnTraining = t.Bool("enable_dnn_training") ?? defaults.EnableDnnTraining,
        };
    }

    /// <summary>Algorithm names in any of az ml's spellings (<c>light_gbm</c>, <c>LightGBM</c>), each checked at its own line.</summary>
    private static List<string> Algorithms(YamlMap map, string key, AutoMLTask task)
    {
        var result = new List<string>();
        var node = map.Get(key);
        if (node is null || node is YamlScalarNode s0 && YamlScalars.Value(s0) is null)
        {
            return result;
        }
        if (node is not YamlSequenceNode list)
        {
            map.Report(key, $"'{map.Sub(key)}' must be a list of algorithm names, not {YamlContext.Describe(node)}.");
            return result;
        }
        var i = 0;
        foreach (var item in list.Children)
        {
            var at = string.Create(CultureInfo.InvariantCulture, $"{map.Sub(key)}[{i++}]");
            var text = item is YamlScalarNode s ? YamlScalars.Text(s) : null;
            if (text is null)
            {
                map.Context.Report(item, at, $"the items of '{map.Sub(key)}' must be algorithm names, not {YamlContext.Describe(item)}.");
            }
            else if (AutoMLNames.CanonicalAlgorithm(task, text) is { } canonical)
            {
                result.Add(canonical);
            }
            else
            {
                map.Context.Report(item, at, $"unknown {AutoMLNames.Word(task)} algorithm '{text}'; Azure's are {string.Join(", ", AutoMLNames.Algorithms(task))}.{Suggest.DidYouMean(text, AutoMLNames.Algorithms(task))}");
            }
        }
        return result;
    }

    private static ForecastingSettings? ReadForecasting(YamlMap map)
    {
        if (map.Map("forecasting", "forecasting settings", ForecastingKeys) is not { } f)
        {
            return null;
        }
        var (horizon, autoHorizon) = IntOrAuto(f, "forecast_horizon", 1);
        var (window, autoWindow) = IntOrAuto(f, "target_rolling_window_size", 2);
        var (seasonality, _) = IntOrAuto(f, "seasonality", 1);
        var lags = new List<int>();
        var autoLags = false;
        switch (f.Get("target_lags"))
        {
            case null:
                break;
            case YamlScalarNode s when YamlScalars.Value(s) is null:
                break;
            case YamlScalarNode s when YamlScalars.Value(s) is string w && string.Equals(w, "auto", StringComparison.OrdinalIgnoreCase):
                autoLags = true;
                break;
            case YamlScalarNode:
                if (f.Int("target_lags", 1) is { } one)
                {
                    lags.Add(one);
                }
                break;
            case YamlSequenceNode seq:
                var i = 0;
                foreach (var item in seq.Children)
                {
                    if (item is YamlScalarNode s && YamlScalars.Value(s) is long l && l is >= 1 and <= 10_000)
                    {
                        lags.Add((int)l);
                    }
                    else
                    {
                        f.Context.Report(item, string.Create(CultureInfo.InvariantCulture, $"{f.Sub("target_lags")}[{i}]"), $"target lags must be integers of at least 1, not {YamlContext.Describe(item)}.");
                    }
                    i++;
                }
                break;
            default:
                f.Report("target_lags", $"'{f.Sub("target_lags")}' must be an integer, a list of integers or 'auto'.");
                break;
        }
        return new ForecastingSettings
        {
            TimeColumnName = f.RequiredString("time_column_name"),
            ForecastHorizon = horizon,
            AutoForecastHorizon = autoHorizon,
            TimeSeriesIdColumnNames = f.StringList("time_series_id_column_names") ?? [],
            TargetLags = lags,
            AutoTargetLags = autoLags,
            TargetRollingWindowSize = window,
            AutoTargetRollingWindowSize = autoWindow,
            Frequency = f.String("frequency"),
            CvStepSize = f.Int("cv_step_size", 1),
            Seasonality = seasonality,
            FeatureLags = f.String("feature_lags"),
            ShortSeriesHandlingConfig = f.String("short_series_handling_config"),
            TargetAggregateFunction = f.String("target_aggregate_function"),
            CountryOrRegionForHolidays = f.String("country_or_region_for_holidays"),
            UseStl = f.String("use_stl"),
        };
    }
}
