using System.Globalization;
using AzureMlSdk.Jobs.Yaml;

namespace AzureMlSdk;

/// <summary>
/// A hyperparameter sweep (<c>type: sweep</c>, az ml's <c>sweepJob.schema.json</c>): runs <see cref="Trial"/> many times,
/// each trial a child job with hyperparameters drawn from <see cref="SearchSpace"/> by <see cref="SamplingAlgorithm"/> and
/// substituted into its <c>${{search_space.x}}</c>; each trial logs <see cref="Objective"/>'s metric, the sweep keeps the
/// best (<c>best_child_run_id</c>), stops poor trials early by <see cref="EarlyTermination"/> and stays within
/// <see cref="Limits"/>.
/// </summary>
/// <example>
/// <code>
/// var sweep = new SweepJob
/// {
///     Trial = trainJob,                                     // its command uses ${{search_space.lr}}, ${{search_space.l2}}
///     SearchSpace = { ["lr"] = new LogUniform(-7, -1), ["l2"] = new Choice(0.01, 0.1, 1.0) },
///     SamplingAlgorithm = SamplingAlgorithm.Bayesian,
///     Objective = new Objective("val_loss", Goal.Minimize),
///     Limits = new SweepLimits { MaxTotalTrials = 20, MaxConcurrentTrials = 4 },
/// };
/// </code>
/// </example>
public sealed class SweepJob : JobDefinition
{
    /// <summary>An empty sweep (an object initializer sets its parts).</summary>
    public SweepJob() { }

    /// <summary>
    /// A copy of <paramref name="other"/>, every part carried (dictionaries copied; the trial is shared, as it is replaced rather than
    /// changed); an object initializer replaces parts: <c>new SweepJob(sweep) { Trial = trial }</c>. The one place a sweep is copied.
    /// </summary>
    internal SweepJob(SweepJob other) : base(other)
    {
        Trial = other.Trial;
        TrialComponent = other.TrialComponent;
        SearchSpace = new Dictionary<string, SweepDistribution>(other.SearchSpace, StringComparer.Ordinal);
        SamplingAlgorithm = other.SamplingAlgorithm;
        Objective = other.Objective;
        Limits = other.Limits;
        EarlyTermination = other.EarlyTermination;
        Inputs = new Dictionary<string, Input>(other.Inputs, StringComparer.Ordinal);
        Outputs = new Dictionary<string, Output>(other.Outputs, StringComparer.Ordinal);
        QueueSettings = other.QueueSettings;
    }

    /// <inheritdoc/>
    public override JobType Type => JobType.Sweep;

    /// <summary>The job each trial runs (<c>trial</c>): a command job whose command uses <c>${{search_space.x}}</c>.</summary>
    public CommandJob? Trial { get; init; }

    /// <summary>
    /// In a pipeline step only, instead of <see cref="Trial"/>: the registered command component each trial runs
    /// (<c>trial: azureml:train:1</c> or <c>azureml:train@latest</c>), resolved when the pipeline is submitted. The search space
    /// names its inputs (their <c>${{inputs.x}}</c> become <c>${{search_space.x}}</c>, as azure-ai-ml's sweep node does); the
    /// sweep's <see cref="Inputs"/> and <see cref="Outputs"/> bind its other inputs and its outputs.
    /// </summary>
    public string? TrialComponent { get; init; }

    /// <summary>The hyperparameters and their distributions (<c>search_space</c>).</summary>
    public IDictionary<string, SweepDistribution> SearchSpace { get; init; } = new Dictionary<string, SweepDistribution>(StringComparer.Ordinal);

    /// <summary>How points are picked (<c>sampling_algorithm</c>); random by default, as azure-ai-ml's <c>sweep()</c>.</summary>
    public SamplingAlgorithm SamplingAlgorithm { get; init; } = SamplingAlgorithm.Random;

    /// <summary>The metric to optimise and its goal (<c>objective</c>; required).</summary>
    public Objective? Objective { get; init; }

