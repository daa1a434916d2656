using System.Text.RegularExpressions;
using AzureMlSdk.Jobs.Yaml;

namespace AzureMlSdk.Jobs.Pipeline;

/// <summary>What a binding such as <c>${{parent.jobs.prep.outputs.clean}}</c> points at.</summary>
internal enum BindingKind
{
    /// <summary><c>${{parent.inputs.x}}</c>.</summary>
    ParentInput,
    /// <summary><c>${{parent.outputs.x}}</c>.</summary>
    ParentOutput,
    /// <summary><c>${{parent.jobs.&lt;step&gt;.outputs.&lt;o&gt;}}</c>.</summary>
    StepOutput,
}

/// <summary>A parsed pipeline binding.</summary>
internal sealed partial record Binding(BindingKind Kind, string Name, string? Step, string Text)
{
    /// <summary>True when <paramref name="text"/> mentions a binding at all (<c>${{parent.…}}</c>).</summary>
    public static bool Mentions(string? text) => text is not null && text.Contains("${{", StringComparison.Ordinal) && text.Contains("parent", StringComparison.Ordinal);

    /// <summary>The binding <paramref name="text"/> is, or null when it is not exactly one binding.</summary>
    public static Binding? Parse(string? text)
    {
        if (text is null)
        {
            return null;
        }
        var m = Pattern().Match(text.Trim());
        if (!m.Success)
        {
            return null;
        }
        return m.Groups["step"].Success
            ? new Binding(BindingKind.StepOutput, m.Groups["name"].Value, m.Groups["step"].Value, text.Trim())
            : new Binding(m.Groups["io"].Value == "inputs" ? BindingKind.ParentInput : BindingKind.ParentOutput, m.Groups["name"].Value, null, text.Trim());
    }

    /// <summary>The binding of a step input, or null for a plain value.</summary>
    public static Binding? Of(Input input) => input.IsLiteral && input.Value is string s ? Parse(s) : input.Path is { } p && Mentions(p) ? Parse(p) : null;

    /// <summary>The text of a step input that mentions a binding (to check it), or null.</summary>
    public static string? Mentioned(Input input) => input.Value is string s && Mentions(s) ? s : input.Path is { } p && Mentions(p) ? p : null;

    [GeneratedRegex(@"^\$\{\{\s*parent\.(?:(?<io>inputs|outputs)\.(?<name>[A-Za-z_][A-Za-z0-9_]*)|jobs\.(?<step>[A-Za-z0-9_\-]+)\.outputs\.(?<name>[A-Za-z_][A-Za-z0-9_]*))\s*\}\}$")]
    private static partial Regex Pattern();
}

