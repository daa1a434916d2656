using System.Text.RegularExpressions;
using AzureMlSdk.Jobs;

namespace AzureMlSdk;

/// <summary>
/// A command job: run <see cref="Command"/> in a snapshot of <see cref="Code"/>, in <see cref="Environment"/>, on
/// <see cref="JobDefinition.Compute"/>, with <see cref="Inputs"/> substituted into <c>${{inputs.x}}</c> and each of
/// <see cref="Outputs"/> an empty folder at <c>${{outputs.x}}</c> saved when the command ends. az ml's
/// <c>commandJob.schema.json</c>; load YAML with <see cref="Job.Load(string, IEnumerable{string}?)"/>.
/// </summary>
/// <example>
/// <code>
/// var job = new CommandJob
/// {
///     DisplayName = "train", ExperimentName = "iris", Code = "./src",
///     Command = "dotnet run train.cs -- --lr ${{inputs.lr}} --data ${{inputs.data}} --out ${{outputs.model}}",
///     Environment = "azureml:dotnet-10@latest",
///     Inputs = { ["lr"] = 0.01, ["data"] = Input.UriFile("data/iris.csv") },
///     Outputs = { ["model"] = Output.UriFolder() },
///     Compute = "local",
/// };
/// </code>
/// </example>
public sealed partial class CommandJob : JobDefinition
{
    /// <summary>An empty command job (an object initializer sets its parts).</summary>
    public CommandJob() { }

    /// <summary>
    /// A copy of <paramref name="other"/>, every part carried (dictionaries copied); an object initializer replaces parts, as a record's
    /// <c>with</c> would: <c>new CommandJob(job) { Code = snapshot }</c>. The one place a command job is copied, so a part added later
    /// cannot be dropped by one copy and kept by another.
    /// </summary>
    internal CommandJob(CommandJob other) : base(other)
    {
        Code = other.Code;
        Command = other.Command;
        Environment = other.Environment;
        EnvironmentVariables = new Dictionary<string, string>(other.EnvironmentVariables, StringComparer.Ordinal);
        Inputs = new Dictionary<string, Input>(other.Inputs, StringComparer.Ordinal);
        Outputs = new Dictionary<string, Output>(other.Outputs, StringComparer.Ordinal);
        Limits = other.Limits;
        Resources = other.Resources;
        Distribution = other.Distribution;
        QueueSettings = other.QueueSettings;
        Component = other.Component;
    }

    /// <inheritdoc/>
    public override JobType Type => JobType.Command;

    /// <summary>
    /// The code folder snapshotted for the job (<c>code</c>): a local folder (absolute when loaded from YAML; relative
    /// ones resolve against the current directory at submit), or a registered code asset (<c>azureml:name:version</c>).
    /// Null runs the command in an empty working folder.
    /// </summary>
    public string? Code { get; init; }

    /// <summary>The shell command (<c>command</c>), with <c>${{inputs.x}}</c>, <c>${{outputs.x}}</c> and <c>$[[ … ]]</c> optional parts.</summary>
    public string? Command { get; init; }

    /// <summary>The environment (<c>environment</c>): a reference such as <c>azureml:name@latest</c>, or an inline <see cref="EnvironmentAsset"/>.</summary>
    public JobEnvironment? Environment { get; init; }