    /// <summary>Trial counts and timeouts (<c>limits</c>); null means Azure ML's defaults (1000 trials, all at once).</summary>
    public SweepLimits? Limits { get; init; }

    /// <summary>The early-termination policy (<c>early_termination</c>); null lets every trial run to its end.</summary>
    public EarlyTerminationPolicy? EarlyTermination { get; init; }

    /// <summary>
    /// The sweep's inputs (<c>inputs</c>), given to every trial (<c>${{inputs.x}}</c> in the trial's command); they add to,
    /// and win over, the trial's own <see cref="CommandJob.Inputs"/>.
    /// </summary>
    public IDictionary<string, Input> Inputs { get; init; } = new Dictionary<string, Input>(StringComparer.Ordinal);

    /// <summary>The sweep's outputs (<c>outputs</c>), each trial's <c>${{outputs.x}}</c>; they add to the trial's own.</summary>
    public IDictionary<string, Output> Outputs { get; init; } = new Dictionary<string, Output>(StringComparer.Ordinal);

    /// <summary>Queueing on Azure ML (<c>queue_settings</c>).</summary>
    public QueueSettings? QueueSettings { get; init; }

    /// <summary>Reads a sweep job's YAML; a file of another job type is an error saying which type it holds.</summary>
    public static SweepJob Load(string path, IEnumerable<string>? set = null) => Job.Load(path, set) switch
    {
        SweepJob job => job,
        var other => throw new JobDefinitionException($"the file holds a {YamlType(other.Type)} job, not a sweep job.", path, key: "type"),
    };

    /// <summary>The inputs each trial gets: the trial's own, then the sweep's (which win).</summary>
    public IReadOnlyDictionary<string, Input> TrialInputs
    {
        get
        {
            var all = new Dictionary<string, Input>(Trial?.Inputs ?? new Dictionary<string, Input>(), StringComparer.Ordinal);
            foreach (var (name, input) in Inputs)
            {
                all[name] = input;
            }
            return all;
        }
    }

    /// <summary>The outputs each trial gets: the trial's own, then the sweep's (which win).</summary>
    public IReadOnlyDictionary<string, Output> TrialOutputs
    {
        get
        {
            var all = new Dictionary<string, Output>(Trial?.Outputs ?? new Dictionary<string, Output>(), StringComparer.Ordinal);
            foreach (var (name, output) in Outputs)
            {
                all[name] = output;
            }
            return all;
        }
    }

    /// <summary>
    /// Things that are allowed but probably wrong, e.g. a search-space parameter the trial's command never uses (each trial
    /// would get a value it ignores). Located like errors (<c>file:line:column: …</c>) when the sweep came from YAML.
    /// </summary>
    public IReadOnlyList<string> Warnings
    {
        get
        {
            var warnings = new List<string>();
            if (Trial?.Command is not { } command)
            {
                return warnings;
            }
            var used = CommandTemplate.Parse(command, []).Names(PlaceholderKind.SearchSpace);
            foreach (var name in SearchSpace.Keys.Where(n => !used.Contains(n, StringComparer.Ordinal)))
            {
                var message = $"search-space parameter '{name}' is never used by the trial's command (write ${{{{search_space.{name}}}}} in it): every trial gets a value it ignores.";
                warnings.Add(Source is null ? message : Source.Error($"search_space.{name}", message).Message);
            }
            return warnings;
        }
    }

    /// <summary>The trial for one point: the trial job with the sweep's inputs and outputs added, named and tagged by the caller.</summary>
    internal CommandJob TrialFor()
    {
        var trial = Trial!;
        return new(trial)
        {
            Name = null,
            ExperimentName = ExperimentName ?? trial.ExperimentName,
            Compute = trial.Compute ?? Compute,
            Identity = trial.Identity ?? Identity,
            Inputs = new Dictionary<string, Input>(TrialInputs, StringComparer.Ordinal),
            Outputs = new Dictionary<string, Output>(TrialOutputs, StringComparer.Ordinal),
            Limits = Limits?.TrialTimeout is { } t ? new CommandJobLimits { Timeout = t } : trial.Limits,
            QueueSettings = trial.QueueSettings ?? QueueSettings,
        };
    }

