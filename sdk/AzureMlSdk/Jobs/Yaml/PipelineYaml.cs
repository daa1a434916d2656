using AzureMlSdk.Jobs.Pipeline;
using YamlDotNet.RepresentationModel;

namespace AzureMlSdk.Jobs.Yaml;

/// <summary>
/// az ml v2 <c>type: pipeline</c> YAML (<c>pipelineJob.schema.json</c>) → <see cref="PipelineJob"/>. Steps under <c>jobs</c> are
/// inline command jobs (read by <see cref="JobYaml.ReadCommandJob"/>), local component files (<c>component: ./train.yml</c>, read
/// and bound with <see cref="CommandComponent.ToJob"/> now), inline components (<c>component: {command: …}</c>) or registered
/// components (<c>component: azureml:train:10</c> / <c>@latest</c>, a <see cref="PipelineComponentJob"/> resolved at submit).
/// A step output written as a binding (<c>model: ${{parent.outputs.trained}}</c>) is read as an output whose path is the binding.
/// </summary>
internal static class PipelineYaml
{
    internal static readonly string[] PipelineKeys = [.. JobYaml.CommonKeys, "inputs", "outputs", "jobs", "settings"];

    /// <summary>The keys of a step: a command job's and <c>component</c>.</summary>
    internal static readonly string[] StepKeys = [.. JobYaml.CommandKeys, "component"];

    /// <summary>The keys of a <c>type: sweep</c> step (azure-ai-ml's sweep node).</summary>
    private static readonly string[] SweepStepKeys =
        ["$schema", "type", "name", "display_name", "description", "tags", "properties", "compute", "experiment_name", "identity", "services",
         "trial", "search_space", "sampling_algorithm", "objective", "limits", "early_termination", "inputs", "outputs", "queue_settings"];

    private static readonly string[] SettingsKeys = ["default_compute", "default_datastore", "continue_on_step_failure", "force_rerun", "default_environment", "on_init", "on_finalize"];

    private static readonly string[] UnsupportedSettings = ["default_environment", "on_init", "on_finalize"];

    /// <summary>Keys a step that runs a component may set besides its inputs and outputs (the component defines the rest).</summary>
    private static readonly string[] ComponentStepKeys =
        ["$schema", "type", "component", "name", "display_name", "description", "tags", "properties", "compute", "inputs", "outputs", "environment_variables", "resources", "distribution", "limits", "identity", "services", "experiment_name", "queue_settings"];

