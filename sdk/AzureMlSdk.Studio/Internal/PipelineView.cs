using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using static AzureMlSdk.Studio.Internal.Html;

namespace AzureMlSdk.Studio.Internal;

/// <summary>One step of a pipeline as the studio shows it: its child job (null before it was submitted) and that job's state.</summary>
/// <param name="Step">The step's name (<c>jobs.&lt;step&gt;</c>; a child's <c>azureml.nodeid</c>).</param>
/// <param name="Job">The step's child job, or null while it has not been submitted.</param>
/// <param name="State">
/// The child job's <see cref="JobStatus"/>, or <c>NotStarted</c> (not submitted yet, the pipeline still runs) or <c>NotRun</c>
/// (the pipeline ended without running it: a step it depends on did not complete).
/// </param>
/// <param name="Reused">Whether the step reused an earlier identical step's outputs (<c>azureml.isreused</c>).</param>
/// <param name="ReusedRunId">The job whose outputs were reused (<c>azureml.reusedrunid</c>).</param>
/// <param name="Started">When its job started.</param>
/// <param name="Ended">When its job ended.</param>
internal sealed record PipelineStep(string Step, string? Job, string State, bool Reused, string? ReusedRunId, DateTimeOffset? Started, DateTimeOffset? Ended)
{
    public string DurationText => Duration(Started is { } s ? (Ended ?? DateTimeOffset.UtcNow) - s : null);

    public bool Terminal => State is nameof(JobStatus.Completed) or nameof(JobStatus.Failed) or nameof(JobStatus.Canceled) or NotRun;

    public const string NotStarted = "NotStarted";

    public const string NotRun = "NotRun";
}

/// <summary>An edge of the pipeline's graph: <see cref="To"/> reads outputs of <see cref="From"/>; the label names them (<c>clean → data</c>).</summary>
internal sealed record PipelineEdge(string From, string To, string Label);

/// <summary>
/// A pipeline job's graph for its page: the steps (from the stored <see cref="PipelineJob"/>, in <see cref="PipelineJob.GetStepOrder"/>),
/// each with its child job (the pipeline's <c>azureml.pipeline.stepJobs</c> property, else the children's <c>azureml.nodeid</c>) and that
/// job's state and reuse; the edges from the steps' input bindings (<c>${{parent.jobs.&lt;step&gt;.outputs.&lt;o&gt;}}</c>). A pipeline whose
/// definition is not at hand (another service) still shows its child jobs as steps, without edges.
/// </summary>
internal sealed partial class PipelineView
{
    /// <summary>Most child jobs read for a graph.</summary>
    private const int MaxSteps = 500;

    public const string StepJobsProperty = "azureml.pipeline.stepJobs";

    private PipelineView(string pipeline, IReadOnlyList<PipelineStep> steps, IReadOnlyList<PipelineEdge> edges)
    {
        Pipeline = pipeline;
        Steps = steps;
        Edges = edges;
    }

    public string Pipeline { get; }

    public IReadOnlyList<PipelineStep> Steps { get; }

    public IReadOnlyList<PipelineEdge> Edges { get; }

    public static async Task<PipelineView> LoadAsync(Workspace ws, Job pipeline, CancellationToken ct)
    {
        var children = new List<Job>();
        await foreach (var c in ws.Jobs.ListAsync(pipeline.Name, includeArchived: true, ct).ConfigureAwait(false))
        {
            children.Add(c);
            if (children.Count == MaxSteps)
            {
                break;
            }
        }
        return Build(pipeline, children);
    }

