using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using static AzureMlSdk.Studio.Internal.Html;

namespace AzureMlSdk.Studio.Internal;

/// <summary>Online endpoints: the list, an endpoint (deployments, traffic, keys hidden until revealed, a test form).</summary>
internal static class EndpointPages
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static readonly HttpClient Swagger = new() { Timeout = TimeSpan.FromSeconds(10) };

    public static async Task ListAsync(HttpContext context, StudioContext studio)
    {
        var page = new Page(studio, context, "Endpoints");
        var sb = page.Body;
        sb.Append("<table id=\"endpoints\"><caption>Online endpoints</caption><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">State</th><th scope=\"col\">Auth</th><th scope=\"col\">Traffic</th><th scope=\"col\">Scoring URI</th></tr></thead><tbody>");
        var count = 0;
        await foreach (var ep in studio.Workspace(context).ListEndpointsAsync(context.RequestAborted).ConfigureAwait(false))
        {
            count++;
            sb.Append("<tr><th scope=\"row\"><a href=\"").Append(page.Link("/endpoints/" + Uri.EscapeDataString(ep.Name))).Append("\">").Append(H(ep.Name)).Append("</a></th><td>")
              .Append(H(ep.ProvisioningState.ToString())).Append("</td><td>").Append(H(ep.AuthMode.ToString())).Append("</td><td>")
              .Append(string.Join(", ", ep.Traffic.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{H(t.Key)} {t.Value.ToString(CultureInfo.InvariantCulture)}%"))).Append("</td><td><code>")
              .Append(H(ep.ScoringUri?.ToString())).Append("</code></td></tr>");
        }
        sb.Append("</tbody></table>");
        if (count == 0)
        {
            sb.Append("<p class=\"empty\">No online endpoints.</p>");
        }
        await Respond.PageAsync(context, page).ConfigureAwait(false);
    }

    public static Task DetailAsync(HttpContext context, StudioContext studio) => RenderAsync(context, studio, null, null, null);

    /// <summary>POST: the same page with the keys (or token) shown. Keys are in no page before this.</summary>
    public static async Task RevealKeysAsync(HttpContext context, StudioContext studio)
    {
        var ep = await studio.Workspace(context).GetEndpointAsync(Respond.Route(context, "name"), context.RequestAborted).ConfigureAwait(false);
        string[] secrets;
        if (ep.AuthMode == EndpointAuthMode.Key)
        {
            var keys = await ep.GetKeysAsync(context.RequestAborted).ConfigureAwait(false);
            secrets = [keys.PrimaryKey, keys.SecondaryKey];
        }
        else
        {
            var token = await ep.GetTokenAsync(context.RequestAborted).ConfigureAwait(false);
            secrets = [token.AccessToken];
        }
        await RenderAsync(context, studio, ep, secrets, null).ConfigureAwait(false);
    }

    /// <summary>POST: invokes the endpoint (or one deployment) with the form's body and shows the reply.</summary>
    public static async Task InvokeAsync(HttpContext context, StudioContext studio)
    {
        var ep = await studio.Workspace(context).GetEndpointAsync(Respond.Route(context, "name"), context.RequestAborted).ConfigureAwait(false);
        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var body = form["body"].ToString();
        var deployment = form["deployment"].ToString();
        Invocation result;
        try
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var reply = await ep.InvokeAsync(body, deployment.Length == 0 ? null : deployment, context.RequestAborted).ConfigureAwait(false);
            result = new Invocation(body, deployment, Pretty(reply), null, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }
        catch (AzureMlException ex)
        {
            result = new Invocation(body, deployment, null, $"{ex.Status} {ex.ErrorCode}: {ex.Message}", null);
        }
        await RenderAsync(context, studio, ep, null, result).ConfigureAwait(false);
    }

    /// <summary>POST: sets the traffic split from the form's <c>traffic.&lt;deployment&gt;</c> percentages.</summary>
    public static async Task SetTrafficAsync(HttpContext context, StudioContext studio)
    {
        var ep = await studio.Workspace(context).GetEndpointAsync(Respond.Route(context, "name"), context.RequestAborted).ConfigureAwait(false);
        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var traffic = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (k, v) in form.Where(f => f.Key.StartsWith("traffic.", StringComparison.Ordinal)))
        {
            if (!int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var percent))
            {
                throw new InvalidInputException($"Traffic of '{k[8..]}' must be a whole percentage; got '{v}'.", "traffic");
            }
            traffic[k[8..]] = percent;
        }
        await ep.SetTrafficAsync(traffic, context.RequestAborted).ConfigureAwait(false);
        context.Response.Redirect(context.Request.PathBase + "/endpoints/" + Uri.EscapeDataString(ep.Name), false);
    }

    private sealed record Invocation(string Body, string Deployment, string? Reply, string? Error, TimeSpan? Took);

    private static string Pretty(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return JsonSerializer.Serialize(doc.RootElement, Indented);
        }
        catch (JsonException)
        {
            return json;
        }
    }

    private static async Task RenderAsync(HttpContext context, StudioContext studio, OnlineEndpoint? ep, string[]? secrets, Invocation? invocation)
    {
        var ct = context.RequestAborted;
        ep ??= await studio.Workspace(context).GetEndpointAsync(Respond.Route(context, "name"), ct).ConfigureAwait(false);
        var deployments = new List<OnlineDeployment>();
        await foreach (var d in ep.ListDeploymentsAsync(ct).ConfigureAwait(false))
        {
            deployments.Add(d);
        }
        var page = new Page(studio, context, "Endpoint " + ep.Name);
        var sb = page.Body;
        var self = "/endpoints/" + Uri.EscapeDataString(ep.Name);
        sb.Append("<dl class=\"summary\"><dt>State</dt><dd>").Append(H(ep.ProvisioningState.ToString())).Append("</dd>")
          .Append("<dt>Auth mode</dt><dd>").Append(H(ep.AuthMode.ToString())).Append("</dd>")
          .Append("<dt>Scoring URI</dt><dd><code>").Append(H(ep.ScoringUri?.ToString())).Append("</code></dd>")
          .Append("<dt>Swagger URI</dt><dd><code>").Append(H(ep.SwaggerUri?.ToString())).Append("</code></dd>")
          .Append("<dt>Description</dt><dd>").Append(string.IsNullOrEmpty(ep.Description) ? "—" : H(ep.Description)).Append("</dd></dl>");

        // Deployments with their traffic (an editable split).
        sb.Append("<section><h2>Deployments and traffic</h2><form method=\"post\" action=\"").Append(page.Link(self + "/traffic")).Append("\">").Append(page.CsrfField)
          .Append("<table id=\"deployments\"><caption>Deployments of ").Append(H(ep.Name)).Append("</caption><thead><tr><th scope=\"col\">Deployment</th><th scope=\"col\">Model</th><th scope=\"col\">Instances</th><th scope=\"col\">State</th><th scope=\"col\">Traffic %</th></tr></thead><tbody>");
        foreach (var d in deployments.OrderBy(d => d.Name, StringComparer.Ordinal))
        {
            var percent = ep.Traffic.TryGetValue(d.Name, out var t) ? t : 0;
            var id = "traffic-" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(d.Name)))[..10];
            sb.Append("<tr><th scope=\"row\">").Append(H(d.Name)).Append("</th><td><a href=\"")
              .Append(page.Link("/models/" + Uri.EscapeDataString(d.ModelName) + "/versions/" + d.ModelVersion.ToString(CultureInfo.InvariantCulture))).Append("\">")
              .Append(H(d.ModelName)).Append(':').Append(d.ModelVersion.ToString(CultureInfo.InvariantCulture)).Append("</a></td><td>")
              .Append(d.InstanceCount.ToString(CultureInfo.InvariantCulture)).Append(d.InstanceType is null ? string.Empty : " × " + H(d.InstanceType)).Append("</td><td>")
              .Append(H(d.ProvisioningState.ToString())).Append("</td><td><input type=\"number\" min=\"0\" max=\"100\" id=\"").Append(id).Append("\" name=\"traffic.").Append(H(d.Name))
              .Append("\" value=\"").Append(percent.ToString(CultureInfo.InvariantCulture)).Append("\" aria-label=\"Traffic percent for ").Append(H(d.Name)).Append("\"></td></tr>");
        }
        sb.Append("</tbody></table>");
        if (deployments.Count > 0)
        {
            sb.Append("<p><button type=\"submit\">Update traffic</button></p>");
        }
        sb.Append("</form></section>");

        // Keys: hidden until revealed by a POST.
        sb.Append("<section><h2>").Append(ep.AuthMode == EndpointAuthMode.Key ? "Keys" : "Token").Append("</h2>");
        if (secrets is null)
        {
            sb.Append("<form method=\"post\" action=\"").Append(page.Link(self + "/keys")).Append("\">").Append(page.CsrfField)
              .Append("<button type=\"submit\" id=\"reveal-keys\">").Append(ep.AuthMode == EndpointAuthMode.Key ? "Reveal keys" : "Reveal token").Append("</button></form>");
        }
        else
        {
            context.Response.Headers.CacheControl = "no-store";
            sb.Append("<dl class=\"secrets\">");
            for (var i = 0; i < secrets.Length; i++)
            {
                sb.Append("<dt>").Append(secrets.Length == 1 ? "Access token" : i == 0 ? "Primary key" : "Secondary key").Append("</dt><dd><code class=\"secret\" id=\"secret-").Append(i.ToString(CultureInfo.InvariantCulture)).Append("\">")
                  .Append(H(secrets[i])).Append("</code></dd>");
            }
            sb.Append("</dl><p><a href=\"").Append(page.Link(self)).Append("\">Hide</a></p>");
        }
        sb.Append("</section>");

        // The test form: a sample request from the deployment's swagger.json, if it serves one.
        var sample = invocation?.Body ?? await SampleAsync(ep, ct).ConfigureAwait(false);
        sb.Append("<section><h2>Test</h2><form method=\"post\" action=\"").Append(page.Link(self + "/invoke")).Append("\" id=\"test-form\">").Append(page.CsrfField)
          .Append("<p><label for=\"test-body\">Request body (JSON)</label><br><textarea id=\"test-body\" name=\"body\" rows=\"8\" cols=\"80\" spellcheck=\"false\">").Append(H(sample)).Append("</textarea></p>")
          .Append("<p><label for=\"test-deployment\">Deployment</label> <select id=\"test-deployment\" name=\"deployment\"><option value=\"\">By traffic split</option>");
        foreach (var d in deployments.OrderBy(d => d.Name, StringComparer.Ordinal))
        {
            sb.Append("<option value=\"").Append(H(d.Name)).Append('"').Append(invocation?.Deployment == d.Name ? " selected" : string.Empty).Append('>').Append(H(d.Name)).Append("</option>");
        }
        sb.Append("</select> <button type=\"submit\" id=\"invoke\">Invoke</button></p></form>");
        if (invocation is not null)
        {
            if (invocation.Error is not null)
            {
                sb.Append("<p role=\"alert\" class=\"error\" id=\"invoke-error\">").Append(H(invocation.Error)).Append("</p>");
            }
            else
            {
                sb.Append("<h3>Reply").Append(invocation.Took is { } took ? $" ({took.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms)" : string.Empty).Append("</h3><pre id=\"invoke-result\" role=\"status\">").Append(H(invocation.Reply)).Append("</pre>");
            }
        }
        sb.Append("</section>");
        await Respond.PageAsync(context, page).ConfigureAwait(false);
    }

    /// <summary>The example request of the endpoint's swagger.json (<c>definitions.ServiceInput.example</c>), fetched with the endpoint's own key or token; empty JSON when there is none.</summary>
    private static async Task<string> SampleAsync(OnlineEndpoint ep, CancellationToken ct)
    {
        if (ep.SwaggerUri is null)
        {
            return "{}";
        }
        try
        {
            var secret = ep.AuthMode == EndpointAuthMode.Key ? (await ep.GetKeysAsync(ct).ConfigureAwait(false)).PrimaryKey : (await ep.GetTokenAsync(ct).ConfigureAwait(false)).AccessToken;
            using var request = new HttpRequestMessage(HttpMethod.Get, ep.SwaggerUri);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
            using var response = await Swagger.SendAsync(request, ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return "{}";
            }
            var doc = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
            var example = doc?["definitions"]?["ServiceInput"]?["example"];
            return example is null ? "{}" : example.ToJsonString(Indented);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException or AzureMlException)
        {
            return "{}";
        }
    }
}
