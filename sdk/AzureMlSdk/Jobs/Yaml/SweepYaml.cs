using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace AzureMlSdk.Jobs.Yaml;

/// <summary>az ml v2 <c>type: sweep</c> YAML (<c>sweepJob.schema.json</c>) → <see cref="SweepJob"/>.</summary>
internal static class SweepYaml
{
    internal static readonly string[] SweepKeys =
        [.. JobYaml.CommonKeys, "trial", "search_space", "sampling_algorithm", "objective", "limits", "early_termination", "inputs", "outputs", "queue_settings"];

    /// <summary>The keys of <c>trial</c>: a command job's run settings (name, compute… belong to the sweep).</summary>
    internal static readonly string[] TrialKeys =
        ["command", "code", "environment", "environment_variables", "distribution", "resources", "inputs", "outputs"];

    private static readonly Dictionary<string, string[]> DistributionKeys = new(StringComparer.Ordinal)
    {
        ["choice"] = ["type", "values"],
        ["randint"] = ["type", "upper"],
        ["uniform"] = ["type", "min_value", "max_value"],
        ["quniform"] = ["type", "min_value", "max_value", "q"],
        ["loguniform"] = ["type", "min_value", "max_value"],
        ["qloguniform"] = ["type", "min_value", "max_value", "q"],
        ["normal"] = ["type", "mu", "sigma"],
        ["qnormal"] = ["type", "mu", "sigma", "q"],
        ["lognormal"] = ["type", "mu", "sigma"],
        ["qlognormal"] = ["type", "mu", "sigma", "q"],
    };

    private static readonly Dictionary<string, string[]> PolicyKeys = new(StringComparer.Ordinal)
    {
        ["bandit"] = ["type", "slack_factor", "slack_amount", "evaluation_interval", "delay_evaluation"],
        ["median_stopping"] = ["type", "evaluation_interval", "delay_evaluation"],
        ["truncation_selection"] = ["type", "truncation_percentage", "evaluation_interval", "delay_evaluation"],
    };

    private static readonly string[] RandomOnlyKeys = ["seed", "rule"];

    private static readonly string[] SamplingWords = ["random", "grid", "bayesian"];

    private static readonly IReadOnlyDictionary<string, Goal> Goals = new Dictionary<string, Goal>(StringComparer.Ordinal)
    {
        ["minimize"] = Goal.Minimize,
        ["maximize"] = Goal.Maximize,
    };

    private static readonly IReadOnlyDictionary<string, RandomSamplingRule> Rules = new Dictionary<string, RandomSamplingRule>(StringComparer.Ordinal)
    {
        ["random"] = RandomSamplingRule.Random,
        ["sobol"] = RandomSamplingRule.Sobol,
    };

