using System.Text.RegularExpressions;
using AzureMlSdk.Jobs.Yaml;

namespace AzureMlSdk;

/// <summary>The kind of a job (its <c>type</c> in YAML, <c>jobType</c> in ARM).</summary>
public enum JobType
{
    /// <summary>A command run once (<c>command</c>).</summary>
    Command,
    /// <summary>A hyperparameter sweep over a command trial (<c>sweep</c>).</summary>
    Sweep,
    /// <summary>A graph of steps (<c>pipeline</c>).</summary>
    Pipeline,
    /// <summary>Automated ML (<c>automl</c>).</summary>
    AutoML,
}

/// <summary>
/// What is submitted as a job: a <see cref="CommandJob"/> (and, as they land, sweep, pipeline and AutoML jobs). Built in
/// C# with an object initializer or read from az ml v2 YAML with <see cref="Job.Load(string, IEnumerable{string}?)"/>.
/// A definition is data: nothing runs until it is submitted (<c>ws.Jobs.CreateOrUpdateAsync</c>).
/// </summary>
public abstract partial class JobDefinition
{
    /// <summary>For derived job kinds.</summary>
    private protected JobDefinition() { }

    /// <summary>For a derived kind's copy constructor: every part of <paramref name="other"/> this class declares (dictionaries copied).</summary>
    private protected JobDefinition(JobDefinition other)
    {
        Name = other.Name;
        DisplayName = other.DisplayName;
        ExperimentName = other.ExperimentName;
        Description = other.Description;
        Tags = new Dictionary<string, string>(other.Tags, StringComparer.Ordinal);
        Properties = new Dictionary<string, string>(other.Properties, StringComparer.Ordinal);
        Compute = other.Compute;
        Identity = other.Identity;
        Services = new Dictionary<string, JobService>(other.Services, StringComparer.Ordinal);
        Source = other.Source;
    }

    /// <summary>The job's kind.</summary>
    public abstract JobType Type { get; }

    /// <summary>The job's name, unique in the workspace; null lets the service choose one (as Azure ML does).</summary>
    public string? Name { get; init; }

    /// <summary>The name shown in the studio; need not be unique.</summary>
    public string? DisplayName { get; init; }

    /// <summary>The experiment the job's run belongs to; null means Azure ML's default (the submitting folder's name for az ml).</summary>
    public string? ExperimentName { get; init; }

    /// <summary>A description (Markdown in the studio).</summary>
    public string? Description { get; init; }

