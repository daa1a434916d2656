using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using static AzureMlSdk.Studio.Internal.Html;

namespace AzureMlSdk.Studio.Internal;

/// <summary>A run's page (summary, params, tags, properties, metric charts, images, tables, artifacts, child runs), artifact previews and compare.</summary>
internal static class RunPages
{
    private const int PreviewBytes = 1024 * 1024;

    public static async Task DetailAsync(HttpContext context, StudioContext studio)
    {
        var ws = studio.Workspace(context);
        var ct = context.RequestAborted;
        var run = await ws.GetRunAsync(Respond.Route(context, "id"), ct).ConfigureAwait(false);
        // The charts' series are read (and downsampled) while this page is made and the browser loads it and its scripts.
        StudioApi.Prefetch(studio, ws, run, run.LatestMetrics.Keys.Order(StringComparer.Ordinal));
        var details = await run.GetDetailsAsync(ct).ConfigureAwait(false);
        var files = await run.GetFileNamesAsync(ct).ConfigureAwait(false);
        var experimentName = await studio.ExperimentNameAsync(context, run.ExperimentId).ConfigureAwait(false);
        var label = string.IsNullOrEmpty(run.DisplayName) ? run.Id : run.DisplayName;
        var page = new Page(studio, context, "Run " + label) { Charts = run.LatestMetrics.Count > 0 };
        if (!IsTerminal(details.Status))
        {
            page.MainAttributes = $" data-live-run=\"{H(run.Id)}\"";
        }
        var sb = page.Body;

        sb.Append("<dl class=\"summary\"><dt>Status</dt><dd><span id=\"run-status\" class=\"status s-").Append(H(details.Status.ToString().ToLowerInvariant())).Append("\" aria-live=\"polite\">")
          .Append(H(details.Status.ToString())).Append("</span></dd>")
          .Append("<dt>Experiment</dt><dd>");
        if (experimentName is not null)
        {
            sb.Append("<a href=\"").Append(page.Link("/experiments/" + Uri.EscapeDataString(experimentName))).Append("\">").Append(H(experimentName)).Append("</a>");
        }
        else
        {
            sb.Append(H(run.ExperimentId));
        }
        sb.Append("</dd><dt>Run id</dt><dd><code>").Append(H(run.Id)).Append("</code></dd>")
          .Append("<dt>Started</dt><dd>").Append(Time(details.StartTime)).Append("</dd>")
          .Append("<dt>Ended</dt><dd id=\"run-ended\">").Append(Time(details.EndTime)).Append("</dd>")
          .Append("<dt>Duration</dt><dd id=\"run-duration\">").Append(Duration(details.Duration)).Append("</dd>");
        if (details.ParentRunId is { } parent)
        {
            sb.Append("<dt>Parent run</dt><dd><a href=\"").Append(page.Link("/runs/" + Uri.EscapeDataString(parent))).Append("\">").Append(H(parent)).Append("</a></dd>");
        }
        sb.Append("</dl>");
        if (details.Error is { } error)
        {
            sb.Append("<section><h2>Error</h2><p class=\"error\">").Append(H(error.Type)).Append(error.Type is null ? string.Empty : ": ").Append(H(error.Message)).Append("</p></section>");
        }

        // Metrics: the latest values, then one chart per metric.
        var metrics = run.LatestMetrics.OrderBy(m => m.Key, StringComparer.Ordinal).ToList();
        sb.Append("<section><h2>Metrics</h2>");
        if (metrics.Count == 0)
        {
            sb.Append("<p class=\"empty\">No metrics logged.</p>");
        }
        else
        {
            sb.Append("<table id=\"latest-metrics\"><caption class=\"sr\">Latest metric values</caption><thead><tr><th scope=\"col\">Metric</th><th scope=\"col\">Latest value</th><th scope=\"col\">Step</th><th scope=\"col\">Logged</th></tr></thead><tbody>");
            foreach (var (k, p) in metrics)
            {
                sb.Append("<tr><th scope=\"row\">").Append(H(k)).Append("</th><td data-latest=\"").Append(H(k)).Append("\">").Append(Num(p.Value)).Append("</td><td>")
                  .Append(p.Step.ToString(CultureInfo.InvariantCulture)).Append("</td><td>").Append(Time(p.Timestamp)).Append("</td></tr>");
            }
            sb.Append("</tbody></table>");
            var overlay = context.Request.Query["with"].SelectMany(v => (v ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Where(v => v != run.Id).Distinct(StringComparer.Ordinal).ToList();
            ChartControls(sb, page, "/runs/" + Uri.EscapeDataString(run.Id), overlay);
            Charts(sb, metrics.Select(m => m.Key), [run.Id, .. overlay], label + (overlay.Count > 0 ? $" and {overlay.Count} more run(s)" : string.Empty));
        }
        sb.Append("</section>");

        KeyValueTable(sb, "Params", details.Params);
        KeyValueTable(sb, "Tags", details.Tags.Where(t => !t.Key.StartsWith("mlflow.", StringComparison.Ordinal) && !t.Key.StartsWith("azureml.", StringComparison.Ordinal)));
        KeyValueTable(sb, "Properties", details.Properties);

        // Images and tables the run logged.
        var images = files.Where(f => f.StartsWith("images/", StringComparison.Ordinal) && StudioApi.InlineImageType(f) is not null).ToList();
        if (images.Count > 0)
        {
            sb.Append("<section><h2>Images</h2><div class=\"images\">");
            foreach (var img in images)
            {
                var src = page.Link("/api/runs/" + Uri.EscapeDataString(run.Id) + "/artifact?path=" + Uri.EscapeDataString(img));
                sb.Append("<figure><img loading=\"lazy\" src=\"").Append(src).Append("\" alt=\"").Append(H(Path.GetFileNameWithoutExtension(img))).Append("\"><figcaption>").Append(H(img["images/".Length..])).Append("</figcaption></figure>");
            }
            sb.Append("</div></section>");
        }
        var tables = files.Where(f => f.StartsWith("tables/", StringComparison.Ordinal) && f.EndsWith(".json", StringComparison.Ordinal) && f.Count(c => c == '/') == 1).ToList();
        if (tables.Count > 0)
        {
            sb.Append("<section><h2>Tables</h2>");
            foreach (var t in tables)
            {
                var name = t["tables/".Length..^".json".Length];
                RunTable table;
                try
                {
                    table = await run.GetTableAsync(name, ct).ConfigureAwait(false);
                }
                catch (AzureMlException ex)
                {
                    sb.Append("<p class=\"error\">Table ").Append(H(name)).Append(": ").Append(H(ex.Message)).Append("</p>");
                    continue;
                }
                AppendRunTable(sb, name, table);
            }
            sb.Append("</section>");
        }

        // Artifacts as a tree; logs listed first.
        sb.Append("<section><h2>Artifacts</h2>");
        if (details.LogFiles.Count > 0)
        {
            if (!IsTerminal(details.Status))
            {
                var tail = details.LogFiles.FirstOrDefault(l => l.EndsWith("std_log.txt", StringComparison.Ordinal)) ?? details.LogFiles[0];
                sb.Append("<h3>Live log: ").Append(H(tail)).Append("</h3><pre class=\"preview\" id=\"log-tail\" aria-live=\"polite\" data-log-path=\"").Append(H(tail)).Append("\"></pre>");
            }
            sb.Append("<h3>Logs</h3><ul class=\"logs\">");
            foreach (var log in details.LogFiles)
            {
                sb.Append("<li><a href=\"").Append(ArtifactLink(page, run.Id, log)).Append("\">").Append(H(log)).Append("</a></li>");
            }
            sb.Append("</ul>");
        }
        if (files.Count == 0)
        {
            sb.Append("<p class=\"empty\">No artifacts.</p>");
        }
        else
        {
            AppendTree(sb, page, run.Id, files);
        }
        sb.Append("</section>");

        // Child runs.
        var children = new List<Run>();
        await foreach (var c in run.GetChildrenAsync(ct).ConfigureAwait(false))
        {
            children.Add(c);
        }
        if (children.Count > 0)
        {
            sb.Append("<section><h2>Child runs</h2>");
            RunList(sb, page, children, "Child runs of " + label);
            sb.Append("</section>");
        }
        await Respond.PageAsync(context, page).ConfigureAwait(false);
    }

    internal static void RunList(StringBuilder sb, Page page, IEnumerable<Run> runs, string caption)
    {
        sb.Append("<table><caption>").Append(H(caption)).Append("</caption><thead><tr><th scope=\"col\">Run</th><th scope=\"col\">Status</th><th scope=\"col\">Started</th><th scope=\"col\">Duration</th><th scope=\"col\">Latest metrics</th></tr></thead><tbody>");
        foreach (var r in runs)
        {
            sb.Append("<tr><th scope=\"row\"><a href=\"").Append(page.Link("/runs/" + Uri.EscapeDataString(r.Id))).Append("\">").Append(H(string.IsNullOrEmpty(r.DisplayName) ? r.Id : r.DisplayName)).Append("</a></th><td>")
              .Append(H(r.Status.ToString())).Append("</td><td>").Append(Time(r.StartTime)).Append("</td><td>").Append(Duration(r.EndTime - r.StartTime)).Append("</td><td>")
              .Append(string.Join(", ", r.LatestMetrics.OrderBy(m => m.Key, StringComparer.Ordinal).Take(4).Select(m => H(m.Key) + " " + Num(m.Value.Value)))).Append("</td></tr>");
        }
        sb.Append("</tbody></table>");
    }

    private static void ChartControls(StringBuilder sb, Page page, string action, IReadOnlyList<string> overlay)
    {
        sb.Append("<div class=\"chart-controls\"><label for=\"chart-x\">X axis</label> <select id=\"chart-x\" name=\"x\"><option value=\"step\">Step</option><option value=\"time\">Time</option></select> ")
          .Append("<label for=\"chart-smoothing\">Smoothing</label> <input id=\"chart-smoothing\" type=\"range\" min=\"0\" max=\"0.99\" step=\"0.01\" value=\"0\"> <output for=\"chart-smoothing\" id=\"chart-smoothing-value\">0</output>");
        if (action.Length > 0)
        {
            sb.Append("<form method=\"get\" class=\"overlay\" action=\"").Append(page.Link(action)).Append("\"><label for=\"overlay-runs\">Overlay runs (ids, comma-separated)</label> <input id=\"overlay-runs\" name=\"with\" size=\"40\" value=\"")
              .Append(H(string.Join(",", overlay))).Append("\"> <button type=\"submit\">Overlay</button></form>");
        }
        sb.Append("</div>");
    }

    /// <summary>One chart per metric: a <c>role="img"</c> container the script fills (uPlot), named by its metric.</summary>
    private static void Charts(StringBuilder sb, IEnumerable<string> keys, IReadOnlyList<string> runIds, string whose)
    {
        sb.Append("<div class=\"charts\">");
        foreach (var key in keys)
        {
            sb.Append("<figure class=\"chart-figure\"><div class=\"chart\" role=\"img\" aria-label=\"Chart of metric ").Append(H(key)).Append(" for ").Append(H(whose)).Append("\" data-metric=\"").Append(H(key))
              .Append("\" data-runs=\"").Append(H(string.Join(",", runIds))).Append("\"></div><figcaption>").Append(H(key)).Append("</figcaption></figure>");
        }
        sb.Append("</div>");
    }

    internal static void AppendRunTable(StringBuilder sb, string name, RunTable table)
    {
        const int MaxRows = 200;
        sb.Append("<table class=\"logged-table\"><caption>").Append(H(name)).Append(table.Rows.Count > MaxRows ? $" (first {MaxRows} of {table.Rows.Count} rows)" : string.Empty).Append("</caption><thead><tr>");
        foreach (var c in table.Columns)
        {
            sb.Append("<th scope=\"col\">").Append(H(c)).Append("</th>");
        }
        sb.Append("</tr></thead><tbody>");
        foreach (var row in table.Rows.Take(MaxRows))
        {
            sb.Append("<tr>");
            foreach (var cell in row)
            {
                sb.Append("<td>").Append(cell switch
                {
                    null => string.Empty,
                    double d => Num(d),
                    float f => Num(f),
                    IFormattable fm => H(fm.ToString(null, CultureInfo.InvariantCulture)),
                    _ => H(cell.ToString()),
                }).Append("</td>");
            }
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table>");
    }

    private static string ArtifactLink(Page page, string runId, string path) =>
        page.Link("/runs/" + Uri.EscapeDataString(runId) + "/artifacts?path=" + Uri.EscapeDataString(path));

    /// <summary>Artifact paths as nested lists (folders open as &lt;details&gt;).</summary>
    private static void AppendTree(StringBuilder sb, Page page, string runId, IReadOnlyList<string> files)
    {
        void Level(IEnumerable<string> paths, string prefix, int depth)
        {
            sb.Append(depth == 0 ? "<ul class=\"tree\" aria-label=\"Artifact tree\">" : "<ul>");
            var groups = paths.GroupBy(p =>
            {
                var rest = p[prefix.Length..];
                var slash = rest.IndexOf('/', StringComparison.Ordinal);
                return slash < 0 ? (Name: rest, Folder: false) : (Name: rest[..slash], Folder: true);
            }).OrderBy(g => g.Key.Folder ? 0 : 1).ThenBy(g => g.Key.Name, StringComparer.Ordinal);
            foreach (var g in groups)
            {
                if (g.Key.Folder)
                {
                    sb.Append("<li><details").Append(depth == 0 && g.Count() <= 20 ? " open" : string.Empty).Append("><summary>").Append(H(g.Key.Name)).Append("/</summary>");
                    Level(g, prefix + g.Key.Name + "/", depth + 1);
                    sb.Append("</details></li>");
                }
                else
                {
                    foreach (var file in g)
                    {
                        sb.Append("<li><a href=\"").Append(ArtifactLink(page, runId, file)).Append("\">").Append(H(g.Key.Name)).Append("</a></li>");
                    }
                }
            }
            sb.Append("</ul>");
        }
        Level(files, string.Empty, 0);
    }

    /// <summary><c>/runs/{id}/artifacts?path=p</c>: a preview of one artifact (image, JSON, text; otherwise its size and a download link).</summary>
    public static async Task ArtifactAsync(HttpContext context, StudioContext studio)
    {
        var ws = studio.Workspace(context);
        var run = await ws.GetRunAsync(Respond.Route(context, "id"), context.RequestAborted).ConfigureAwait(false);
        var path = context.Request.Query["path"].ToString();
        using var file = await ArtifactFile.DownloadAsync(run, path, context.RequestAborted).ConfigureAwait(false);
        var page = new Page(studio, context, path);
        var sb = page.Body;
        var raw = page.Link("/api/runs/" + Uri.EscapeDataString(run.Id) + "/artifact?path=" + Uri.EscapeDataString(path));
        var length = file.Length;
        sb.Append("<p>Artifact of run <a href=\"").Append(page.Link("/runs/" + Uri.EscapeDataString(run.Id))).Append("\">").Append(H(string.IsNullOrEmpty(run.DisplayName) ? run.Id : run.DisplayName)).Append("</a>, ")
          .Append(length.ToString("N0", CultureInfo.InvariantCulture)).Append(" bytes. <a href=\"").Append(raw).Append("&amp;download=1\" download>Download</a></p>");
        if (StudioApi.InlineImageType(path) is not null)
        {
            sb.Append("<img class=\"preview\" src=\"").Append(raw).Append("\" alt=\"").Append(H(path)).Append("\">");
        }
        else
        {
            var head = file.ReadHead(PreviewBytes);
            if (!ArtifactFile.LooksLikeText(head))
            {
                sb.Append("<p class=\"empty\">Binary file: no preview.</p>");
            }
            else
            {
                var text = Encoding.UTF8.GetString(head);
                if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && length <= PreviewBytes)
                {
                    try
                    {
                        using var doc = JsonDocument.Parse(text);
                        text = JsonSerializer.Serialize(doc.RootElement, IndentedJson);
                    }
                    catch (JsonException)
                    {
                        // Not valid JSON: shown as it is.
                    }
                }
                sb.Append("<pre class=\"preview\" id=\"artifact-preview\">").Append(H(text)).Append("</pre>");
                if (length > PreviewBytes)
                {
                    sb.Append("<p>(first ").Append(PreviewBytes.ToString("N0", CultureInfo.InvariantCulture)).Append(" bytes shown)</p>");
                }
            }
        }
        await Respond.PageAsync(context, page).ConfigureAwait(false);
    }

    private static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary><c>/compare?runs=A&amp;runs=B</c>: the runs side by side — params (differences marked), latest metrics, overlaid charts.</summary>
    public static async Task CompareAsync(HttpContext context, StudioContext studio)
    {
        var ws = studio.Workspace(context);
        var ids = context.Request.Query["runs"].SelectMany(v => (v ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct(StringComparer.Ordinal).ToList();
        if (ids.Count < 2)
        {
            throw new InvalidInputException("Select at least two runs to compare.");
        }
        if (ids.Count > 50)
        {
            throw new InvalidInputException($"At most 50 runs can be compared; got {ids.Count}.");
        }
        var runs = new List<Run>();
        foreach (var id in ids)
        {
            runs.Add(await ws.GetRunAsync(id, context.RequestAborted).ConfigureAwait(false));
        }
        string Label(Run r) => string.IsNullOrEmpty(r.DisplayName) ? r.Id : r.DisplayName;
        var page = new Page(studio, context, $"Compare {runs.Count} runs") { Charts = true };
        var sb = page.Body;
        RunList(sb, page, runs, "Runs compared");

        var onlyDiff = context.Request.Query["only"] == "diff";
        var paramKeys = runs.SelectMany(r => r.Params.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        sb.Append("<section><h2>Params</h2><p><a href=\"").Append(page.Link("/compare?" + string.Join('&', ids.Select(i => "runs=" + Uri.EscapeDataString(i))) + (onlyDiff ? string.Empty : "&only=diff")))
          .Append("\">").Append(onlyDiff ? "Show all params" : "Show only params that differ").Append("</a></p>");
        sb.Append("<table id=\"params-diff\"><caption>Params of the compared runs").Append(onlyDiff ? " (only those that differ)" : string.Empty).Append("</caption><thead><tr><th scope=\"col\">Param</th>");
        foreach (var r in runs)
        {
            sb.Append("<th scope=\"col\">").Append(H(Label(r))).Append("</th>");
        }
        sb.Append("</tr></thead><tbody>");
        foreach (var key in paramKeys)
        {
            var values = runs.Select(r => r.Params.TryGetValue(key, out var v) ? v : null).ToList();
            var differs = values.Distinct(StringComparer.Ordinal).Count() > 1;
            if (onlyDiff && !differs)
            {
                continue;
            }
            sb.Append("<tr").Append(differs ? " class=\"differs\"" : string.Empty).Append("><th scope=\"row\">").Append(H(key)).Append(differs ? " <span class=\"badge\">differs</span>" : string.Empty).Append("</th>");
            foreach (var v in values)
            {
                sb.Append("<td>").Append(v is null ? "<span class=\"missing\">—</span>" : H(v)).Append("</td>");
            }
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table></section>");

        var metricKeys = runs.SelectMany(r => r.LatestMetrics.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        sb.Append("<section><h2>Metrics</h2><table id=\"metrics-compare\"><caption>Latest metric values of the compared runs</caption><thead><tr><th scope=\"col\">Metric</th>");
        foreach (var r in runs)
        {
            sb.Append("<th scope=\"col\">").Append(H(Label(r))).Append("</th>");
        }
        sb.Append("</tr></thead><tbody>");
        foreach (var key in metricKeys)
        {
            sb.Append("<tr><th scope=\"row\">").Append(H(key)).Append("</th>");
            foreach (var r in runs)
            {
                sb.Append("<td>").Append(r.LatestMetrics.TryGetValue(key, out var m) ? Num(m.Value) : "<span class=\"missing\">—</span>").Append("</td>");
            }
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table>");
        if (metricKeys.Count > 0)
        {
            ChartControls(sb, page, string.Empty, []);
            Charts(sb, metricKeys, ids, string.Join(", ", runs.Select(Label)));
        }
        sb.Append("</section>");
        SweepCharts.Append(sb, runs, context.Request.Query["metric"].ToString());
        await Respond.PageAsync(context, page).ConfigureAwait(false);
    }
}
