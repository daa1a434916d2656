using System.Text;
using Microsoft.AspNetCore.Http;
using static AzureMlSdk.Studio.Internal.Html;

namespace AzureMlSdk.Studio.Internal;

/// <summary>
/// The designer (<c>/designer</c>): a palette of the registered components (name, version, typed inputs and outputs), a canvas to drop
/// them on and wire outputs to inputs (drag a port, or pick each input's source from a list), pipeline inputs and settings, then Submit
/// (a form POST with the anti-forgery token) — the server builds the <see cref="PipelineJob"/> the equivalent YAML gives, submits it
/// and redirects to the job's page — or Export YAML. Problems (cycles, unconnected required inputs, type mismatches) are listed on the
/// page and nothing is submitted. The canvas is drawn by <c>designer.js</c>; everything from the workspace is escaped here and set as
/// text there.
/// </summary>
internal static class DesignerPages
{
    public static Task PageAsync(HttpContext context, StudioContext studio) => RenderAsync(context, studio, null, [], StatusCodes.Status200OK);

    /// <summary><c>POST /designer</c> (form: <c>graph</c> JSON, anti-forgery token): submits the pipeline, or shows the page again with its problems.</summary>
    public static async Task SubmitAsync(HttpContext context, StudioContext studio)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var json = form["graph"].ToString();
        if (json.Length > DesignerApi.MaxBody)
        {
            throw new InvalidInputException($"The designer's pipeline is larger than {DesignerApi.MaxBody / 1024} KB.");
        }
        var graph = DesignerGraph.Parse(json.Length == 0 ? "{}" : json);
        var ws = studio.Workspace(context);
        var (pipeline, problems) = await DesignerApi.BuildAsync(ws, graph, context.RequestAborted).ConfigureAwait(false);
        if (pipeline is null)
        {
            await RenderAsync(context, studio, graph, problems, StatusCodes.Status422UnprocessableEntity).ConfigureAwait(false);
            return;
        }
        Job job;
        try
        {
            job = await ws.Jobs.CreateOrUpdateAsync(pipeline, cancellationToken: context.RequestAborted).ConfigureAwait(false);
        }
        catch (AzureMlException e) when (e is InvalidInputException or ResourceNotFoundException or AzureMlNotSupportedException)
        {
            await RenderAsync(context, studio, graph, [new DesignerProblem(null, null, "The workspace refused the pipeline: " + e.Message)], StatusCodes.Status422UnprocessableEntity).ConfigureAwait(false);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        context.Response.Headers.Location = context.Request.PathBase + "/jobs/" + Uri.EscapeDataString(job.Name);
    }

    private static async Task RenderAsync(HttpContext context, StudioContext studio, DesignerGraph? graph, IReadOnlyList<DesignerProblem> problems, int status)
    {
        var ws = studio.Workspace(context);
        var components = await DesignerApi.ListComponentsAsync(ws, context.RequestAborted).ConfigureAwait(false);
        var computes = await DesignerApi.ListComputesAsync(ws, context.RequestAborted).ConfigureAwait(false);
        var page = new Page(studio, context, "Designer");
        page.MainAttributes = " class=\"designer-main\"";
        var sb = page.Body;
        var b = page.Link(string.Empty);
        // designer.js and its styles load only here (the shared layout stays as it is).
        sb.Append("<link rel=\"stylesheet\" href=\"").Append(b).Append("/static/designer.css\">")
          .Append("<script defer src=\"").Append(b).Append("/static/designer.js\"></script>");
        sb.Append("<p class=\"intro\">Compose a pipeline from registered components: drag a component onto the canvas (or press its <em>Add step</em> button), ")
          .Append("connect an output port to an input port (or choose each input's source), set values and pipeline inputs, then submit. ")
          .Append("It builds the same pipeline job as the equivalent YAML, which <em>Export YAML</em> shows.</p>");

        sb.Append("<div id=\"designer\" class=\"designer\"");
        if (graph is not null)
        {
            sb.Append(" data-graph=\"").Append(H(graph.ToJson().ToJsonString())).Append('"');
        }
        sb.Append('>');

        Palette(sb, components);

        sb.Append("<section class=\"designer-canvas\" aria-labelledby=\"canvas-h\"><h2 id=\"canvas-h\">Pipeline</h2>")
          .Append("<div id=\"canvas\" class=\"canvas\" role=\"region\" aria-label=\"Pipeline canvas (drop components here)\" tabindex=\"-1\">")
          .Append("<svg id=\"edges\" class=\"edges\" aria-hidden=\"true\" focusable=\"false\"></svg>")
          .Append("<p id=\"canvas-empty\" class=\"empty\">Drop a component here, or press a component's <em>Add step</em> button.</p></div>")
          .Append("<p id=\"edges-list\" class=\"sr\" aria-live=\"polite\"></p></section>");

        sb.Append("<form id=\"designer-form\" class=\"designer-form\" method=\"post\" action=\"").Append(page.Link("/designer")).Append("\">")
          .Append(page.CsrfField)
          .Append("<input type=\"hidden\" name=\"graph\" id=\"designer-graph\">");
        Settings(sb, graph, computes);
        sb.Append("<fieldset><legend>Pipeline inputs</legend>")
          .Append("<table id=\"pipeline-inputs\"><caption class=\"sr\">Pipeline inputs</caption><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Type</th><th scope=\"col\">Value or data path</th><th scope=\"col\">Actions</th></tr></thead><tbody></tbody></table>")
          .Append("<button type=\"button\" id=\"add-input\">Add pipeline input</button></fieldset>");

        sb.Append("<div id=\"designer-problems\" class=\"problems\" role=\"alert\" aria-live=\"polite\">");
        if (problems.Count > 0)
        {
            sb.Append("<h2>Problems</h2><ul>");
            foreach (var p in problems)
            {
                sb.Append("<li").Append(p.Step is null ? string.Empty : " data-step=\"" + H(p.Step) + "\"").Append('>').Append(H(p.Message)).Append("</li>");
            }
            sb.Append("</ul><p>Nothing was submitted.</p>");
        }
        sb.Append("</div>");
        sb.Append("<p class=\"actions\"><button type=\"submit\" id=\"designer-submit\">Submit</button> ")
          .Append("<button type=\"button\" id=\"export-yaml\">Export YAML</button></p></form>");

        sb.Append("<section id=\"yaml-section\" class=\"yaml\" hidden aria-labelledby=\"yaml-h\"><h2 id=\"yaml-h\">Pipeline YAML</h2>")
          .Append("<pre id=\"designer-yaml\" tabindex=\"0\"></pre><p><a id=\"yaml-download\" download=\"pipeline.yml\" href=\"#\">Download pipeline.yml</a></p></section>");
        sb.Append("</div>");
        await Respond.PageAsync(context, page, status).ConfigureAwait(false);
    }

