using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Xml;
using AzureMlSdk.Jobs.Pipeline;

namespace AzureMlSdk.Backends.Remote.Arm;

// Wire shapes of the ARM 2026-07-01 PipelineJob body (JobBaseResource, properties.jobType = Pipeline). The spec leaves `jobs` and
// `settings` free-form; their content is azure-ai-ml's REST form: each step {"type": "command", "componentId", "computeId",
// "inputs": {"x": {"job_input_type": "literal", "value": "${{parent.inputs.y}}"}}, "outputs": {"o": {"type": "literal", "value":
// "${{parent.outputs.p}}"}}, …}, settings {"default_compute", "default_datastore", "continue_on_step_failure", "force_rerun"}.

/// <summary><c>PipelineJob</c> (allOf <c>JobBaseProperties</c>).</summary>
internal sealed class PipelineJobProperties : ArmJobBaseProperties
{
    public Dictionary<string, ArmJobInput?>? Inputs { get; set; }
    public Dictionary<string, ArmJobOutput?>? Outputs { get; set; }
    public JsonElement? Jobs { get; set; }
    public JsonElement? Settings { get; set; }
    public string? SourceJobId { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ArmResource<PipelineJobProperties>))]
internal sealed partial class ArmPipelineJobJsonContext : JsonSerializerContext;

/// <summary>The ARM ids a pipeline body needs, resolved by the caller (components created, local data uploaded, computes found).</summary>
internal sealed record ArmPipelineReferences
{
    /// <summary>Step name → the component version's ARM id it runs (an inline step's anonymous component included).</summary>
    public required IReadOnlyDictionary<string, string> ComponentIds { get; init; }

    /// <summary>A compute name → its ARM id (identity when null: the name is sent as it is).</summary>
    public Func<string, string>? ComputeId { get; init; }

    /// <summary>The datastore name of <c>settings.default_datastore</c> → its ARM id (identity when null).</summary>
    public Func<string, string>? DatastoreId { get; init; }