    public static PipelineJob Read(YamlContext context, YamlMap map)
    {
        var common = JobYaml.ReadCommon(map);
        var settings = new PipelineSettings();
        if (map.Map("settings", "pipeline settings", SettingsKeys) is { } s)
        {
            foreach (var key in UnsupportedSettings.Where(s.Has))
            {
                s.Report(key, $"'settings.{key}' is not supported by AzureMlSdk pipelines; remove it.");
            }
            settings.DefaultCompute = s.String("default_compute");
            settings.DefaultDatastore = s.String("default_datastore") is { } ds ? (ds.StartsWith("azureml:", StringComparison.OrdinalIgnoreCase) ? ds["azureml:".Length..] : ds) : null;
            settings.ContinueOnStepFailure = s.Bool("continue_on_step_failure") ?? false;
            settings.ForceRerun = s.Bool("force_rerun") ?? false;
        }
        var jobs = new Dictionary<string, JobDefinition>(StringComparer.Ordinal);
        if (!map.Has("jobs"))
        {
            context.Report(map.Node, "jobs", "a pipeline job needs 'jobs': its steps, by name.");
        }
        foreach (var (name, _, node) in map.Entries("jobs"))
        {
            if (ReadStep(context, name, node) is { } step)
            {
                jobs[name] = step;
            }
        }
        return new PipelineJob
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
            Inputs = JobYaml.ReadInputs(map, "inputs"),
            Outputs = JobYaml.ReadOutputs(map, "outputs"),
            Jobs = jobs,
            Settings = settings,
        };
    }

    private static JobDefinition? ReadStep(YamlContext context, string name, YamlNode node)
    {
        var at = $"jobs.{name}";
        if (node is not YamlMappingNode mapping)
        {
            context.Report(node, at, $"step '{name}' must be a mapping (command: … or component: …), not {YamlContext.Describe(node)}.");
            return null;
        }
        var typeNode = Child(mapping, "type") as YamlScalarNode;
        if (typeNode?.Value == "sweep")
        {
            return ReadSweepStep(context, name, mapping);
        }
        if (typeNode?.Value is { } type && type != "command")
        {
            context.Report(typeNode, $"{at}.type", type is "pipeline" or "parallel" or "spark" or "automl"
                ? $"step '{name}' is a {type} step; AzureMlSdk pipelines run command steps (inline commands and command components) and sweep steps (type: sweep)."
                : $"step '{name}' has unknown type '{type}'; pipeline steps are command steps (type: command) and sweep steps (type: sweep).");
            return null;
        }
        var rewritten = RewriteBindings(mapping, at);
        var componentNode = Child(mapping, "component");
        if (componentNode is null)
        {
            var stepMap = context.Mapping(node, at, $"pipeline step '{name}'", StepKeys)!;
            var inline = JobYaml.ReadCommandJob(context, stepMap);
            Remember(context, rewritten);
            return inline;
        }
        var map = context.Mapping(node, at, $"pipeline step '{name}' (a component step)", ComponentStepKeys)!;
        var common = JobYaml.ReadCommon(map);
        var inputs = JobYaml.ReadInputs(map, "inputs");
        var outputs = JobYaml.ReadOutputs(map, "outputs");
        var environmentVariables = map.StringMap("environment_variables");
        var limits = map.Map("limits", "command job limits", ["timeout"]) is { } l
            ? new CommandJobLimits { Timeout = l.Long("timeout", 1) is { } seconds ? TimeSpan.FromSeconds(seconds) : null }
            : null;
        var (resources, distribution) = JobYaml.ReadCommandJobParts(map);
        Remember(context, rewritten);

        var (component, registered) = ReadComponentNode(context, componentNode, $"{at}.component");
        if (registered is not null)
        {
            return new PipelineComponentJob
            {
                Component = registered,
                Name = common.Name,
                DisplayName = common.DisplayName,
                Description = common.Description,
                Tags = common.Tags,
                Properties = common.Properties,
                Compute = common.Compute,
                Identity = common.Identity,
                Services = common.Services,
                Source = context.Map,
                Inputs = inputs,
                Outputs = outputs,
                EnvironmentVariables = environmentVariables,
            };
        }
        if (component is null)
        {
            return null;
        }
        CommandJob job;
        try
        {
            job = component.ToJob(inputs, outputs);
        }
        catch (JobDefinitionException e)
        {
            foreach (var problem in e.Problems)
            {
                context.Problems.Add(context.Map.Error($"{at}.{problem.Key}", problem.Reason));
            }
            return null;
        }
        foreach (var (key, value) in environmentVariables)
        {
            job.EnvironmentVariables[key] = value;
        }
        return PipelineSteps.With(job, compute: common.Compute, displayName: common.DisplayName ?? job.DisplayName, description: common.Description,
            tags: common.Tags, properties: common.Properties, limits: limits, resources: resources ?? job.Resources, distribution: distribution ?? job.Distribution,
            source: context.Map, identity: common.Identity, services: common.Services);
    }

    /// <summary>
    /// A <c>type: sweep</c> step (azure-ai-ml's sweep node): <c>trial</c> is a component file, a registered component (resolved at
    /// submit) or an inline component; <c>search_space</c> names the trial's inputs to sample; <c>inputs</c> bind its other inputs,
    /// <c>outputs</c> its outputs (the best trial's, downstream); <c>sampling_algorithm</c>, <c>objective</c>, <c>limits</c>,
    /// <c>early_termination</c> as in a sweep job.
    /// </summary>
    private static SweepJob? ReadSweepStep(YamlContext context, string name, YamlMappingNode node)
    {
        var at = $"jobs.{name}";
        var rewritten = RewriteBindings(node, at);
        var map = context.Mapping(node, at, $"pipeline step '{name}' (a sweep step)", SweepStepKeys)!;
        Remember(context, rewritten);
        var common = JobYaml.ReadCommon(map);
        if (!map.Has("search_space"))
        {
            context.Report(node, $"{at}.search_space", $"sweep step '{name}' needs 'search_space': the trial's inputs to sample and their distributions.");
        }
        if (!map.Has("objective"))
        {
            context.Report(node, $"{at}.objective", $"sweep step '{name}' needs 'objective' (goal: minimize|maximize, primary_metric: <metric>).");
        }
        var template = new SweepJob
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
            SearchSpace = SweepYaml.ReadSearchSpace(map),
            SamplingAlgorithm = SweepYaml.ReadSampling(map) ?? SamplingAlgorithm.Random,
            Objective = SweepYaml.ReadObjective(map),
            Limits = SweepYaml.ReadLimits(map),
            EarlyTermination = SweepYaml.ReadPolicy(map),
            QueueSettings = map.Map("queue_settings", "queue settings", ["job_tier"]) is { } queue
                ? new QueueSettings { JobTier = queue.Word("job_tier", ["null", "spot", "basic", "standard", "premium"]) }
                : null,
        };
        var inputs = JobYaml.ReadInputs(map, "inputs");
        var outputs = JobYaml.ReadOutputs(map, "outputs");
        var trialNode = map.Get("trial");
        if (trialNode is null)
        {
            context.Report(node, $"{at}.trial", $"sweep step '{name}' needs 'trial': the command component each trial runs (./train.yml or azureml:train:1).");
            return null;
        }
        var (component, registered) = ReadComponentNode(context, trialNode, $"{at}.trial");
        if (registered is not null)
        {
            return SweepSteps.With(template, null, inputs, outputs, trialComponent: registered);
        }
        if (component is null)
        {
            return null;
        }
        var swept = template.SearchSpace.Keys.ToHashSet(StringComparer.Ordinal);
        CommandJob job;
        try
        {
            job = component.ToTrialJob(inputs.Where(i => !swept.Contains(i.Key)).ToDictionary(i => i.Key, i => i.Value, StringComparer.Ordinal), outputs, swept);
        }
        catch (JobDefinitionException e)
        {
            foreach (var problem in e.Problems)
            {
                context.Problems.Add(context.Map.Error($"{at}.{problem.Key}", problem.Reason));
            }
            return null;
        }
        return SweepSteps.FromTrial(job, template);
    }

    /// <summary>
    /// A step's <c>component</c> or a sweep step's <c>trial</c>: a component file (loaded), a registered component (its reference,
    /// returned as written) or an inline component; anything else is reported. Both null when it could not be read.
    /// </summary>
    private static (CommandComponent? Component, string? Registered) ReadComponentNode(YamlContext context, YamlNode node, string key)
    {
        switch (node)
        {
            case YamlScalarNode { Value: { } text } when AssetReference.Parse(text).Kind is AssetReferenceKind.LocalPath:
                return (LoadComponentFile(context, node, key, context.ResolvePath(text)), null);
            case YamlScalarNode { Value: { } text }:
                return (null, text);
            case YamlMappingNode:
                return (ReadInlineComponent(context, node, key), null);
            default:
                context.Report(node, key, $"'{key}' must be a component file (./train.yml), a registered component (azureml:train:1) or an inline component, not {YamlContext.Describe(node)}.");
                return (null, null);
        }
    }

    /// <summary>
    /// An inline component (a step's <c>component</c> or a sweep step's <c>trial</c>), read with its own reader; its problems are
    /// reported under <paramref name="key"/> with positions in this file.
    /// </summary>
    private static CommandComponent? ReadInlineComponent(YamlContext context, YamlNode node, string key)
    {
        var inner = new YamlContext(context.FilePath, context.BaseDirectory);
        var component = AssetYaml.ReadComponent(inner, InlineComponent(node));
        foreach (var problem in inner.Problems)
        {
            context.Problems.Add(new JobDefinitionException(problem.Reason, problem.FilePath, problem.Line, problem.Column, $"{key}.{problem.Key}".TrimEnd('.')));
        }
        return component;
    }

    /// <summary>An inline component may leave out <c>name</c> (it is anonymous, as in az ml): it gets one.</summary>
    private static YamlMappingNode InlineComponent(YamlNode node)
    {
        var mapping = (YamlMappingNode)node;
        if (Child(mapping, "name") is null)
        {
            var copy = new YamlMappingNode(mapping.Children);
            copy.Children.Add(new YamlScalarNode("name"), new YamlScalarNode("azureml_anonymous"));
            return copy;
        }
        return mapping;
    }

    private static CommandComponent? LoadComponentFile(YamlContext context, YamlNode node, string key, string path)
    {
        if (!File.Exists(path))
        {
            context.Report(node, key, $"the component file '{((YamlScalarNode)node).Value}' does not exist ({path}).");
            return null;
        }
        try
        {
            return CommandComponent.Load(path);
        }
        catch (JobDefinitionException e)
        {
            context.Problems.Add(new JobDefinitionException($"the component file '{((YamlScalarNode)node).Value}' is invalid: {e.Message}", context.FilePath,
                (int)node.Start.Line, (int)node.Start.Column, key, e));
            return null;
        }
    }

    /// <summary>
    /// Bindings written where a mapping is expected become forms the shared readers take: an output <c>o: ${{parent.outputs.x}}</c>
    /// becomes <c>{path: ${{parent.outputs.x}}}</c>; an input <c>{type: uri_folder, path: ${{parent.…}}}</c> becomes the binding itself
    /// (its type and mode are the bound value's).
    /// </summary>
    /// <returns>The key paths of the rewritten values and their original nodes (whose positions errors should name).</returns>
    private static List<(string Key, YamlNode Node)> RewriteBindings(YamlMappingNode step, string at)
    {
        var rewritten = new List<(string, YamlNode)>();
        if (Child(step, "outputs") is YamlMappingNode outputs)
        {
            foreach (var (key, value) in outputs.Children.ToList())
            {
                if (value is YamlScalarNode { Value: { } text } && Binding.Mentions(text))
                {
                    outputs.Children[key] = new YamlMappingNode(new YamlScalarNode("path"), new YamlScalarNode(text));
                    rewritten.Add(($"{at}.outputs.{(key as YamlScalarNode)?.Value}", value));
                }
            }
        }
        if (Child(step, "inputs") is YamlMappingNode inputs)
        {
            foreach (var (key, value) in inputs.Children.ToList())
            {
                if (value is YamlMappingNode m && Child(m, "path") is YamlScalarNode { Value: { } path } pathNode && Binding.Mentions(path))
                {
                    inputs.Children[key] = new YamlScalarNode(path);
                    rewritten.Add(($"{at}.inputs.{(key as YamlScalarNode)?.Value}", pathNode));
                }
            }
        }
        return rewritten;
    }

    private static void Remember(YamlContext context, List<(string Key, YamlNode Node)> rewritten)
    {
        foreach (var (key, node) in rewritten)
        {
            context.Map.Record(key, node);
            context.Map.Record(key + ".path", node);
        }
    }

    private static YamlNode? Child(YamlMappingNode mapping, string key) =>
        mapping.Children.FirstOrDefault(c => c.Key is YamlScalarNode { Value: var k } && k == key).Value;
}