    /// <summary>The graph of <paramref name="pipeline"/> with <paramref name="children"/> (its child jobs) as the steps' jobs.</summary>
    public static PipelineView Build(Job pipeline, IReadOnlyList<Job> children)
    {
        PipelineJob? definition = null;
        try
        {
            definition = pipeline.Definition as PipelineJob;
        }
        catch (AzureMlException)
        {
            // A service that does not give the definition back: the children alone.
        }

        // Step -> child job: the pipeline's map first (a step retried keeps its newest job there), then the children's node ids.
        var byName = new Dictionary<string, Job>(StringComparer.Ordinal);
        foreach (var c in children)
        {
            byName.TryAdd(c.Name, c);
        }
        var jobOfStep = new Dictionary<string, Job>(StringComparer.Ordinal);
        var mapped = StepJobs(pipeline);
        foreach (var (step, name) in mapped)
        {
            if (byName.TryGetValue(name, out var c))
            {
                jobOfStep[step] = c;
            }
        }
        foreach (var c in children.OrderBy(c => c.CreatedAt))
        {
            var step = c.Properties.TryGetValue("azureml.nodeid", out var id) && !string.IsNullOrEmpty(id) ? id
                : !string.IsNullOrEmpty(c.DisplayName) ? c.DisplayName : c.Name;
            if (!mapped.ContainsKey(step) || !jobOfStep.ContainsKey(step))
            {
                jobOfStep[step] = c; // the newest child of a step the map does not name
            }
        }

        var order = new List<string>();
        var edges = new List<PipelineEdge>();
        if (definition is not null)
        {
            IEnumerable<string> declared;
            try
            {
                declared = definition.GetStepOrder();
            }
            catch (AzureMlException)
            {
                declared = definition.Jobs.Keys; // a cycle: the page still shows the steps
            }
            order.AddRange(declared);
            foreach (var step in order)
            {
                if (!definition.Jobs.TryGetValue(step, out var stepDefinition))
                {
                    continue;
                }
                var labels = new Dictionary<string, List<string>>(StringComparer.Ordinal);
                foreach (var (input, value) in InputsOf(stepDefinition))
                {
                    var text = value.Value as string ?? value.Path;
                    if (text is not null && StepOutputBinding().Match(text) is { Success: true } m && definition.Jobs.ContainsKey(m.Groups[1].Value))
                    {
                        var from = m.Groups[1].Value;
                        (labels.TryGetValue(from, out var list) ? list : labels[from] = []).Add(m.Groups[2].Value + " → " + input);
                    }
                }
                foreach (var from in definition.GetStepDependencies().TryGetValue(step, out var deps) ? deps : [])
                {
                    if (!labels.ContainsKey(from))
                    {
                        labels[from] = [];
                    }
                }
                foreach (var (from, list) in labels.OrderBy(l => l.Key, StringComparer.Ordinal))
                {
                    edges.Add(new PipelineEdge(from, step, string.Join(", ", list.Order(StringComparer.Ordinal))));
                }
            }
        }
        // Children of steps the definition does not name (or no definition at all), in the order they were created.
        foreach (var (step, _) in jobOfStep.OrderBy(s => s.Value.CreatedAt).ThenBy(s => s.Key, StringComparer.Ordinal))
        {
            if (!order.Contains(step, StringComparer.Ordinal))
            {
                order.Add(step);
            }
        }

        var steps = new List<PipelineStep>(order.Count);
        foreach (var step in order)
        {
            if (jobOfStep.TryGetValue(step, out var c))
            {
                var reused = c.Properties.TryGetValue("azureml.isreused", out var r) && string.Equals(r, "true", StringComparison.OrdinalIgnoreCase);
                steps.Add(new PipelineStep(step, c.Name, c.Status.ToString(), reused,
                    reused && c.Properties.TryGetValue("azureml.reusedrunid", out var from) && !string.IsNullOrEmpty(from) ? from : null, c.StartedAt, c.EndedAt));
            }
            else
            {
                steps.Add(new PipelineStep(step, null, pipeline.Status.IsTerminal() ? PipelineStep.NotRun : PipelineStep.NotStarted, false, null, null, null));
            }
        }
        return new PipelineView(pipeline.Name, steps, edges);
    }

    private static IEnumerable<KeyValuePair<string, Input>> InputsOf(JobDefinition step) => step switch
    {
        CommandJob c => c.Inputs,
        PipelineComponentJob p => p.Inputs,
        SweepJob s => s.Inputs,
        _ => [],
    };

