using System.Text.Json;
using System.Text.Json.Serialization;

namespace AzureMlSdk.Backends.Remote.Arm;

// Wire shapes of ARM jobs (api-version 2026-07-01, camelCase): the CommandJob body of JobBaseResource
// (properties.jobType = Command). Polymorphic parts (inputs, outputs, limits, distribution, identity) are flat classes
// carrying their discriminator and the union of their subtypes' fields; [JsonExtensionData] keeps what the SDK does not model.

/// <summary>
/// <c>JobBaseProperties</c>: what every job kind's body shares (command, sweep, AutoML, pipeline derive from it, adding their own parts);
/// <see cref="Extra"/> keeps what the SDK does not model.
/// </summary>
internal abstract class ArmJobBaseProperties
{
    public string? Description { get; set; }
    public Dictionary<string, string?>? Tags { get; set; }
    public Dictionary<string, string?>? Properties { get; set; }
    public string? DisplayName { get; set; }
    public string? Status { get; set; }
    public string? ExperimentName { get; set; }
    public Dictionary<string, ArmJobService?>? Services { get; set; }
    public string? ComputeId { get; set; }
    public string? ComponentId { get; set; }
    public bool? IsArchived { get; set; }
    public ArmJobIdentity? Identity { get; set; }
    public string? JobType { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary><c>CommandJob</c> (allOf <c>JobBaseProperties</c>, <c>ResourceBase</c>).</summary>
internal sealed class CommandJobProperties : ArmJobBaseProperties
{
    public ArmJobResources? Resources { get; set; }
    public string? CodeId { get; set; }
    public string? Command { get; set; }
    public string? EnvironmentId { get; set; }
    public Dictionary<string, ArmJobInput?>? Inputs { get; set; }
    public Dictionary<string, ArmJobOutput?>? Outputs { get; set; }
    public ArmDistribution? Distribution { get; set; }
    public ArmJobLimits? Limits { get; set; }
    public Dictionary<string, string?>? EnvironmentVariables { get; set; }
    public ArmQueueSettings? QueueSettings { get; set; }
}

/// <summary><c>JobInput</c> by <c>jobInputType</c>: <c>literal</c> (<c>value</c>) or <c>uri_file</c>, <c>uri_folder</c>, <c>mltable</c>, <c>custom_model</c>, <c>mlflow_model</c>, <c>triton_model</c> (<c>uri</c>, <c>mode</c>).</summary>
internal sealed class ArmJobInput
{
    public string? Description { get; set; }
    public string? JobInputType { get; set; }
    public string? Value { get; set; }
    public string? Uri { get; set; }
    public string? Mode { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary><c>JobOutput</c> by <c>jobOutputType</c> (<c>uri</c>, <c>mode</c>, <c>assetName</c>).</summary>
internal sealed class ArmJobOutput
{
    public string? Description { get; set; }
    public string? JobOutputType { get; set; }
    public string? Mode { get; set; }
    public string? Uri { get; set; }
    public string? AssetName { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary><c>JobLimits</c> by <c>jobLimitsType</c> (<c>Command</c>); <c>timeout</c> is an ISO 8601 duration (<c>PT5M</c>).</summary>
internal sealed class ArmJobLimits
{
    public string? Timeout { get; set; }
    public string? JobLimitsType { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary><c>JobResourceConfiguration</c> (allOf <c>ResourceConfiguration</c>).</summary>
internal sealed class ArmJobResources
{
    public int? InstanceCount { get; set; }
    public string? InstanceType { get; set; }
    public Dictionary<string, JsonElement>? Properties { get; set; }
    public string? DockerArgs { get; set; }
    public List<string>? DockerArgsList { get; set; }
    public string? ShmSize { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary><c>DistributionConfiguration</c> by <c>distributionType</c>: <c>PyTorch</c>, <c>Mpi</c>, <c>TensorFlow</c>.</summary>
internal sealed class ArmDistribution
{
    public string? DistributionType { get; set; }
    public int? ProcessCountPerInstance { get; set; }
    public int? WorkerCount { get; set; }
    public int? ParameterServerCount { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary><c>IdentityConfiguration</c> by <c>identityType</c>: <c>AMLToken</c>, <c>Managed</c>, <c>UserIdentity</c>.</summary>
internal sealed class ArmJobIdentity
{
    public string? IdentityType { get; set; }
    public string? ClientId { get; set; }
    public string? ObjectId { get; set; }
    public string? ResourceId { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary><c>JobService</c>: an interactive endpoint (JupyterLab, VSCode, TensorBoard, SSH, custom).</summary>
internal sealed class ArmJobService
{
    public string? JobServiceType { get; set; }
    public int? Port { get; set; }
    public string? Endpoint { get; set; }
    public string? Status { get; set; }
    public string? ErrorMessage { get; set; }
    public Dictionary<string, string?>? Properties { get; set; }
    public ArmNodes? Nodes { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary><c>Nodes</c> by <c>nodesValueType</c> (<c>All</c>).</summary>
internal sealed class ArmNodes
{
    public string? NodesValueType { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary><c>QueueSettings</c>.</summary>
internal sealed class ArmQueueSettings
{
    public string? JobTier { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ArmResource<CommandJobProperties>))]
[JsonSerializable(typeof(ArmPage<CommandJobProperties>))]
internal sealed partial class ArmJobJsonContext : JsonSerializerContext;

/// <summary><c>AutoMLJob</c> (allOf <c>JobBaseProperties</c>): <c>jobType: AutoML</c> with its <c>taskDetails</c>.</summary>
internal sealed class AutoMLJobProperties : ArmJobBaseProperties
{
    public string? EnvironmentId { get; set; }
    public Dictionary<string, string?>? EnvironmentVariables { get; set; }
    public Dictionary<string, ArmJobOutput?>? Outputs { get; set; }
    public ArmQueueSettings? QueueSettings { get; set; }
    public ArmJobResources? Resources { get; set; }
    public ArmAutoMLTask? TaskDetails { get; set; }
}

/// <summary><c>AutoMLVertical</c> by <c>taskType</c>: the union of <c>Classification</c>, <c>Regression</c> and <c>Forecasting</c>.</summary>
internal sealed class ArmAutoMLTask
{
    public string? TaskType { get; set; }
    public string? LogVerbosity { get; set; }
    public string? TargetColumnName { get; set; }
    public ArmJobInput? TrainingData { get; set; }
    public List<string>? CvSplitColumnNames { get; set; }
    public ArmAutoMLFeaturization? FeaturizationSettings { get; set; }
    public ArmAutoMLLimits? LimitSettings { get; set; }
    public ArmModeValue? NCrossValidations { get; set; }
    public ArmJobInput? TestData { get; set; }
    public double? TestDataSize { get; set; }
    public ArmJobInput? ValidationData { get; set; }
    public double? ValidationDataSize { get; set; }
    public string? WeightColumnName { get; set; }
    public string? PositiveLabel { get; set; }
    public string? PrimaryMetric { get; set; }
    public ArmAutoMLTraining? TrainingSettings { get; set; }
    public ArmForecastingSettings? ForecastingSettings { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary><c>NCrossValidations</c>, <c>ForecastHorizon</c>, <c>TargetLags</c>, <c>TargetRollingWindowSize</c>, <c>Seasonality</c>: <c>mode</c> Auto or Custom with <c>value</c> (<c>values</c> for lags).</summary>
internal sealed class ArmModeValue
{
    public string? Mode { get; set; }
    public int? Value { get; set; }
    public List<int>? Values { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary><c>TableVerticalFeaturizationSettings</c>.</summary>
internal sealed class ArmAutoMLFeaturization
{
    public string? DatasetLanguage { get; set; }
    public List<string>? BlockedTransformers { get; set; }
    public Dictionary<string, string?>? ColumnNameAndTypes { get; set; }
    public bool? EnableDnnFeaturization { get; set; }
    public string? Mode { get; set; }
    public Dictionary<string, List<ArmColumnTransformer>?>? TransformerParams { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary><c>ColumnTransformer</c>.</summary>
internal sealed class ArmColumnTransformer
{
    public List<string>? Fields { get; set; }
    public JsonElement? Parameters { get; set; }
}

/// <summary><c>TableVerticalLimitSettings</c> (durations in ISO 8601).</summary>
internal sealed class ArmAutoMLLimits
{
    public bool? EnableEarlyTermination { get; set; }
    public double? ExitScore { get; set; }
    public int? MaxConcurrentTrials { get; set; }
    public int? MaxCoresPerTrial { get; set; }
    public int? MaxTrials { get; set; }
    public string? Timeout { get; set; }
    public string? TrialTimeout { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary><c>ClassificationTrainingSettings</c> / <c>RegressionTrainingSettings</c> / <c>ForecastingTrainingSettings</c>.</summary>
internal sealed class ArmAutoMLTraining
{
    public List<string>? AllowedTrainingAlgorithms { get; set; }
    public List<string>? BlockedTrainingAlgorithms { get; set; }
    public bool? EnableDnnTraining { get; set; }
    public bool? EnableModelExplainability { get; set; }
    public bool? EnableOnnxCompatibleModels { get; set; }
    public bool? EnableStackEnsemble { get; set; }
    public bool? EnableVoteEnsemble { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary><c>ForecastingSettings</c>.</summary>
internal sealed class ArmForecastingSettings
{
    public string? CountryOrRegionForHolidays { get; set; }
    public int? CvStepSize { get; set; }
    public string? FeatureLags { get; set; }
    public ArmModeValue? ForecastHorizon { get; set; }
    public string? Frequency { get; set; }
    public ArmModeValue? Seasonality { get; set; }
    public string? ShortSeriesHandlingConfig { get; set; }
    public string? TargetAggregateFunction { get; set; }
    public ArmModeValue? TargetLags { get; set; }
    public ArmModeValue? TargetRollingWindowSize { get; set; }
    public string? TimeColumnName { get; set; }
    public List<string>? TimeSeriesIdColumnNames { get; set; }
    public string? UseStl { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ArmResource<AutoMLJobProperties>))]
[JsonSerializable(typeof(ArmPage<AutoMLJobProperties>))]
internal sealed partial class ArmAutoMLJobJsonContext : JsonSerializerContext;