/// <summary>A pipeline's graph: the checks of its steps and bindings, dependencies, and a run order (a cycle is named).</summary>
internal static partial class PipelineGraph
{
    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]{0,254}$")]
    private static partial Regex StepNameRegex();

    /// <summary>A step's inputs (null for a kind that has none here).</summary>
    public static IDictionary<string, Input>? InputsOf(JobDefinition step) => step switch
    {
        CommandJob c => c.Inputs,
        PipelineComponentJob p => p.Inputs,
        SweepJob s => s.Inputs,
        _ => null,
    };

    /// <summary>A step's outputs as given.</summary>
    public static IDictionary<string, Output>? OutputsOf(JobDefinition step) => step switch
    {
        CommandJob c => c.Outputs,
        PipelineComponentJob p => p.Outputs,
        SweepJob s => s.Outputs,
        _ => null,
    };

    /// <summary>
    /// The outputs a step is known to produce, which other steps may bind: a command step's, a sweep step's trial's (the best trial's,
    /// at run time); null when they are not known yet (a registered component, looked up at submit).
    /// </summary>
    public static IReadOnlyCollection<string>? ProducedOutputs(JobDefinition step) => step switch
    {
        CommandJob c => c.Outputs.Keys.ToList(),
        SweepJob { Trial: not null } s => s.TrialOutputs.Keys.ToList(),
        _ => null,
    };

    /// <summary>Each step's prerequisites: the existing steps its inputs bind outputs of.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Dependencies(PipelineJob pipeline)
    {
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (name, step) in pipeline.Jobs)
        {
            result[name] = (InputsOf(step)?.Values ?? [])
                .Select(Binding.Of)
                .Where(b => b is { Kind: BindingKind.StepOutput } && pipeline.Jobs.ContainsKey(b.Step!))
                .Select(b => b!.Step!)
                .Distinct(StringComparer.Ordinal)
                .ToList();
        }
        return result;
    }

    /// <summary>A run order (prerequisites first; otherwise the steps' own order); <see cref="JobDefinitionException"/> naming a cycle.</summary>
    public static IReadOnlyList<string> Order(PipelineJob pipeline, SourceMap? source)
    {
        var (order, cycle) = Sort(pipeline);
        if (cycle is not null)
        {
            var problems = new Problems(source);
            problems.Add("jobs", CycleMessage(cycle));
            problems.ThrowIfAny();
        }
        return order;
    }

    private static string CycleMessage(IReadOnlyList<string> cycle) =>
        $"the steps form a cycle: {string.Join(" → ", cycle)}; a step cannot depend, directly or not, on its own outputs.";

    /// <summary>Kahn's order; when steps are left over, one cycle among them (first step repeated at the end).</summary>
    private static (List<string> Order, List<string>? Cycle) Sort(PipelineJob pipeline)
    {
        var deps = Dependencies(pipeline);
        var done = new HashSet<string>(StringComparer.Ordinal);
        var order = new List<string>();
        bool progress;
        do
        {
            progress = false;
            foreach (var name in pipeline.Jobs.Keys)
            {
                if (!done.Contains(name) && deps[name].All(done.Contains))
                {
                    done.Add(name);
                    order.Add(name);
                    progress = true;
                }
            }
        }
        while (progress);
        if (order.Count == pipeline.Jobs.Count)
        {
            return (order, null);
        }
        // Walk prerequisites from a left-over step until a step repeats: that loop is a cycle.
        var start = pipeline.Jobs.Keys.First(n => !done.Contains(n));
        var path = new List<string>();
        var seenAt = new Dictionary<string, int>(StringComparer.Ordinal);
        var current = start;
        while (!seenAt.ContainsKey(current))
        {
            seenAt[current] = path.Count;
            path.Add(current);
            current = deps[current].First(d => !done.Contains(d));
        }
        var loop = path.Skip(seenAt[current]).ToList();
        loop.Reverse(); // prerequisite first: a → b means b uses a's output
        var names = pipeline.Jobs.Keys.ToList();
        var first = loop.MinBy(names.IndexOf)!;
        var at = loop.IndexOf(first);
        loop = [.. loop.Skip(at), .. loop.Take(at)]; // start at the step declared first
        loop.Add(loop[0]);
        return (order, loop);
    }

    /// <summary>
    /// Every problem of the pipeline's steps and bindings: no steps, bad names, a step kind that cannot be a step, each step's own
    /// problems (at <c>jobs.&lt;step&gt;.…</c>), a binding to a missing pipeline input or output, step or step output (named, with the
    /// valid ones), one pipeline output bound by two steps, and a cycle.
    /// </summary>
    public static void CollectProblems(PipelineJob pipeline, Problems problems)
    {
        if (pipeline.Jobs.Count == 0)
        {
            problems.Add("jobs", "a pipeline needs at least one step under 'jobs'.");
        }
        foreach (var name in pipeline.Inputs.Keys.Where(n => !CommandJob.IoNameRegex().IsMatch(n)))
        {
            problems.Add($"inputs.{name}", $"input name '{name}' is invalid: use letters, digits and '_', not starting with a digit (it is bound as ${{{{parent.inputs.{name}}}}}).");
        }
        foreach (var name in pipeline.Outputs.Keys.Where(n => !CommandJob.IoNameRegex().IsMatch(n)))
        {
            problems.Add($"outputs.{name}", $"output name '{name}' is invalid: use letters, digits and '_', not starting with a digit (it is bound as ${{{{parent.outputs.{name}}}}}).");
        }
        foreach (var (name, input) in pipeline.Inputs)
        {
            if (!input.IsLiteral && input.Reference is { Kind: AssetReferenceKind.LocalPath } local && !File.Exists(Path.GetFullPath(local.Path!)) && !Directory.Exists(Path.GetFullPath(local.Path!)))
            {
                problems.Add($"inputs.{name}.path", $"input '{name}' points to '{input.Path}', which does not exist.");
            }
        }
        if (pipeline.Settings.DefaultComputeName is { } compute && !StepNameLike(compute))
        {
            problems.Add("settings.default_compute", $"default compute '{pipeline.Settings.DefaultCompute}' is invalid: write 'local' or the name of a compute (azureml:<name>).");
        }

        var boundOutputs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, step) in pipeline.Jobs)
        {
            var at = $"jobs.{name}";
            if (!StepNameRegex().IsMatch(name))
            {
                problems.Add(at, $"step name '{name}' is invalid: use letters, digits and '_', not starting with a digit (it is bound as ${{{{parent.jobs.{name}.outputs.<o>}}}}).");
            }
            switch (step)
            {
                case CommandJob command:
                    var stepProblems = new Problems(command.Source ?? pipeline.Source, $"{at}.");
                    command.CollectProblems(stepProblems);
                    problems.AddRange(stepProblems.Items);
                    break;
                case PipelineComponentJob component:
                    var componentProblems = new Problems(component.Source ?? pipeline.Source, $"{at}.");
                    component.CollectProblems(componentProblems);
                    problems.AddRange(componentProblems.Items);
                    break;
                case SweepJob sweep:
                    var sweepProblems = new Problems(sweep.Source ?? pipeline.Source, $"{at}.");
                    sweep.CollectProblems(sweepProblems);
                    problems.AddRange(sweepProblems.Items);
                    break;
                case null:
                    problems.Add(at, $"step '{name}' is empty.");
                    continue;
                default:
                    problems.Add($"{at}.type", $"step '{name}' is a {JobDefinition.YamlType(step.Type)} job; pipeline steps are command jobs, command components and sweeps.");
                    continue;
            }
            foreach (var (input, value) in InputsOf(step)!)
            {
                if (Binding.Mentioned(value) is not { } text)
                {
                    continue;
                }
                var key = $"{at}.inputs.{input}";
                var binding = Binding.Parse(text);
                switch (binding)
                {
                    case null:
                        problems.Add(key, $"step '{name}' input '{input}' is '{text}', which is not a binding: use ${{{{parent.inputs.<name>}}}} or ${{{{parent.jobs.<step>.outputs.<name>}}}} as the whole value.");
                        break;
                    case { Kind: BindingKind.ParentOutput }:
                        problems.Add(key, $"step '{name}' input '{input}' binds {text}, a pipeline output; an input binds ${{{{parent.inputs.<name>}}}} or ${{{{parent.jobs.<step>.outputs.<name>}}}}.");
                        break;
                    case { Kind: BindingKind.ParentInput } when !pipeline.Inputs.ContainsKey(binding.Name):
                        problems.Add(key, $"step '{name}' input '{input}' binds {text}, but the pipeline has no input '{binding.Name}'.{Known("inputs", pipeline.Inputs.Keys, binding.Name)}");
                        break;
                    case { Kind: BindingKind.StepOutput } when !pipeline.Jobs.ContainsKey(binding.Step!):
                        problems.Add(key, $"step '{name}' input '{input}' binds {text}, but the pipeline has no step '{binding.Step}'.{Known("steps", pipeline.Jobs.Keys, binding.Step!)}");
                        break;
                    case { Kind: BindingKind.StepOutput }:
                        if (ProducedOutputs(pipeline.Jobs[binding.Step!]) is { } produced && !produced.Contains(binding.Name))
                        {
                            problems.Add(key, $"step '{name}' input '{input}' binds {text}, but step '{binding.Step}' has no output '{binding.Name}'.{Known("outputs", produced, binding.Name)}");
                        }
                        break;
                }
            }
            foreach (var (output, value) in OutputsOf(step)!)
            {
                if (value.Path is not { } path || !Binding.Mentions(path))
                {
                    continue;
                }
                var key = $"{at}.outputs.{output}";
                var binding = Binding.Parse(path);
                if (binding is not { Kind: BindingKind.ParentOutput })
                {
                    problems.Add(key, $"step '{name}' output '{output}' is '{path}': a step output binds a pipeline output, ${{{{parent.outputs.<name>}}}}.");
                }
                else if (!pipeline.Outputs.ContainsKey(binding.Name))
                {
                    problems.Add(key, $"step '{name}' output '{output}' binds {path}, but the pipeline has no output '{binding.Name}'.{Known("outputs", pipeline.Outputs.Keys, binding.Name)}");
                }
                else if (boundOutputs.TryGetValue(binding.Name, out var other))
                {
                    problems.Add(key, $"pipeline output '{binding.Name}' is bound by {other} and by step '{name}' output '{output}'; bind it once.");
                }
                else
                {
                    boundOutputs[binding.Name] = $"step '{name}' output '{output}'";
                }
            }
        }
        if (Sort(pipeline).Cycle is { } cycle)
        {
            problems.Add("jobs", CycleMessage(cycle));
        }
    }

    private static bool StepNameLike(string compute) => Regex.IsMatch(compute, @"^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$");

    private static string Known(string what, IEnumerable<string> names, string typed)
    {
        var list = names.ToList();
        return list.Count == 0 ? $" It has no {what}." : $"{Suggest.DidYouMean(typed, list)} Its {what}: {string.Join(", ", list)}.";
    }
}
