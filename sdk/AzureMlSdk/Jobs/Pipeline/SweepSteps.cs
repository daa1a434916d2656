using System.Text.RegularExpressions;
using AzureMlSdk.Jobs.Yaml;

namespace AzureMlSdk.Jobs.Pipeline;

/// <summary>
/// A sweep built from a command job or component (azure-ai-ml's <c>command.sweep(…)</c> and a pipeline's <c>type: sweep</c> step):
/// the job's inputs and outputs become the sweep's (where a pipeline binds them), the search-space names are taken out of its inputs,
/// and each <c>${{inputs.x}}</c> of a swept input in its command becomes <c>${{search_space.x}}</c> (as azure-ai-ml's <c>Sweep._to_job</c>).
/// </summary>
internal static partial class SweepSteps
{
    /// <summary>The sweep running <paramref name="job"/> over <paramref name="template"/>'s search space; the template gives the rest (settings, names, compute, extra inputs and outputs).</summary>
    public static SweepJob FromTrial(CommandJob job, SweepJob template)
    {
        var swept = template.SearchSpace.Keys.ToHashSet(StringComparer.Ordinal);
        var trial = new CommandJob(job)
        {
            Name = null,
            ExperimentName = null,
            Command = job.Command is { } command ? RewriteCommand(command, swept) : null,
            Inputs = new Dictionary<string, Input>(StringComparer.Ordinal),
            Outputs = new Dictionary<string, Output>(StringComparer.Ordinal),
        };
        var inputs = new Dictionary<string, Input>(StringComparer.Ordinal);
        foreach (var (name, input) in job.Inputs.Where(i => !swept.Contains(i.Key)))
        {
            inputs[name] = input;
        }
        foreach (var (name, input) in template.Inputs)
        {
            inputs[name] = input;
        }
        var outputs = new Dictionary<string, Output>(job.Outputs, StringComparer.Ordinal);
        foreach (var (name, output) in template.Outputs)
        {
            outputs[name] = output;
        }
        return With(template, trial, inputs, outputs);
    }

    /// <summary>A copy of <paramref name="sweep"/> with some parts replaced (dictionaries copied).</summary>
    public static SweepJob With(SweepJob sweep, CommandJob? trial, IDictionary<string, Input>? inputs = null, IDictionary<string, Output>? outputs = null,
        string? compute = null, IDictionary<string, string>? properties = null, string? displayName = null, bool keepTrialComponent = false, SourceMap? source = null,
        string? trialComponent = null, string? name = null, bool keepName = true, bool clearCompute = false) => new(sweep)
        {
            Name = name ?? (keepName ? sweep.Name : null),
            DisplayName = displayName ?? sweep.DisplayName,
            Properties = new Dictionary<string, string>(properties ?? sweep.Properties, StringComparer.Ordinal),
            Compute = compute ?? (clearCompute ? null : sweep.Compute),
            Source = source ?? sweep.Source,
            Trial = trial,
            TrialComponent = trialComponent ?? (keepTrialComponent ? sweep.TrialComponent : null),
            Inputs = new Dictionary<string, Input>(inputs ?? sweep.Inputs, StringComparer.Ordinal),
            Outputs = new Dictionary<string, Output>(outputs ?? sweep.Outputs, StringComparer.Ordinal),
        };

    /// <summary>Each <c>${{inputs.x}}</c> with x in <paramref name="names"/> written <c>${{search_space.x}}</c> (other text unchanged).</summary>
    public static string RewriteCommand(string command, IReadOnlySet<string> names) =>
        names.Count == 0 ? command : InputPlaceholder().Replace(command, m => names.Contains(m.Groups["name"].Value) ? $"${{{{search_space.{m.Groups["name"].Value}}}}}" : m.Value);

    /// <summary>
    /// A trial's command as its component declares it (azure-ai-ml keeps a sweep node's trial component as written and rewrites only
    /// when it makes the job): each <c>${{search_space.x}}</c> written back as <c>${{inputs.x}}</c> — <see cref="RewriteCommand"/> undone.
    /// </summary>
    public static string ComponentCommand(string command) =>
        SearchSpacePlaceholder().Replace(command, m => $"${{{{inputs.{m.Groups["name"].Value}}}}}");

    /// <summary>
    /// The input type a trial component declares for a swept parameter: integer for <c>randint</c> and a choice of integers, boolean or
    /// number for a choice of those, string for a choice of text (or of mixed kinds), number for every other distribution.
    /// </summary>
    public static InputType SweptInputType(SweepDistribution distribution) => distribution switch
    {
        RandInt => InputType.Integer,
        Choice { Values: var values } when values.Count > 0 && values.All(v => v is long) => InputType.Integer,
        Choice { Values: var values } when values.Count > 0 && values.All(v => v is long or double) => InputType.Number,
        Choice { Values: var values } when values.Count > 0 && values.All(v => v is bool) => InputType.Boolean,
        Choice => InputType.String,
        _ => InputType.Number,
    };

    /// <summary>
    /// Why a sweep step cannot be reused, or null when it can: a sweep's result is reproducible only when the points it samples are
    /// (grid, or random/sobol with a seed; an unseeded random sweep and a bayesian one, whose points depend on the order results arrive,
    /// are not) and when no early-termination policy judges concurrent trials (its decisions depend on which trials have reported when;
    /// with one trial at a time they do not); and, as for any step, when its component is not <c>is_deterministic: false</c>.
    /// </summary>
    public static string? NotReusableReason(SweepJob sweep)
    {
        if (sweep.Trial?.Component is { IsDeterministic: false })
        {
            return "its trial component is is_deterministic: false";
        }
        switch (sweep.SamplingAlgorithm)
        {
            case BayesianSamplingAlgorithm:
                return "bayesian sampling picks each point from the results so far, so another run samples other points";
            case RandomSamplingAlgorithm { Seed: null }:
                return "random sampling without a seed samples other points on every run (give sampling_algorithm a seed to make it reusable)";
        }
        if (sweep.EarlyTermination is { } policy && sweep.Limits?.MaxConcurrentTrials != 1)
        {
            return $"its {policy.TypeName} policy judges concurrently running trials, whose timing differs between runs (set max_concurrent_trials: 1 to make it reusable)";
        }
        return null;
    }

    [GeneratedRegex(@"\$\{\{\s*search_space\.(?<name>[A-Za-z_][A-Za-z0-9_]*)\s*\}\}")]
    private static partial Regex SearchSpacePlaceholder();

    [GeneratedRegex(@"\$\{\{\s*inputs\.(?<name>[A-Za-z_][A-Za-z0-9_]*)\s*\}\}")]
    private static partial Regex InputPlaceholder();
}
