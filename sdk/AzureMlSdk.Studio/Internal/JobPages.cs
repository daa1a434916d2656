using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using static AzureMlSdk.Studio.Internal.Html;

namespace AzureMlSdk.Studio.Internal;

/// <summary>
/// Jobs (<c>ws.Jobs</c>): the list (state, cancel), a job's page (live state and log by server-sent events, outputs, properties,
/// sweep trials with the best one highlighted, an AutoML leaderboard, a pipeline's graph and steps with their states and reused marks, child jobs).
/// </summary>
internal static class JobPages
{
    /// <summary>Most child jobs shown on a job's page.</summary>
    private const int MaxChildren = 500;

    public static async Task ListAsync(HttpContext context, StudioContext studio)
    {
        var ws = studio.Workspace(context);
        var archived = context.Request.Query["archived"] == "1";
        var page = new Page(studio, context, "Jobs");
        var sb = page.Body;
        sb.Append("<p><a href=\"").Append(page.Link(archived ? "/jobs" : "/jobs?archived=1")).Append("\">")
          .Append(archived ? "Hide archived jobs" : "Show archived jobs").Append("</a></p>");
        var jobs = new List<Job>();
        await foreach (var job in ws.Jobs.ListAsync(null, archived, context.RequestAborted).ConfigureAwait(false))
        {
            jobs.Add(job);
            if (jobs.Count == 1000)
            {
                break;
            }
        }
        if (jobs.Count == 0)
        {
            sb.Append("<p class=\"empty\">No jobs yet: submit one with <code>azml job create -f job.yml</code> or <code>ws.Jobs.CreateOrUpdateAsync</code>.</p>");
        }
        else
        {
            JobTable(sb, page, jobs, "Jobs of this workspace, newest first", "/jobs", reused: false, best: null);
        }
        await Respond.PageAsync(context, page).ConfigureAwait(false);
    }

    /// <summary>A table of jobs: name, display name, type, status, experiment, created, duration, a cancel button while one runs.</summary>
    private static void JobTable(StringBuilder sb, Page page, IReadOnlyList<Job> jobs, string caption, string returnTo, bool reused, string? best)
    {
        sb.Append("<table id=\"jobs\"><caption>").Append(H(caption)).Append("</caption><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Display name</th><th scope=\"col\">Type</th><th scope=\"col\">Status</th>");
        if (reused)
        {
            sb.Append("<th scope=\"col\">Reused</th>");
        }
        sb.Append("<th scope=\"col\">Experiment</th><th scope=\"col\">Created</th><th scope=\"col\">Duration</th><th scope=\"col\">Actions</th></tr></thead><tbody>");
        foreach (var j in jobs)
        {
            var isBest = best is not null && string.Equals(j.Name, best, StringComparison.Ordinal);
            sb.Append("<tr data-job=\"").Append(H(j.Name)).Append('"').Append(isBest ? " class=\"best\"" : string.Empty).Append("><th scope=\"row\"><a href=\"").Append(JobLink(page, j.Name)).Append("\">").Append(H(j.Name)).Append("</a>")
              .Append(isBest ? " <span class=\"badge best-badge\">best</span>" : string.Empty).Append("</th><td>")
              .Append(H(j.DisplayName)).Append("</td><td>").Append(H(TypeName(j.Type))).Append("</td><td>");
            Status(sb, j.Status, null);
            sb.Append("</td>");
            if (reused)
            {
                sb.Append("<td>").Append(IsReused(j) ? "<span class=\"badge reused\" title=\"Reused the outputs of an earlier identical step\">reused</span>" : string.Empty).Append("</td>");
            }
            sb.Append("<td>").Append(H(j.ExperimentName)).Append("</td><td>").Append(Time(j.CreatedAt)).Append("</td><td>")
              .Append(Duration(j.StartedAt is { } s ? (j.EndedAt ?? DateTimeOffset.UtcNow) - s : null)).Append("</td><td>");
            if (!j.Status.IsTerminal())
            {
                CancelForm(sb, page, j.Name, returnTo);
            }
            sb.Append("</td></tr>");
        }
        sb.Append("</tbody></table>");
    }

