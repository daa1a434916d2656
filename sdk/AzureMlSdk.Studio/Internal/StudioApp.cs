using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;

namespace AzureMlSdk.Studio.Internal;

/// <summary>The studio's request pipeline (headers, token, anti-forgery, errors) and its routes, on any application builder.</summary>
internal static class StudioApp
{
    public static void Configure(IApplicationBuilder app, StudioContext studio)
    {
        app.Use(async (context, next) =>
        {
            context.Items[Respond.StartedKey] = System.Diagnostics.Stopwatch.GetTimestamp();
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "same-origin"; // not no-referrer: with it, browsers send "Origin: null" on same-origin form posts
            headers.CacheControl = "no-store";
            if (!await studio.Auth.AuthenticateAsync(context).ConfigureAwait(false))
            {
                return;
            }
            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method)
                && !await studio.Auth.CheckAntiforgeryAsync(context).ConfigureAwait(false))
            {
                await Respond.ErrorAsync(context, studio, StatusCodes.Status403Forbidden, "This request needs the studio's anti-forgery token (state changes come from the studio's own forms).").ConfigureAwait(false);
                return;
            }
            try
            {
                if (!context.Request.Path.StartsWithSegments("/static", StringComparison.Ordinal))
                {
                    await studio.ResolveAsync(context).ConfigureAwait(false);
                }
                await next(context).ConfigureAwait(false);
                if (context.Response.StatusCode == StatusCodes.Status404NotFound && !context.Response.HasStarted)
                {
                    await Respond.ErrorAsync(context, studio, 404, $"No studio page at {context.Request.Path}.").ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The browser went away.
            }
            catch (Exception ex) when (!context.Response.HasStarted)
            {
                var (status, message) = ex switch
                {
                    ResourceNotFoundException e => (404, e.Message),
                    InvalidInputException e => (400, e.Message),
                    AzureMlNotSupportedException e => (501, e.Message),
                    AzureMlException e => (e.Status is >= 400 and < 600 ? e.Status : 500, e.Message),
                    BadHttpRequestException e => (e.StatusCode, e.Message),
                    _ => (500, "The studio failed to answer this request (" + ex.GetType().Name + ")."),
                };
                await Respond.ErrorAsync(context, studio, status, message).ConfigureAwait(false);
            }
        });
        app.UseRouting();
        app.UseEndpoints(e => Map(e, studio));
    }

    private static void Map(IEndpointRouteBuilder e, StudioContext s)
    {
        Get(e, "/", c => { c.Response.Redirect(c.Request.PathBase + "/experiments"); return Task.CompletedTask; });
        Get(e, "/static/{**path}", c => StaticAsync(c));
        Get(e, "/experiments", c => ExperimentPages.ListAsync(c, s));
        Get(e, "/experiments/{name}", c => ExperimentPages.RunsAsync(c, s));
        Get(e, "/runs/{id}", c => RunPages.DetailAsync(c, s));
        Get(e, "/runs/{id}/artifacts", c => RunPages.ArtifactAsync(c, s));
        Get(e, "/compare", c => RunPages.CompareAsync(c, s));
        Get(e, "/models", c => ModelPages.ListAsync(c, s));
        Get(e, "/models/{name}", c => ModelPages.VersionsAsync(c, s));
        Get(e, "/models/{name}/versions/{version:int}", c => ModelPages.DetailAsync(c, s));
        Get(e, "/models/{name}/versions/{version:int}/download", c => ModelPages.DownloadAsync(c, s));
        Post(e, "/models/{name}/versions/{version:int}/aliases", c => ModelPages.SetAliasAsync(c, s));
        Post(e, "/models/{name}/versions/{version:int}/tags", c => ModelPages.SetTagAsync(c, s));
        Get(e, "/endpoints", c => EndpointPages.ListAsync(c, s));
        Get(e, "/endpoints/{name}", c => EndpointPages.DetailAsync(c, s));
        Post(e, "/endpoints/{name}/keys", c => EndpointPages.RevealKeysAsync(c, s));
        Post(e, "/endpoints/{name}/invoke", c => EndpointPages.InvokeAsync(c, s));
        Post(e, "/endpoints/{name}/traffic", c => EndpointPages.SetTrafficAsync(c, s));

        Get(e, "/jobs", c => JobPages.ListAsync(c, s));
        Get(e, "/jobs/{name}", c => JobPages.DetailAsync(c, s));
        Post(e, "/jobs/{name}/cancel", c => JobPages.CancelAsync(c, s));

        Get(e, "/designer", c => DesignerPages.PageAsync(c, s));
        Post(e, "/designer", c => DesignerPages.SubmitAsync(c, s));
        Get(e, "/api/designer/components", c => DesignerApi.ComponentsAsync(c, s));
        Get(e, "/api/designer/components/{name}/versions", c => DesignerApi.VersionsAsync(c, s));
        Get(e, "/api/designer/components/{name}/versions/{version}", c => DesignerApi.ComponentAsync(c, s));
        Post(e, "/api/designer/validate", c => DesignerApi.ValidateAsync(c, s));
        Post(e, "/api/designer/yaml", c => DesignerApi.YamlAsync(c, s));

        Get(e, "/api/jobs/{name}/events", c => JobApi.EventsAsync(c, s));
        Get(e, "/api/jobs/{name}/log", c => JobApi.LogAsync(c, s));
        Get(e, "/api/experiments", c => StudioApi.ExperimentsAsync(c, s));
        Get(e, "/api/experiments/{name}/runs", c => StudioApi.RunsAsync(c, s));
        Get(e, "/api/runs/{id}", c => StudioApi.RunAsync(c, s));
        Get(e, "/api/runs/{id}/artifact", c => StudioApi.ArtifactAsync(c, s));
        Get(e, "/api/runs/{id}/events", c => StudioApi.EventsAsync(c, s));
        Get(e, "/api/runs/{id}/log", c => StudioApi.LogTailAsync(c, s));
        Get(e, "/api/metrics", c => StudioApi.MetricsAsync(c, s));
    }

    private static void Get(IEndpointRouteBuilder e, string pattern, Func<HttpContext, Task> handler) => e.MapGet(pattern, new RequestDelegate(handler));

    private static void Post(IEndpointRouteBuilder e, string pattern, Func<HttpContext, Task> handler) => e.MapPost(pattern, new RequestDelegate(handler));

    // ---- static files: embedded in this assembly at build time ---------------------------------------------------------

    private static readonly Dictionary<string, (byte[] Bytes, string Type, string ETag)> Assets = LoadAssets();

    private static Dictionary<string, (byte[] Bytes, string Type, string ETag)> LoadAssets()
    {
        var asm = typeof(StudioApp).Assembly;
        var result = new Dictionary<string, (byte[], string, string)>(StringComparer.Ordinal);
        foreach (var name in asm.GetManifestResourceNames().Where(n => n.StartsWith("studio/", StringComparison.Ordinal)))
        {
            using var stream = asm.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var bytes = buffer.ToArray();
            var type = Path.GetExtension(name) switch
            {
                ".js" => "text/javascript; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                ".txt" => "text/plain; charset=utf-8",
                _ => "application/octet-stream",
            };
            result[name["studio/".Length..]] = (bytes, type, "\"" + Convert.ToHexString(SHA256.HashData(bytes))[..16] + "\"");
        }
        return result;
    }

    /// <summary>Bytes of the embedded asset at <paramref name="path"/> (e.g. <c>lib/uPlot.iife.min.js</c>), for the size benchmark.</summary>
    internal static int AssetSize(string path) => Assets.TryGetValue(path, out var a) ? a.Bytes.Length : 0;

    private static async Task StaticAsync(HttpContext context)
    {
        var path = context.Request.RouteValues["path"] as string ?? string.Empty;
        if (!Assets.TryGetValue(path, out var asset))
        {
            context.Response.StatusCode = 404;
            return;
        }
        context.Response.Headers.CacheControl = "private, max-age=3600";
        context.Response.Headers.ETag = asset.ETag;
        if (context.Request.Headers.IfNoneMatch == new StringValues(asset.ETag))
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }
        context.Response.ContentType = asset.Type;
        context.Response.ContentLength = asset.Bytes.Length;
        await context.Response.Body.WriteAsync(asset.Bytes, context.RequestAborted).ConfigureAwait(false);
    }
}

