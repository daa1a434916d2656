using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AzureMlSdk.Studio.Internal;

/// <summary>Where a step input takes its value from in the designer.</summary>
internal enum SourceKind
{
    /// <summary>Not connected (the component's default, or left out when optional).</summary>
    None,
    /// <summary>A literal value typed in.</summary>
    Literal,
    /// <summary>A data path or asset (<c>azureml:name:version</c>, a datastore URI, a URL).</summary>
    Path,
    /// <summary>A pipeline input (<c>${{parent.inputs.x}}</c>).</summary>
    Parent,
    /// <summary>Another step's output (<c>${{parent.jobs.step.outputs.o}}</c>), written <c>step.output</c>.</summary>
    Step,
}

/// <summary>One step input's source.</summary>
internal sealed record DesignerSource(SourceKind Kind, string Value);

/// <summary>A step on the canvas: a registered component version, its input sources, the outputs it exposes as pipeline outputs.</summary>
internal sealed record DesignerStep(string Name, string Component, string Version, string? Compute, string? DisplayName,
    IReadOnlyDictionary<string, DesignerSource> Inputs, IReadOnlyDictionary<string, string> Exposed, double X, double Y);

/// <summary>A pipeline input declared in the designer: its type and value (a literal or a data path).</summary>
internal sealed record DesignerInput(string Name, InputType Type, string Value);

/// <summary>A problem found in a designer graph: which step and input (when it is about one) and what to do.</summary>
internal sealed record DesignerProblem(string? Step, string? Input, string Message)
{
    public JsonObject ToJson() => new() { ["step"] = Step, ["input"] = Input, ["message"] = Message };
}

/// <summary>
/// The designer's pipeline as the page sends it (JSON): settings, pipeline inputs, and steps whose inputs are connected to literals, data
/// paths, pipeline inputs or other steps' outputs. <see cref="Build"/> turns it into the <see cref="PipelineJob"/> the equivalent YAML gives
/// (registered-component steps, <c>${{parent…}}</c> bindings), after checking what the YAML reader cannot (the components' declared inputs,
/// outputs and types): unknown components, required inputs left unconnected, type mismatches, literals that are not of their type, cycles.
/// </summary>
internal sealed partial class DesignerGraph
{
    public string? DisplayName { get; init; }

    public string? ExperimentName { get; init; }

    public string? Description { get; init; }

    public string? DefaultCompute { get; init; }

    public bool ContinueOnStepFailure { get; init; }

    public bool ForceRerun { get; init; }

    public IReadOnlyList<DesignerInput> Inputs { get; init; } = [];

    public IReadOnlyList<DesignerStep> Steps { get; init; } = [];

