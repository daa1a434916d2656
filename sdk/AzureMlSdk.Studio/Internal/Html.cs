using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;

namespace AzureMlSdk.Studio.Internal;

/// <summary>
/// Markup helpers. Every value that comes from a workspace (names, tags, params, artifact paths, error messages) goes
/// through <see cref="H"/> (text and attribute values) or <see cref="U"/> (a URL path segment or query value).
/// </summary>
internal static class Html
{
    public static string H(string? value) => value is null ? string.Empty : HtmlEncoder.Default.Encode(value);

    /// <summary>A URL component (path segment or query value), escaped for the URL and then for HTML.</summary>
    public static string U(string? value) => H(Uri.EscapeDataString(value ?? string.Empty));

    public static string Num(double value) =>
        double.IsNaN(value) ? "NaN" : double.IsInfinity(value) ? (value > 0 ? "∞" : "-∞") : value.ToString("G6", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset? t) => t is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC" : "—";

    public static string Duration(TimeSpan? d)
    {
        if (d is not { } v || v < TimeSpan.Zero)
        {
            return "—";
        }
        return v.TotalHours >= 1 ? $"{(int)v.TotalHours}h {v.Minutes}m {v.Seconds}s"
            : v.TotalMinutes >= 1 ? $"{v.Minutes}m {v.Seconds}s"
            : v.TotalSeconds >= 1 ? $"{v.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)}s"
            : $"{v.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)}ms";
    }

    public static bool IsTerminal(RunStatus s) => s is RunStatus.Completed or RunStatus.Failed or RunStatus.Canceled;

    /// <summary>A key/value table with a caption (params, tags, properties).</summary>
    public static void KeyValueTable(StringBuilder sb, string caption, IEnumerable<KeyValuePair<string, string>> items, string keyHeader = "Name", string valueHeader = "Value")
    {
        var list = items.OrderBy(i => i.Key, StringComparer.Ordinal).ToList();
        sb.Append("<section><h2>").Append(H(caption)).Append("</h2>");
        if (list.Count == 0)
        {
            sb.Append("<p class=\"empty\">None.</p></section>");
            return;
        }
        sb.Append("<table class=\"kv\"><caption class=\"sr\">").Append(H(caption)).Append("</caption><thead><tr><th scope=\"col\">")
          .Append(H(keyHeader)).Append("</th><th scope=\"col\">").Append(H(valueHeader)).Append("</th></tr></thead><tbody>");
        foreach (var (k, v) in list)
        {
            sb.Append("<tr><th scope=\"row\">").Append(H(k)).Append("</th><td>").Append(H(v)).Append("</td></tr>");
        }
        sb.Append("</tbody></table></section>");
    }
}

/// <summary>One HTML page: the layout (navigation, meta with the anti-forgery token) around a body.</summary>
internal sealed class Page
{
    private readonly StudioContext _studio;
    private readonly HttpContext _http;

    public Page(StudioContext studio, HttpContext http, string title)
    {
        _studio = studio;
        _http = http;
        Title = title;
    }

    public string Title { get; }

    /// <summary>Markup of the page body (already escaped where needed).</summary>
    public StringBuilder Body { get; } = new();

    /// <summary>Whether the page draws charts (then it loads uPlot).</summary>
    public bool Charts { get; set; }

    /// <summary>Whether the page draws a pipeline graph (then it loads dagre, the graph's layout, and graph.js).</summary>
    public bool Graph { get; set; }

    /// <summary>Extra attributes of &lt;main&gt; (e.g. data-live-run).</summary>
    public string MainAttributes { get; set; } = string.Empty;

    /// <summary>The link to a studio path ("/runs/…"), under the studio's path base.</summary>
    public string Link(string path) => Html.H(_http.Request.PathBase.Value + path);

    /// <summary>The hidden anti-forgery field every POST form carries.</summary>
    public string CsrfField => $"<input type=\"hidden\" name=\"{StudioAuth.CsrfFormField}\" value=\"{Html.H(_studio.Auth.CsrfToken)}\">";

    public string Render()
    {
        var sb = new StringBuilder(Body.Length + 2048);
        var b = _http.Request.PathBase.Value ?? string.Empty;
        sb.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
          .Append("<title>").Append(Html.H(Title)).Append(" · AzureMlSdk Studio</title>")
          .Append("<meta name=\"studio-base\" content=\"").Append(Html.H(b)).Append("\">")
          .Append("<meta name=\"csrf-token\" content=\"").Append(Html.H(_studio.Auth.CsrfToken)).Append("\">")
          .Append("<link rel=\"stylesheet\" href=\"").Append(Html.H(b)).Append("/static/studio.css\">");
        if (Charts)
        {
            sb.Append("<link rel=\"stylesheet\" href=\"").Append(Html.H(b)).Append("/static/lib/uPlot.min.css\">")
              .Append("<script defer src=\"").Append(Html.H(b)).Append("/static/lib/uPlot.iife.min.js\"></script>");
        }
        if (Graph)
        {
            sb.Append("<script defer src=\"").Append(Html.H(b)).Append("/static/lib/dagre.min.js\"></script>")
              .Append("<script defer src=\"").Append(Html.H(b)).Append("/static/graph.js\"></script>");
        }
        sb.Append("<script defer src=\"").Append(Html.H(b)).Append("/static/studio.js\"></script></head><body>")
          .Append("<header><a class=\"brand\" href=\"").Append(Html.H(b)).Append("/\">AzureMlSdk Studio</a><nav aria-label=\"Main\"><ul>");
        foreach (var (path, label) in StudioContext.Navigation)
        {
            var current = _http.Request.Path.StartsWithSegments(path, StringComparison.Ordinal);
            sb.Append("<li><a href=\"").Append(Html.H(b + path)).Append('"').Append(current ? " aria-current=\"page\"" : string.Empty).Append('>').Append(Html.H(label)).Append("</a></li>");
        }
        sb.Append("</ul></nav>");
        if (StudioContext.TryWorkspace(_http) is { } ws)
        {
            sb.Append("<span class=\"ws\">Workspace <strong>").Append(Html.H(ws.Name)).Append("</strong> (").Append(Html.H(ws.Kind.ToString())).Append(")</span>");
        }
        sb.Append("</header>")
          .Append("<main").Append(MainAttributes).Append("><h1>").Append(Html.H(Title)).Append("</h1>")
          .Append(Body)
          .Append("</main></body></html>");
        return sb.ToString();
    }
}
