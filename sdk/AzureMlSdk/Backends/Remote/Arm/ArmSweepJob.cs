using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Xml;

namespace AzureMlSdk.Backends.Remote.Arm;

// Wire shapes of the ARM 2026-07-01 SweepJob body (JobBaseResource, properties.jobType = Sweep). The search space is
// azure-ai-ml's list encoding: {"lr": ["uniform", [0.01, 0.1]], "kernel": ["choice", [["rbf", "linear"]]]}.

/// <summary><c>SweepJob</c> (allOf <c>JobBaseProperties</c>).</summary>
internal sealed class SweepJobProperties : ArmJobBaseProperties
{
    public ArmEarlyTermination? EarlyTermination { get; set; }
    public Dictionary<string, ArmJobInput?>? Inputs { get; set; }
    public ArmSweepLimits? Limits { get; set; }
    public ArmObjective? Objective { get; set; }
    public Dictionary<string, ArmJobOutput?>? Outputs { get; set; }
    public ArmQueueSettings? QueueSettings { get; set; }
    public ArmSamplingAlgorithm? SamplingAlgorithm { get; set; }
    public JsonElement? SearchSpace { get; set; }
    public ArmTrialComponent? Trial { get; set; }
}

/// <summary><c>EarlyTerminationPolicy</c> by <c>policyType</c>: <c>Bandit</c>, <c>MedianStopping</c>, <c>TruncationSelection</c>.</summary>
internal sealed class ArmEarlyTermination
{
    public string? PolicyType { get; set; }
    public int? EvaluationInterval { get; set; }
    public int? DelayEvaluation { get; set; }
    public float? SlackFactor { get; set; }
    public float? SlackAmount { get; set; }
    public int? TruncationPercentage { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary><c>SweepJobLimits</c> (<c>jobLimitsType: Sweep</c>); durations in ISO 8601.</summary>
internal sealed class ArmSweepLimits
{
    public string? JobLimitsType { get; set; }
    public string? Timeout { get; set; }
    public int? MaxTotalTrials { get; set; }
    public int? MaxConcurrentTrials { get; set; }
    public string? TrialTimeout { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary><c>Objective</c>.</summary>
internal sealed class ArmObjective
{
    public string? PrimaryMetric { get; set; }
    public string? Goal { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary><c>SamplingAlgorithm</c> by <c>samplingAlgorithmType</c>: <c>Grid</c>, <c>Random</c> (<c>rule</c>, <c>seed</c>), <c>Bayesian</c>.</summary>
internal sealed class ArmSamplingAlgorithm
{
    public string? SamplingAlgorithmType { get; set; }
    public string? Rule { get; set; }
    public int? Seed { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary><c>TrialComponent</c>: the command each trial runs (inputs and outputs are the sweep's).</summary>
internal sealed class ArmTrialComponent
{
    public string? CodeId { get; set; }
    public string? Command { get; set; }
    public ArmDistribution? Distribution { get; set; }
    public string? EnvironmentId { get; set; }
    public Dictionary<string, string?>? EnvironmentVariables { get; set; }
    public ArmJobResources? Resources { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ArmResource<SweepJobProperties>))]
internal sealed partial class ArmSweepJobJsonContext : JsonSerializerContext;

/// <summary><see cref="SweepJob"/> ⇄ the ARM 2026-07-01 <c>SweepJob</c> body (<c>jobType: Sweep</c>), as azure-ai-ml sends it.</summary>
internal static class ArmSweepJobMapping
{
    private static readonly Dictionary<Type, string> PolicyTypes = new()
    {
        [typeof(BanditPolicy)] = "Bandit",
        [typeof(MedianStoppingPolicy)] = "MedianStopping",
        [typeof(TruncationSelectionPolicy)] = "TruncationSelection",
    };

    /// <summary>
    /// The PUT body of <c>jobs/{name}</c> for a sweep: the trial's code, environment and compute ids come from
    /// <paramref name="references"/> (as for a command job); the inputs and outputs sent are <see cref="SweepJob.TrialInputs"/>
    /// and <see cref="SweepJob.TrialOutputs"/> (the trial's and the sweep's), at the sweep's level as the spec has them.
    /// </summary>
    public static ArmResource<SweepJobProperties> ToArm(SweepJob job, ArmJobReferences references)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(references);
        var trial = job.Trial ?? throw new JobDefinitionException("a sweep job needs a 'trial'.", job.SourcePath, key: "trial");
        var objective = job.Objective ?? throw new JobDefinitionException("a sweep job needs an 'objective'.", job.SourcePath, key: "objective");
        if (string.IsNullOrWhiteSpace(trial.Command))
        {
            throw new JobDefinitionException("the sweep's trial needs a 'command'.", job.SourcePath, key: "trial.command");
        }
        var inputs = job.TrialInputs;
        var outputs = job.TrialOutputs;
        var properties = new SweepJobProperties
        {
            JobType = "Sweep",
            Description = job.Description,
            Tags = ArmJobMapping.Nullable(job.Tags),
            Properties = ArmJobMapping.Nullable(job.Properties),
            DisplayName = job.DisplayName,
            ExperimentName = job.ExperimentName,
            ComputeId = references.ComputeId,
            Identity = ArmJobMapping.ToArm(job.Identity),
            Services = job.Services.Count == 0 ? null : job.Services.ToDictionary(s => s.Key, s => (ArmJobService?)ArmJobMapping.ToArm(s.Value), StringComparer.Ordinal),
            Inputs = inputs.Count == 0 ? null : inputs.ToDictionary(i => i.Key, i => (ArmJobInput?)ArmJobMapping.ToArm(i.Key, i.Value, references, job), StringComparer.Ordinal),
            Outputs = outputs.Count == 0 ? null : outputs.ToDictionary(o => o.Key, o => (ArmJobOutput?)ArmJobMapping.ToArm(o.Key, o.Value, references, job), StringComparer.Ordinal),
            QueueSettings = (job.QueueSettings ?? trial.QueueSettings)?.JobTier is { } tier ? new ArmQueueSettings { JobTier = ArmJobMapping.JobTiers.GetValueOrDefault(tier, tier) } : null,
            Objective = new ArmObjective { PrimaryMetric = objective.PrimaryMetric, Goal = objective.Goal.ToString() },
            SamplingAlgorithm = job.SamplingAlgorithm switch
            {
                RandomSamplingAlgorithm r => new ArmSamplingAlgorithm { SamplingAlgorithmType = "Random", Seed = r.Seed, Rule = r.Rule == RandomSamplingRule.Sobol ? "Sobol" : null },
                var other => new ArmSamplingAlgorithm { SamplingAlgorithmType = other.Type.ToString() },
            },
            Limits = job.Limits is not { } l ? null : new ArmSweepLimits
            {
                JobLimitsType = "Sweep",
                MaxTotalTrials = l.MaxTotalTrials,
                MaxConcurrentTrials = l.MaxConcurrentTrials,
                Timeout = l.Timeout is { } t ? XmlConvert.ToString(t) : null,
                TrialTimeout = l.TrialTimeout is { } tt ? XmlConvert.ToString(tt) : null,
            },
            EarlyTermination = job.EarlyTermination is not { } p ? null : new ArmEarlyTermination
            {
                PolicyType = PolicyTypes[p.GetType()],
                EvaluationInterval = p.EvaluationInterval,
                DelayEvaluation = p.DelayEvaluation,
                SlackFactor = p is BanditPolicy { SlackFactor: { } f } ? (float)f : null,
                SlackAmount = p is BanditPolicy { SlackAmount: { } a } ? (float)a : null,
                TruncationPercentage = p is TruncationSelectionPolicy ts ? ts.TruncationPercentage : null,
            },
            SearchSpace = SearchSpaceToJson(job.SearchSpace),
            Trial = new ArmTrialComponent
            {
                CodeId = references.CodeId,
                Command = trial.Command,
                EnvironmentId = references.EnvironmentId,
                EnvironmentVariables = ArmJobMapping.Nullable(trial.EnvironmentVariables),
                Resources = ArmJobMapping.ToArm(trial.Resources),
                Distribution = trial.Distribution switch
                {
                    PyTorchDistribution d => new ArmDistribution { DistributionType = "PyTorch", ProcessCountPerInstance = d.ProcessCountPerInstance },
                    MpiDistribution d => new ArmDistribution { DistributionType = "Mpi", ProcessCountPerInstance = d.ProcessCountPerInstance },
                    TensorFlowDistribution d => new ArmDistribution { DistributionType = "TensorFlow", WorkerCount = d.WorkerCount, ParameterServerCount = d.ParameterServerCount },
                    _ => null,
                },
            },
        };
        return new ArmResource<SweepJobProperties> { Name = job.Name, Properties = properties };
    }

    /// <summary>
    /// A sweep body in the shape the jobs routes read and write (<see cref="CommandJobProperties"/>, whose extension data keeps what a
    /// command job does not have: <c>trial</c>, <c>searchSpace</c>, <c>objective</c>, <c>samplingAlgorithm</c>, the sweep limits…):
    /// one <c>jobs/{id}</c> client and route carries every job kind.
    /// </summary>
    public static ArmResource<CommandJobProperties> ToWire(ArmResource<SweepJobProperties> resource) =>
        JsonSerializer.Deserialize(JsonSerializer.Serialize(resource, ArmSweepJobJsonContext.Default.ArmResourceSweepJobProperties), ArmJobJsonContext.Default.ArmResourceCommandJobProperties)!;

    /// <summary>The sweep body a <c>jobs/{id}</c> answer of <c>jobType: Sweep</c> holds (see <see cref="ToWire"/>).</summary>
    public static ArmResource<SweepJobProperties> FromWire(ArmResource<CommandJobProperties> resource) =>
        JsonSerializer.Deserialize(JsonSerializer.Serialize(resource, ArmJobJsonContext.Default.ArmResourceCommandJobProperties), ArmSweepJobJsonContext.Default.ArmResourceSweepJobProperties)!;

    /// <summary>Whether a <c>jobs/{id}</c> resource is a sweep.</summary>
    public static bool IsSweep(ArmResource<CommandJobProperties> resource) => string.Equals(resource.Properties?.JobType, "Sweep", StringComparison.OrdinalIgnoreCase);

    /// <summary>The search space in azure-ai-ml's REST list encoding: <c>{"name": [type, [args…]]}</c>.</summary>
    internal static JsonElement SearchSpaceToJson(IDictionary<string, SweepDistribution> space) =>
        ArmJobMapping.ToJson(space.ToDictionary(p => p.Key, p => (object?)new List<object?> { p.Value.TypeName, p.Value.RestArguments.ToList() }, StringComparer.Ordinal));

    /// <summary>Reads azure-ai-ml's list encoding back (<c>["quniform", [0, 10, 1]]</c> → <see cref="QUniform"/>).</summary>
    internal static SweepDistribution DistributionFromJson(string name, JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() != 2 || e[0].ValueKind != JsonValueKind.String || e[1].ValueKind != JsonValueKind.Array)
        {
            throw new InvalidInputException($"search-space parameter '{name}' is not in Azure ML's encoding [type, [arguments]]: {e.GetRawText()}.");
        }
        var type = e[0].GetString()!.ToLowerInvariant();
        var args = e[1].EnumerateArray().ToList();
        double D(int i) => i < args.Count && args[i].ValueKind == JsonValueKind.Number ? args[i].GetDouble()
            : throw new InvalidInputException($"search-space parameter '{name}' ({type}) lacks numeric argument {i + 1}: {e.GetRawText()}.");
        return type switch
        {
            "choice" when args.Count == 1 && args[0].ValueKind == JsonValueKind.Array =>
                new Choice([.. args[0].EnumerateArray().Select(v => ArmJobMapping.FromJson(v) ?? throw new InvalidInputException($"search-space parameter '{name}' has a null choice."))]),
            "randint" => new RandInt((long)D(0)),
            "uniform" => new Uniform(D(0), D(1)),
            "quniform" => new QUniform(D(0), D(1), D(2)),
            "loguniform" => new LogUniform(D(0), D(1)),
            "qloguniform" => new QLogUniform(D(0), D(1), D(2)),
            "normal" => new Normal(D(0), D(1)),
            "qnormal" => new QNormal(D(0), D(1), D(2)),
            "lognormal" => new LogNormal(D(0), D(1)),
            "qlognormal" => new QLogNormal(D(0), D(1), D(2)),
            _ => throw new InvalidInputException($"search-space parameter '{name}' has an unknown type '{type}': {e.GetRawText()}."),
        };
    }

    /// <summary>A sweep definition read back from its ARM body (<c>GET jobs/{name}</c>): ids become az ml references.</summary>
    public static SweepJob FromArm(ArmResource<SweepJobProperties> resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var p = resource.Properties ?? throw new InvalidInputException($"job '{resource.Name}' has no properties.");
        if (!string.Equals(p.JobType, "Sweep", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidInputException($"job '{resource.Name}' is a {p.JobType} job, not a sweep job.");
        }
        var t = p.Trial;
        var trial = t is null ? null : new CommandJob
        {
            Code = t.CodeId is null ? null : ArmJobMapping.AssetFromId(t.CodeId),
            Command = t.Command,
            Environment = t.EnvironmentId is null ? null : JobEnvironment.FromReference(ArmJobMapping.AssetFromId(t.EnvironmentId)),
            EnvironmentVariables = ArmJobMapping.NonNull(t.EnvironmentVariables),
            Resources = t.Resources is null ? null : new JobResources
            {
                InstanceCount = t.Resources.InstanceCount,
                InstanceType = t.Resources.InstanceType,
                ShmSize = t.Resources.ShmSize,
                DockerArgs = t.Resources.DockerArgs ?? (t.Resources.DockerArgsList is { } list ? string.Join(' ', list) : null),
                Properties = t.Resources.Properties?.ToDictionary(e => e.Key, e => ArmJobMapping.FromJson(e.Value), StringComparer.Ordinal) ?? new Dictionary<string, object?>(StringComparer.Ordinal),
            },
            Distribution = t.Distribution?.DistributionType switch
            {
                "PyTorch" => new PyTorchDistribution { ProcessCountPerInstance = t.Distribution.ProcessCountPerInstance },
                "Mpi" => new MpiDistribution { ProcessCountPerInstance = t.Distribution.ProcessCountPerInstance },
                "TensorFlow" => new TensorFlowDistribution { WorkerCount = t.Distribution.WorkerCount, ParameterServerCount = t.Distribution.ParameterServerCount },
                _ => null,
            },
        };
        var space = new Dictionary<string, SweepDistribution>(StringComparer.Ordinal);
        if (p.SearchSpace is { ValueKind: JsonValueKind.Object } ss)
        {
            foreach (var parameter in ss.EnumerateObject())
            {
                space[parameter.Name] = DistributionFromJson(parameter.Name, parameter.Value);
            }
        }
        return new SweepJob
        {
            Name = resource.Name,
            DisplayName = p.DisplayName,
            ExperimentName = p.ExperimentName,
            Description = p.Description,
            Tags = ArmJobMapping.NonNull(p.Tags),
            Properties = ArmJobMapping.NonNull(p.Properties),
            Compute = p.ComputeId is null ? null : ArmJobMapping.ComputeFromId(p.ComputeId),
            Identity = p.Identity?.IdentityType switch
            {
                "AMLToken" => new AmlTokenConfiguration(),
                "UserIdentity" => new UserIdentityConfiguration(),
                "Managed" => new ManagedIdentityConfiguration { ClientId = p.Identity.ClientId, ObjectId = p.Identity.ObjectId, ResourceId = p.Identity.ResourceId },
                _ => null,
            },
            Services = p.Services?.Where(s => s.Value is not null).ToDictionary(s => s.Key, s => ArmJobMapping.FromArm(s.Value!), StringComparer.Ordinal)
                ?? new Dictionary<string, JobService>(StringComparer.Ordinal),
            Trial = trial,
            SearchSpace = space,
            Inputs = p.Inputs?.Where(i => i.Value is not null).ToDictionary(i => i.Key, i => ArmJobMapping.FromArm(i.Value!), StringComparer.Ordinal)
                ?? new Dictionary<string, Input>(StringComparer.Ordinal),
            Outputs = p.Outputs?.Where(o => o.Value is not null).ToDictionary(o => o.Key, o => ArmJobMapping.FromArm(o.Value!), StringComparer.Ordinal)
                ?? new Dictionary<string, Output>(StringComparer.Ordinal),
            QueueSettings = p.QueueSettings?.JobTier is { } tier
                ? new QueueSettings { JobTier = ArmJobMapping.JobTiers.FirstOrDefault(j => string.Equals(j.Value, tier, StringComparison.OrdinalIgnoreCase)).Key ?? tier }
                : null,
            Objective = p.Objective is { PrimaryMetric: { } metric } o
                ? new Objective(metric, string.Equals(o.Goal, "Maximize", StringComparison.OrdinalIgnoreCase) ? Goal.Maximize : Goal.Minimize)
                : null,
            SamplingAlgorithm = p.SamplingAlgorithm?.SamplingAlgorithmType?.ToLowerInvariant() switch
            {
                "grid" => SamplingAlgorithm.Grid,
                "bayesian" => SamplingAlgorithm.Bayesian,
                _ => new RandomSamplingAlgorithm
                {
                    Seed = p.SamplingAlgorithm?.Seed,
                    Rule = string.Equals(p.SamplingAlgorithm?.Rule, "Sobol", StringComparison.OrdinalIgnoreCase) ? RandomSamplingRule.Sobol : RandomSamplingRule.Random,
                },
            },
            Limits = p.Limits is not { } l ? null : new SweepLimits
            {
                MaxTotalTrials = l.MaxTotalTrials,
                MaxConcurrentTrials = l.MaxConcurrentTrials,
                Timeout = l.Timeout is { } to ? XmlConvert.ToTimeSpan(to) : null,
                TrialTimeout = l.TrialTimeout is { } tt ? XmlConvert.ToTimeSpan(tt) : null,
            },
            EarlyTermination = p.EarlyTermination?.PolicyType switch
            {
                "Bandit" => new BanditPolicy
                {
                    SlackFactor = p.EarlyTermination.SlackFactor is { } f && f != 0 ? Round(f) : null,
                    SlackAmount = p.EarlyTermination.SlackAmount is { } a && a != 0 ? Round(a) : null,
                    EvaluationInterval = p.EarlyTermination.EvaluationInterval ?? 0,
                    DelayEvaluation = p.EarlyTermination.DelayEvaluation ?? 0,
                },
                "MedianStopping" => new MedianStoppingPolicy { EvaluationInterval = p.EarlyTermination.EvaluationInterval ?? 0, DelayEvaluation = p.EarlyTermination.DelayEvaluation ?? 0 },
                "TruncationSelection" => new TruncationSelectionPolicy
                {
                    TruncationPercentage = p.EarlyTermination.TruncationPercentage ?? 0,
                    EvaluationInterval = p.EarlyTermination.EvaluationInterval ?? 0,
                    DelayEvaluation = p.EarlyTermination.DelayEvaluation ?? 0,
                },
                _ => null,
            },
        };
    }

    // The spec's slack is a float: 0.1f reads back as 0.1 rather than 0.100000001490116.
    private static double Round(float value) => double.Parse(value.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