    /// <summary>Variables set for the command (<c>environment_variables</c>).</summary>
    public IDictionary<string, string> EnvironmentVariables { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The inputs (<c>inputs</c>): literals (<c>["lr"] = 0.01</c>) and data (<c>Input.UriFolder("data/")</c>).</summary>
    public IDictionary<string, Input> Inputs { get; init; } = new Dictionary<string, Input>(StringComparer.Ordinal);

    /// <summary>The outputs (<c>outputs</c>).</summary>
    public IDictionary<string, Output> Outputs { get; init; } = new Dictionary<string, Output>(StringComparer.Ordinal);

    /// <summary>Limits (<c>limits</c>): the timeout.</summary>
    public CommandJobLimits? Limits { get; init; }

    /// <summary>Compute resources (<c>resources</c>): instance count and type, shared memory…</summary>
    public JobResources? Resources { get; init; }

    /// <summary>Distributed training (<c>distribution</c>): PyTorch, MPI or TensorFlow.</summary>
    public DistributionConfiguration? Distribution { get; init; }

    /// <summary>Queueing on Azure ML (<c>queue_settings</c>).</summary>
    public QueueSettings? QueueSettings { get; init; }

    /// <summary>The component this job runs (<see cref="CommandComponent.ToJob"/>), or null for a plain command job.</summary>
    public CommandComponent? Component { get; init; }

    /// <summary>Reads a command job's YAML; a file of another job type is an error saying which type it holds.</summary>
    public static CommandJob Load(string path, IEnumerable<string>? set = null) => Job.Load(path, set) switch
    {
        CommandJob job => job,
        var other => throw new JobDefinitionException($"the file holds a {YamlType(other.Type)} job, not a command job.", path, key: "type"),
    };

    /// <summary>The parsed <see cref="Command"/> (a <see cref="JobDefinitionException"/> if its placeholders are malformed).</summary>
    public CommandTemplate ParseCommand() =>
        CommandTemplate.Parse(Command ?? throw new JobDefinitionException("the job has no command.", SourcePath, key: "command"));

    /// <summary>
    /// This job as a hyperparameter sweep (azure-ai-ml's <c>command.sweep(…)</c>; in a pipeline, a <c>type: sweep</c> step): each trial
    /// runs this job with the inputs named in <paramref name="searchSpace"/> sampled — their <c>${{inputs.x}}</c> in the command become
    /// <c>${{search_space.x}}</c> — and the sweep keeps the best trial by <paramref name="primaryMetric"/>. The job's other inputs and its
    /// outputs become the sweep's (<see cref="SweepJob.Inputs"/>, <see cref="SweepJob.Outputs"/>), bindings such as
    /// <c>${{parent.inputs.x}}</c> included; in a pipeline the sweep step's outputs are its best trial's.
    /// </summary>
    /// <param name="primaryMetric">The metric each trial logs (<c>objective.primary_metric</c>).</param>
    /// <param name="goal">Minimize or maximize it (<c>objective.goal</c>).</param>
    /// <param name="searchSpace">The swept inputs and their distributions (<c>search_space</c>).</param>
    /// <param name="samplingAlgorithm">Grid, random (the default, as azure-ai-ml) or bayesian.</param>
    /// <param name="limits">Trial counts and timeouts; null means Azure ML's defaults.</param>
    /// <param name="earlyTermination">An early-termination policy, or null.</param>
    /// <param name="compute">The sweep's compute (its trials run there unless this job names one).</param>
    /// <example>
    /// <code>
    /// ["sweep_step"] = trainComponent.ToJob(inputs: new() { ["data"] = "${{parent.jobs.prep.outputs.clean}}" })
    ///     .Sweep("val_loss", Goal.Minimize, new Dictionary&lt;string, SweepDistribution&gt; { ["learning_rate"] = new Uniform(0.01, 0.5) },
    ///            new RandomSamplingAlgorithm { Seed = 7 }, new SweepLimits { MaxTotalTrials = 8, MaxConcurrentTrials = 2 }),
    /// </code>
    /// </example>
    public SweepJob Sweep(string primaryMetric, Goal goal, IDictionary<string, SweepDistribution> searchSpace, SamplingAlgorithm? samplingAlgorithm = null,
        SweepLimits? limits = null, EarlyTerminationPolicy? earlyTermination = null, string? compute = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(primaryMetric);
        ArgumentNullException.ThrowIfNull(searchSpace);
        var template = new SweepJob
        {
            Name = Name,
            DisplayName = DisplayName,
            ExperimentName = ExperimentName,
            Description = Description,
            Tags = new Dictionary<string, string>(Tags, StringComparer.Ordinal),
            Properties = new Dictionary<string, string>(Properties, StringComparer.Ordinal),
            Compute = compute ?? Compute,
            Identity = Identity,
            Source = Source,
            SearchSpace = new Dictionary<string, SweepDistribution>(searchSpace, StringComparer.Ordinal),
            SamplingAlgorithm = samplingAlgorithm ?? SamplingAlgorithm.Random,
            Objective = new Objective(primaryMetric, goal),
            Limits = limits,
            EarlyTermination = earlyTermination,
            QueueSettings = QueueSettings,
        };
        // The trial keeps what runs; tags, properties, compute, identity and queue settings go to the sweep (its template), services to neither.
        var trial = new CommandJob(this)
        {
            Tags = new Dictionary<string, string>(StringComparer.Ordinal),
            Properties = new Dictionary<string, string>(StringComparer.Ordinal),
            Compute = null,
            Identity = null,
            Services = new Dictionary<string, JobService>(StringComparer.Ordinal),
            QueueSettings = null,
        };
        return Jobs.Pipeline.SweepSteps.FromTrial(trial, template);
    }

    /// <summary>A copy whose dictionaries are new (changing the copy's inputs does not change this job's).</summary>
    public CommandJob Clone() => new(this);

    internal override void CollectProblems(Problems problems) => CollectProblems(problems, searchSpace: null);

    /// <summary>
    /// The checks of a command job; <paramref name="searchSpace"/> lists the hyperparameters <c>${{search_space.x}}</c>
    /// may name (a sweep's trial), null for a plain command job where they are not allowed.
    /// </summary>
    internal void CollectProblems(Problems problems, IReadOnlyCollection<string>? searchSpace)
    {
        base.CollectProblems(problems);
        CheckIoNames(problems);
        if (string.IsNullOrWhiteSpace(Command))
        {
            problems.Add("command", "a command job needs a 'command'.");
        }
        else
        {
            var syntax = new List<(string Message, int Index)>();
            var template = CommandTemplate.Parse(Command, syntax);
            foreach (var (message, index) in syntax)
            {
                problems.Add("command", message, index);
            }
            CheckPlaceholders(problems, template, searchSpace);
        }
        if (Code is not null)
        {
            CheckCode(problems);
        }
        if (Environment?.Reference is { } env)
        {
            CheckEnvironmentReference(problems, env);
        }
        Environment?.Inline?.CollectProblems(problems, "environment", inline: true);
        foreach (var (name, input) in Inputs)
        {
            CheckInput(problems, name, input);
        }
        foreach (var (name, output) in Outputs)
        {
            CheckOutput(problems, name, output);
        }
        foreach (var name in EnvironmentVariables.Keys)
        {
            if (string.IsNullOrEmpty(name) || name.Contains('=', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal))
            {
                problems.Add($"environment_variables.{name}", $"environment variable name '{name}' is invalid: it must be non-empty and contain no '='.");
            }
        }
        if (Limits?.Timeout is { } timeout)
        {
            if (timeout <= TimeSpan.Zero)
            {
                problems.Add("limits.timeout", $"'limits.timeout' must be positive, not {timeout}.");
            }
            else if (timeout.Ticks % TimeSpan.TicksPerSecond != 0)
            {
                problems.Add("limits.timeout", $"'limits.timeout' must be whole seconds (Azure ML's precision), not {timeout}.");
            }
        }
        if (Resources is { } r)
        {
            if (r.InstanceCount is < 1)
            {
                problems.Add("resources.instance_count", $"'resources.instance_count' must be at least 1, not {r.InstanceCount}.");
            }
            if (r.ShmSize is { } shm && !ShmSizeRegex().IsMatch(shm))
            {
                problems.Add("resources.shm_size", $"'resources.shm_size' must be a number and a unit b, k, m or g (e.g. 2g), not '{shm}'.");
            }
        }
        switch (Distribution)
        {
            case PyTorchDistribution { ProcessCountPerInstance: < 1 } or MpiDistribution { ProcessCountPerInstance: < 1 }:
                problems.Add("distribution.process_count_per_instance", "'distribution.process_count_per_instance' must be at least 1.");
                break;
            case TensorFlowDistribution { WorkerCount: < 1 }:
                problems.Add("distribution.worker_count", "'distribution.worker_count' must be at least 1.");
                break;
            case TensorFlowDistribution { ParameterServerCount: < 0 }:
                problems.Add("distribution.parameter_server_count", "'distribution.parameter_server_count' must not be negative.");
                break;
        }
    }

    [GeneratedRegex(@"^[a-zA-Z_][a-zA-Z0-9_]*$")]
    internal static partial Regex IoNameRegex();

    [GeneratedRegex(@"^\d+[bBkKmMgG]$")]
    private static partial Regex ShmSizeRegex();

    private void CheckIoNames(Problems problems)
    {
        foreach (var name in Inputs.Keys.Where(n => !IoNameRegex().IsMatch(n)))
        {
            problems.Add($"inputs.{name}", $"input name '{name}' is invalid: use letters, digits and '_', not starting with a digit (it is used as ${{{{inputs.{name}}}}}).");
        }
        foreach (var name in Outputs.Keys.Where(n => !IoNameRegex().IsMatch(n)))
        {
            problems.Add($"outputs.{name}", $"output name '{name}' is invalid: use letters, digits and '_', not starting with a digit (it is used as ${{{{outputs.{name}}}}}).");
        }
    }

    private void CheckPlaceholders(Problems problems, CommandTemplate template, IReadOnlyCollection<string>? searchSpace)
    {
        foreach (var p in template.Placeholders.DistinctBy(p => (p.Kind, p.Name)))
        {
            switch (p.Kind)
            {
                case PlaceholderKind.Input when !Inputs.ContainsKey(p.Name) && !p.IsOptional:
                    problems.Add("command", $"the command uses {p.Expression}, but the job has no input '{p.Name}'.{Known("inputs", Inputs.Keys, p.Name)}", p.Index);
                    break;
                case PlaceholderKind.Output when !Outputs.ContainsKey(p.Name):
                    problems.Add("command", $"the command uses {p.Expression}, but the job has no output '{p.Name}'.{Known("outputs", Outputs.Keys, p.Name)}", p.Index);
                    break;
                case PlaceholderKind.SearchSpace when searchSpace is null:
                    problems.Add("command", $"the command uses {p.Expression}, which only a sweep job's trial can use.", p.Index);
                    break;
                case PlaceholderKind.SearchSpace when !searchSpace.Contains(p.Name):
                    problems.Add("command", $"the command uses {p.Expression}, but the search space has no '{p.Name}'.{Known("search_space", searchSpace, p.Name)}", p.Index);
                    break;
            }
        }
    }

    private static string Known(string what, IEnumerable<string> names, string typed)
    {
        var list = names.ToList();
        return list.Count == 0 ? $" It has no {what}." : $"{Jobs.Yaml.Suggest.DidYouMean(typed, list)} Its {what}: {string.Join(", ", list)}.";
    }

    private void CheckCode(Problems problems)
    {
        var reference = AssetReference.Parse(Code!);
        switch (reference.Kind)
        {
            case AssetReferenceKind.LocalPath:
                var path = Path.GetFullPath(reference.Path!);
                if (!Directory.Exists(path) && !File.Exists(path))
                {
                    problems.Add("code", $"the code folder '{Code}' does not exist.");
                }
                break;
            case AssetReferenceKind.Asset when reference.Version is null && reference.Label is null:
                problems.Add("code", $"code '{Code}' names no version: write azureml:{reference.Name}:<version>.");
                break;
            case AssetReferenceKind.DatastorePath or AssetReferenceKind.JobOutput:
                problems.Add("code", $"code '{Code}' must be a local folder, a code asset (azureml:name:version) or a git/https URL.");
                break;
        }
    }

    private static void CheckEnvironmentReference(Problems problems, string env)
    {
        var reference = AssetReference.Parse(env);
        switch (reference.Kind)
        {
            case AssetReferenceKind.Asset when string.IsNullOrEmpty(reference.Name):
                problems.Add("environment", $"environment '{env}' names no environment: write azureml:<name>:<version> or azureml:<name>@latest.");
                break;
            case AssetReferenceKind.Asset when reference.Version is null && reference.Label is null:
                problems.Add("environment", $"environment '{env}' names no version: write azureml:{reference.Name}:<version> or azureml:{reference.Name}@latest.");
                break;
            case AssetReferenceKind.Asset when reference.Version is "" || reference.Label is "":
                problems.Add("environment", $"environment '{env}' has an empty version or label.");
                break;
            case AssetReferenceKind.LocalPath or AssetReferenceKind.DatastorePath or AssetReferenceKind.JobOutput or AssetReferenceKind.Url:
                problems.Add("environment", $"environment '{env}' is not an environment reference: write azureml:<name>:<version>, azureml:<name>@latest, a registry id (azureml://registries/<r>/environments/<n>/versions/<v>), or an inline environment (image: …).");
                break;
        }
    }

    private static void CheckInput(Problems problems, string name, Input input)
    {
        if (input.IsLiteral)
        {
            return;
        }
        var key = $"inputs.{name}.path";
        var reference = input.Reference!;
        switch (reference.Kind)
        {
            case AssetReferenceKind.LocalPath:
                var path = Path.GetFullPath(reference.Path!);
                var file = File.Exists(path);
                var folder = Directory.Exists(path);
                if (!file && !folder)
                {
                    problems.Add(key, $"input '{name}' points to '{input.Path}', which does not exist.");
                }
                else if (input.Type == InputType.UriFile && folder)
                {
                    problems.Add(key, $"input '{name}' is a uri_file but '{input.Path}' is a folder: use type uri_folder.");
                }
                else if (input.Type is not InputType.UriFile && file && input.Type is not InputType.CustomModel)
                {
                    problems.Add(key, $"input '{name}' is a {YamlNames.Of(input.Type)} but '{input.Path}' is a file: use type uri_file.");
                }
                break;
            case AssetReferenceKind.Asset when string.IsNullOrEmpty(reference.Name) || (reference.Version is null && reference.Label is null):
                problems.Add(key, $"input '{name}' refers to '{input.Path}': write azureml:<name>:<version> or azureml:<name>@latest.");
                break;
            case AssetReferenceKind.DatastorePath when Escapes(reference.Path!):
                problems.Add(key, $"input '{name}' path '{input.Path}' climbs out of its datastore ('..').");
                break;
        }
    }

    private static void CheckOutput(Problems problems, string name, Output output)
    {
        if (output.Version is not null && output.Name is null)
        {
            problems.Add($"outputs.{name}.version", $"output '{name}' has a version but no name to register it as.");
        }
        if (output.Name is not null && !AssetNames.IsValid(output.Name))
        {
            problems.Add($"outputs.{name}.name", $"output '{name}' registers as '{output.Name}', which is not a valid asset name.");
        }
        if (output.Path is not { } path)
        {
            return;
        }
        var key = $"outputs.{name}.path";
        var reference = AssetReference.Parse(path);
        switch (reference.Kind)
        {
            case AssetReferenceKind.DatastorePath when string.IsNullOrEmpty(reference.Datastore):
                problems.Add(key, $"output '{name}' path '{path}' names no datastore.");
                break;
            case AssetReferenceKind.DatastorePath or AssetReferenceKind.JobOutput when Escapes(reference.Path ?? ""):
                problems.Add(key, $"output '{name}' path '{path}' escapes its folder ('..' climbs above the datastore's root).");
                break;
            case AssetReferenceKind.LocalPath when !Path.IsPathRooted(reference.Path!) && Escapes(reference.Path!.Replace('\\', '/')):
                problems.Add(key, $"output '{name}' path '{path}' escapes its folder ('..').");
                break;
            case AssetReferenceKind.Asset or AssetReferenceKind.ArmId or AssetReferenceKind.RegistryAsset:
                problems.Add(key, $"output '{name}' path '{path}' is an asset reference; to register the output, give 'name' (and 'version') instead.");
                break;
        }
    }

    /// <summary>True when a relative '/'-separated path climbs above its root with '..'.</summary>
    internal static bool Escapes(string path)
    {
        var depth = 0;
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            depth += segment switch { ".." => -1, "." => 0, _ => 1 };
            if (depth < 0)
            {
                return true;
            }
        }
        return false;
    }
}
