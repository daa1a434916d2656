using AzureMlSdk.Backends;
using AzureMlSdk.Server.Hosting;
using AzureMlSdk.Server.Mlflow;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.StaticFiles;

namespace AzureMlSdk.Server.Artifacts;

/// <summary>
/// MLflow's artifacts proxy (<c>mlflow/protos/mlflow_artifacts.proto</c>, what <c>mlflow server --serve-artifacts</c> serves) over
/// each workspace's default datastore, at the workspace's tracking URI + <c>/api/2.0/mlflow-artifacts/…</c> (and at the root for
/// the default workspace). An MLflow client resolves <c>mlflow-artifacts:/X</c> against its tracking URI
/// (<c>&lt;scheme&gt;://&lt;host&gt;&lt;tracking path&gt;/api/2.0/mlflow-artifacts/artifacts/X</c>), so the files it logs land in the
/// blobs the SDK's Remote backend reads, and the other way round.
/// <list type="bullet">
/// <item><c>GET artifacts?path=P</c> lists one level of P (base names; folders have <c>is_dir</c> and no <c>file_size</c>).</item>
/// <item><c>GET|PUT|DELETE artifacts/P</c> downloads, uploads (the raw body, replacing), deletes (a file, or a folder with all under it).</item>
/// <item><c>POST mpu/…</c> answers 501 with MLflow's "multipart upload is not supported" message, so clients fall back to PUT.</item>
/// </list>
/// </summary>
internal static class MlflowArtifactsEndpoints
{
    private const string ArtifactsRoute = "artifacts";
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static void Map(IEndpointRouteBuilder app, IMlflowWorkspaces registry)
    {
        foreach (var api in new[] { "/api/2.0/mlflow-artifacts", "/ajax-api/2.0/mlflow-artifacts" })
        {
            app.Map(MlflowEndpoints.WorkspacePath + api + "/{**rest}", (HttpContext c) =>
                DispatchAsync(c, registry, (string)c.GetRouteValue("subscriptionId")!, (string)c.GetRouteValue("resourceGroupName")!, (string)c.GetRouteValue("workspaceName")!));
            app.Map(api + "/{**rest}", (HttpContext c) =>
                DispatchAsync(c, registry, WorkspaceInfo.LocalSubscriptionId, WorkspaceInfo.LocalName, WorkspaceInfo.LocalName));
        }
    }