    private static void CancelForm(StringBuilder sb, Page page, string name, string returnTo) =>
        sb.Append("<form method=\"post\" class=\"inline\" action=\"").Append(page.Link("/jobs/" + Uri.EscapeDataString(name) + "/cancel")).Append("\">")
          .Append(page.CsrfField).Append("<input type=\"hidden\" name=\"return\" value=\"").Append(H(returnTo)).Append("\">")
          .Append("<button type=\"submit\" aria-label=\"Cancel job ").Append(H(name)).Append("\">Cancel</button></form>");

    private static string JobLink(Page page, string name) => page.Link("/jobs/" + Uri.EscapeDataString(name));

    private static string TypeName(JobType type) => type == JobType.AutoML ? "automl" : type.ToString().ToLowerInvariant();

    private static bool IsReused(Job job) =>
        job.Properties.TryGetValue("azureml.isreused", out var v) && string.Equals(v, "true", StringComparison.OrdinalIgnoreCase);

    private static void Status(StringBuilder sb, JobStatus status, string? id)
    {
        sb.Append("<span").Append(id is null ? string.Empty : " id=\"" + id + "\" aria-live=\"polite\"").Append(" class=\"status s-").Append(status.ToString().ToLowerInvariant()).Append("\">")
          .Append(status.ToString()).Append("</span>");
    }

    /// <summary><c>POST /jobs/{name}/cancel</c> (anti-forgery checked by the pipeline): requests cancellation, then back to the page it came from.</summary>
    public static async Task CancelAsync(HttpContext context, StudioContext studio)
    {
        var name = Respond.Route(context, "name");
        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        await studio.Workspace(context).Jobs.CancelAsync(name, context.RequestAborted).ConfigureAwait(false);
        var back = form["return"].ToString();
        // Only back to a studio jobs page (never an open redirect).
        if (back != "/jobs" && !(back.StartsWith("/jobs/", StringComparison.Ordinal) && !back.Contains("//", StringComparison.Ordinal) && !back.Contains('\\', StringComparison.Ordinal)))
        {
            back = "/jobs/" + Uri.EscapeDataString(name);
        }
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        context.Response.Headers.Location = context.Request.PathBase + back;
    }