    private static void Palette(StringBuilder sb, List<CommandComponent> components)
    {
        sb.Append("<section id=\"palette\" class=\"palette\" aria-labelledby=\"palette-h\"><h2 id=\"palette-h\">Components</h2>");
        if (components.Count == 0)
        {
            sb.Append("<p class=\"empty\">No components are registered: register one with <code>azml component create -f component.yml</code> or <code>ws.Components.CreateOrUpdateAsync</code>.</p></section>");
            return;
        }
        sb.Append("<ul>");
        foreach (var c in components)
        {
            var label = c.DisplayName is { Length: > 0 } d && d != c.Name ? d + " (" + c.Name + ")" : c.Name;
            sb.Append("<li class=\"component\" draggable=\"true\" data-component=\"").Append(H(c.Name)).Append("\" data-version=\"").Append(H(c.Version)).Append("\">")
              .Append("<h3><span class=\"component-name\">").Append(H(label)).Append("</span> <span class=\"version\">v").Append(H(c.Version)).Append("</span></h3>");
            if (c.Description is { Length: > 0 } description)
            {
                sb.Append("<p class=\"description\">").Append(H(description)).Append("</p>");
            }
            sb.Append("<table class=\"io\"><caption class=\"sr\">Inputs and outputs of ").Append(H(c.Name)).Append("</caption><thead><tr><th scope=\"col\">Port</th><th scope=\"col\">Name</th><th scope=\"col\">Type</th></tr></thead><tbody>");
            foreach (var (name, i) in c.Inputs)
            {
                sb.Append("<tr><td>in</td><th scope=\"row\">").Append(H(name)).Append("</th><td>").Append(H(DesignerGraph.TypeName(i.Type)))
                  .Append(i.Optional ? " (optional)" : i.Default is not null ? " = " + H(DesignerApi.LiteralText(i.Default)) : string.Empty).Append("</td></tr>");
            }
            foreach (var (name, o) in c.Outputs)
            {
                sb.Append("<tr><td>out</td><th scope=\"row\">").Append(H(name)).Append("</th><td>").Append(H(DesignerGraph.TypeName(o.Type))).Append("</td></tr>");
            }
            sb.Append("</tbody></table><p class=\"palette-actions\"><label>Version <select class=\"version-select\" aria-label=\"Version of ").Append(H(c.Name)).Append("\">")
              .Append("<option value=\"").Append(H(c.Version)).Append("\" selected>").Append(H(c.Version)).Append(" (latest)</option></select></label> ")
              .Append("<button type=\"button\" class=\"add-step\" aria-label=\"Add step ").Append(H(c.Name)).Append("\">Add step</button></p></li>");
        }
        sb.Append("</ul></section>");
    }

    private static void Settings(StringBuilder sb, DesignerGraph? graph, IReadOnlyList<string> computes)
    {
        sb.Append("<fieldset class=\"settings\"><legend>Pipeline</legend>")
          .Append("<label>Display name <input id=\"pipeline-display-name\" value=\"").Append(H(graph?.DisplayName)).Append("\"></label>")
          .Append("<label>Experiment <input id=\"pipeline-experiment\" value=\"").Append(H(graph?.ExperimentName)).Append("\" placeholder=\"Default\"></label>")
          .Append("<label>Description <input id=\"pipeline-description\" value=\"").Append(H(graph?.Description)).Append("\"></label>")
          .Append("<label>Default compute <select id=\"pipeline-compute\"><option value=\"\">Workspace default</option>");
        var chosen = graph?.DefaultCompute;
        foreach (var c in computes.Concat(chosen is not null && !computes.Contains(chosen) ? [chosen] : []))
        {
            sb.Append("<option value=\"").Append(H(c)).Append('"').Append(c == chosen ? " selected" : string.Empty).Append('>').Append(H(c)).Append("</option>");
        }
        sb.Append("</select></label>")
          .Append("<label><input type=\"checkbox\" id=\"pipeline-continue\"").Append(graph?.ContinueOnStepFailure == true ? " checked" : string.Empty).Append("> Continue on step failure</label>")
          .Append("<label><input type=\"checkbox\" id=\"pipeline-force-rerun\"").Append(graph?.ForceRerun == true ? " checked" : string.Empty).Append("> Force rerun (no reuse)</label>")
          .Append("</fieldset>");
    }
}
