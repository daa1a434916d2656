using System.Text.Json;
using System.Xml;

namespace AzureMlSdk.Backends.Remote.Arm;

/// <summary><see cref="AutoMLJob"/> ⇄ the ARM 2026-07-01 <c>AutoMLJob</c> body (<c>jobType: AutoML</c>, <c>taskDetails</c> by <c>taskType</c>).</summary>
internal static class ArmAutoMLMapping
{
    private static readonly Dictionary<AutoMLTask, string> TaskTypes = new()
    {
        [AutoMLTask.Classification] = "Classification",
        [AutoMLTask.Regression] = "Regression",
        [AutoMLTask.Forecasting] = "Forecasting",
    };

    private static readonly Dictionary<FeaturizationMode, string> Modes = new()
    {
        [FeaturizationMode.Auto] = "Auto",
        [FeaturizationMode.Custom] = "Custom",
        [FeaturizationMode.Off] = "Off",
    };

    private static readonly Dictionary<InputMode, string> InputModes = new()
    {
        [InputMode.ReadOnlyMount] = "ReadOnlyMount",
        [InputMode.ReadWriteMount] = "ReadWriteMount",
        [InputMode.Download] = "Download",
        [InputMode.Direct] = "Direct",
        [InputMode.EvalMount] = "EvalMount",
        [InputMode.EvalDownload] = "EvalDownload",
    };

    private static readonly Dictionary<string, string> ForecastWords = new(StringComparer.OrdinalIgnoreCase)
    {
        ["none"] = "None",
        ["auto"] = "Auto",
        ["pad"] = "Pad",
        ["drop"] = "Drop",
        ["sum"] = "Sum",
        ["max"] = "Max",
        ["min"] = "Min",
        ["mean"] = "Mean",
        ["season"] = "Season",
        ["season_trend"] = "SeasonTrend",
    };

