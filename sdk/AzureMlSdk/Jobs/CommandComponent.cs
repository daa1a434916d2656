using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using AzureMlSdk.Jobs.Yaml;

namespace AzureMlSdk;

/// <summary>A component's declared input (<c>inputs.&lt;name&gt;</c> of <c>commandComponent.schema.json</c>).</summary>
public sealed record ComponentInput
{
    /// <summary>The input's type: a literal type (string, integer, number, boolean) or a data/model type.</summary>
    public required InputType Type { get; init; }

    /// <summary>The default value of a literal input (<c>default</c>): string, long, double or bool.</summary>
    public object? Default { get; init; }

    /// <summary>True when the input may be left out (<c>optional</c>); its <c>$[[ … ]]</c> parts are then dropped.</summary>
    public bool Optional { get; init; }

    /// <summary>A description.</summary>
    public string? Description { get; init; }

    /// <summary>The smallest value of a number or integer input (<c>min</c>).</summary>
    public double? Min { get; init; }

    /// <summary>The largest value of a number or integer input (<c>max</c>).</summary>
    public double? Max { get; init; }

    /// <summary>The allowed values of a string input (<c>enum</c>).</summary>
    public IReadOnlyList<string>? Enum { get; init; }

    /// <summary>The delivery mode of a data input (<c>mode</c>).</summary>
    public InputMode? Mode { get; init; }
}

/// <summary>A component's declared output (<c>outputs.&lt;name&gt;</c>).</summary>
public sealed record ComponentOutput
{
    /// <summary>The output's type.</summary>
    public OutputType Type { get; init; } = OutputType.UriFolder;

    /// <summary>A description.</summary>
    public string? Description { get; init; }

    /// <summary>The delivery mode (<c>mode</c>).</summary>
    public OutputMode? Mode { get; init; }
}

/// <summary>
/// A command component (az ml's <c>commandComponent.schema.json</c>): a reusable, versioned command with declared,
/// typed inputs and outputs. Registered with <c>ws.Components</c>; turned into a job with <see cref="ToJob"/> (a
/// pipeline step, or a command job on its own).
/// </summary>
public sealed partial class CommandComponent
{
    internal static readonly string[] YamlKeys =
        ["$schema", "name", "version", "display_name", "description", "tags", "properties", "type", "inputs", "outputs", "command", "code",
         "environment", "environment_variables", "resources", "distribution", "is_deterministic", "additional_includes"];

    /// <summary>An empty component (an object initializer sets its parts).</summary>
    public CommandComponent() { }

    /// <summary>
    /// A copy of <paramref name="other"/>, every part carried (collections copied); an object initializer replaces parts, as a record's
    /// <c>with</c> would: <c>new CommandComponent(c) { Version = "2" }</c>. The one place a component is copied. What the workspace
    /// recorded about a stored version (<see cref="Id"/>, <see cref="CreatedAt"/>, <see cref="IsArchived"/>) is not: a copy is a new definition.
    /// </summary>
    [SetsRequiredMembers]
    internal CommandComponent(CommandComponent other)
    {
        Name = other.Name;
        Version = other.Version;
        DisplayName = other.DisplayName;
        Description = other.Description;
        Tags = new Dictionary<string, string>(other.Tags, StringComparer.Ordinal);
        Properties = new Dictionary<string, string>(other.Properties, StringComparer.Ordinal);
        Inputs = new Dictionary<string, ComponentInput>(other.Inputs, StringComparer.Ordinal);
        Outputs = new Dictionary<string, ComponentOutput>(other.Outputs, StringComparer.Ordinal);
        Command = other.Command;
        Code = other.Code;
        Environment = other.Environment;
        EnvironmentVariables = new Dictionary<string, string>(other.EnvironmentVariables, StringComparer.Ordinal);
        Resources = other.Resources;
        Distribution = other.Distribution;
        IsDeterministic = other.IsDeterministic;
        AdditionalIncludes = [.. other.AdditionalIncludes];
        Source = other.Source;
    }

    /// <summary>The component's name (letters, digits, '-', '_', '.').</summary>
    public required string Name { get; init; }

    /// <summary>The version; null lets the workspace number it.</summary>
    public string? Version { get; init; }

    /// <summary>The name shown in the studio.</summary>
    public string? DisplayName { get; init; }

    /// <summary>A description.</summary>
    public string? Description { get; init; }