    /// <summary>The distributions Azure ML's Bayesian sampling takes.</summary>
    internal static bool BayesianSupports(SweepDistribution d) => d is Choice || d.GetType() == typeof(Uniform) || d is QUniform;

    internal override void CollectProblems(Problems problems)
    {
        base.CollectProblems(problems);

        // The sweep's own inputs and outputs, checked as a command job's are (paths exist, names are valid…).
        var io = new CommandJob { Command = "true", Inputs = Inputs, Outputs = Outputs, Source = Source };
        var ioProblems = new Problems(Source);
        io.CollectProblems(ioProblems, searchSpace: null);
        problems.AddRange(ioProblems.Items.Where(p => p.Key is { } k && (k.StartsWith("inputs.", StringComparison.Ordinal) || k.StartsWith("outputs.", StringComparison.Ordinal))));

        if (Trial is null && TrialComponent is not null)
        {
            var reference = AssetReference.Parse(TrialComponent);
            if (reference.Kind is not (AssetReferenceKind.Asset or AssetReferenceKind.ArmId or AssetReferenceKind.RegistryAsset)
                || string.IsNullOrEmpty(reference.Name) || (reference.Version is null && reference.Label is null))
            {
                problems.Add("trial", $"trial '{TrialComponent}' must be a component file (./train.yml), azureml:<name>:<version> or azureml:<name>@latest.");
            }
        }
        else if (Trial is null)
        {
            problems.Add("trial", "a sweep job needs a 'trial': the command job each trial runs.");
        }
        else
        {
            if (TrialComponent is not null)
            {
                problems.Add("trial", $"a sweep has a trial job and a trial component ('{TrialComponent}'); set one of them.");
            }
            if (Trial.Component is { } component)
            {
                foreach (var name in SearchSpace.Keys.Where(n => !component.Inputs.ContainsKey(n)))
                {
                    problems.Add($"search_space.{name}", $"search-space parameter '{name}' is not an input of the trial's component '{component.Name}' (its inputs: {string.Join(", ", component.Inputs.Keys)}).{Suggest.DidYouMean(name, component.Inputs.Keys)}");
                }
            }
            // The trial sees the sweep's inputs and outputs; problems of those were reported above at their own keys.
            var trialProblems = new Problems(Source, "trial.");
            TrialFor().CollectProblems(trialProblems, SearchSpace.Keys.ToList());
            problems.AddRange(trialProblems.Items.Where(p => !IsSweepLevel(p.Key)));
        }

        if (SearchSpace.Count == 0)
        {
            problems.Add("search_space", "a sweep job needs a 'search_space': at least one hyperparameter (lr: {type: uniform, min_value: …, max_value: …}).");
        }
        foreach (var (name, distribution) in SearchSpace)
        {
            var key = $"search_space.{name}";
            if (!CommandJob.IoNameRegex().IsMatch(name))
            {
                problems.Add(key, $"search-space name '{name}' is invalid: use letters, digits and '_', not starting with a digit (it is used as ${{{{search_space.{name}}}}}).");
            }
            if (distribution is null)
            {
                problems.Add(key, $"search-space parameter '{name}' has no distribution.");
                continue;
            }
            foreach (var message in distribution.Problems())
            {
                problems.Add(key, $"search-space parameter '{name}' ({distribution.TypeName}): {message}");
            }
        }

        if (Objective is null)
        {
            problems.Add("objective", "a sweep job needs an 'objective': the primary_metric its trials log and the goal (minimize or maximize).");
        }
        else if (string.IsNullOrWhiteSpace(Objective.PrimaryMetric))
        {
            problems.Add("objective.primary_metric", "'objective.primary_metric' must name the metric the trials log.");
        }
        else if (!Objective.PrimaryMetric.Any(char.IsAsciiLetterOrDigit) && !Objective.PrimaryMetric.Contains('_', StringComparison.Ordinal))
        {
            problems.Add("objective.primary_metric", $"'objective.primary_metric' '{Objective.PrimaryMetric}' must contain a letter, digit or '_' (Azure ML's pattern).");
        }

        switch (SamplingAlgorithm)
        {
            case null:
                problems.Add("sampling_algorithm", "a sweep job needs a 'sampling_algorithm': grid, random or bayesian.");
                break;
            case GridSamplingAlgorithm:
                foreach (var (name, distribution) in SearchSpace.Where(p => p.Value is not null and not Choice))
                {
                    problems.Add($"search_space.{name}", $"grid sampling takes choice parameters only, but '{name}' is {distribution.TypeName} ({distribution}); use type: choice with the values to try, or random or bayesian sampling.");
                }
                break;
            case BayesianSamplingAlgorithm:
                foreach (var (name, distribution) in SearchSpace.Where(p => p.Value is not null && !BayesianSupports(p.Value)))
                {
                    problems.Add($"search_space.{name}", $"bayesian sampling takes choice, uniform and quniform parameters only, but '{name}' is {distribution.TypeName} ({distribution}); use random sampling, or one of those distributions.");
                }
                if (EarlyTermination is not null)
                {
                    problems.Add("early_termination", $"bayesian sampling does not support early termination policies (Azure ML refuses them): remove the {EarlyTermination.TypeName} policy, or use random or grid sampling.");
                }
                break;
        }

        if (Limits is { } limits)
        {
            if (limits.MaxTotalTrials is { } total && total is < 1 or > SweepLimits.MaxTotalTrialsLimit)
            {
                problems.Add("limits.max_total_trials", Invariant($"'limits.max_total_trials' must be between 1 and {SweepLimits.MaxTotalTrialsLimit}, not {total}."));
            }
            if (limits.MaxConcurrentTrials is { } concurrent && concurrent is < 1 or > SweepLimits.MaxConcurrentTrialsLimit)
            {
                problems.Add("limits.max_concurrent_trials", Invariant($"'limits.max_concurrent_trials' must be between 1 and {SweepLimits.MaxConcurrentTrialsLimit}, not {concurrent}."));
            }
            CheckDuration(problems, "limits.timeout", limits.Timeout);
            CheckDuration(problems, "limits.trial_timeout", limits.TrialTimeout);
            if (limits.Timeout is { } all && limits.TrialTimeout is { } one && one > all && all > TimeSpan.Zero)
            {
                problems.Add("limits.trial_timeout", Invariant($"'limits.trial_timeout' ({one.TotalSeconds:0} s) is longer than the whole sweep's 'limits.timeout' ({all.TotalSeconds:0} s)."));
            }
        }

        if (EarlyTermination is { } policy)
        {
            foreach (var (key, message) in policy.Problems())
            {
                problems.Add($"early_termination.{key}", message);
            }
        }
    }

    private bool IsSweepLevel(string? key)
    {
        if (key is null)
        {
            return false;
        }
        foreach (var (prefix, names) in new[] { ("trial.inputs.", Inputs.Keys), ("trial.outputs.", Outputs.Keys) })
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                var name = key[prefix.Length..].Split('.')[0];
                return names.Contains(name);
            }
        }
        return false;
    }

    private static void CheckDuration(Problems problems, string key, TimeSpan? value)
    {
        if (value is not { } t)
        {
            return;
        }
        if (t <= TimeSpan.Zero)
        {
            problems.Add(key, $"'{key}' must be positive, not {t}.");
        }
        else if (t.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            problems.Add(key, $"'{key}' must be whole seconds (Azure ML's precision), not {t}.");
        }
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