    /// <summary>The pipeline's <c>azureml.pipeline.stepJobs</c> property (step → child job), empty when absent or not a JSON object of strings.</summary>
    private static Dictionary<string, string> StepJobs(Job pipeline)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!pipeline.Properties.TryGetValue(StepJobsProperty, out var json) || string.IsNullOrEmpty(json))
        {
            return result;
        }
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    if (p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() is { Length: > 0 } name)
                    {
                        result[p.Name] = name;
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not a map: the children's node ids say the same.
        }
        return result;
    }

    [GeneratedRegex(@"^\s*\$\{\{\s*parent\.jobs\.([A-Za-z0-9_\-]+)\.outputs\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}\s*$")]
    private static partial Regex StepOutputBinding();

    /// <summary>
    /// The graph as JSON for the page's script (and live updates): <c>{pipeline, terminal, summary, steps: [{step, job, href, state, terminal, reused,
    /// reusedRunId, reusedHref, duration}], edges: [{from, to, label}]}</c>. Links are under <paramref name="pathBase"/>.
    /// </summary>
    public JsonObject ToJson(string pathBase, bool pipelineTerminal)
    {
        var steps = new JsonArray();
        foreach (var s in Steps)
        {
            steps.Add(new JsonObject
            {
                ["step"] = s.Step,
                ["job"] = s.Job,
                ["href"] = s.Job is null ? null : pathBase + "/jobs/" + Uri.EscapeDataString(s.Job),
                ["state"] = s.State,
                ["terminal"] = s.Terminal,
                ["reused"] = s.Reused,
                ["reusedRunId"] = s.ReusedRunId,
                ["reusedHref"] = s.ReusedRunId is null ? null : pathBase + "/jobs/" + Uri.EscapeDataString(s.ReusedRunId),
                ["duration"] = s.DurationText,
            });
        }
        var edges = new JsonArray();
        foreach (var e in Edges)
        {
            edges.Add(new JsonObject { ["from"] = e.From, ["to"] = e.To, ["label"] = e.Label });
        }
        return new JsonObject { ["pipeline"] = Pipeline, ["terminal"] = pipelineTerminal, ["summary"] = Summary(), ["steps"] = steps, ["edges"] = edges };
    }

    /// <summary>What changes when a step changes (not the running steps' durations): live updates are sent when it does.</summary>
    public string Signature()
    {
        var sb = new StringBuilder();
        foreach (var s in Steps)
        {
            sb.Append(s.Step).Append('\u0001').Append(s.Job).Append('\u0001').Append(s.State).Append('\u0001').Append(s.Reused).Append('\u0001').Append(s.ReusedRunId).Append('\u0001')
              .Append(s.Started?.UtcTicks).Append('\u0001').Append(s.Ended?.UtcTicks).Append('\u0002');
        }
        return sb.ToString();
    }

    /// <summary>A sentence for screen readers: how many steps, and each step's state (and reuse).</summary>
    public string Summary()
    {
        var counts = Steps.GroupBy(s => s.State).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {StateText(g.Key)}");
        var reused = Steps.Count(s => s.Reused);
        return $"Pipeline graph of {Pipeline}: {Steps.Count} step{(Steps.Count == 1 ? "" : "s")} ({string.Join(", ", counts)}{(reused > 0 ? $", {reused} reused" : "")}), {Edges.Count} dependenc{(Edges.Count == 1 ? "y" : "ies")}";
    }

    /// <summary>A state as people read it (<c>NotStarted</c> → <c>Not started</c>).</summary>
    public static string StateText(string state) => state switch
    {
        PipelineStep.NotStarted => "Not started",
        PipelineStep.NotRun => "Not run",
        nameof(JobStatus.CancelRequested) => "Cancel requested",
        _ => state,
    };

    /// <summary>
    /// The graph's figure (an SVG drawn by the page's script from <c>data-graph</c>, laid out by dagre) and the steps' table
    /// (step, state, reused, duration, job), both updated live while the pipeline runs.
    /// </summary>
    public void Render(StringBuilder sb, Page page, string pathBase, bool pipelineTerminal)
    {
        var json = ToJson(pathBase, pipelineTerminal).ToJsonString();
        sb.Append("<section><h2>Pipeline graph</h2>")
          .Append("<figure class=\"pipeline-graph\" id=\"pipeline-graph\" role=\"group\" aria-label=\"").Append(H(Summary())).Append("\" data-graph=\"").Append(H(json)).Append("\" data-state=\"loading\">")
          .Append("<p class=\"empty graph-fallback\">The graph draws with the page's script; the steps are listed in the table below.</p></figure></section>");
        sb.Append("<section><h2>Steps</h2><table id=\"pipeline-steps\"><caption>Steps of ").Append(H(Pipeline)).Append(", in run order</caption><thead><tr>")
          .Append("<th scope=\"col\">Step</th><th scope=\"col\">State</th><th scope=\"col\">Reused</th><th scope=\"col\">Duration</th><th scope=\"col\">Job</th></tr></thead><tbody>");
        foreach (var s in Steps)
        {
            sb.Append("<tr data-step=\"").Append(H(s.Step)).Append('"').Append(s.Job is null ? string.Empty : " data-job=\"" + H(s.Job) + "\"").Append("><th scope=\"row\">").Append(H(s.Step)).Append("</th>")
              .Append("<td><span class=\"status s-").Append(s.State.ToLowerInvariant()).Append("\" data-field=\"state\">").Append(H(StateText(s.State))).Append("</span></td><td data-field=\"reused\">");
            ReusedCell(sb, page, s);
            sb.Append("</td><td data-field=\"duration\">").Append(H(s.DurationText)).Append("</td><td data-field=\"job\">");
            if (s.Job is not null)
            {
                sb.Append("<a href=\"").Append(page.Link("/jobs/" + Uri.EscapeDataString(s.Job))).Append("\">").Append(H(s.Job)).Append("</a>");
            }
            else
            {
                sb.Append("<span class=\"missing\">—</span>");
            }
            sb.Append("</td></tr>");
        }
        sb.Append("</tbody></table></section>");
    }

    private static void ReusedCell(StringBuilder sb, Page page, PipelineStep s)
    {
        if (!s.Reused)
        {
            sb.Append("<span class=\"missing\">no</span>");
            return;
        }
        sb.Append("<span class=\"badge reused\" title=\"Reused the outputs of an earlier identical step\">reused</span>");
        if (s.ReusedRunId is not null)
        {
            sb.Append(" from <a href=\"").Append(page.Link("/jobs/" + Uri.EscapeDataString(s.ReusedRunId))).Append("\">").Append(H(s.ReusedRunId)).Append("</a>");
        }
    }
}