    /// <summary>
    /// The PUT body of <c>jobs/{name}</c>. Azure's AutoML reads MLTable inputs only: <c>training_data</c>, <c>validation_data</c>
    /// and <c>test_data</c> are sent with <see cref="ArmJobReferences.InputUris"/> (keyed by those names: the caller uploads
    /// local folders, and wraps a CSV file in an MLTable folder) or their own remote mltable path.
    /// </summary>
    public static ArmResource<AutoMLJobProperties> ToArm(AutoMLJob job, ArmJobReferences references)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(references);
        job.Validate();
        var task = new ArmAutoMLTask
        {
            TaskType = TaskTypes[job.Task],
            LogVerbosity = job.LogVerbosity is { } v ? AutoMLNames.LogVerbosities[v] : null,
            TargetColumnName = job.TargetColumnName,
            TrainingData = Data(job, "training_data", job.TrainingData, references),
            ValidationData = Data(job, "validation_data", job.ValidationData, references),
            TestData = Data(job, "test_data", job.TestData, references),
            ValidationDataSize = job.ValidationDataSize,
            TestDataSize = job.TestDataSize,
            WeightColumnName = job.WeightColumnName,
            PositiveLabel = job.PositiveLabel,
            CvSplitColumnNames = job.CvSplitColumnNames.Count == 0 ? null : [.. job.CvSplitColumnNames],
            PrimaryMetric = AutoMLNames.ArmMetrics[job.EffectivePrimaryMetric],
            NCrossValidations = job.AutoCrossValidations ? new ArmModeValue { Mode = "Auto" }
                : job.NCrossValidations is { } n ? new ArmModeValue { Mode = "Custom", Value = n } : null,
            FeaturizationSettings = new ArmAutoMLFeaturization
            {
                Mode = Modes[job.Featurization.Mode],
                DatasetLanguage = job.Featurization.DatasetLanguage,
                BlockedTransformers = job.Featurization.BlockedTransformers.Count == 0 ? null
                    : job.Featurization.BlockedTransformers.Select(t => AutoMLNames.Canonical(t, AutoMLNames.Transformers)!).ToList(),
                ColumnNameAndTypes = job.Featurization.ColumnNameAndTypes.Count == 0 ? null
                    : job.Featurization.ColumnNameAndTypes.ToDictionary(c => c.Key, c => (string?)c.Value, StringComparer.Ordinal),
                TransformerParams = job.Featurization.TransformerParams.Count == 0 ? null
                    : job.Featurization.TransformerParams.ToDictionary(
                        t => t.Key,
                        t => (List<ArmColumnTransformer>?)t.Value.Select(c => new ArmColumnTransformer
                        {
                            Fields = [.. c.Fields],
                            Parameters = c.Parameters.Count == 0 ? null : ArmJobMapping.ToJson(c.Parameters),
                        }).ToList(),
                        StringComparer.Ordinal),
            },
            LimitSettings = new ArmAutoMLLimits
            {
                EnableEarlyTermination = job.Limits.EnableEarlyTermination,
                ExitScore = job.Limits.ExitScore,
                MaxConcurrentTrials = job.Limits.MaxConcurrentTrials,
                MaxCoresPerTrial = job.Limits.MaxCoresPerTrial,
                MaxTrials = job.Limits.MaxTrials,
                Timeout = XmlConvert.ToString(Minutes(job.Limits.TimeoutMinutes)),
                TrialTimeout = XmlConvert.ToString(Minutes(job.Limits.TrialTimeoutMinutes)),
            },
            TrainingSettings = new ArmAutoMLTraining
            {
                AllowedTrainingAlgorithms = job.Training.AllowedTrainingAlgorithms.Count == 0 ? null
                    : job.Training.AllowedTrainingAlgorithms.Select(a => AutoMLNames.CanonicalAlgorithm(job.Task, a)!).ToList(),
                BlockedTrainingAlgorithms = job.Training.BlockedTrainingAlgorithms.Count == 0 ? null
                    : job.Training.BlockedTrainingAlgorithms.Select(a => AutoMLNames.CanonicalAlgorithm(job.Task, a)!).ToList(),
                EnableDnnTraining = job.Training.EnableDnnTraining,
                EnableModelExplainability = job.Training.EnableModelExplainability,
                EnableOnnxCompatibleModels = job.Training.EnableOnnxCompatibleModels,
                EnableStackEnsemble = job.Training.EnableStackEnsemble,
                EnableVoteEnsemble = job.Training.EnableVoteEnsemble,
            },
            ForecastingSettings = job.ForecastingSettings is { } f ? ToArm(f) : null,
        };
        var properties = new AutoMLJobProperties
        {
            JobType = "AutoML",
            Description = job.Description,
            Tags = Nullable(job.Tags),
            Properties = Nullable(job.Properties),
            DisplayName = job.DisplayName,
            ExperimentName = job.ExperimentName,
            ComputeId = references.ComputeId,
            EnvironmentId = string.IsNullOrEmpty(references.EnvironmentId) ? null : references.EnvironmentId,
            EnvironmentVariables = Nullable(job.EnvironmentVariables),
            Outputs = job.Outputs.Count == 0 ? null : job.Outputs.ToDictionary(o => o.Key, o => (ArmJobOutput?)Output(job, o.Key, o.Value, references), StringComparer.Ordinal),
            TaskDetails = task,
        };
        return new ArmResource<AutoMLJobProperties> { Name = job.Name, Properties = properties };
    }

    private static TimeSpan Minutes(double minutes) => TimeSpan.FromSeconds(Math.Round(minutes * 60));

    private static ArmForecastingSettings ToArm(ForecastingSettings f) => new()
    {
        TimeColumnName = f.TimeColumnName,
        TimeSeriesIdColumnNames = f.TimeSeriesIdColumnNames.Count == 0 ? null : [.. f.TimeSeriesIdColumnNames],
        ForecastHorizon = f.AutoForecastHorizon ? new ArmModeValue { Mode = "Auto" } : f.ForecastHorizon is { } h ? new ArmModeValue { Mode = "Custom", Value = h } : null,
        TargetLags = f.AutoTargetLags ? new ArmModeValue { Mode = "Auto" } : f.TargetLags.Count > 0 ? new ArmModeValue { Mode = "Custom", Values = [.. f.TargetLags] } : null,
        TargetRollingWindowSize = f.AutoTargetRollingWindowSize ? new ArmModeValue { Mode = "Auto" }
            : f.TargetRollingWindowSize is { } w ? new ArmModeValue { Mode = "Custom", Value = w } : null,
        Seasonality = f.Seasonality is { } s ? new ArmModeValue { Mode = "Custom", Value = s } : null,
        Frequency = f.Frequency,
        CvStepSize = f.CvStepSize,
        FeatureLags = Word(f.FeatureLags),
        ShortSeriesHandlingConfig = Word(f.ShortSeriesHandlingConfig),
        TargetAggregateFunction = Word(f.TargetAggregateFunction),
        CountryOrRegionForHolidays = f.CountryOrRegionForHolidays,
        UseStl = Word(f.UseStl),
    };

    private static string? Word(string? value) => value is null ? null : ForecastWords.GetValueOrDefault(value, value);

    private static ArmJobInput? Data(AutoMLJob job, string key, Input? input, ArmJobReferences references)
    {
        if (input is null)
        {
            return null;
        }
        if (references.InputUris.TryGetValue(key, out var uri))
        {
            return new ArmJobInput { JobInputType = "mltable", Uri = uri, Mode = input.Mode is { } m ? InputModes[m] : null, Description = input.Description };
        }
        if (input.Reference is not { IsRemote: true })
        {
            throw new JobDefinitionException($"'{key}' is the local path '{input.Path}': upload it (as an MLTable folder) before building the ARM body.", job.SourcePath, key: $"{key}.path");
        }
        if (input.Type != InputType.MLTable)
        {
            throw new JobDefinitionException($"'{key}' is a {YamlNames.Of(input.Type)}; Azure ML's AutoML reads MLTable data only (type: mltable).", job.SourcePath, key: $"{key}.type");
        }
        return new ArmJobInput { JobInputType = "mltable", Uri = input.Path, Mode = input.Mode is { } mode ? InputModes[mode] : null, Description = input.Description };
    }

    private static ArmJobOutput Output(AutoMLJob job, string name, Output output, ArmJobReferences references)
    {
        var uri = references.OutputUris.TryGetValue(name, out var resolved) ? resolved
            : output.Path is null || AssetReference.Parse(output.Path).IsRemote ? output.Path
            : throw new JobDefinitionException($"output '{name}' is the local path '{output.Path}'; Azure ML outputs go to a datastore (azureml://datastores/<ds>/paths/…).", job.SourcePath, key: $"outputs.{name}.path");
        return new ArmJobOutput { JobOutputType = YamlNames.Of(output.Type), Uri = uri, AssetName = output.Name, Description = output.Description };
    }

    /// <summary>A definition read back from a job's ARM body (<c>GET jobs/{name}</c>).</summary>
    public static AutoMLJob FromArm(ArmResource<AutoMLJobProperties> resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var p = resource.Properties ?? throw new InvalidInputException($"job '{resource.Name}' has no properties.");
        if (!string.Equals(p.JobType, "AutoML", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidInputException($"job '{resource.Name}' is a {p.JobType} job, not an AutoML job.");
        }
        var t = p.TaskDetails ?? throw new InvalidInputException($"AutoML job '{resource.Name}' has no taskDetails.");
        var task = TaskTypes.FirstOrDefault(x => string.Equals(x.Value, t.TaskType, StringComparison.OrdinalIgnoreCase));
        if (task.Value is null)
        {
            throw new AzureMlNotSupportedException($"AutoML job '{resource.Name}' is a {t.TaskType} task; AzureMlSdk reads classification, regression and forecasting AutoML jobs.");
        }
        var defaults = new AutoMLLimits();
        var training = new AutoMLTraining();
        var forecasting = t.ForecastingSettings;
        return new AutoMLJob
        {
            Name = resource.Name,
            DisplayName = p.DisplayName,
            ExperimentName = p.ExperimentName,
            Description = p.Description,
            Tags = NonNull(p.Tags),
            Properties = NonNull(p.Properties),
            Compute = p.ComputeId is null ? null : ArmJobMapping.ComputeFromId(p.ComputeId),
            Task = task.Key,
            TargetColumnName = t.TargetColumnName,
            TrainingData = FromArm(t.TrainingData),
            ValidationData = FromArm(t.ValidationData),
            TestData = FromArm(t.TestData),
            ValidationDataSize = t.ValidationDataSize,
            TestDataSize = t.TestDataSize,
            WeightColumnName = t.WeightColumnName,
            PositiveLabel = t.PositiveLabel,
            CvSplitColumnNames = t.CvSplitColumnNames ?? [],
            LogVerbosity = t.LogVerbosity is null ? null : AutoMLNames.LogVerbosities.FirstOrDefault(l => string.Equals(l.Value, t.LogVerbosity, StringComparison.OrdinalIgnoreCase)).Key,
            PrimaryMetric = t.PrimaryMetric is null ? null : AutoMLNames.CanonicalMetric(task.Key, t.PrimaryMetric) ?? t.PrimaryMetric,
            NCrossValidations = t.NCrossValidations?.Mode == "Custom" ? t.NCrossValidations.Value : null,
            AutoCrossValidations = t.NCrossValidations?.Mode == "Auto",
            Featurization = t.FeaturizationSettings is not { } fs ? new AutoMLFeaturization() : new AutoMLFeaturization
            {
                Mode = Modes.FirstOrDefault(m => string.Equals(m.Value, fs.Mode, StringComparison.OrdinalIgnoreCase)).Key,
                DatasetLanguage = fs.DatasetLanguage,
                BlockedTransformers = fs.BlockedTransformers ?? [],
                ColumnNameAndTypes = fs.ColumnNameAndTypes?.ToDictionary(c => c.Key, c => c.Value ?? "", StringComparer.Ordinal) ?? new Dictionary<string, string>(StringComparer.Ordinal),
                TransformerParams = fs.TransformerParams?.ToDictionary(
                    x => x.Key,
                    x => (IList<ColumnTransformer>)(x.Value ?? []).Select(c => new ColumnTransformer
                    {
                        Fields = c.Fields ?? [],
                        Parameters = c.Parameters is { ValueKind: JsonValueKind.Object } json
                            ? (Dictionary<string, object?>)ArmJobMapping.FromJson(json)!
                            : new Dictionary<string, object?>(StringComparer.Ordinal),
                    }).ToList(),
                    StringComparer.Ordinal) ?? new Dictionary<string, IList<ColumnTransformer>>(StringComparer.Ordinal),
            },
            Limits = t.LimitSettings is not { } l ? defaults : new AutoMLLimits
            {
                EnableEarlyTermination = l.EnableEarlyTermination ?? defaults.EnableEarlyTermination,
                ExitScore = l.ExitScore,
                MaxConcurrentTrials = l.MaxConcurrentTrials ?? defaults.MaxConcurrentTrials,
                MaxCoresPerTrial = l.MaxCoresPerTrial ?? defaults.MaxCoresPerTrial,
                MaxTrials = l.MaxTrials ?? defaults.MaxTrials,
                TimeoutMinutes = l.Timeout is null ? defaults.TimeoutMinutes : XmlConvert.ToTimeSpan(l.Timeout).TotalMinutes,
                TrialTimeoutMinutes = l.TrialTimeout is null ? defaults.TrialTimeoutMinutes : XmlConvert.ToTimeSpan(l.TrialTimeout).TotalMinutes,
            },
            Training = t.TrainingSettings is not { } ts ? training : new AutoMLTraining
            {
                AllowedTrainingAlgorithms = ts.AllowedTrainingAlgorithms ?? [],
                BlockedTrainingAlgorithms = ts.BlockedTrainingAlgorithms ?? [],
                EnableDnnTraining = ts.EnableDnnTraining ?? training.EnableDnnTraining,
                EnableModelExplainability = ts.EnableModelExplainability ?? training.EnableModelExplainability,
                EnableOnnxCompatibleModels = ts.EnableOnnxCompatibleModels ?? training.EnableOnnxCompatibleModels,
                EnableStackEnsemble = ts.EnableStackEnsemble ?? training.EnableStackEnsemble,
                EnableVoteEnsemble = ts.EnableVoteEnsemble ?? training.EnableVoteEnsemble,
            },
            ForecastingSettings = forecasting is null ? null : new ForecastingSettings
            {
                TimeColumnName = forecasting.TimeColumnName,
                TimeSeriesIdColumnNames = forecasting.TimeSeriesIdColumnNames ?? [],
                ForecastHorizon = forecasting.ForecastHorizon?.Mode == "Custom" ? forecasting.ForecastHorizon.Value : null,
                AutoForecastHorizon = forecasting.ForecastHorizon?.Mode == "Auto",
                TargetLags = forecasting.TargetLags?.Values ?? [],
                AutoTargetLags = forecasting.TargetLags?.Mode == "Auto",
                TargetRollingWindowSize = forecasting.TargetRollingWindowSize?.Mode == "Custom" ? forecasting.TargetRollingWindowSize.Value : null,
                AutoTargetRollingWindowSize = forecasting.TargetRollingWindowSize?.Mode == "Auto",
                Seasonality = forecasting.Seasonality?.Mode == "Custom" ? forecasting.Seasonality.Value : null,
                Frequency = forecasting.Frequency,
                CvStepSize = forecasting.CvStepSize,
                FeatureLags = Lower(forecasting.FeatureLags),
                ShortSeriesHandlingConfig = Lower(forecasting.ShortSeriesHandlingConfig),
                TargetAggregateFunction = Lower(forecasting.TargetAggregateFunction),
                CountryOrRegionForHolidays = forecasting.CountryOrRegionForHolidays,
                UseStl = Lower(forecasting.UseStl),
            },
            EnvironmentVariables = NonNull(p.EnvironmentVariables),
        };
    }

    private static string? Lower(string? armWord) => armWord is null ? null
        : ForecastWords.FirstOrDefault(w => string.Equals(w.Value, armWord, StringComparison.OrdinalIgnoreCase)).Key ?? armWord;

    private static Input? FromArm(ArmJobInput? input)
    {
        if (input?.Uri is null)
        {
            return null;
        }
        var mode = InputModes.FirstOrDefault(m => string.Equals(m.Value, input.Mode, StringComparison.OrdinalIgnoreCase));
        return Input.Data(InputType.MLTable, input.Uri, input.Mode is null ? null : mode.Key, input.Description);
    }

    private static Dictionary<string, string?>? Nullable(IDictionary<string, string> values) =>
        values.Count == 0 ? null : values.ToDictionary(v => v.Key, v => (string?)v.Value, StringComparer.Ordinal);

    private static Dictionary<string, string> NonNull(Dictionary<string, string?>? values) =>
        values?.ToDictionary(v => v.Key, v => v.Value ?? "", StringComparer.Ordinal) ?? new Dictionary<string, string>(StringComparer.Ordinal);
}
