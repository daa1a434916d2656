using AzureMlSdk.Server.Mlflow;

namespace AzureMlSdk.Server.Artifacts;

/// <summary>
/// One folder, three names. Every file the Emulator keeps for a workspace is a blob in its default datastore's container, and
/// the MLflow artifacts proxy serves that container's root: blob <c>X</c> is <c>mlflow-artifacts:/X</c> to an MLflow client and
/// <c>azureml://subscriptions/…/workspaces/…/datastores/workspaceblobstore/paths/X</c> to ARM and the SDK. A run's artifacts
/// are under <c>ExperimentRun/dcid.&lt;runId&gt;</c>, where Azure ML and the SDK's Remote backend keep them.
/// </summary>
internal static class ArtifactLocations
{
    /// <summary>MLflow's proxied-artifact scheme.</summary>
    public const string Scheme = "mlflow-artifacts:";

    /// <summary>The default datastore's name.</summary>
    public const string DatastoreName = "workspaceblobstore";

    /// <summary>Where run artifact folders live (Azure ML's layout).</summary>
    public const string RunsFolder = "ExperimentRun";

    /// <summary>Where MLflow 3 logged models keep their files.</summary>
    public const string LoggedModelsFolder = "LoggedModels";

    /// <summary>The datastore folder of a run's artifacts (no trailing slash).</summary>
    public static string RunFolder(string runId) => $"{RunsFolder}/dcid.{runId}";

    /// <summary>The datastore folder of a logged model's artifacts.</summary>
    public static string LoggedModelFolder(string modelId) => $"{LoggedModelsFolder}/{modelId}/artifacts";

    /// <summary>The <c>mlflow-artifacts:</c> URI of a datastore folder (what MLflow clients resolve against the tracking URI).</summary>
    public static string ProxyUri(string folder) => Scheme + "/" + folder.Trim('/');

    /// <summary>The <c>azureml://</c> datastore URI of a folder, as ARM model versions carry it (<c>modelUri</c>, trailing slash).</summary>
    public static string DatastoreUri(IMlflowWorkspace ws, string folder) =>
        $"azureml://subscriptions/{ws.SubscriptionId}/resourcegroups/{ws.ResourceGroup}/workspaces/{ws.Name}/datastores/{DatastoreName}/paths/{folder.Trim('/')}/";

    /// <summary>
    /// The datastore folder a URI names, or null when it names something else: <c>mlflow-artifacts:/X</c> (with or without an
    /// authority), this workspace's <c>azureml://…/datastores/workspaceblobstore/paths/X</c> (long or short form), or an http(s)
    /// URL of the proxy route (<c>…/api/2.0/mlflow-artifacts/artifacts/X</c>).
    /// </summary>
    public static string? FolderOf(string? uri, IMlflowWorkspace ws)
    {
        ArgumentNullException.ThrowIfNull(ws);
        if (string.IsNullOrWhiteSpace(uri))
        {
            return null;
        }
        string? rest = null;
        if (uri.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            rest = uri[Scheme.Length..];
            if (rest.StartsWith("//", StringComparison.Ordinal))
            {
                var slash = rest.IndexOf('/', 2);
                rest = slash < 0 ? string.Empty : rest[slash..];
            }
        }
        else if (uri.StartsWith("azureml://", StringComparison.OrdinalIgnoreCase))
        {
            var marker = $"/datastores/{DatastoreName}/paths/";
            var at = uri.IndexOf(marker, StringComparison.OrdinalIgnoreCase);
            if (at < 0)
            {
                return null;
            }
            var head = uri[..at];
            var shortForm = head.Equals("azureml:/", StringComparison.OrdinalIgnoreCase);
            var ownWorkspace = head.Equals($"azureml://subscriptions/{ws.SubscriptionId}/resourcegroups/{ws.ResourceGroup}/workspaces/{ws.Name}", StringComparison.OrdinalIgnoreCase);
            if (!shortForm && !ownWorkspace)
            {
                return null; // another workspace's datastore
            }
            rest = uri[(at + marker.Length)..];
        }
        else if (Uri.TryCreate(uri, UriKind.Absolute, out var http) && (http.Scheme == Uri.UriSchemeHttp || http.Scheme == Uri.UriSchemeHttps))
        {
            const string route = "/api/2.0/mlflow-artifacts/artifacts/";
            var at = http.AbsolutePath.IndexOf(route, StringComparison.Ordinal);
            if (at < 0)
            {
                return null;
            }
            rest = Uri.UnescapeDataString(http.AbsolutePath[(at + route.Length)..]);
        }
        rest = rest?.Trim('/');
        return string.IsNullOrEmpty(rest) ? null : rest;
    }

    /// <summary>
    /// Checks a proxy path as MLflow's <c>validate_path_is_safe</c> does (no <c>..</c> segment, not absolute, no <c>#</c> or
    /// backslash) and also refuses empty segments, so a path always names one blob name; returns it without edge slashes.
    /// </summary>
    public static string SafePath(string path, bool allowEmpty)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0 && allowEmpty)
        {
            return path;
        }
        var trimmed = path.EndsWith('/') ? path[..^1] : path;
        if (trimmed.Length == 0
            || trimmed.StartsWith('/')
            || trimmed.Contains('#', StringComparison.Ordinal)
            || trimmed.Contains('\\', StringComparison.Ordinal)
            || trimmed.Contains('\0', StringComparison.Ordinal)
            || (trimmed.Length >= 2 && trimmed[1] == ':')
            || trimmed.Split('/').Any(segment => segment is "" or "." or ".."))
        {
            throw MlflowException.Invalid("Invalid path");
        }
        return trimmed;
    }
}
