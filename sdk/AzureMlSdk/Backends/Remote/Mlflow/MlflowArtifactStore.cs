using System.Collections.Concurrent;
using AzureMlSdk.Backends.Transfer;

namespace AzureMlSdk.Backends.Remote.Mlflow;

/// <summary>
/// <see cref="IArtifactStore"/> on a plain MLflow server's artifacts proxy (<c>mlflow server --serve-artifacts</c>). A run's
/// files live where MLflow's own client puts them: under the run's <c>artifact_uri</c>, which such a server hands out as
/// <c>mlflow-artifacts:/&lt;experiment_id&gt;/&lt;run_id&gt;/artifacts</c> (optionally with an authority, which names the same proxy).
/// Runs whose <c>artifact_uri</c> points anywhere else (a relative or local path, s3://, …) are not reachable through the proxy
/// and raise <see cref="AzureMlNotSupportedException"/>.
/// </summary>
internal sealed class MlflowArtifactStore(IMlflowTrackingApi tracking, MlflowArtifactProxy proxy) : IArtifactStore
{
    internal const string Scheme = "mlflow-artifacts:";
    private readonly ConcurrentDictionary<string, string> _roots = new(StringComparer.Ordinal);

    public async Task UploadAsync(string runId, string artifactPath, Stream content, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        Validate.Required(runId, nameof(runId));
        var path = Validate.ArtifactPath(artifactPath, nameof(artifactPath));
        ArgumentNullException.ThrowIfNull(content);
        var root = await RunRootAsync(runId, cancellationToken).ConfigureAwait(false);
        var throttle = ThrottledProgress.Create(progress, TransferSizes.Remaining(content));
        var (length, _) = await proxy.UploadAsync(root + "/" + path, content, throttle, 0, cancellationToken).ConfigureAwait(false);
        throttle?.Complete(length);
    }

    public async Task DownloadAsync(string runId, string artifactPath, Stream destination, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        Validate.Required(runId, nameof(runId));
        var path = Validate.ArtifactPath(artifactPath, nameof(artifactPath));
        ArgumentNullException.ThrowIfNull(destination);
        var root = await RunRootAsync(runId, cancellationToken).ConfigureAwait(false);
        try
        {
            var throttle = ThrottledProgress.Create(progress, null);
            var (length, _) = await proxy.DownloadAsync(root + "/" + path, destination, throttle, 0, cancellationToken).ConfigureAwait(false);
            throttle?.Complete(length);
        }
        catch (ResourceNotFoundException ex)
        {
            throw new ResourceNotFoundException($"Run {runId} has no artifact '{path}'. {ex.Message}", ex.ErrorCode, ex.Status, ex.RequestId, ex);
        }
    }

    public async Task<IReadOnlyList<ArtifactItem>> ListAsync(string runId, string? prefix, CancellationToken cancellationToken)
    {
        Validate.Required(runId, nameof(runId));
        var relative = prefix is null ? null : Validate.ArtifactPath(prefix, nameof(prefix));
        var root = await RunRootAsync(runId, cancellationToken).ConfigureAwait(false);
        if (relative is null)
        {
            return await proxy.ListRecursiveAsync(root, cancellationToken).ConfigureAwait(false);
        }
        var under = await proxy.ListRecursiveAsync(root + "/" + relative, cancellationToken).ConfigureAwait(false);
        if (under.Count > 0)
        {
            return under.Select(i => i with { Path = relative + "/" + i.Path }).ToList();
        }
        // Listing a file answers nothing: look for it in its folder.
        var file = await proxy.FindFileAsync(root + "/" + relative, cancellationToken).ConfigureAwait(false);
        return file is null ? [] : [file with { Path = relative }];
    }

    /// <summary>The proxy path of the run's artifact root (from its <c>artifact_uri</c>, read once per run).</summary>
    internal async Task<string> RunRootAsync(string runId, CancellationToken cancellationToken)
    {
        if (_roots.TryGetValue(runId, out var cached))
        {
            return cached;
        }
        var reply = await tracking.GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
        var uri = reply.Run?.Info?.ArtifactUri;
        var root = ProxyPath(uri)
            ?? throw new AzureMlNotSupportedException(string.IsNullOrEmpty(uri)
                ? $"Run {runId} reports no artifact_uri, so this plain MLflow server cannot store its artifacts; start it with --serve-artifacts (artifact URIs mlflow-artifacts:/…)."
                : $"Run {runId} keeps its artifacts at '{uri}', which is not an mlflow-artifacts: URI; this plain MLflow server's artifacts proxy cannot reach it (start the server with --serve-artifacts, or use a client for that store).");
        _roots[runId] = root;
        return root;
    }

    /// <summary>
    /// The proxy-relative path of an <c>mlflow-artifacts:</c> URI (<c>mlflow-artifacts:/1/abc/artifacts</c> and
    /// <c>mlflow-artifacts://host:5000/1/abc/artifacts</c> → <c>1/abc/artifacts</c>); null for any other URI or a relative path.
    /// </summary>
    internal static string? ProxyPath(string? uri)
    {
        if (string.IsNullOrWhiteSpace(uri) || !uri.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var rest = uri[Scheme.Length..];
        if (rest.StartsWith("//", StringComparison.Ordinal))
        {
            var slash = rest.IndexOf('/', 2);
            rest = slash < 0 ? string.Empty : rest[slash..];
        }
        rest = rest.Trim('/');
        return rest.Length == 0 ? null : rest;
    }
}