    /// <summary>Pipeline input name → the <c>uri</c> to send instead of its path (local paths uploaded).</summary>
    public IReadOnlyDictionary<string, string> InputUris { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>"step.input" → the <c>uri</c> to send instead of a step's data input path.</summary>
    public IReadOnlyDictionary<string, string> StepInputUris { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Pipeline output name → its <c>uri</c> (where the service put it: the Emulator answers its jobs' output locations).</summary>
    public IReadOnlyDictionary<string, string> OutputUris { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}

/// <summary><see cref="PipelineJob"/> ⇄ the ARM 2026-07-01 <c>PipelineJob</c> body.</summary>
internal static class ArmPipelineJobMapping
{
    private static readonly Dictionary<InputMode, string> InputModes = new()
    {
        [InputMode.ReadOnlyMount] = "ReadOnlyMount",
        [InputMode.ReadWriteMount] = "ReadWriteMount",
        [InputMode.Download] = "Download",
        [InputMode.Direct] = "Direct",
        [InputMode.EvalMount] = "EvalMount",
        [InputMode.EvalDownload] = "EvalDownload",
    };

    private static readonly Dictionary<OutputMode, string> OutputModes = new()
    {
        [OutputMode.ReadWriteMount] = "ReadWriteMount",
        [OutputMode.Upload] = "Upload",
        [OutputMode.Direct] = "Direct",
    };

    public static ArmResource<PipelineJobProperties> ToArm(PipelineJob job, ArmPipelineReferences references)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(references);
        var compute = references.ComputeId ?? (n => n);
        var inputReferences = new ArmJobReferences { EnvironmentId = "", InputUris = references.InputUris, OutputUris = references.OutputUris };
        var settings = new JsonObject
        {
            ["continue_on_step_failure"] = job.Settings.ContinueOnStepFailure,
            ["force_rerun"] = job.Settings.ForceRerun,
        };
        if (job.Settings.DefaultComputeName is { } defaultCompute)
        {
            settings["default_compute"] = compute(defaultCompute);
        }
        if (job.Settings.DefaultDatastore is { } datastore)
        {
            settings["default_datastore"] = (references.DatastoreId ?? (d => d))(datastore);
        }
        var steps = new JsonObject();
        foreach (var (name, step) in job.Jobs)
        {
            steps[name] = StepToJson(job, name, step, references, compute);
        }
        var properties = new PipelineJobProperties
        {
            JobType = "Pipeline",
            Description = job.Description,
            Tags = ArmJobMapping.Nullable(job.Tags),
            Properties = ArmJobMapping.Nullable(job.Properties),
            DisplayName = job.DisplayName,
            ExperimentName = job.ExperimentName,
            ComputeId = job.ComputeName is { } c ? compute(c) : null,
            Identity = ArmJobMapping.ToArm(job.Identity),
            Services = job.Services.Count == 0 ? null : job.Services.ToDictionary(s => s.Key, s => (ArmJobService?)ArmJobMapping.ToArm(s.Value), StringComparer.Ordinal),
            Inputs = job.Inputs.Count == 0 ? null : job.Inputs.ToDictionary(i => i.Key, i => (ArmJobInput?)ArmJobMapping.ToArm(i.Key, i.Value, inputReferences, job), StringComparer.Ordinal),
            Outputs = job.Outputs.Count == 0 ? null : job.Outputs.ToDictionary(o => o.Key, o => (ArmJobOutput?)ArmJobMapping.ToArm(o.Key, o.Value, inputReferences, job), StringComparer.Ordinal),
            Jobs = Element(steps),
            Settings = Element(settings),
        };
        return new ArmResource<PipelineJobProperties> { Name = job.Name, Properties = properties };
    }

    private static JsonObject StepToJson(PipelineJob pipeline, string name, JobDefinition step, ArmPipelineReferences references, Func<string, string> compute)
    {
        var inputs = PipelineGraph.InputsOf(step) ?? throw new AzureMlNotSupportedException($"Step '{name}' is a {JobDefinition.YamlType(step.Type)} job; pipeline steps are command jobs and components.");
        var outputs = PipelineGraph.OutputsOf(step)!;
        var componentId = references.ComponentIds.TryGetValue(name, out var id) ? id
            : throw new JobDefinitionException($"step '{name}' has no component id: create its {(step is SweepJob ? "trial's " : "")}component before building the ARM body.", pipeline.SourcePath, key: $"jobs.{name}");
        var node = step is SweepJob
            ? new JsonObject { ["name"] = name, ["type"] = "sweep", ["trial"] = new JsonObject { ["componentId"] = componentId } }
            : new JsonObject { ["name"] = name, ["type"] = "command", ["componentId"] = componentId };
        if (step.ComputeName is { } c)
        {
            node["computeId"] = compute(c);
        }
        if (step.DisplayName is { } displayName)
        {
            node["display_name"] = displayName;
        }
        if (step.Description is { } description)
        {
            node["description"] = description;
        }
        if (step.Tags.Count > 0)
        {
            node["tags"] = new JsonObject(step.Tags.Select(t => KeyValuePair.Create(t.Key, (JsonNode?)t.Value)));
        }
        if (step.Properties.Count > 0)
        {
            node["properties"] = new JsonObject(step.Properties.Select(t => KeyValuePair.Create(t.Key, (JsonNode?)t.Value)));
        }
        var stepInputs = new JsonObject();
        foreach (var (inputName, input) in inputs)
        {
            if (input.IsLiteral)
            {
                stepInputs[inputName] = new JsonObject { ["job_input_type"] = "literal", ["value"] = input.LiteralText };
                continue;
            }
            var uri = references.StepInputUris.TryGetValue($"{name}.{inputName}", out var resolved) ? resolved
                : input.Reference!.IsRemote ? input.Path
                : throw new JobDefinitionException($"step '{name}' input '{inputName}' is the local path '{input.Path}': upload it before building the ARM body.", pipeline.SourcePath, key: $"jobs.{name}.inputs.{inputName}");
            var data = new JsonObject { ["job_input_type"] = YamlNames.Of(input.Type), ["uri"] = uri };
            if (input.Mode is { } mode)
            {
                data["mode"] = InputModes[mode];
            }
            stepInputs[inputName] = data;
        }
        node["inputs"] = stepInputs;
        var stepOutputs = new JsonObject();
        foreach (var (outputName, output) in outputs)
        {
            if (output.Path is { } path && Binding.Mentions(path))
            {
                stepOutputs[outputName] = new JsonObject { ["type"] = "literal", ["value"] = path };
                continue;
            }
            var data = new JsonObject { ["job_output_type"] = YamlNames.Of(output.Type) };
            if (output.Path is not null)
            {
                data["uri"] = output.Path;
            }
            if (output.Mode is { } mode)
            {
                data["mode"] = OutputModes[mode];
            }
            if (output.Name is not null)
            {
                data["asset_name"] = output.Name;
            }
            stepOutputs[outputName] = data;
        }
        node["outputs"] = stepOutputs;
        var variables = step switch { CommandJob command => command.EnvironmentVariables, PipelineComponentJob component => component.EnvironmentVariables, _ => null };
        if (variables is { Count: > 0 })
        {
            node["environment_variables"] = new JsonObject(variables.Select(v => KeyValuePair.Create(v.Key, (JsonNode?)v.Value)));
        }
        if (step is CommandJob { Limits.Timeout: { } timeout })
        {
            node["limits"] = new JsonObject { ["job_limits_type"] = "Command", ["timeout"] = XmlConvert.ToString(timeout) };
        }
        if (step is CommandJob { Resources.InstanceCount: { } count })
        {
            node["resources"] = new JsonObject { ["instance_count"] = count };
        }
        if (step is SweepJob sweep)
        {
            SweepToJson(sweep, node);
        }
        return node;
    }

    private static readonly Dictionary<string, string[]> DistributionArguments = new(StringComparer.Ordinal)
    {
        ["choice"] = ["values"],
        ["randint"] = ["upper"],
        ["uniform"] = ["min_value", "max_value"],
        ["quniform"] = ["min_value", "max_value", "q"],
        ["loguniform"] = ["min_value", "max_value"],
        ["qloguniform"] = ["min_value", "max_value", "q"],
        ["normal"] = ["mu", "sigma"],
        ["qnormal"] = ["mu", "sigma", "q"],
        ["lognormal"] = ["mu", "sigma"],
        ["qlognormal"] = ["mu", "sigma", "q"],
    };

    private static readonly Dictionary<string, string> PolicyTypes = new(StringComparer.Ordinal)
    {
        ["bandit"] = "Bandit",
        ["median_stopping"] = "MedianStopping",
        ["truncation_selection"] = "TruncationSelection",
    };

    /// <summary>
    /// A sweep node's settings in azure-ai-ml's form (<c>Sweep._to_rest_object</c>: the YAML shapes of <c>search_space</c>,
    /// <c>sampling_algorithm</c>, <c>objective</c> and <c>limits</c>; <c>early_termination</c> as the REST policy with snake_case keys).
    /// </summary>
    private static void SweepToJson(SweepJob sweep, JsonObject node)
    {
        var space = new JsonObject();
        foreach (var (name, distribution) in sweep.SearchSpace)
        {
            var expression = new JsonObject { ["type"] = distribution.TypeName };
            var arguments = distribution.RestArguments;
            var names = DistributionArguments[distribution.TypeName];
            for (var i = 0; i < names.Length && i < arguments.Count; i++)
            {
                expression[names[i]] = JsonNode.Parse(ArmJobMapping.ToJson(arguments[i]).GetRawText());
            }
            space[name] = expression;
        }
        node["search_space"] = space;
        node["sampling_algorithm"] = sweep.SamplingAlgorithm switch
        {
            RandomSamplingAlgorithm { Seed: null, Rule: RandomSamplingRule.Random } => "random",
            RandomSamplingAlgorithm r => new JsonObject
            {
                ["type"] = "random",
                ["seed"] = r.Seed is { } seed ? JsonValue.Create(seed) : null,
                ["rule"] = r.Rule.ToString().ToLowerInvariant(),
            },
            { } other => other.ToString(),
            null => null,
        };
        if (sweep.Objective is { } objective)
        {
            node["objective"] = new JsonObject { ["goal"] = objective.Goal.ToString().ToLowerInvariant(), ["primary_metric"] = objective.PrimaryMetric };
        }
        // The trial component carries no limits: a trial job's own timeout (which each trial keeps on Local when the sweep sets no
        // trial_timeout) travels as the node's trial_timeout, so it is not dropped on the way.
        var trialTimeoutOrOwn = sweep.Limits?.TrialTimeout ?? sweep.Trial?.Limits?.Timeout;
        if ((sweep.Limits ?? (trialTimeoutOrOwn is null ? null : new SweepLimits())) is { } limits)
        {
            var l = new JsonObject();
            if (limits.MaxTotalTrials is { } total)
            {
                l["max_total_trials"] = total;
            }
            if (limits.MaxConcurrentTrials is { } concurrent)
            {
                l["max_concurrent_trials"] = concurrent;
            }
            if (limits.Timeout is { } timeout)
            {
                l["timeout"] = (long)timeout.TotalSeconds;
            }
            if (trialTimeoutOrOwn is { } trialTimeout)
            {
                l["trial_timeout"] = (long)trialTimeout.TotalSeconds;
            }
            node["limits"] = l;
        }
        if (sweep.EarlyTermination is { } policy)
        {
            var p = new JsonObject
            {
                ["policy_type"] = PolicyTypes[policy.TypeName],
                ["evaluation_interval"] = policy.EvaluationInterval,
                ["delay_evaluation"] = policy.DelayEvaluation,
            };
            switch (policy)
            {
                case BanditPolicy bandit:
                    if (bandit.SlackFactor is { } factor)
                    {
                        p["slack_factor"] = factor;
                    }
                    if (bandit.SlackAmount is { } amount)
                    {
                        p["slack_amount"] = amount;
                    }
                    break;
                case TruncationSelectionPolicy truncation:
                    p["truncation_percentage"] = truncation.TruncationPercentage;
                    break;
            }
            node["early_termination"] = p;
        }
        if (sweep.QueueSettings?.JobTier is { } tier)
        {
            node["queue_settings"] = new JsonObject { ["job_tier"] = tier };
        }
    }

    /// <summary>A sweep node read back (<see cref="SweepToJson"/>'s form; early termination also in the YAML form, <c>type: bandit</c>).</summary>
    private static SweepJob SweepFromJson(string name, JsonObject node, PipelineComponentJob common)
    {
        var space = new Dictionary<string, SweepDistribution>(StringComparer.Ordinal);
        foreach (var (parameter, value) in node["search_space"] as JsonObject ?? [])
        {
            if (value is not JsonObject expression || Text(expression["type"]) is not { } type || !DistributionArguments.TryGetValue(type.ToLowerInvariant(), out var names))
            {
                throw new InvalidInputException($"sweep step '{name}' search-space parameter '{parameter}' is not {{type: choice|uniform|…, …}}: {value?.ToJsonString()}.");
            }
            var list = new JsonArray(names.Select(n => expression[n]?.DeepClone()).ToArray());
            using var document = JsonDocument.Parse(new JsonArray(type.ToLowerInvariant(), list).ToJsonString());
            space[parameter] = ArmSweepJobMapping.DistributionFromJson(parameter, document.RootElement);
        }
        SamplingAlgorithm sampling = node["sampling_algorithm"] switch
        {
            JsonObject o when (Text(o["type"]) ?? "random").Equals("random", StringComparison.OrdinalIgnoreCase) => new RandomSamplingAlgorithm
            {
                Seed = o["seed"] is JsonValue seed && seed.GetValueKind() == JsonValueKind.Number ? seed.GetValue<int>() : null,
                Rule = string.Equals(Text(o["rule"]), "sobol", StringComparison.OrdinalIgnoreCase) ? RandomSamplingRule.Sobol : RandomSamplingRule.Random,
            },
            JsonObject o => Sampling(Text(o["type"])),
            var v => Sampling(Text(v)),
        };
        var objective = node["objective"] as JsonObject;
        var limits = node["limits"] as JsonObject;
        var policy = node["early_termination"] as JsonObject;
        return new SweepJob
        {
            DisplayName = common.DisplayName,
            Description = common.Description,
            Tags = common.Tags,
            Properties = common.Properties,
            Compute = common.Compute,
            TrialComponent = common.Component,
            Inputs = common.Inputs,
            Outputs = common.Outputs,
            SearchSpace = space,
            SamplingAlgorithm = sampling,
            Objective = objective is null ? null : new Objective(Text(objective["primary_metric"]) ?? "",
                string.Equals(Text(objective["goal"]), "maximize", StringComparison.OrdinalIgnoreCase) ? Goal.Maximize : Goal.Minimize),
            Limits = limits is null ? null : new SweepLimits
            {
                MaxTotalTrials = Int(limits["max_total_trials"]),
                MaxConcurrentTrials = Int(limits["max_concurrent_trials"]),
                Timeout = Int(limits["timeout"]) is { } t ? TimeSpan.FromSeconds(t) : null,
                TrialTimeout = Int(limits["trial_timeout"]) is { } tt ? TimeSpan.FromSeconds(tt) : null,
            },
            EarlyTermination = policy is null ? null : PolicyFromJson(name, policy),
        };

        static SamplingAlgorithm Sampling(string? word) => word?.ToLowerInvariant() switch
        {
            "grid" => SamplingAlgorithm.Grid,
            "bayesian" => SamplingAlgorithm.Bayesian,
            _ => SamplingAlgorithm.Random,
        };
    }

    private static EarlyTerminationPolicy PolicyFromJson(string name, JsonObject policy)
    {
        var type = (Text(policy["policy_type"]) ?? Text(policy["type"]) ?? "").Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
        var interval = Int(policy["evaluation_interval"]) ?? 1;
        var delay = Int(policy["delay_evaluation"]) ?? 0;
        return type switch
        {
            "bandit" => new BanditPolicy { SlackFactor = Number(policy["slack_factor"]), SlackAmount = Number(policy["slack_amount"]), EvaluationInterval = interval, DelayEvaluation = delay },
            "medianstopping" => new MedianStoppingPolicy { EvaluationInterval = interval, DelayEvaluation = delay },
            "truncationselection" => new TruncationSelectionPolicy { TruncationPercentage = Int(policy["truncation_percentage"]) ?? 0, EvaluationInterval = interval, DelayEvaluation = delay },
            _ => throw new InvalidInputException($"sweep step '{name}' has an unknown early-termination policy: {policy.ToJsonString()}."),
        };
    }

    private static int? Int(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? (int)v.GetValue<double>() : null;

    private static double? Number(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>() : null;

    /// <summary>
    /// A pipeline from its ARM body: each step a <see cref="PipelineComponentJob"/> (its <c>componentId</c> as <c>azureml:name:version</c>),
    /// bindings as written, compute ids as names.
    /// </summary>
    public static PipelineJob FromArm(ArmResource<PipelineJobProperties> resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var p = resource.Properties ?? throw new InvalidInputException($"job '{resource.Name}' has no properties.");
        if (!string.Equals(p.JobType, "Pipeline", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidInputException($"job '{resource.Name}' is a {p.JobType} job, not a pipeline job.");
        }
        var settings = p.Settings is { ValueKind: JsonValueKind.Object } s ? JsonNode.Parse(s.GetRawText())!.AsObject() : [];
        var steps = new Dictionary<string, JobDefinition>(StringComparer.Ordinal);
        if (p.Jobs is { ValueKind: JsonValueKind.Object } jobs)
        {
            foreach (var (name, node) in JsonNode.Parse(jobs.GetRawText())!.AsObject())
            {
                var stepNode = node as JsonObject ?? throw new InvalidInputException($"pipeline step '{name}' is not an object.");
                steps[name] = Text(stepNode["type"]) == "sweep" ? SweepFromJson(name, stepNode, StepFromJson(name, stepNode)) : StepFromJson(name, stepNode);
            }
        }
        return new PipelineJob
        {
            Name = resource.Name,
            DisplayName = p.DisplayName,
            ExperimentName = p.ExperimentName,
            Description = p.Description,
            Tags = ArmJobMapping.NonNull(p.Tags),
            Properties = ArmJobMapping.NonNull(p.Properties),
            Compute = p.ComputeId is null ? null : ArmJobMapping.ComputeFromId(p.ComputeId),
            Services = p.Services?.Where(x => x.Value is not null).ToDictionary(x => x.Key, x => ArmJobMapping.FromArm(x.Value!), StringComparer.Ordinal)
                ?? new Dictionary<string, JobService>(StringComparer.Ordinal),
            Inputs = p.Inputs?.Where(i => i.Value is not null).ToDictionary(i => i.Key, i => ArmJobMapping.FromArm(i.Value!), StringComparer.Ordinal)
                ?? new Dictionary<string, Input>(StringComparer.Ordinal),
            Outputs = p.Outputs?.Where(o => o.Value is not null).ToDictionary(o => o.Key, o => ArmJobMapping.FromArm(o.Value!), StringComparer.Ordinal)
                ?? new Dictionary<string, Output>(StringComparer.Ordinal),
            Jobs = steps,
            Settings = new PipelineSettings
            {
                DefaultCompute = Text(settings["default_compute"]) is { } dc ? ArmJobMapping.ComputeFromId(dc) : null,
                DefaultDatastore = Text(settings["default_datastore"]) is { } dd ? dd[(dd.LastIndexOf('/') + 1)..] : null,
                ContinueOnStepFailure = Flag(settings["continue_on_step_failure"]),
                ForceRerun = Flag(settings["force_rerun"]),
            },
        };
    }

    private static PipelineComponentJob StepFromJson(string name, JsonObject node)
    {
        var inputs = new Dictionary<string, Input>(StringComparer.Ordinal);
        foreach (var (inputName, value) in node["inputs"] as JsonObject ?? [])
        {
            if (value is not JsonObject input)
            {
                continue;
            }
            var type = Text(input["job_input_type"]) ?? "literal";
            if (type == "literal")
            {
                inputs[inputName] = Input.Literal(Text(input["value"]) ?? "");
                continue;
            }
            var mode = Text(input["mode"]) is { } m ? InputModes.FirstOrDefault(x => string.Equals(x.Value, m, StringComparison.OrdinalIgnoreCase)).Key : (InputMode?)null;
            inputs[inputName] = Input.Data(YamlNames.InputTypes.TryGetValue(type, out var t) ? t : InputType.UriFolder, Text(input["uri"]) ?? "", mode);
        }
        var outputs = new Dictionary<string, Output>(StringComparer.Ordinal);
        foreach (var (outputName, value) in node["outputs"] as JsonObject ?? [])
        {
            if (value is not JsonObject output)
            {
                continue;
            }
            if (Text(output["type"]) == "literal")
            {
                outputs[outputName] = Output.UriFolder(Text(output["value"]));
                continue;
            }
            var type = Text(output["job_output_type"]) is { } ot && YamlNames.OutputTypes.TryGetValue(ot, out var t) ? t : OutputType.UriFolder;
            var mode = Text(output["mode"]) is { } m ? OutputModes.FirstOrDefault(x => string.Equals(x.Value, m, StringComparison.OrdinalIgnoreCase)).Key : (OutputMode?)null;
            outputs[outputName] = Output.Create(type, Text(output["uri"]), mode, Text(output["asset_name"]));
        }
        return new PipelineComponentJob
        {
            Component = (Text(node["componentId"]) ?? Text((node["trial"] as JsonObject)?["componentId"])) is { } id ? ArmJobMapping.AssetFromId(id) : throw new InvalidInputException($"pipeline step '{name}' has no componentId."),
            Compute = Text(node["computeId"]) is { } computeId ? ArmJobMapping.ComputeFromId(computeId) : null,
            DisplayName = Text(node["display_name"]),
            Description = Text(node["description"]),
            Tags = Map(node["tags"]),
            Properties = Map(node["properties"]),
            EnvironmentVariables = Map(node["environment_variables"]),
            Inputs = inputs,
            Outputs = outputs,
        };
    }

    private static JsonElement Element(JsonNode node)
    {
        using var document = JsonDocument.Parse(node.ToJsonString());
        return document.RootElement.Clone();
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static bool Flag(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.True;

    private static Dictionary<string, string> Map(JsonNode? node) =>
        (node as JsonObject ?? []).Where(p => Text(p.Value) is not null).ToDictionary(p => p.Key, p => Text(p.Value)!, StringComparer.Ordinal);
}
