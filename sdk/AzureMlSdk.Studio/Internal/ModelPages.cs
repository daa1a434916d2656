using System.Globalization;
using System.IO.Compression;
using Microsoft.AspNetCore.Http;
using static AzureMlSdk.Studio.Internal.Html;

namespace AzureMlSdk.Studio.Internal;

/// <summary>The model registry: models, a model's versions, a version (aliases, tags, files, the run that made it, download).</summary>
internal static class ModelPages
{
    public static async Task ListAsync(HttpContext context, StudioContext studio)
    {
        var ws = studio.Workspace(context);
        var versions = new List<Model>();
        await foreach (var m in ws.ListModelsAsync(null, null, context.RequestAborted).ConfigureAwait(false))
        {
            versions.Add(m);
        }
        var page = new Page(studio, context, "Models");
        var sb = page.Body;
        sb.Append("<table id=\"models\"><caption>Registered models</caption><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Latest version</th><th scope=\"col\">Versions</th><th scope=\"col\">Aliases</th><th scope=\"col\">Framework</th><th scope=\"col\">Registered</th></tr></thead><tbody>");
        foreach (var g in versions.GroupBy(v => v.Name, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var latest = g.MaxBy(v => v.Version)!;
            sb.Append("<tr><th scope=\"row\"><a href=\"").Append(page.Link("/models/" + Uri.EscapeDataString(g.Key))).Append("\">").Append(H(g.Key)).Append("</a></th><td>")
              .Append(latest.Version.ToString(CultureInfo.InvariantCulture)).Append("</td><td>").Append(g.Count().ToString(CultureInfo.InvariantCulture)).Append("</td><td>")
              .Append(string.Join(", ", g.SelectMany(v => v.Aliases.Select(a => $"{H(a)} → v{v.Version.ToString(CultureInfo.InvariantCulture)}")))).Append("</td><td>")
              .Append(H(latest.Framework.ToString())).Append("</td><td>").Append(Time(latest.CreatedAt)).Append("</td></tr>");
        }
        sb.Append("</tbody></table>");
        if (versions.Count == 0)
        {
            sb.Append("<p class=\"empty\">No models registered: <code>run.RegisterModelAsync(name, \"outputs/model.onnx\")</code> registers one.</p>");
        }
        await Respond.PageAsync(context, page).ConfigureAwait(false);
    }

    public static async Task VersionsAsync(HttpContext context, StudioContext studio)
    {
        var ws = studio.Workspace(context);
        var name = Respond.Route(context, "name");
        var versions = new List<Model>();
        await foreach (var m in ws.ListModelsAsync(name, null, context.RequestAborted).ConfigureAwait(false))
        {
            versions.Add(m);
        }
        if (versions.Count == 0)
        {
            throw new ResourceNotFoundException($"No model named '{name}'.");
        }
        var page = new Page(studio, context, "Model " + name);
        var sb = page.Body;
        sb.Append("<table id=\"versions\"><caption>Versions of ").Append(H(name)).Append("</caption><thead><tr><th scope=\"col\">Version</th><th scope=\"col\">Aliases</th><th scope=\"col\">Tags</th><th scope=\"col\">Source run</th><th scope=\"col\">Stage</th><th scope=\"col\">Registered</th></tr></thead><tbody>");
        foreach (var v in versions.OrderByDescending(v => v.Version))
        {
            sb.Append("<tr><th scope=\"row\"><a href=\"").Append(page.Link(VersionPath(v))).Append("\">Version ").Append(v.Version.ToString(CultureInfo.InvariantCulture)).Append("</a></th><td>")
              .Append(string.Join(", ", v.Aliases.Select(H))).Append("</td><td>");
            ExperimentPages.AppendTags(sb, v.Tags);
            sb.Append("</td><td>");
            RunLink(sb, page, v.RunId);
            sb.Append("</td><td>").Append(H(v.Stage)).Append("</td><td>").Append(Time(v.CreatedAt)).Append("</td></tr>");
        }
        sb.Append("</tbody></table>");
        await Respond.PageAsync(context, page).ConfigureAwait(false);
    }

    private static string VersionPath(Model m) => "/models/" + Uri.EscapeDataString(m.Name) + "/versions/" + m.Version.ToString(CultureInfo.InvariantCulture);

    private static void RunLink(System.Text.StringBuilder sb, Page page, string? runId)
    {
        if (runId is not null)
        {
            sb.Append("<a href=\"").Append(page.Link("/runs/" + Uri.EscapeDataString(runId))).Append("\">").Append(H(runId)).Append("</a>");
        }
        else
        {
            sb.Append('—');
        }
    }

    private static async Task<Model> GetAsync(HttpContext context, StudioContext studio)
    {
        var version = int.Parse(Respond.Route(context, "version"), NumberStyles.None, CultureInfo.InvariantCulture);
        return await studio.Workspace(context).GetModelAsync(Respond.Route(context, "name"), version, null, context.RequestAborted).ConfigureAwait(false);
    }

    public static async Task DetailAsync(HttpContext context, StudioContext studio)
    {
        var model = await GetAsync(context, studio).ConfigureAwait(false);
        var page = new Page(studio, context, $"Model {model.Name} version {model.Version.ToString(CultureInfo.InvariantCulture)}");
        var sb = page.Body;
        var notice = context.Request.Query["done"].ToString();
        if (notice.Length > 0)
        {
            sb.Append("<p role=\"status\" class=\"notice\">").Append(H(notice)).Append("</p>");
        }
        sb.Append("<dl class=\"summary\"><dt>Name</dt><dd><a href=\"").Append(page.Link("/models/" + Uri.EscapeDataString(model.Name))).Append("\">").Append(H(model.Name)).Append("</a></dd>")
          .Append("<dt>Version</dt><dd>").Append(model.Version.ToString(CultureInfo.InvariantCulture)).Append("</dd>")
          .Append("<dt>Aliases</dt><dd id=\"model-aliases\">").Append(model.Aliases.Count == 0 ? "—" : string.Join(", ", model.Aliases.Select(H))).Append("</dd>")
          .Append("<dt>Description</dt><dd>").Append(string.IsNullOrEmpty(model.Description) ? "—" : H(model.Description)).Append("</dd>")
          .Append("<dt>Framework</dt><dd>").Append(H(model.Framework.ToString())).Append("</dd>")
          .Append("<dt>Stage</dt><dd>").Append(string.IsNullOrEmpty(model.Stage) ? "—" : H(model.Stage)).Append("</dd>")
          .Append("<dt>Made by run</dt><dd id=\"model-run\">");
        RunLink(sb, page, model.RunId);
        sb.Append("</dd><dt>URI</dt><dd><code>").Append(H(model.Uri)).Append("</code></dd>")
          .Append("<dt>Registered</dt><dd>").Append(Time(model.CreatedAt)).Append("</dd></dl>")
          .Append("<p><a class=\"button\" href=\"").Append(page.Link(VersionPath(model) + "/download")).Append("\" download>Download model files (zip)</a></p>");

        sb.Append("<section><h2>Files</h2><table id=\"model-files\"><caption class=\"sr\">Files of the model version</caption><thead><tr><th scope=\"col\">Path</th><th scope=\"col\">Bytes</th><th scope=\"col\">SHA-256</th></tr></thead><tbody>");
        foreach (var f in model.Files)
        {
            sb.Append("<tr><th scope=\"row\">").Append(H(f.Path)).Append("</th><td>").Append(f.Length.ToString("N0", CultureInfo.InvariantCulture)).Append("</td><td><code>").Append(H(f.Sha256)).Append("</code></td></tr>");
        }
        sb.Append("</tbody></table></section>");
        KeyValueTable(sb, "Tags", model.Tags);
        KeyValueTable(sb, "Properties", model.Properties);

        var action = page.Link(VersionPath(model));
        sb.Append("<section><h2>Change</h2><form method=\"post\" action=\"").Append(action).Append("/aliases\">").Append(page.CsrfField)
          .Append("<label for=\"alias\">Alias</label> <input id=\"alias\" name=\"alias\" required placeholder=\"production\"> <button type=\"submit\">Set alias</button></form>")
          .Append("<form method=\"post\" action=\"").Append(action).Append("/tags\">").Append(page.CsrfField)
          .Append("<label for=\"tag-key\">Tag</label> <input id=\"tag-key\" name=\"key\" required> <label for=\"tag-value\">Value</label> <input id=\"tag-value\" name=\"value\"> <button type=\"submit\">Set tag</button></form></section>");
        await Respond.PageAsync(context, page).ConfigureAwait(false);
    }

    public static async Task SetAliasAsync(HttpContext context, StudioContext studio)
    {
        var model = await GetAsync(context, studio).ConfigureAwait(false);
        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var alias = form["alias"].ToString().Trim();
        await model.SetAliasAsync(alias, context.RequestAborted).ConfigureAwait(false);
        context.Response.Redirect(context.Request.PathBase + VersionPath(model) + "?done=" + Uri.EscapeDataString($"Alias '{alias}' now points to version {model.Version}."), false);
    }

    public static async Task SetTagAsync(HttpContext context, StudioContext studio)
    {
        var model = await GetAsync(context, studio).ConfigureAwait(false);
        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var key = form["key"].ToString().Trim();
        await model.SetTagsAsync(new Dictionary<string, string> { [key] = form["value"].ToString() }, context.RequestAborted).ConfigureAwait(false);
        context.Response.Redirect(context.Request.PathBase + VersionPath(model) + "?done=" + Uri.EscapeDataString($"Tag '{key}' set."), false);
    }

    /// <summary>The version's files as one zip (downloaded through <see cref="Model.DownloadAsync"/>).</summary>
    public static async Task DownloadAsync(HttpContext context, StudioContext studio)
    {
        var model = await GetAsync(context, studio).ConfigureAwait(false);
        var folder = Path.Combine(Path.GetTempPath(), "azml-studio-" + Guid.NewGuid().ToString("N"));
        try
        {
            var dir = await model.DownloadAsync(folder, null, context.RequestAborted).ConfigureAwait(false);
            var zip = folder + ".zip";
            try
            {
                await ZipFile.CreateFromDirectoryAsync(dir, zip, CompressionLevel.Fastest, includeBaseDirectory: false, cancellationToken: context.RequestAborted).ConfigureAwait(false);
                context.Response.ContentType = "application/zip";
                context.Response.Headers.ContentDisposition = new System.Net.Mime.ContentDisposition { FileName = $"{model.Name}-{model.Version.ToString(CultureInfo.InvariantCulture)}.zip", DispositionType = "attachment" }.ToString();
                context.Response.ContentLength = new FileInfo(zip).Length;
                await context.Response.SendFileAsync(zip, context.RequestAborted).ConfigureAwait(false);
            }
            finally
            {
                File.Delete(zip);
            }
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }
}
