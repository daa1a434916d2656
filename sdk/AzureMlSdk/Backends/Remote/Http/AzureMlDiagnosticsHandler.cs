using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AzureMlSdk.Backends.Remote.Http;

/// <summary>
/// The outermost handler of every remote call: starts an <see cref="Activity"/> on the SDK's
/// <see cref="AzureMlDiagnostics.ActivitySource"/>, stamps the call's start for the retry budget, logs
/// method, path, status and duration (never headers, query strings or bodies, so no token, key or SAS),
/// and turns transport failures that survived the retries into <see cref="ServiceUnavailableException"/>.
/// </summary>
internal sealed partial class AzureMlDiagnosticsHandler(ILogger logger, TimeProvider time) : DelegatingHandler
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        request.Options.Set(AzureMlResilience.CallStartedKey, started);
        var path = request.RequestUri?.AbsolutePath ?? string.Empty;
        using var activity = AzureMlDiagnostics.ActivitySource.StartActivity($"HTTP {request.Method}", ActivityKind.Client);
        activity?.SetTag("http.request.method", request.Method.Method);
        activity?.SetTag("url.path", path);
        activity?.SetTag("server.address", request.RequestUri?.Host);
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var elapsed = time.GetElapsedTime(started);
            activity?.SetTag("http.response.status_code", (int)response.StatusCode);
            if (!response.IsSuccessStatusCode)
            {
                activity?.SetStatus(ActivityStatusCode.Error);
            }
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                var requestId = RemoteErrors.RequestId(response);
                LogCall(_logger, request.Method.Method, path, (int)response.StatusCode, elapsed.TotalMilliseconds, requestId);
            }
            return response;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            LogFailure(_logger, request.Method.Method, path, ex.GetType().Name, time.GetElapsedTime(started).TotalMilliseconds);
            throw RemoteErrors.FromTransport(request, ex, cancellationToken);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "{Method} {Path} answered {Status} in {ElapsedMs:0} ms (request id {RequestId})")]
    private static partial void LogCall(ILogger logger, string method, string path, int status, double elapsedMs, string? requestId);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "{Method} {Path} failed with {Error} after {ElapsedMs:0} ms")]
    private static partial void LogFailure(ILogger logger, string method, string path, string error, double elapsedMs);
}

/// <summary>The SDK's tracing and logging names.</summary>
public static class AzureMlDiagnostics
{
    /// <summary>The name of the SDK's <see cref="System.Diagnostics.ActivitySource"/> and logger category prefix.</summary>
    public const string SourceName = "AzureMlSdk";

    /// <summary>The source of the SDK's activities (one per HTTP call of the remote backend).</summary>
    public static ActivitySource ActivitySource { get; } = new(SourceName);
}