    public static SweepJob Read(YamlContext context, YamlMap map)
    {
        var common = JobYaml.ReadCommon(map);
        CommandJob? trial = null;
        if (map.Get("trial") is { } trialNode && !(trialNode is YamlScalarNode s0 && YamlScalars.Value(s0) is null))
        {
            if (context.Mapping(trialNode, "trial", "a sweep's trial", TrialKeys) is { } trialMap)
            {
                trial = JobYaml.ReadCommandJob(context, trialMap);
            }
        }
        else
        {
            context.Report(map.Node, "trial", "a sweep job needs 'trial': the command job each trial runs (command, code, environment).");
        }
        if (!map.Has("search_space"))
        {
            context.Report(map.Node, "search_space", "a sweep job needs 'search_space': each hyperparameter and its distribution.");
        }
        if (!map.Has("objective"))
        {
            context.Report(map.Node, "objective", "a sweep job needs 'objective' (goal: minimize|maximize, primary_metric: <metric>).");
        }
        if (!map.Has("sampling_algorithm"))
        {
            context.Report(map.Node, "sampling_algorithm", "a sweep job needs 'sampling_algorithm': random, grid or bayesian.");
        }
        return new SweepJob
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
            Trial = trial,
            SearchSpace = ReadSearchSpace(map),
            SamplingAlgorithm = ReadSampling(map) ?? SamplingAlgorithm.Random,
            Objective = ReadObjective(map),
            Limits = ReadLimits(map),
            EarlyTermination = ReadPolicy(map),
            Inputs = JobYaml.ReadInputs(map, "inputs"),
            Outputs = JobYaml.ReadOutputs(map, "outputs"),
            QueueSettings = map.Map("queue_settings", "queue settings", ["job_tier"]) is { } queue
                ? new QueueSettings { JobTier = queue.Word("job_tier", ["null", "spot", "basic", "standard", "premium"]) }
                : null,
        };
    }

    internal static Dictionary<string, SweepDistribution> ReadSearchSpace(YamlMap map)
    {
        var space = new Dictionary<string, SweepDistribution>(StringComparer.Ordinal);
        foreach (var (name, _, value) in map.Entries("search_space"))
        {
            var at = map.Sub($"search_space.{name}");
            if (ReadDistribution(map.Context, value, at, name) is { } d)
            {
                space[name] = d;
            }
        }
        return space;
    }

    /// <summary>One parameter expression: <c>{type: uniform, min_value: 0.1, max_value: 1}</c> and the others.</summary>
    internal static SweepDistribution? ReadDistribution(YamlContext context, YamlNode node, string at, string name)
    {
        if (node is not YamlMappingNode mapping)
        {
            context.Report(node, at, $"search-space parameter '{name}' must be a mapping (type: choice|uniform|…, and its parameters), not {YamlContext.Describe(node)}.");
            return null;
        }
        var typeNode = mapping.Children.FirstOrDefault(c => c.Key is YamlScalarNode { Value: "type" }).Value as YamlScalarNode;
        var type = typeNode?.Value?.ToLowerInvariant();
        if (type is null || !DistributionKeys.TryGetValue(type, out var keys))
        {
            context.Report(typeNode ?? node, $"{at}.type", type is null
                ? $"search-space parameter '{name}' needs a 'type': {string.Join(", ", DistributionKeys.Keys)}."
                : $"'{at}.type' must be one of {string.Join(", ", DistributionKeys.Keys)}, not '{typeNode!.Value}'.{Suggest.DidYouMean(type, DistributionKeys.Keys)}");
            return null;
        }
        var m = context.Mapping(node, at, $"a {type} parameter", keys)!;
        double? Required(string key)
        {
            if (!m.Has(key))
            {
                context.Report(node, $"{at}.{key}", $"a {type} parameter needs '{key}'.");
                return null;
            }
            return m.Number(key);
        }
        switch (type)
        {
            case "choice":
                return ReadChoice(m, node, at);
            case "randint":
                if (!m.Has("upper"))
                {
                    context.Report(node, $"{at}.upper", "a randint parameter needs 'upper' (exclusive).");
                    return null;
                }
                return m.Long("upper") is { } upper ? new RandInt(upper) : null;
            case "uniform" or "loguniform":
                {
                    var (min, max) = (Required("min_value"), Required("max_value"));
                    return min is null || max is null ? null : type == "uniform" ? new Uniform(min.Value, max.Value) : new LogUniform(min.Value, max.Value);
                }
            case "quniform" or "qloguniform":
                {
                    var (min, max, q) = (Required("min_value"), Required("max_value"), Required("q"));
                    return min is null || max is null || q is null ? null
                        : type == "quniform" ? new QUniform(min.Value, max.Value, q.Value) : new QLogUniform(min.Value, max.Value, q.Value);
                }
            case "normal" or "lognormal":
                {
                    var (mu, sigma) = (Required("mu"), Required("sigma"));
                    return mu is null || sigma is null ? null : type == "normal" ? new Normal(mu.Value, sigma.Value) : new LogNormal(mu.Value, sigma.Value);
                }
            default:
                {
                    var (mu, sigma, q) = (Required("mu"), Required("sigma"), Required("q"));
                    return mu is null || sigma is null || q is null ? null
                        : type == "qnormal" ? new QNormal(mu.Value, sigma.Value, q.Value) : new QLogNormal(mu.Value, sigma.Value, q.Value);
                }
        }
    }

    private static Choice? ReadChoice(YamlMap m, YamlNode node, string at)
    {
        var values = m.Get("values");
        if (values is not YamlSequenceNode seq)
        {
            m.Context.Report(values ?? node, $"{at}.values", values is null
                ? "a choice parameter needs 'values': the list of values to choose from."
                : $"'{at}.values' must be a list, not {YamlContext.Describe(values)}.");
            return null;
        }
        var items = new List<object>();
        var i = 0;
        foreach (var item in seq.Children)
        {
            var key = string.Create(CultureInfo.InvariantCulture, $"{at}.values[{i}]");
            if (item is YamlScalarNode s && YamlScalars.Value(s) is { } v)
            {
                items.Add(v);
            }
            else
            {
                m.Context.Report(item, key, $"the values of a choice must be numbers, text or booleans, not {YamlContext.Describe(item)} (nested search spaces are not supported).");
            }
            i++;
        }
        if (items.Count == 0 && seq.Children.Count == 0)
        {
            m.Context.Report(seq, $"{at}.values", "a choice needs at least one value.");
            return null;
        }
        return items.Count == seq.Children.Count ? new Choice([.. items]) : null;
    }

    internal static SamplingAlgorithm? ReadSampling(YamlMap map)
    {
        var node = map.Get("sampling_algorithm");
        switch (node)
        {
            case null:
                return null;
            case YamlScalarNode s when YamlScalars.Value(s) is null:
                return null;
            case YamlScalarNode s:
                return Sampling(map.Context, s, "sampling_algorithm", s.Value!);
            case YamlMappingNode:
                var m = map.Context.Mapping(node, map.Sub("sampling_algorithm"), "a sampling algorithm", ["type", "seed", "rule"])!;
                if (m.RequiredString("type") is not { } word || Sampling(map.Context, m.Get("type")!, "sampling_algorithm.type", word) is not { } algorithm)
                {
                    return null;
                }
                if (algorithm is RandomSamplingAlgorithm)
                {
                    var rule = m.String("rule") is { } r ? m.Enum("rule", Rules) : RandomSamplingRule.Random;
                    return new RandomSamplingAlgorithm { Seed = m.Int("seed"), Rule = rule ?? RandomSamplingRule.Random };
                }
                foreach (var key in RandomOnlyKeys.Where(m.Has))
                {
                    m.Report(key, $"'{key}' is a setting of random sampling; {word} sampling has none.");
                }
                return algorithm;
            default:
                map.Context.Report(node, "sampling_algorithm", $"'sampling_algorithm' must be random, grid, bayesian or a mapping (type: random, seed: 1, rule: sobol), not {YamlContext.Describe(node)}.");
                return null;
        }
    }

    private static SamplingAlgorithm? Sampling(YamlContext context, YamlNode node, string key, string word)
    {
        switch (word.ToLowerInvariant())
        {
            case "random":
                return SamplingAlgorithm.Random;
            case "grid":
                return SamplingAlgorithm.Grid;
            case "bayesian":
                return SamplingAlgorithm.Bayesian;
            default:
                context.Report(node, key, $"'{key}' must be random, grid or bayesian, not '{word}'.{Suggest.DidYouMean(word.ToLowerInvariant(), SamplingWords)}");
                return null;
        }
    }

    internal static Objective? ReadObjective(YamlMap map)
    {
        if (map.Map("objective", "an objective", ["goal", "primary_metric"]) is not { } m)
        {
            return null;
        }
        var metric = m.RequiredString("primary_metric");
        if (!m.Has("goal"))
        {
            m.Context.Report(m.Node, "objective.goal", "an objective needs 'goal': minimize or maximize.");
            return null;
        }
        var goal = m.Enum("goal", Goals);
        return metric is null || goal is null ? null : new Objective(metric, goal.Value);
    }

    internal static SweepLimits? ReadLimits(YamlMap map)
    {
        if (map.Map("limits", "sweep limits", ["max_total_trials", "max_concurrent_trials", "timeout", "trial_timeout"]) is not { } m)
        {
            return null;
        }
        return new SweepLimits
        {
            MaxTotalTrials = m.Int("max_total_trials"),
            MaxConcurrentTrials = m.Int("max_concurrent_trials"),
            Timeout = m.Long("timeout") is { } t ? TimeSpan.FromSeconds(t) : null,
            TrialTimeout = m.Long("trial_timeout") is { } tt ? TimeSpan.FromSeconds(tt) : null,
        };
    }

    internal static EarlyTerminationPolicy? ReadPolicy(YamlMap map)
    {
        var node = map.Get("early_termination");
        if (node is null || node is YamlScalarNode s0 && YamlScalars.Value(s0) is null)
        {
            return null;
        }
        var typeNode = node is YamlMappingNode m0 ? m0.Children.FirstOrDefault(c => c.Key is YamlScalarNode { Value: "type" }).Value as YamlScalarNode : null;
        var type = typeNode?.Value?.ToLowerInvariant();
        if (node is not YamlMappingNode)
        {
            map.Context.Report(node, "early_termination", $"'early_termination' must be a mapping (type: bandit|median_stopping|truncation_selection, …), not {YamlContext.Describe(node)}.");
            return null;
        }
        if (type is null || !PolicyKeys.TryGetValue(type, out var keys))
        {
            map.Context.Report(typeNode ?? node, "early_termination.type", type is null
                ? "'early_termination' needs a 'type': bandit, median_stopping or truncation_selection."
                : $"'early_termination.type' must be bandit, median_stopping or truncation_selection, not '{typeNode!.Value}'.{Suggest.DidYouMean(type, PolicyKeys.Keys)}");
            return null;
        }
        var m = map.Context.Mapping(node, map.Sub("early_termination"), $"a {type} policy", keys)!;
        var interval = m.Int("evaluation_interval") ?? 1;
        var delay = m.Int("delay_evaluation") ?? 0;
        switch (type)
        {
            case "bandit":
                return new BanditPolicy { SlackFactor = m.Number("slack_factor"), SlackAmount = m.Number("slack_amount"), EvaluationInterval = interval, DelayEvaluation = delay };
            case "median_stopping":
                return new MedianStoppingPolicy { EvaluationInterval = interval, DelayEvaluation = delay };
            default:
                if (!m.Has("truncation_percentage"))
                {
                    map.Context.Report(node, "early_termination.truncation_percentage", "a truncation_selection policy needs 'truncation_percentage' (1 to 99).");
                    return null;
                }
                return m.Int("truncation_percentage") is { } pct
                    ? new TruncationSelectionPolicy { TruncationPercentage = pct, EvaluationInterval = interval, DelayEvaluation = delay }
                    : null;
        }
    }
}