    /// <summary>Tags: mutable after submission in Azure ML.</summary>
    public IDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Properties: immutable once the job exists.</summary>
    public IDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Where the job runs: <c>local</c> (always exists), or a compute name (<c>cpu-cluster</c>; az ml's
    /// <c>azureml:cpu-cluster</c> is accepted and means the same). Null means the workspace's default (local, for the
    /// local workspace).
    /// </summary>
    public string? Compute { get; init; }

    /// <summary>The identity the job runs as on Azure ML compute (<c>identity</c>); null means Azure ML's default (AML token).</summary>
    public JobIdentity? Identity { get; init; }

    /// <summary>Interactive services (<c>services</c>: JupyterLab, VS Code, TensorBoard, SSH), kept and sent to Azure ML.</summary>
    public IDictionary<string, JobService> Services { get; init; } = new Dictionary<string, JobService>(StringComparer.Ordinal);

    /// <summary>The YAML file the definition was loaded from, or null when it was built in code.</summary>
    public string? SourcePath => Source?.FilePath;

    /// <summary>Where the keys were in <see cref="SourcePath"/> (for errors found after loading).</summary>
    internal SourceMap? Source { get; init; }

    /// <summary><see cref="Compute"/> without az ml's <c>azureml:</c> prefix (<c>azureml:cpu-cluster</c> → <c>cpu-cluster</c>).</summary>
    public string? ComputeName => Compute is null ? null
        : Compute.StartsWith("azureml:", StringComparison.OrdinalIgnoreCase) ? Compute["azureml:".Length..] : Compute;

    /// <summary>
    /// Checks the definition as a whole, without a workspace: names, placeholders against inputs and outputs, local paths
    /// that must exist, output paths that must not escape, limits. Every problem is reported at once in one
    /// <see cref="JobDefinitionException"/> (with file, line and key when the definition came from YAML).
    /// </summary>
    public void Validate()
    {
        var problems = new Problems(Source);
        CollectProblems(problems);
        problems.ThrowIfAny();
    }

    /// <summary>Adds every problem of this definition to <paramref name="problems"/>.</summary>
    internal virtual void CollectProblems(Problems problems)
    {
        if (Name is not null && !NameRegex().IsMatch(Name))
        {
            problems.Add("name", $"job name '{Short(Name)}' is invalid: use 1 to 255 letters, digits, '-' or '_', starting with a letter or digit.");
        }
        if (ExperimentName is not null && !ExperimentNameRegex().IsMatch(ExperimentName))
        {
            problems.Add("experiment_name", $"experiment name '{Short(ExperimentName)}' is invalid: use 1 to 255 letters, digits, '-', '_' or '.', starting with a letter or digit.");
        }
        if (ComputeName is { } compute && !ComputeNameRegex().IsMatch(compute))
        {
            problems.Add("compute", $"compute '{Short(Compute!)}' is invalid: write 'local' or the name of a compute (azureml:<name>).");
        }
        foreach (var key in Tags.Keys.Where(string.IsNullOrWhiteSpace))
        {
            problems.Add("tags", "a tag name must not be empty.");
        }
        foreach (var key in Properties.Keys.Where(string.IsNullOrWhiteSpace))
        {
            problems.Add("properties", "a property name must not be empty.");
        }
        foreach (var (name, service) in Services)
        {
            if (service.Port is <= 0 or > 65535)
            {
                problems.Add($"services.{name}.port", $"service '{name}' has port {service.Port}; use 1 to 65535.");
            }
        }
    }

    private static string Short(string value) => global::AzureMlSdk.Validate.Shorten(value);

    [GeneratedRegex(@"^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$")]
    private static partial Regex NameRegex();

    [GeneratedRegex(@"^[a-zA-Z0-9][a-zA-Z0-9\-_.]{0,254}$")]
    private static partial Regex ExperimentNameRegex();

    [GeneratedRegex(@"^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$")]
    private static partial Regex ComputeNameRegex();

    /// <summary>The YAML word for a job type.</summary>
    internal static string YamlType(JobType type) => type switch
    {
        JobType.Command => "command",
        JobType.Sweep => "sweep",
        JobType.Pipeline => "pipeline",
        _ => "automl",
    };
}

/// <summary>Problems found while checking a definition, each located through the definition's <see cref="SourceMap"/> when it has one.</summary>
internal sealed class Problems
{
    private readonly SourceMap? _source;
    private readonly string _prefix;
    private readonly List<JobDefinitionException> _items = [];

    /// <summary>Problems of a definition; <paramref name="prefix"/> is prepended to every key (a sweep's <c>trial.</c>).</summary>
    public Problems(SourceMap? source, string prefix = "")
    {
        _source = source;
        _prefix = prefix;
    }

    public int Count => _items.Count;

    /// <summary>A problem at <paramref name="key"/>; <paramref name="offset"/> is a position inside the key's text value (a placeholder in a command), for its exact line.</summary>
    public void Add(string key, string message, int? offset = null)
    {
        key = _prefix + key;
        _items.Add(_source is null ? new JobDefinitionException(message, key: key) : _source.Error(key, message, offset));
    }

    public void AddRange(IEnumerable<JobDefinitionException> problems) => _items.AddRange(problems);

    /// <summary>The problems found so far.</summary>
    public IReadOnlyList<JobDefinitionException> Items => _items;


    public void ThrowIfAny()
    {
        if (_items.Count > 0)
        {
            throw JobDefinitionException.Combine(_items);
        }
    }
}