    /// <summary>Most steps a designer pipeline may have (a page, not a generator).</summary>
    public const int MaxSteps = 200;

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]{0,254}$")]
    private static partial Regex IoName();

    /// <summary>Reads the page's JSON; malformed JSON or a wrong shape is an <see cref="InvalidInputException"/> (400).</summary>
    public static DesignerGraph Parse(string json)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new InvalidInputException("The designer's pipeline must be a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidInputException("The designer's pipeline is not valid JSON: " + e.Message);
        }
        var steps = new List<DesignerStep>();
        foreach (var node in Array(root, "steps"))
        {
            if (node is not JsonObject s)
            {
                throw new InvalidInputException("Each designer step must be a JSON object.");
            }
            var inputs = new Dictionary<string, DesignerSource>(StringComparer.Ordinal);
            if (s["inputs"] is JsonObject ins)
            {
                foreach (var (name, value) in ins)
                {
                    if (value is not JsonObject src)
                    {
                        continue;
                    }
                    var kind = Str(src, "kind") switch
                    {
                        null or "" or "none" => SourceKind.None,
                        "literal" => SourceKind.Literal,
                        "path" => SourceKind.Path,
                        "parent" => SourceKind.Parent,
                        "step" => SourceKind.Step,
                        var other => throw new InvalidInputException($"Unknown input source kind '{other}' (none, literal, path, parent or step)."),
                    };
                    inputs[name] = new DesignerSource(kind, Str(src, "value") ?? string.Empty);
                }
            }
            var exposed = new Dictionary<string, string>(StringComparer.Ordinal);
            if (s["outputs"] is JsonObject outs)
            {
                foreach (var (name, value) in outs)
                {
                    if (value is JsonObject o && Str(o, "expose") is { Length: > 0 } as_)
                    {
                        exposed[name] = as_.Trim();
                    }
                }
            }
            steps.Add(new DesignerStep(Str(s, "name")?.Trim() ?? string.Empty, Str(s, "component") ?? string.Empty, Str(s, "version") ?? string.Empty,
                Blank(Str(s, "compute")), Blank(Str(s, "displayName")), inputs, exposed, Num(s, "x"), Num(s, "y")));
        }
        if (steps.Count > MaxSteps)
        {
            throw new InvalidInputException($"A designer pipeline has at most {MaxSteps} steps.");
        }
        var pipelineInputs = new List<DesignerInput>();
        foreach (var node in Array(root, "inputs"))
        {
            if (node is not JsonObject i)
            {
                throw new InvalidInputException("Each pipeline input must be a JSON object.");
            }
            var typeName = Str(i, "type") ?? "string";
            if (!YamlNameTypes.TryGetValue(typeName, out var type))
            {
                throw new InvalidInputException($"Unknown input type '{typeName}'.");
            }
            pipelineInputs.Add(new DesignerInput(Str(i, "name")?.Trim() ?? string.Empty, type, Str(i, "value") ?? string.Empty));
        }
        return new DesignerGraph
        {
            DisplayName = Blank(Str(root, "displayName")),
            ExperimentName = Blank(Str(root, "experimentName")),
            Description = Blank(Str(root, "description")),
            DefaultCompute = Blank(Str(root, "defaultCompute")),
            ContinueOnStepFailure = root["continueOnStepFailure"] is JsonValue c && c.TryGetValue<bool>(out var cb) && cb,
            ForceRerun = root["forceRerun"] is JsonValue f && f.TryGetValue<bool>(out var fb) && fb,
            Inputs = pipelineInputs,
            Steps = steps,
        };
    }

    private static JsonArray Array(JsonObject o, string key) => o[key] switch
    {
        null => [],
        JsonArray a => a,
        _ => throw new InvalidInputException($"'{key}' must be a JSON array."),
    };

    private static string? Str(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static double Num(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue<double>(out var d) && double.IsFinite(d) ? d : 0;

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    /// <summary>az ml's words for input types.</summary>
    public static readonly IReadOnlyDictionary<string, InputType> YamlNameTypes = new Dictionary<string, InputType>(StringComparer.Ordinal)
    {
        ["string"] = InputType.String,
        ["integer"] = InputType.Integer,
        ["number"] = InputType.Number,
        ["boolean"] = InputType.Boolean,
        ["uri_file"] = InputType.UriFile,
        ["uri_folder"] = InputType.UriFolder,
        ["mltable"] = InputType.MLTable,
        ["custom_model"] = InputType.CustomModel,
        ["mlflow_model"] = InputType.MLFlowModel,
        ["triton_model"] = InputType.TritonModel,
    };

    public static string TypeName(InputType type) => YamlNameTypes.First(t => t.Value == type).Key;

    public static string TypeName(OutputType type) => type switch
    {
        OutputType.UriFile => "uri_file",
        OutputType.MLTable => "mltable",
        OutputType.CustomModel => "custom_model",
        OutputType.MLFlowModel => "mlflow_model",
        OutputType.TritonModel => "triton_model",
        _ => "uri_folder",
    };

    /// <summary>The component versions the graph's steps name (to fetch them once).</summary>
    public IEnumerable<(string Name, string Version)> ComponentRefs() =>
        Steps.Where(s => s.Component.Length > 0 && s.Version.Length > 0).Select(s => (s.Component, s.Version)).Distinct();

    /// <summary>
    /// Checks the graph against its components and builds the pipeline; with any problem, the pipeline is null and every problem is listed
    /// (the SDK's own checks of the built pipeline — names, bindings — included).
    /// </summary>
    /// <param name="components">The registered components by (name, version); a missing one is a problem of its step.</param>
    public (PipelineJob? Pipeline, IReadOnlyList<DesignerProblem> Problems) Build(IReadOnlyDictionary<(string, string), CommandComponent> components)
    {
        var problems = new List<DesignerProblem>();
        if (Steps.Count == 0)
        {
            problems.Add(new(null, null, "The pipeline has no steps: add a component from the palette."));
        }
        var pipelineInputs = new Dictionary<string, Input>(StringComparer.Ordinal);
        foreach (var input in Inputs)
        {
            if (!IoName().IsMatch(input.Name))
            {
                problems.Add(new(null, null, $"Pipeline input name '{input.Name}' is invalid: use letters, digits and '_', not starting with a digit."));
                continue;
            }
            if (pipelineInputs.ContainsKey(input.Name))
            {
                problems.Add(new(null, null, $"Pipeline input '{input.Name}' is declared twice."));
                continue;
            }
            if (Literal(input.Type, input.Value, null, out var error) is { } value)
            {
                pipelineInputs[input.Name] = value;
            }
            else
            {
                problems.Add(new(null, null, $"Pipeline input '{input.Name}': {error}"));
            }
        }

        var byName = new Dictionary<string, (DesignerStep Step, CommandComponent? Component)>(StringComparer.Ordinal);
        foreach (var step in Steps)
        {
            if (!IoName().IsMatch(step.Name))
            {
                problems.Add(new(step.Name, null, $"Step name '{step.Name}' is invalid: use letters, digits and '_', not starting with a digit."));
                continue;
            }
            if (byName.ContainsKey(step.Name))
            {
                problems.Add(new(step.Name, null, $"Two steps are named '{step.Name}': step names must be unique."));
                continue;
            }
            components.TryGetValue((step.Component, step.Version), out var component);
            if (component is null)
            {
                problems.Add(new(step.Name, null, $"Step '{step.Name}': component '{step.Component}' version '{step.Version}' is not registered in this workspace."));
            }
            byName[step.Name] = (step, component);
        }

        var jobs = new Dictionary<string, JobDefinition>(StringComparer.Ordinal);
        var outputs = new Dictionary<string, Output>(StringComparer.Ordinal);
        var edges = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (name, (step, component)) in byName)
        {
            edges[name] = [];
            if (component is null)
            {
                continue;
            }
            var inputs = new Dictionary<string, Input>(StringComparer.Ordinal);
            foreach (var unknown in step.Inputs.Keys.Where(k => !component.Inputs.ContainsKey(k) && step.Inputs[k].Kind != SourceKind.None))
            {
                problems.Add(new(name, unknown, $"Step '{name}': component '{component.Name}' has no input '{unknown}'."));
            }
            foreach (var (inputName, declared) in component.Inputs)
            {
                var source = step.Inputs.TryGetValue(inputName, out var s) ? s : new DesignerSource(SourceKind.None, string.Empty);
                var where = $"Step '{name}' input '{inputName}' ({TypeName(declared.Type)})";
                switch (source.Kind)
                {
                    case SourceKind.None:
                        if (!declared.Optional && declared.Default is null)
                        {
                            problems.Add(new(name, inputName, $"{where} is required and not connected: connect a step output or a pipeline input{(Input.IsLiteralType(declared.Type) ? ", or give a value" : ", or give a data path")}."));
                        }
                        break;
                    case SourceKind.Literal when !Input.IsLiteralType(declared.Type):
                        problems.Add(new(name, inputName, $"{where} takes data, not a literal: connect a step output or a pipeline input, or give a data path."));
                        break;
                    case SourceKind.Literal:
                        if (Literal(declared.Type, source.Value, declared, out var error) is { } literal)
                        {
                            inputs[inputName] = literal;
                        }
                        else
                        {
                            problems.Add(new(name, inputName, $"{where}: {error}"));
                        }
                        break;
                    case SourceKind.Path when Input.IsLiteralType(declared.Type):
                        problems.Add(new(name, inputName, $"{where} is a literal: give a value, not a data path."));
                        break;
                    case SourceKind.Path when string.IsNullOrWhiteSpace(source.Value):
                        problems.Add(new(name, inputName, $"{where}: the data path is empty."));
                        break;
                    case SourceKind.Path:
                        inputs[inputName] = Input.Data(declared.Type, source.Value.Trim(), declared.Mode);
                        break;
                    case SourceKind.Parent:
                        if (!pipelineInputs.TryGetValue(source.Value, out var parent))
                        {
                            if (!Inputs.Any(i => i.Name == source.Value))
                            {
                                problems.Add(new(name, inputName, $"{where} is connected to pipeline input '{source.Value}', which does not exist."));
                            }
                            break;
                        }
                        if (!Fits(parent.Type, declared.Type))
                        {
                            problems.Add(new(name, inputName, $"Type mismatch: {where} cannot take pipeline input '{source.Value}' ({TypeName(parent.Type)})."));
                            break;
                        }
                        inputs[inputName] = $"${{{{parent.inputs.{source.Value}}}}}";
                        break;
                    case SourceKind.Step:
                        var dot = source.Value.IndexOf('.', StringComparison.Ordinal);
                        var from = dot > 0 ? source.Value[..dot] : source.Value;
                        var output = dot > 0 ? source.Value[(dot + 1)..] : string.Empty;
                        if (!byName.TryGetValue(from, out var producer))
                        {
                            problems.Add(new(name, inputName, $"{where} is connected to step '{from}', which is not in the pipeline."));
                            break;
                        }
                        edges[name].Add(from);
                        if (producer.Component is null)
                        {
                            break;
                        }
                        if (!producer.Component.Outputs.TryGetValue(output, out var produced))
                        {
                            problems.Add(new(name, inputName, $"{where} is connected to '{source.Value}', but step '{from}' has no output '{output}'."));
                            break;
                        }
                        if (TypeName(produced.Type) != TypeName(declared.Type))
                        {
                            problems.Add(new(name, inputName, $"Type mismatch: {where} cannot take '{source.Value}' ({TypeName(produced.Type)})."));
                            break;
                        }
                        inputs[inputName] = $"${{{{parent.jobs.{from}.outputs.{output}}}}}";
                        break;
                }
            }
            var stepOutputs = new Dictionary<string, Output>(StringComparer.Ordinal);
            foreach (var (outputName, exposedAs) in step.Exposed)
            {
                if (!component.Outputs.TryGetValue(outputName, out var declared))
                {
                    problems.Add(new(name, null, $"Step '{name}': component '{component.Name}' has no output '{outputName}'."));
                    continue;
                }
                if (!IoName().IsMatch(exposedAs))
                {
                    problems.Add(new(name, null, $"Step '{name}' output '{outputName}': pipeline output name '{exposedAs}' is invalid: use letters, digits and '_', not starting with a digit."));
                    continue;
                }
                if (outputs.ContainsKey(exposedAs))
                {
                    problems.Add(new(name, null, $"Pipeline output '{exposedAs}' is exposed by two step outputs; expose it once."));
                    continue;
                }
                outputs[exposedAs] = Output.Create(declared.Type);
                stepOutputs[outputName] = Output.Create(declared.Type, $"${{{{parent.outputs.{exposedAs}}}}}");
            }
            jobs[name] = new PipelineComponentJob
            {
                Component = $"azureml:{component.Name}:{step.Version}",
                DisplayName = step.DisplayName,
                Compute = step.Compute,
                Inputs = inputs,
                Outputs = stepOutputs,
            };
        }
        if (Cycle(edges) is { } cycle)
        {
            problems.Add(new(cycle[0], null, $"The steps form a cycle: {string.Join(" → ", cycle)}. A step cannot depend on its own outputs; remove one of these connections."));
        }
        if (problems.Count > 0)
        {
            return (null, problems);
        }
        var pipeline = new PipelineJob
        {
            DisplayName = DisplayName,
            ExperimentName = ExperimentName,
            Description = Description,
            Inputs = pipelineInputs,
            Outputs = outputs,
            Jobs = jobs,
            Settings = { DefaultCompute = DefaultCompute, ContinueOnStepFailure = ContinueOnStepFailure, ForceRerun = ForceRerun },
        };
        try
        {
            pipeline.Validate();
        }
        catch (JobDefinitionException e)
        {
            return (null, e.Problems.Select(p => new DesignerProblem(StepOf(p.Key), null, $"{Field(p.Key)}{p.Reason}")).ToList());
        }
        return (pipeline, problems);
    }

    private static string? StepOf(string? key) => key is not null && key.StartsWith("jobs.", StringComparison.Ordinal) ? key["jobs.".Length..].Split('.')[0] : null;

    private static string Field(string? key) => key switch
    {
        "display_name" => "Display name: ",
        "experiment_name" => "Experiment: ",
        "settings.default_compute" => "Default compute: ",
        _ => string.Empty,
    };

    /// <summary>A pipeline input of type <paramref name="from"/> can feed a step input of type <paramref name="to"/> (an integer feeds a number).</summary>
    private static bool Fits(InputType from, InputType to) => from == to || (from == InputType.Integer && to == InputType.Number);

    /// <summary>A literal (or a data path for a data type) of <paramref name="type"/> from text; null with <paramref name="error"/> when it is not one.</summary>
    internal static Input? Literal(InputType type, string text, ComponentInput? declared, out string error)
    {
        error = string.Empty;
        var t = text.Trim();
        Input? input;
        switch (type)
        {
            case InputType.String:
                input = Input.Literal(text);
                break;
            case InputType.Integer when long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l):
                input = Input.Literal(l);
                break;
            case InputType.Integer:
                error = $"'{text}' is not an integer.";
                return null;
            case InputType.Number when double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d):
                input = Input.Literal(d);
                break;
            case InputType.Number:
                error = $"'{text}' is not a number.";
                return null;
            case InputType.Boolean when bool.TryParse(t, out var b):
                input = Input.Literal(b);
                break;
            case InputType.Boolean:
                error = $"'{text}' is not true or false.";
                return null;
            default:
                if (t.Length == 0)
                {
                    error = "the data path is empty.";
                    return null;
                }
                return Input.Data(type, t);
        }
        if (declared is null)
        {
            return input;
        }
        if (declared.Enum is { Count: > 0 } allowed && input.Value is string sv && !allowed.Contains(sv, StringComparer.Ordinal))
        {
            error = $"'{text}' is not one of {string.Join(", ", allowed)}.";
            return null;
        }
        var number = input.Value switch { long lv => (double?)lv, double dv => dv, _ => null };
        if (number is { } n && (declared.Min is { } min && n < min || declared.Max is { } max && n > max))
        {
            error = $"{text} is outside [{Html.Num(declared.Min ?? double.NegativeInfinity)}, {Html.Num(declared.Max ?? double.PositiveInfinity)}].";
            return null;
        }
        return input;
    }

    /// <summary>A cycle of the dependency graph (step → the steps it takes outputs from), as the steps in order ending where it began; null when there is none.</summary>
    internal static IReadOnlyList<string>? Cycle(IReadOnlyDictionary<string, List<string>> edges)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 on the path, 2 done
        var path = new List<string>();
        List<string>? found = null;
        bool Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in edges.TryGetValue(node, out var n) ? n : [])
            {
                if (state.TryGetValue(next, out var s) && s == 1)
                {
                    found = [.. path.Skip(path.IndexOf(next)), next];
                    return true;
                }
                if (!state.ContainsKey(next) && Visit(next))
                {
                    return true;
                }
            }
            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return false;
        }
        foreach (var node in edges.Keys)
        {
            if (!state.ContainsKey(node) && Visit(node))
            {
                // Edges point at prerequisites; show the cycle in the direction data flows.
                found!.Reverse();
                return found;
            }
        }
        return null;
    }

    /// <summary>The graph as the page's JSON (to restore it on a page shown again with its problems).</summary>
    public JsonObject ToJson()
    {
        var steps = new JsonArray();
        foreach (var s in Steps)
        {
            var inputs = new JsonObject();
            foreach (var (k, v) in s.Inputs)
            {
                inputs[k] = new JsonObject { ["kind"] = v.Kind.ToString().ToLowerInvariant(), ["value"] = v.Value };
            }
            var outputs = new JsonObject();
            foreach (var (k, v) in s.Exposed)
            {
                outputs[k] = new JsonObject { ["expose"] = v };
            }
            steps.Add(new JsonObject
            {
                ["name"] = s.Name,
                ["component"] = s.Component,
                ["version"] = s.Version,
                ["compute"] = s.Compute,
                ["displayName"] = s.DisplayName,
                ["x"] = s.X,
                ["y"] = s.Y,
                ["inputs"] = inputs,
                ["outputs"] = outputs,
            });
        }
        var pipelineInputs = new JsonArray();
        foreach (var i in Inputs)
        {
            pipelineInputs.Add(new JsonObject { ["name"] = i.Name, ["type"] = TypeName(i.Type), ["value"] = i.Value });
        }
        return new JsonObject
        {
            ["displayName"] = DisplayName,
            ["experimentName"] = ExperimentName,
            ["description"] = Description,
            ["defaultCompute"] = DefaultCompute,
            ["continueOnStepFailure"] = ContinueOnStepFailure,
            ["forceRerun"] = ForceRerun,
            ["inputs"] = pipelineInputs,
            ["steps"] = steps,
        };
    }
}