    /// <summary>Tags.</summary>
    public IDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Properties.</summary>
    public IDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The declared inputs.</summary>
    public IDictionary<string, ComponentInput> Inputs { get; init; } = new Dictionary<string, ComponentInput>(StringComparer.Ordinal);

    /// <summary>The declared outputs.</summary>
    public IDictionary<string, ComponentOutput> Outputs { get; init; } = new Dictionary<string, ComponentOutput>(StringComparer.Ordinal);

    /// <summary>The command, with <c>${{inputs.x}}</c>, <c>${{outputs.x}}</c> and <c>$[[ … ]]</c> parts for optional inputs.</summary>
    public required string Command { get; init; }

    /// <summary>The code folder (absolute when loaded from YAML) or code asset.</summary>
    public string? Code { get; init; }

    /// <summary>The environment.</summary>
    public JobEnvironment? Environment { get; init; }

    /// <summary>Environment variables.</summary>
    public IDictionary<string, string> EnvironmentVariables { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Compute resources.</summary>
    public JobResources? Resources { get; init; }

    /// <summary>Distributed training.</summary>
    public DistributionConfiguration? Distribution { get; init; }

    /// <summary>
    /// True (the default) when the same inputs give the same outputs, so a pipeline may reuse an earlier step's
    /// results (<c>is_deterministic</c>).
    /// </summary>
    public bool IsDeterministic { get; init; } = true;

    /// <summary>Extra files or folders copied into the code snapshot (<c>additional_includes</c>; absolute when loaded from YAML).</summary>
    public IList<string> AdditionalIncludes { get; init; } = [];

    /// <summary>The YAML file it was loaded from, or null.</summary>
    public string? SourcePath => Source?.FilePath;

    internal SourceMap? Source { get; init; }

    /// <summary>Reads a command component YAML file (<c>az ml component create -f</c>).</summary>
    /// <param name="path">The YAML file.</param>
    /// <param name="set">az ml's <c>--set key.path=value</c> overrides (e.g. <c>version=2</c>), applied before reading.</param>
    public static CommandComponent Load(string path, IEnumerable<string>? set = null)
    {
        var (context, root) = YamlContext.Open(path);
        if (set is not null)
        {
            root = Overrides.Apply(context, root, set);
        }
        var component = AssetYaml.ReadComponent(context, root);
        context.ThrowIfProblems();
        component!.Validate();
        return component;
    }

    /// <summary>
    /// Checks the component: its name, the command's placeholders against the declared inputs and outputs, the
    /// defaults, min/max and enum against their types, and the code folder. (Azure ML advises, without requiring it,
    /// that an optional input appear only inside a <c>$[[ … ]]</c> part; that is not checked.)
    /// </summary>
    public void Validate()
    {
        var problems = new Problems(Source);
        if (string.IsNullOrWhiteSpace(Name) || !Jobs.AssetNames.IsValid(Name))
        {
            problems.Add("name", $"component name '{Name}' is invalid: use letters, digits, '-', '_' or '.', starting with a letter or digit.");
        }
        if (string.IsNullOrWhiteSpace(Command))
        {
            problems.Add("command", "a command component needs a 'command'.");
        }
        else
        {
            var syntax = new List<(string Message, int Index)>();
            var template = CommandTemplate.Parse(Command, syntax);
            foreach (var (message, index) in syntax)
            {
                problems.Add("command", message, index);
            }
            foreach (var p in template.Placeholders.DistinctBy(p => (p.Kind, p.Name)))
            {
                if (p.Kind == PlaceholderKind.Input && !Inputs.ContainsKey(p.Name))
                {
                    problems.Add("command", $"the command uses {p.Expression}, but the component declares no input '{p.Name}'.{Suggest.DidYouMean(p.Name, Inputs.Keys)}", p.Index);
                }
                else if (p.Kind == PlaceholderKind.Output && !Outputs.ContainsKey(p.Name))
                {
                    problems.Add("command", $"the command uses {p.Expression}, but the component declares no output '{p.Name}'.{Suggest.DidYouMean(p.Name, Outputs.Keys)}", p.Index);
                }
                else if (p.Kind == PlaceholderKind.SearchSpace)
                {
                    problems.Add("command", $"a component's command cannot use {p.Expression}: bind the hyperparameter to an input in the sweep instead.", p.Index);
                }
            }
        }
        foreach (var (name, input) in Inputs)
        {
            if (!CommandJob.IoNameRegex().IsMatch(name))
            {
                problems.Add($"inputs.{name}", $"input name '{name}' is invalid: use letters, digits and '_', not starting with a digit.");
            }
            if (input.Default is { } d && Coerce(input.Type, d) is null)
            {
                problems.Add($"inputs.{name}.default", $"input '{name}' is {YamlNames.Of(input.Type)} but its default is {Describe(d)}.");
            }
            if (input.Min is { } min && input.Max is { } max && min > max)
            {
                problems.Add($"inputs.{name}.min", $"input '{name}' has min {min} above max {max}.");
            }
            if ((input.Min is not null || input.Max is not null) && input.Type is not (InputType.Integer or InputType.Number))
            {
                problems.Add($"inputs.{name}.min", $"input '{name}' is {YamlNames.Of(input.Type)}: min and max apply to integer and number inputs.");
            }
            if (input.Enum is not null && input.Type != InputType.String)
            {
                problems.Add($"inputs.{name}.enum", $"input '{name}' is {YamlNames.Of(input.Type)}: enum applies to string inputs.");
            }
            if (input.Default is { } dv && input.Enum is { } allowed && !allowed.Contains(Convert.ToString(dv, CultureInfo.InvariantCulture)))
            {
                problems.Add($"inputs.{name}.default", $"input '{name}' default '{dv}' is not one of its enum values ({string.Join(", ", allowed)}).");
            }
        }
        foreach (var name in Outputs.Keys.Where(n => !CommandJob.IoNameRegex().IsMatch(n)))
        {
            problems.Add($"outputs.{name}", $"output name '{name}' is invalid: use letters, digits and '_', not starting with a digit.");
        }
        if (Code is not null && AssetReference.Parse(Code) is { Kind: AssetReferenceKind.LocalPath } local
            && !Directory.Exists(Path.GetFullPath(local.Path!)) && !File.Exists(Path.GetFullPath(local.Path!)))
        {
            problems.Add("code", $"the code folder '{Code}' does not exist.");
        }
        Environment?.Inline?.CollectProblems(problems, "environment", inline: true);
        problems.ThrowIfAny();
    }

    /// <summary>
    /// A command job running this component with <paramref name="inputs"/> (checked against the declared types; a
    /// literal input left out takes its default; a binding such as <c>${{parent.inputs.raw}}</c> is accepted for any
    /// type; text given for a data input is its path) and <paramref name="outputs"/> (declared outputs not given get
    /// their declared type and mode). The job's <see cref="CommandJob.Component"/> is this component.
    /// </summary>
    public CommandJob ToJob(Dictionary<string, Input>? inputs = null, Dictionary<string, Output>? outputs = null) => ToTrialJob(inputs, outputs, null);

    /// <summary><see cref="ToJob(Dictionary{string, Input}?, Dictionary{string, Output}?)"/>; inputs named in <paramref name="swept"/> are given by a sweep's search space (never missing).</summary>
    internal CommandJob ToTrialJob(Dictionary<string, Input>? inputs, Dictionary<string, Output>? outputs, IReadOnlySet<string>? swept)
    {
        var problems = new List<JobDefinitionException>();
        void Problem(string key, string message) => problems.Add(new JobDefinitionException($"component '{Name}': {message}", SourcePath, key: key));
        var jobInputs = new Dictionary<string, Input>(StringComparer.Ordinal);
        foreach (var (name, given) in inputs ?? [])
        {
            if (!Inputs.TryGetValue(name, out var declared))
            {
                Problem($"inputs.{name}", $"has no input '{name}'.{Suggest.DidYouMean(name, Inputs.Keys)} Its inputs: {string.Join(", ", Inputs.Keys)}.");
                continue;
            }
            if (Bind(name, declared, given, Problem) is { } bound)
            {
                jobInputs[name] = bound;
            }
        }
        foreach (var (name, declared) in Inputs.Where(i => !jobInputs.ContainsKey(i.Key) && !(inputs?.ContainsKey(i.Key) ?? false)))
        {
            if (declared.Default is { } d && Coerce(declared.Type, d) is { } value)
            {
                jobInputs[name] = value;
            }
            else if (!declared.Optional && swept?.Contains(name) != true)
            {
                Problem($"inputs.{name}", $"input '{name}' ({YamlNames.Of(declared.Type)}) is required and has no default; give it a value.");
            }
        }
        var jobOutputs = new Dictionary<string, Output>(StringComparer.Ordinal);
        foreach (var (name, given) in outputs ?? [])
        {
            if (!Outputs.TryGetValue(name, out var declared))
            {
                Problem($"outputs.{name}", $"has no output '{name}'.{Suggest.DidYouMean(name, Outputs.Keys)}");
                continue;
            }
            if (given.Type != declared.Type)
            {
                Problem($"outputs.{name}", $"output '{name}' is {YamlNames.Of(declared.Type)}, not {YamlNames.Of(given.Type)}.");
                continue;
            }
            jobOutputs[name] = given;
        }
        foreach (var (name, declared) in Outputs.Where(o => !jobOutputs.ContainsKey(o.Key) && !(outputs?.ContainsKey(o.Key) ?? false)))
        {
            jobOutputs[name] = Output.Create(declared.Type, null, declared.Mode, description: declared.Description);
        }
        if (problems.Count > 0)
        {
            throw JobDefinitionException.Combine(problems);
        }
        return new CommandJob
        {
            DisplayName = DisplayName ?? Name,
            Description = Description,
            Command = Command,
            Code = Code,
            Environment = Environment,
            EnvironmentVariables = new Dictionary<string, string>(EnvironmentVariables, StringComparer.Ordinal),
            Resources = Resources,
            Distribution = Distribution,
            Inputs = jobInputs,
            Outputs = jobOutputs,
            Component = this,
        };
    }

    private static Input? Bind(string name, ComponentInput declared, Input given, Action<string, string> problem)
    {
        if (given.IsBinding)
        {
            return given; // a binding: ${{parent.inputs.x}}, ${{parent.jobs.step.outputs.y}}
        }
        if (!Input.IsLiteralType(declared.Type))
        {
            if (given.IsLiteral)
            {
                return given.Value is string path ? Input.Data(declared.Type, path, declared.Mode) : Mismatch();
            }
            return given.Type == declared.Type || (declared.Type == InputType.UriFolder && given.Type == InputType.MLTable) ? given : Mismatch();
        }
        if (!given.IsLiteral || Coerce(declared.Type, given.Value!) is not { } value)
        {
            return Mismatch();
        }
        if (declared.Type is InputType.Integer or InputType.Number)
        {
            var number = Convert.ToDouble(value.Value, CultureInfo.InvariantCulture);
            if (number < declared.Min || number > declared.Max)
            {
                problem($"inputs.{name}", $"input '{name}' is {value.LiteralText}, outside [{declared.Min?.ToString(CultureInfo.InvariantCulture) ?? "-inf"}, {declared.Max?.ToString(CultureInfo.InvariantCulture) ?? "inf"}].");
                return null;
            }
        }
        if (declared.Enum is { } allowed && !allowed.Contains(value.LiteralText!))
        {
            problem($"inputs.{name}", $"input '{name}' is '{value.LiteralText}', not one of {string.Join(", ", allowed)}.");
            return null;
        }
        return value;

        Input? Mismatch()
        {
            problem($"inputs.{name}", $"input '{name}' is {YamlNames.Of(declared.Type)}, but was given {(given.IsLiteral ? Describe(given.Value!) : YamlNames.Of(given.Type))}.");
            return null;
        }
    }

    /// <summary>A literal value as the declared literal type (integers widen to numbers; anything becomes text), or null if it does not fit.</summary>
    private static Input? Coerce(InputType type, object value) => (type, value) switch
    {
        (InputType.String, bool b) => Input.Literal(b ? "True" : "False"),
        (InputType.String, _) => Input.Literal(Convert.ToString(value, CultureInfo.InvariantCulture)!),
        (InputType.Integer, long l) => Input.Literal(l),
        (InputType.Integer, double d) when d == Math.Floor(d) && Math.Abs(d) < 9e15 => Input.Literal((long)d),
        (InputType.Number, long l) => Input.Literal((double)l),
        (InputType.Number, double d) => Input.Literal(d),
        (InputType.Boolean, bool b) => Input.Literal(b),
        _ when !Input.IsLiteralType(type) && value is string path => Input.Data(type, path),
        _ => null,
    };

    private static string Describe(object value) => value switch
    {
        string s => $"the text '{s}'",
        bool b => $"the boolean {(b ? "true" : "false")}",
        _ => $"the number {Convert.ToString(value, CultureInfo.InvariantCulture)}",
    };

    /// <summary><c>name:version</c>.</summary>
    public override string ToString() => $"{Name}:{Version ?? "?"}";
}