/// <summary>Writing pages, JSON and errors.</summary>
internal static class Respond
{
    public const string StartedKey = "AzureMlSdk.Studio.Started";

    public static async Task PageAsync(HttpContext context, Page page, int status = 200)
    {
        var html = page.Render();
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        ServerTiming(context);
        await context.Response.WriteAsync(html, context.RequestAborted).ConfigureAwait(false);
    }

    public static async Task JsonAsync(HttpContext context, System.Text.Json.Nodes.JsonNode body, int status = 200)
    {
        var json = body.ToJsonString();
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        ServerTiming(context);
        await context.Response.WriteAsync(json, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The time the studio took to make the answer (W3C Server-Timing), read by the benchmark and browsers' dev tools.</summary>
    private static void ServerTiming(HttpContext context)
    {
        if (context.Items[StartedKey] is long started)
        {
            context.Response.Headers["Server-Timing"] = "app;dur=" + System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    public static async Task ErrorAsync(HttpContext context, StudioContext studio, int status, string message)
    {
        context.Response.Clear();
        context.Response.Headers.CacheControl = "no-store";
        if (context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal) || context.Request.Path.StartsWithSegments("/static", StringComparison.Ordinal))
        {
            await JsonAsync(context, new System.Text.Json.Nodes.JsonObject { ["error"] = message, ["status"] = status }, status).ConfigureAwait(false);
            return;
        }
        var page = new Page(studio, context, status switch { 400 => "Bad request", 403 => "Forbidden", 404 => "Not found", 501 => "Not supported", _ => "Error" });
        page.Body.Append("<p role=\"alert\" class=\"error\">").Append(Html.H(message)).Append("</p>");
        await PageAsync(context, page, status).ConfigureAwait(false);
    }

    /// <summary>A route value (decoded).</summary>
    public static string Route(HttpContext context, string name) => context.Request.RouteValues[name] as string ?? string.Empty;
}