    public static async Task DetailAsync(HttpContext context, StudioContext studio)
    {
        var ws = studio.Workspace(context);
        var ct = context.RequestAborted;
        var job = await ws.Jobs.GetAsync(Respond.Route(context, "name"), ct).ConfigureAwait(false);
        var page = new Page(studio, context, "Job " + (string.IsNullOrEmpty(job.DisplayName) ? job.Name : job.DisplayName));
        page.MainAttributes = $" data-job=\"{H(job.Name)}\"" + (job.Status.IsTerminal() ? string.Empty : " data-live-job=\"1\"");
        var sb = page.Body;
        var self = "/jobs/" + Uri.EscapeDataString(job.Name);

        Run? run = null;
        try
        {
            run = await ws.GetRunAsync(job.Name, ct).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException)
        {
            // Not started yet on a service that creates the run when the job starts.
        }

        sb.Append("<dl class=\"summary\"><dt>Status</dt><dd>");
        Status(sb, job.Status, "job-status");
        if (!job.Status.IsTerminal())
        {
            sb.Append(' ');
            CancelForm(sb, page, job.Name, self);
        }
        sb.Append("</dd><dt>Name</dt><dd><code>").Append(H(job.Name)).Append("</code></dd>")
          .Append("<dt>Type</dt><dd>").Append(H(TypeName(job.Type))).Append("</dd>")
          .Append("<dt>Experiment</dt><dd><a href=\"").Append(page.Link("/experiments/" + Uri.EscapeDataString(job.ExperimentName))).Append("\">").Append(H(job.ExperimentName)).Append("</a></dd>")
          .Append("<dt>Compute</dt><dd>").Append(H(job.Compute ?? "—")).Append("</dd>")
          .Append("<dt>Created</dt><dd>").Append(Time(job.CreatedAt)).Append("</dd>")
          .Append("<dt>Started</dt><dd id=\"job-started\">").Append(Time(job.StartedAt)).Append("</dd>")
          .Append("<dt>Ended</dt><dd id=\"job-ended\">").Append(Time(job.EndedAt)).Append("</dd>")
          .Append("<dt>Duration</dt><dd id=\"job-duration\">").Append(Duration(job.StartedAt is { } s ? (job.EndedAt ?? DateTimeOffset.UtcNow) - s : null)).Append("</dd>");
        if (job.ParentJobName is { } parent)
        {
            sb.Append("<dt>Parent job</dt><dd><a href=\"").Append(JobLink(page, parent)).Append("\">").Append(H(parent)).Append("</a></dd>");
        }
        if (run is not null)
        {
            sb.Append("<dt>Tracking run</dt><dd><a href=\"").Append(page.Link("/runs/" + Uri.EscapeDataString(run.Id))).Append("\">").Append(H(run.Id)).Append("</a> (params, metrics, charts, artifacts)</dd>");
        }
        if (!string.IsNullOrEmpty(job.Description))
        {
            sb.Append("<dt>Description</dt><dd>").Append(H(job.Description)).Append("</dd>");
        }
        sb.Append("</dl>");
        sb.Append("<p id=\"job-error\" class=\"error\" role=\"alert\"").Append(job.Error is null ? " hidden>" : ">");
        if (job.Error is { } error)
        {
            sb.Append('(').Append(H(error.Code)).Append(") ").Append(H(error.Message));
        }
        sb.Append("</p>");

        switch (job.Type)
        {
            case JobType.Sweep:
                await SweepTrialsAsync(sb, page, ws, job, ct).ConfigureAwait(false);
                break;
            case JobType.AutoML:
                await LeaderboardAsync(sb, page, ws, job, run, ct).ConfigureAwait(false);
                break;
            case JobType.Pipeline:
                page.Graph = true;
                (await PipelineView.LoadAsync(ws, job, ct).ConfigureAwait(false)).Render(sb, page, context.Request.PathBase.Value ?? string.Empty, job.Status.IsTerminal());
                break;
            default:
                await ChildJobsAsync(sb, page, ws, job, ct).ConfigureAwait(false);
                break;
        }

        sb.Append("<section><h2>Log</h2><pre class=\"preview\" id=\"job-log\" tabindex=\"0\" aria-live=\"polite\" aria-label=\"Log of job ").Append(H(job.Name)).Append("\"></pre></section>");

        if (job.OutputUris.Count > 0)
        {
            sb.Append("<section><h2>Outputs</h2><table id=\"job-outputs\"><caption class=\"sr\">Outputs</caption><thead><tr><th scope=\"col\">Output</th><th scope=\"col\">Path</th></tr></thead><tbody>");
            foreach (var (k, v) in job.OutputUris.OrderBy(o => o.Key, StringComparer.Ordinal))
            {
                sb.Append("<tr><th scope=\"row\">").Append(H(k)).Append("</th><td><code>").Append(H(v)).Append("</code></td></tr>");
            }
            sb.Append("</tbody></table></section>");
        }
        KeyValueTable(sb, "Properties", job.Properties);
        KeyValueTable(sb, "Tags", job.Tags);
        await Respond.PageAsync(context, page).ConfigureAwait(false);
    }

    private static async Task<List<Job>> ChildrenAsync(Workspace ws, Job job, CancellationToken ct)
    {
        var children = new List<Job>();
        await foreach (var c in ws.Jobs.ListAsync(job.Name, includeArchived: true, ct).ConfigureAwait(false))
        {
            children.Add(c);
            if (children.Count == MaxChildren)
            {
                break;
            }
        }
        return children;
    }

    private static async Task ChildJobsAsync(StringBuilder sb, Page page, Workspace ws, Job job, CancellationToken ct)
    {
        var children = await ChildrenAsync(ws, job, ct).ConfigureAwait(false);
        if (children.Count == 0)
        {
            return;
        }
        sb.Append("<section><h2>Child jobs</h2>");
        JobTable(sb, page, children, "Child jobs of " + job.Name, "/jobs/" + Uri.EscapeDataString(job.Name), reused: children.Any(IsReused), best: null);
        sb.Append("</section>");
    }

