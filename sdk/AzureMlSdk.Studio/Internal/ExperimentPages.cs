using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using static AzureMlSdk.Studio.Internal.Html;

namespace AzureMlSdk.Studio.Internal;

/// <summary>The experiments list and an experiment's runs table (sortable, MLflow filter, chosen columns, multi-select → compare).</summary>
internal static class ExperimentPages
{
    public static async Task ListAsync(HttpContext context, StudioContext studio)
    {
        var ws = studio.Workspace(context);
        var archived = context.Request.Query["archived"] == "1";
        var page = new Page(studio, context, "Experiments");
        var sb = page.Body;
        sb.Append("<p><a href=\"").Append(page.Link(archived ? "/experiments" : "/experiments?archived=1")).Append("\">")
          .Append(archived ? "Hide archived experiments" : "Show archived experiments").Append("</a></p>");
        sb.Append("<table><caption>Experiments of this workspace</caption><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Id</th><th scope=\"col\">Created</th><th scope=\"col\">Tags</th><th scope=\"col\">State</th></tr></thead><tbody>");
        var count = 0;
        await foreach (var e in ws.ListExperimentsAsync(archived, context.RequestAborted).ConfigureAwait(false))
        {
            count++;
            sb.Append("<tr><th scope=\"row\"><a href=\"").Append(page.Link("/experiments/" + Uri.EscapeDataString(e.Name))).Append("\">").Append(H(e.Name)).Append("</a></th><td>")
              .Append(H(e.Id)).Append("</td><td>").Append(Time(e.CreationTime)).Append("</td><td>");
            AppendTags(sb, e.Tags);
            sb.Append("</td><td>").Append(e.IsArchived ? "archived" : "active").Append("</td></tr>");
        }
        sb.Append("</tbody></table>");
        if (count == 0)
        {
            sb.Append("<p class=\"empty\">No experiments yet: start a run with <code>exp.StartLoggingAsync()</code>.</p>");
        }
        await Respond.PageAsync(context, page).ConfigureAwait(false);
    }

    internal static void AppendTags(StringBuilder sb, IReadOnlyDictionary<string, string> tags)
    {
        foreach (var (k, v) in tags.Where(t => !t.Key.StartsWith("mlflow.", StringComparison.Ordinal)).OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            sb.Append("<span class=\"tag\">").Append(H(k)).Append(v.Length > 0 ? ": " + H(v) : string.Empty).Append("</span> ");
        }
    }

    /// <summary>An MLflow search key for a param/metric name: backquoted unless it is a plain identifier.</summary>
    internal static string SearchKey(string kind, string name) =>
        name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.') ? $"{kind}.{name}" : $"{kind}.`{name}`";

