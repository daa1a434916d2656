using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AzureMlSdk.Backends.Remote.Http;

/// <summary>
/// The outermost handler of every remote call (one logical call, however many attempts the resilience handler below makes):
/// stamps the SDK's headers — <c>User-Agent</c>, a fresh <c>x-ms-client-request-id</c> (the same on every retry of the call, as
/// Azure.Core does) and <c>x-ms-return-client-request-id: true</c> — and the call's start for the retry budget; starts an
/// <see cref="Activity"/> <c>"{method} {url.template}"</c> on <see cref="AzureMlDiagnostics.ActivitySource"/> (retries are its
/// events); records the call in <see cref="AzureMlDiagnostics.Meter"/>; logs method, path, status and duration (never headers,
/// query strings or bodies, so no token, key or SAS); and turns transport failures that survived the retries into
/// <see cref="ServiceUnavailableException"/> (except for Azure.Core's blob transport, whose own retry policy needs them as they are).
/// </summary>
internal sealed partial class AzureMlDiagnosticsHandler(ILogger? logger, TimeProvider time, string? applicationId = null, bool mapTransportErrors = true) : DelegatingHandler
{
    /// <summary>The client request id header.</summary>
    public const string ClientRequestIdHeader = "x-ms-client-request-id";

    /// <summary>Asks the service to echo the client request id.</summary>
    public const string ReturnClientRequestIdHeader = "x-ms-return-client-request-id";

    /// <summary>Request option counting the retries of the call (incremented by the resilience pipeline).</summary>
    public static readonly HttpRequestOptionsKey<int> RetriesKey = new("AzureMl.Retries");

    private static readonly HttpRequestOptionsKey<string> TemplateKey = new(Refit.HttpRequestMessageOptions.RelativePathTemplate);

    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private readonly string _userAgent = AzureMlDiagnostics.UserAgentFor(applicationId);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        request.Options.Set(AzureMlResilience.CallStartedKey, started);
        if (request.Headers.UserAgent.Count == 0)
        {
            request.Headers.TryAddWithoutValidation("User-Agent", _userAgent);
        }
        if (!request.Headers.TryGetValues(ClientRequestIdHeader, out var ids) || ids.FirstOrDefault() is not { Length: > 0 } clientRequestId)
        {
            clientRequestId = Guid.NewGuid().ToString();
            request.Headers.Remove(ClientRequestIdHeader);
            request.Headers.TryAddWithoutValidation(ClientRequestIdHeader, clientRequestId);
        }
        if (!request.Headers.Contains(ReturnClientRequestIdHeader))
        {
            request.Headers.TryAddWithoutValidation(ReturnClientRequestIdHeader, "true");
        }

        var method = request.Method.Method;
        var path = request.RequestUri?.AbsolutePath ?? string.Empty;
        var template = Template(request);
        var host = request.RequestUri?.Host;
        using var activity = AzureMlDiagnostics.ActivitySource.StartActivity(template is null ? method : $"{method} {template}", ActivityKind.Client);
        if (activity is not null)
        {
            activity.SetTag("http.request.method", method);
            activity.SetTag("url.template", template);
            activity.SetTag("url.path", path);
            activity.SetTag("server.address", host);
            activity.SetTag("server.port", request.RequestUri?.Port);
            activity.SetTag("az.client_request_id", clientRequestId);
        }
        var tags = new TagList { { "http.request.method", method }, { "server.address", host } };
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var elapsed = time.GetElapsedTime(started);
            var status = (int)response.StatusCode;
            var serviceRequestId = RemoteErrors.RequestId(response);
            var retries = Retries(request);
            tags.Add("http.response.status_code", status);
            if (!response.IsSuccessStatusCode)
            {
                tags.Add("error.type", status.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            if (activity is not null)
            {
                activity.SetTag("http.response.status_code", status);
                activity.SetTag("http.request.resend_count", retries);
                activity.SetTag("az.service_request_id", serviceRequestId);
                if (!response.IsSuccessStatusCode)
                {
                    activity.SetTag("error.type", status.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    activity.SetStatus(ActivityStatusCode.Error);
                }
            }
            Record(tags, elapsed);
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                LogCall(_logger, method, path, status, elapsed.TotalMilliseconds, retries, serviceRequestId, clientRequestId);
            }
            return response;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var elapsed = time.GetElapsedTime(started);
            var retries = Retries(request);
            tags.Add("error.type", ex.GetType().Name);
            Record(tags, elapsed);
            if (activity is not null)
            {
                activity.SetTag("error.type", ex.GetType().Name);
                activity.SetTag("http.request.resend_count", retries);
                activity.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            }
            if (_logger.IsEnabled(LogLevel.Warning))
            {
                LogFailure(_logger, method, path, ex.GetType().Name, elapsed.TotalMilliseconds, retries, clientRequestId);
            }
            if (!mapTransportErrors)
            {
                throw;
            }
            throw RemoteErrors.FromTransport(request, ex, cancellationToken);
        }
    }

    private static void Record(in TagList tags, TimeSpan elapsed)
    {
        AzureMlDiagnostics.HttpRequests.Add(1, tags);
        AzureMlDiagnostics.HttpDuration.Record(elapsed.TotalSeconds, tags);
    }

    private static int Retries(HttpRequestMessage request) => request.Options.TryGetValue(RetriesKey, out var n) ? n : 0;

    /// <summary>Refit's route template without its query (<c>/api/2.0/mlflow/runs/get</c>, <c>/subscriptions/{subscriptionId}/…</c>): low cardinality, no values.</summary>
    internal static string? Template(HttpRequestMessage request)
    {
        if (!request.Options.TryGetValue(TemplateKey, out var template) || string.IsNullOrEmpty(template))
        {
            return null;
        }
        var query = template.IndexOf('?', StringComparison.Ordinal);
        return query < 0 ? template : template[..query];
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "{Method} {Path} answered {Status} in {ElapsedMs:0} ms after {Retries} retries (request id {RequestId}, client request id {ClientRequestId})")]
    private static partial void LogCall(ILogger logger, string method, string path, int status, double elapsedMs, int retries, string? requestId, string clientRequestId);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "{Method} {Path} failed with {Error} after {ElapsedMs:0} ms and {Retries} retries (client request id {ClientRequestId})")]
    private static partial void LogFailure(ILogger logger, string method, string path, string error, double elapsedMs, int retries, string clientRequestId);
}