    /// <summary>A trial's row: its job, its run's params and primary metric (null before its run exists).</summary>
    private sealed record Trial(Job Job, Run? Run);

    private static async Task<List<Trial>> TrialsAsync(Workspace ws, Job job, CancellationToken ct)
    {
        var trials = new List<Trial>();
        foreach (var child in await ChildrenAsync(ws, job, ct).ConfigureAwait(false))
        {
            Run? run = null;
            try
            {
                run = await ws.GetRunAsync(child.Name, ct).ConfigureAwait(false);
            }
            catch (ResourceNotFoundException)
            {
                // A queued trial: no run yet.
            }
            trials.Add(new Trial(child, run));
        }
        return trials;
    }

    /// <summary>A sweep's trials: their params (the sampled values) and primary metric, the best one (<c>best_child_run_id</c>) highlighted.</summary>
    private static async Task SweepTrialsAsync(StringBuilder sb, Page page, Workspace ws, Job job, CancellationToken ct)
    {
        var objective = (job.Definition as SweepJob)?.Objective;
        var metric = objective?.PrimaryMetric ?? PrimaryMetricFromProperties(job);
        var goal = objective?.Goal.ToString().ToLowerInvariant() ?? GoalFromProperties(job);
        job.Properties.TryGetValue("best_child_run_id", out var best);
        var trials = await TrialsAsync(ws, job, ct).ConfigureAwait(false);
        sb.Append("<section><h2>Trials</h2>");
        if (metric is not null)
        {
            sb.Append("<p>Primary metric <strong>").Append(H(metric)).Append("</strong>").Append(goal is null ? string.Empty : " (" + H(goal) + ")");
            if (best is not null)
            {
                sb.Append("; best trial <a id=\"best-trial\" href=\"").Append(JobLink(page, best)).Append("\">").Append(H(best)).Append("</a>");
                if (job.Properties.TryGetValue("score", out var score))
                {
                    sb.Append(" with ").Append(H(metric)).Append(' ').Append(H(score));
                }
            }
            sb.Append(".</p>");
        }
        if (trials.Count == 0)
        {
            sb.Append("<p class=\"empty\">No trials yet.</p></section>");
            return;
        }
        var paramKeys = trials.Where(t => t.Run is not null).SelectMany(t => t.Run!.Params.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        sb.Append("<table id=\"trials\"><caption>Trials of ").Append(H(job.Name)).Append(best is null ? string.Empty : "; the best is marked").Append("</caption><thead><tr><th scope=\"col\">Trial</th><th scope=\"col\">Status</th>");
        foreach (var p in paramKeys)
        {
            sb.Append("<th scope=\"col\">").Append(H(p)).Append("</th>");
        }
        if (metric is not null)
        {
            sb.Append("<th scope=\"col\">").Append(H(metric)).Append("</th>");
        }
        sb.Append("</tr></thead><tbody>");
        foreach (var t in SortTrials(trials, metric, goal))
        {
            var isBest = best is not null && string.Equals(t.Job.Name, best, StringComparison.Ordinal);
            sb.Append("<tr data-job=\"").Append(H(t.Job.Name)).Append('"').Append(isBest ? " class=\"best\"" : string.Empty).Append("><th scope=\"row\"><a href=\"").Append(JobLink(page, t.Job.Name)).Append("\">").Append(H(t.Job.Name)).Append("</a>")
              .Append(isBest ? " <span class=\"badge best-badge\">best</span>" : string.Empty).Append("</th><td>");
            Status(sb, t.Job.Status, null);
            sb.Append("</td>");
            foreach (var p in paramKeys)
            {
                sb.Append("<td>").Append(t.Run is not null && t.Run.Params.TryGetValue(p, out var v) ? H(v) : "<span class=\"missing\">—</span>").Append("</td>");
            }
            if (metric is not null)
            {
                sb.Append("<td>").Append(t.Run is not null && t.Run.LatestMetrics.TryGetValue(metric, out var m) ? Num(m.Value) : "<span class=\"missing\">—</span>").Append("</td>");
            }
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table>");
        var withRuns = trials.Where(t => t.Run is not null).Take(50).Select(t => t.Run!.Id).ToList();
        if (withRuns.Count >= 2)
        {
            sb.Append("<p><a class=\"button\" href=\"").Append(page.Link("/compare?" + string.Join('&', withRuns.Select(r => "runs=" + Uri.EscapeDataString(r))) + (metric is null ? string.Empty : "&metric=" + Uri.EscapeDataString(metric))))
              .Append("\">Compare the trials (curves, parallel coordinates, scatter plots)</a></p>");
        }
        sb.Append("</section>");
    }

    /// <summary>Trials with the metric first, best first under the goal; then the rest by name.</summary>
    private static IEnumerable<Trial> SortTrials(List<Trial> trials, string? metric, string? goal)
    {
        if (metric is null)
        {
            return trials.OrderBy(t => t.Job.Name, StringComparer.Ordinal);
        }
        double? Score(Trial t) => t.Run is not null && t.Run.LatestMetrics.TryGetValue(metric, out var m) && double.IsFinite(m.Value) ? m.Value : null;
        var minimize = string.Equals(goal, "minimize", StringComparison.OrdinalIgnoreCase);
        return trials.OrderBy(t => Score(t) is null ? 1 : 0).ThenBy(t => Score(t) is { } s ? (minimize ? s : -s) : 0).ThenBy(t => t.Job.Name, StringComparer.Ordinal);
    }

    private static string? PrimaryMetricFromProperties(Job job) => MetricConfig(job, "name");

    private static string? GoalFromProperties(Job job) => MetricConfig(job, "goal");

    /// <summary>A field of the sweep's <c>primary_metric_config</c> property (<c>{"name": …, "goal": …}</c>).</summary>
    private static string? MetricConfig(Job job, string field)
    {
        if (!job.Properties.TryGetValue("primary_metric_config", out var json))
        {
            return null;
        }
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// An AutoML job's leaderboard: the <c>leaderboard</c> table its run logged (rank, trial, algorithm, score…) when there is one,
    /// else its child jobs ranked by the primary metric; the best model (<c>automl_best_child_run_id</c>) highlighted.
    /// </summary>
    private static async Task LeaderboardAsync(StringBuilder sb, Page page, Workspace ws, Job job, Run? run, CancellationToken ct)
    {
        var best = job.Properties.TryGetValue("automl_best_child_run_id", out var b) ? b : job.Properties.TryGetValue("best_child_run_id", out var b2) ? b2 : null;
        var automl = job.Definition as AutoMLJob;
        var metric = automl?.EffectivePrimaryMetric ?? (job.Properties.TryGetValue("primary_metric", out var pm) && !string.IsNullOrEmpty(pm) ? pm : null);
        sb.Append("<section><h2>Leaderboard</h2>");
        if (automl is not null || best is not null)
        {
            sb.Append("<p>");
            if (automl is not null)
            {
                sb.Append("Task <strong>").Append(H(automl.Task.ToString().ToLowerInvariant())).Append("</strong>, primary metric <strong>").Append(H(metric)).Append("</strong>");
            }
            if (best is not null)
            {
                sb.Append(automl is null ? "Best model from" : "; best model from").Append(" <a id=\"best-trial\" href=\"").Append(JobLink(page, best)).Append("\">").Append(H(best)).Append("</a>");
                if (job.Properties.TryGetValue("best_algorithm", out var algorithm))
                {
                    sb.Append(" (").Append(H(algorithm)).Append(')');
                }
                if (job.Properties.TryGetValue("score", out var score))
                {
                    sb.Append(", ").Append(H(metric ?? "score")).Append(' ').Append(H(score));
                }
            }
            sb.Append(".</p>");
        }
        RunTable? table = null;
        if (run is not null && (await run.GetFileNamesAsync(ct).ConfigureAwait(false)).Contains("tables/leaderboard.json"))
        {
            table = await run.GetTableAsync("leaderboard", ct).ConfigureAwait(false);
        }
        if (table is { Rows.Count: > 0 })
        {
            var runColumn = table.Columns.ToList().IndexOf("run_id");
            sb.Append("<table id=\"leaderboard\"><caption>Leaderboard of ").Append(H(job.Name)).Append(best is null ? string.Empty : "; the best is marked").Append("</caption><thead><tr>");
            foreach (var c in table.Columns)
            {
                sb.Append("<th scope=\"col\">").Append(H(c)).Append("</th>");
            }
            sb.Append("</tr></thead><tbody>");
            foreach (var row in table.Rows.Take(500))
            {
                var id = runColumn >= 0 ? Convert.ToString(row[runColumn], CultureInfo.InvariantCulture) : null;
                var isBest = best is not null && string.Equals(id, best, StringComparison.Ordinal);
                sb.Append("<tr").Append(id is null ? string.Empty : " data-job=\"" + H(id) + "\"").Append(isBest ? " class=\"best\"" : string.Empty).Append('>');
                for (var i = 0; i < row.Count; i++)
                {
                    var cell = row[i];
                    var text = cell switch
                    {
                        null => string.Empty,
                        double d => Num(d),
                        float f => Num(f),
                        IFormattable fm => H(fm.ToString(null, CultureInfo.InvariantCulture)),
                        _ => H(cell.ToString()),
                    };
                    if (i == runColumn && id is not null)
                    {
                        sb.Append("<th scope=\"row\"><a href=\"").Append(JobLink(page, id)).Append("\">").Append(text).Append("</a>").Append(isBest ? " <span class=\"badge best-badge\">best</span>" : string.Empty).Append("</th>");
                    }
                    else
                    {
                        sb.Append("<td>").Append(text).Append("</td>");
                    }
                }
                sb.Append("</tr>");
            }
            sb.Append("</tbody></table></section>");
            return;
        }
        var trials = await TrialsAsync(ws, job, ct).ConfigureAwait(false);
        if (trials.Count == 0)
        {
            sb.Append("<p class=\"empty\">No trials yet.</p></section>");
            return;
        }
        var goal = metric is not null && LowerIsBetter(metric) ? "minimize" : "maximize";
        sb.Append("<table id=\"leaderboard\"><caption>Trials of ").Append(H(job.Name)).Append(best is null ? string.Empty : "; the best is marked").Append("</caption><thead><tr><th scope=\"col\">Trial</th><th scope=\"col\">Status</th><th scope=\"col\">Algorithm</th>");
        if (metric is not null)
        {
            sb.Append("<th scope=\"col\">").Append(H(metric)).Append("</th>");
        }
        sb.Append("</tr></thead><tbody>");
        foreach (var t in SortTrials(trials, metric, goal))
        {
            var isBest = best is not null && string.Equals(t.Job.Name, best, StringComparison.Ordinal);
            var algorithm = t.Run is null ? null
                : t.Run.Params.TryGetValue("algorithm", out var a) ? a
                : t.Run.Tags.TryGetValue("algorithm", out var a2) ? a2
                : t.Job.Properties.TryGetValue("algorithm", out var a3) ? a3 : null;
            sb.Append("<tr data-job=\"").Append(H(t.Job.Name)).Append('"').Append(isBest ? " class=\"best\"" : string.Empty).Append("><th scope=\"row\"><a href=\"").Append(JobLink(page, t.Job.Name)).Append("\">").Append(H(t.Job.Name)).Append("</a>")
              .Append(isBest ? " <span class=\"badge best-badge\">best</span>" : string.Empty).Append("</th><td>");
            Status(sb, t.Job.Status, null);
            sb.Append("</td><td>").Append(H(algorithm ?? "—")).Append("</td>");
            if (metric is not null)
            {
                sb.Append("<td>").Append(t.Run is not null && t.Run.LatestMetrics.TryGetValue(metric, out var m) ? Num(m.Value) : "<span class=\"missing\">—</span>").Append("</td>");
            }
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table></section>");
    }

    /// <summary>AutoML's error metrics (lower is better); everything else is a score.</summary>
    private static bool LowerIsBetter(string metric) =>
        metric.Contains("error", StringComparison.OrdinalIgnoreCase) || metric.Contains("loss", StringComparison.OrdinalIgnoreCase);
}