    public static async Task RunsAsync(HttpContext context, StudioContext studio)
    {
        var ws = studio.Workspace(context);
        var name = Respond.Route(context, "name");
        var experiment = await ws.GetExperimentAsync(name, context.RequestAborted).ConfigureAwait(false);
        var q = context.Request.Query;
        var filter = q["filter"].ToString().Trim();
        var order = q["order"].ToString().Trim();
        var pageNo = int.TryParse(q["page"], NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p > 0 ? p : 1;
        var size = studio.Options.RunsPageSize;
        var chosen = q.ContainsKey("cols") || q.ContainsKey("colsset") ? q["cols"].Where(c => !string.IsNullOrEmpty(c)).Select(c => c!).Distinct(StringComparer.Ordinal).ToList() : null;

        var page = new Page(studio, context, "Runs of " + experiment.Name);
        var sb = page.Body;
        var runs = new List<Run>(size + 1);
        string? error = null;
        try
        {
            var skip = (pageNo - 1) * size;
            var index = 0;
            await foreach (var run in experiment.GetRunsAsync(filter.Length == 0 ? null : filter, order.Length == 0 ? null : order, skip + size + 1, context.RequestAborted).ConfigureAwait(false))
            {
                if (index++ >= skip)
                {
                    runs.Add(run);
                }
            }
        }
        catch (InvalidInputException ex)
        {
            error = ex.Message;
        }
        var hasNext = runs.Count > size;
        if (hasNext)
        {
            runs.RemoveAt(runs.Count - 1);
        }

        // Columns: what the user chose, else the first few params and metrics of the runs shown.
        var paramKeys = runs.SelectMany(r => r.Params.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var metricKeys = runs.SelectMany(r => r.LatestMetrics.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var columns = chosen ?? [.. paramKeys.Take(3).Select(k => "params." + k), .. metricKeys.Take(4).Select(k => "metrics." + k)];

        string Url(string? newOrder = null, int? newPage = null, bool keepCols = true)
        {
            var parts = new List<string>();
            if (filter.Length > 0)
            {
                parts.Add("filter=" + Uri.EscapeDataString(filter));
            }
            var o = newOrder ?? order;
            if (o.Length > 0)
            {
                parts.Add("order=" + Uri.EscapeDataString(o));
            }
            if (keepCols && chosen is not null)
            {
                parts.Add("colsset=1");
                parts.AddRange(chosen.Select(c => "cols=" + Uri.EscapeDataString(c)));
            }
            if (newPage is { } np && np > 1)
            {
                parts.Add("page=" + np.ToString(CultureInfo.InvariantCulture));
            }
            return "/experiments/" + Uri.EscapeDataString(experiment.Name) + (parts.Count > 0 ? "?" + string.Join('&', parts) : string.Empty);
        }

        sb.Append("<form class=\"filter\" method=\"get\" role=\"search\" action=\"").Append(page.Link("/experiments/" + Uri.EscapeDataString(experiment.Name))).Append("\">")
          .Append("<label for=\"filter\">Filter (MLflow syntax)</label> <input id=\"filter\" name=\"filter\" type=\"search\" size=\"60\" placeholder=\"metrics.accuracy &gt; 0.9 and params.lr = '0.01'\" value=\"").Append(H(filter)).Append("\"> ")
          .Append("<label for=\"order\">Order by</label> <input id=\"order\" name=\"order\" size=\"28\" placeholder=\"metrics.loss ASC\" value=\"").Append(H(order)).Append("\"> ");
        if (chosen is not null)
        {
            sb.Append("<input type=\"hidden\" name=\"colsset\" value=\"1\">");
            foreach (var c in chosen)
            {
                sb.Append("<input type=\"hidden\" name=\"cols\" value=\"").Append(H(c)).Append("\">");
            }
        }
        sb.Append("<button type=\"submit\">Search</button></form>");
        if (error is not null)
        {
            sb.Append("<p role=\"alert\" class=\"error\">").Append(H(error)).Append("</p>");
            context.Response.StatusCode = 400;
        }

        // Column chooser.
        sb.Append("<details class=\"columns\"><summary>Columns</summary><form method=\"get\" action=\"").Append(page.Link("/experiments/" + Uri.EscapeDataString(experiment.Name))).Append("\">")
          .Append("<input type=\"hidden\" name=\"colsset\" value=\"1\">");
        if (filter.Length > 0)
        {
            sb.Append("<input type=\"hidden\" name=\"filter\" value=\"").Append(H(filter)).Append("\">");
        }
        if (order.Length > 0)
        {
            sb.Append("<input type=\"hidden\" name=\"order\" value=\"").Append(H(order)).Append("\">");
        }
        void Choice(string col, string label)
        {
            var id = "col-" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(col)))[..12];
            sb.Append("<label for=\"").Append(id).Append("\"><input type=\"checkbox\" id=\"").Append(id).Append("\" name=\"cols\" value=\"").Append(H(col)).Append('"')
              .Append(columns.Contains(col) ? " checked" : string.Empty).Append("> ").Append(H(label)).Append("</label> ");
        }
        sb.Append("<fieldset><legend>Params</legend>");
        foreach (var k in paramKeys)
        {
            Choice("params." + k, k);
        }
        sb.Append("</fieldset><fieldset><legend>Metrics</legend>");
        foreach (var k in metricKeys)
        {
            Choice("metrics." + k, k);
        }
        sb.Append("</fieldset><button type=\"submit\">Show columns</button></form></details>");

        // The table, inside the compare form.
        sb.Append("<form method=\"get\" action=\"").Append(page.Link("/compare")).Append("\" id=\"runs-form\">")
          .Append("<p><button type=\"submit\" id=\"compare-button\">Compare selected runs</button></p>")
          .Append("<table id=\"runs\" class=\"runs\"><caption>Runs of experiment ").Append(H(experiment.Name))
          .Append(pageNo > 1 ? $", page {pageNo}" : string.Empty).Append("</caption><thead><tr><th scope=\"col\"><span class=\"sr\">Select</span></th>");
        void Header(string label, string key)
        {
            var current = order.StartsWith(key, StringComparison.Ordinal) ? (order.EndsWith(" DESC", StringComparison.OrdinalIgnoreCase) ? "descending" : "ascending") : null;
            var next = current == "ascending" ? key + " DESC" : key + " ASC";
            sb.Append("<th scope=\"col\"").Append(current is null ? string.Empty : $" aria-sort=\"{current}\"").Append("><a href=\"").Append(page.Link(Url(next))).Append("\">").Append(H(label))
              .Append(current == "ascending" ? " ▲" : current == "descending" ? " ▼" : string.Empty).Append("</a></th>");
        }
        Header("Run", "attributes.run_name");
        Header("Status", "attributes.status");
        Header("Started", "attributes.start_time");
        sb.Append("<th scope=\"col\">Duration</th>");
        foreach (var col in columns)
        {
            var dot = col.IndexOf('.', StringComparison.Ordinal);
            var kind = dot > 0 ? col[..dot] : "params";
            var key = dot > 0 ? col[(dot + 1)..] : col;
            Header(key, SearchKey(kind, key));
        }
        sb.Append("</tr></thead><tbody>");
        foreach (var run in runs)
        {
            var label = string.IsNullOrEmpty(run.DisplayName) ? run.Id : run.DisplayName;
            sb.Append("<tr><td><input type=\"checkbox\" name=\"runs\" value=\"").Append(H(run.Id)).Append("\" aria-label=\"Select run ").Append(H(label)).Append("\"></td>")
              .Append("<th scope=\"row\"><a href=\"").Append(page.Link("/runs/" + Uri.EscapeDataString(run.Id))).Append("\">").Append(H(label)).Append("</a>")
              .Append(run.ParentRunId is null ? string.Empty : " <span class=\"child\">(child)</span>").Append("</th>")
              .Append("<td class=\"status s-").Append(H(run.Status.ToString().ToLowerInvariant())).Append("\">").Append(H(run.Status.ToString())).Append("</td><td>")
              .Append(Time(run.StartTime)).Append("</td><td>").Append(Duration(run.EndTime is { } end ? end - run.StartTime : null)).Append("</td>");
            foreach (var col in columns)
            {
                sb.Append("<td>");
                if (col.StartsWith("params.", StringComparison.Ordinal))
                {
                    sb.Append(H(run.Params.TryGetValue(col[7..], out var v) ? v : string.Empty));
                }
                else if (col.StartsWith("metrics.", StringComparison.Ordinal))
                {
                    sb.Append(run.LatestMetrics.TryGetValue(col[8..], out var m) ? Num(m.Value) : string.Empty);
                }
                else if (col.StartsWith("tags.", StringComparison.Ordinal))
                {
                    sb.Append(H(run.Tags.TryGetValue(col[5..], out var t) ? t : string.Empty));
                }
                sb.Append("</td>");
            }
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table></form>");
        if (runs.Count == 0 && error is null)
        {
            sb.Append("<p class=\"empty\">No runs").Append(filter.Length > 0 ? " match this filter" : string.Empty).Append(".</p>");
        }
        sb.Append("<nav aria-label=\"Pages\" class=\"pager\">");
        if (pageNo > 1)
        {
            sb.Append("<a rel=\"prev\" href=\"").Append(page.Link(Url(newPage: pageNo - 1))).Append("\">Previous page</a> ");
        }
        sb.Append("<span>Page ").Append(pageNo.ToString(CultureInfo.InvariantCulture)).Append("</span>");
        if (hasNext)
        {
            sb.Append(" <a rel=\"next\" href=\"").Append(page.Link(Url(newPage: pageNo + 1))).Append("\">Next page</a>");
        }
        sb.Append("</nav>");
        await Respond.PageAsync(context, page, context.Response.StatusCode).ConfigureAwait(false);
    }
}