    private static async Task DispatchAsync(HttpContext context, IMlflowWorkspaces registry, string sub, string rg, string name)
    {
        var rest = (string?)context.GetRouteValue("rest") ?? string.Empty;
        var method = context.Request.Method;
        try
        {
            if (rest.StartsWith("mpu/", StringComparison.Ordinal))
            {
                // The datastore takes whole-file PUTs only; MLflow clients recognise this message and fall back to them.
                throw new MlflowException("NOT_IMPLEMENTED", "Multipart upload is not supported for the current artifact repository");
            }
            string? filePath = null;
            if (rest is ArtifactsRoute or ArtifactsRoute + "/" && HttpMethods.IsGet(method))
            {
                filePath = null; // listing
            }
            else if (rest.StartsWith(ArtifactsRoute + "/", StringComparison.Ordinal))
            {
                filePath = rest[(ArtifactsRoute.Length + 1)..];
            }
            else if (rest != ArtifactsRoute)
            {
                throw new MlflowException("ENDPOINT_NOT_FOUND", $"No API endpoint found for '{context.Request.Path}'.");
            }

            if (filePath is not null && HasEncodedSeparator(context))
            {
                // A '%2F' would otherwise become part of a file name ('a%2Fb'), a name no client can address as a path.
                throw MlflowException.Invalid("Invalid path");
            }
            var allowed = filePath is null ? new[] { "GET" } : ["GET", "PUT", "DELETE"];
            if (!allowed.Contains(method, StringComparer.OrdinalIgnoreCase))
            {
                context.Response.Headers.Allow = string.Join(", ", allowed);
                await Wire.MlflowErrorAsync(context, 405, "BAD_REQUEST", $"The method {method} is not allowed for '{context.Request.Path}'; use {string.Join(" or ", allowed)}.").ConfigureAwait(false);
                return;
            }
            var ws = registry.Find(sub, rg, name)
                ?? throw new MlflowException("RESOURCE_DOES_NOT_EXIST", $"Workspace '{name}' in resource group '{rg}' of subscription '{sub}' does not exist.");
            var files = Files(registry, ws);
            if (filePath is null)
            {
                await ListAsync(context, files).ConfigureAwait(false);
            }
            else if (HttpMethods.IsGet(method))
            {
                await DownloadAsync(context, files, ArtifactLocations.SafePath(filePath, allowEmpty: false)).ConfigureAwait(false);
            }
            else if (HttpMethods.IsPut(method))
            {
                await UploadAsync(context, files, ArtifactLocations.SafePath(filePath, allowEmpty: false)).ConfigureAwait(false);
            }
            else
            {
                await files.DeleteAsync(ArtifactLocations.SafePath(filePath, allowEmpty: false), context.RequestAborted).ConfigureAwait(false);
                await Wire.JsonAsync(context, 200, w => { w.WriteStartObject(); w.WriteEndObject(); }).ConfigureAwait(false);
            }
        }
        catch (MlflowException ex) when (!context.Response.HasStarted)
        {
            await Wire.MlflowErrorAsync(context, MlflowException.StatusOf(ex.ErrorCode), ex.ErrorCode, ex.Message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            await Wire.FailureAsync(context, ex).ConfigureAwait(false);
        }
    }

    /// <summary>True when the path as sent (before decoding) has a percent-encoded '/' or '\\' (Kestrel leaves '%2F' undecoded).</summary>
    internal static bool HasEncodedSeparator(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? string.Empty;
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        var path = query >= 0 ? raw[..query] : raw;
        return path.Contains("%2F", StringComparison.OrdinalIgnoreCase) || path.Contains("%5C", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The workspace's datastore files; 503 when the Emulator runs without blob storage.</summary>
    internal static IArtifactFiles Files(IMlflowWorkspaces registry, IMlflowWorkspace ws) =>
        registry.FilesOf(ws) ?? throw new MlflowException("TEMPORARILY_UNAVAILABLE", registry.FilesUnavailableMessage);

    private static async Task ListAsync(HttpContext context, IArtifactFiles files)
    {
        var path = context.Request.Query["path"];
        var folder = path.Count == 0 ? string.Empty : ArtifactLocations.SafePath(path[^1] ?? string.Empty, allowEmpty: true);
        var entries = await files.ListLevelAsync(folder, context.RequestAborted).ConfigureAwait(false);
        await Wire.JsonAsync(context, 200, w =>
        {
            w.WriteStartObject();
            if (entries.Count > 0)
            {
                w.WriteStartArray("files");
                foreach (var entry in entries)
                {
                    MlflowJson.FileInfo(w, entry.Name, entry.IsDirectory, entry.Size);
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static async Task DownloadAsync(HttpContext context, IArtifactFiles files, string path)
    {
        var download = await files.OpenReadAsync(path, context.RequestAborted).ConfigureAwait(false);
        if (download is null)
        {
            var what = (await files.ListLevelAsync(path, context.RequestAborted).ConfigureAwait(false)).Count > 0 ? "is a directory, not a file" : "does not exist";
            throw new MlflowException("RESOURCE_DOES_NOT_EXIST", $"Artifact '{path}' {what}.");
        }
        using (download)
        {
            var fileName = path[(path.LastIndexOf('/') + 1)..];
            // As MLflow: always an attachment with a guessed type, never sniffed (the content is the user's).
            var response = context.Response;
            response.StatusCode = 200;
            response.ContentType = ContentTypes.TryGetContentType(fileName, out var type) ? type : "application/octet-stream";
            response.ContentLength = download.Length;
            response.Headers.ContentDisposition = fileName.All(ch => char.IsAscii(ch) && !char.IsControl(ch) && ch is not ('"' or ';' or '\\'))
                ? $"attachment; filename={fileName}"
                : new System.Net.Http.Headers.ContentDispositionHeaderValue("attachment") { FileNameStar = fileName }.ToString();
            response.Headers.XContentTypeOptions = "nosniff";
            await using var body = download.Content;
            await body.CopyToAsync(response.Body, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private static async Task UploadAsync(HttpContext context, IArtifactFiles files, string path)
    {
        // Artifacts (model weights) can be larger than the Emulator's request limit for API calls.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }
        var contentType = context.Request.ContentType;
        await files.WriteAsync(path, context.Request.Body, string.IsNullOrEmpty(contentType) ? null : contentType, context.RequestAborted).ConfigureAwait(false);
        await Wire.JsonAsync(context, 200, w => { w.WriteStartObject(); w.WriteEndObject(); }).ConfigureAwait(false);
    }
}
