using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace AzureMlSdk;

/// <summary>The SDK's logger categories (README's "Logging" lists what each logs).</summary>
internal static class LogCategories
{
    public const string Workspace = "AzureMlSdk.Workspace";
    public const string Tracking = "AzureMlSdk.Tracking";
    public const string Local = "AzureMlSdk.Local";
    public const string Endpoints = "AzureMlSdk.Endpoints";
    public const string Http = "AzureMlSdk.Http";
}

/// <summary>
/// The SDK's telemetry names, OpenTelemetry-ready: one <see cref="System.Diagnostics.ActivitySource"/> and one
/// <see cref="System.Diagnostics.Metrics.Meter"/>, both named <see cref="SourceName"/>
/// (<c>builder.AddSource("AzureMlSdk")</c>, <c>builder.AddMeter("AzureMlSdk")</c>). README's "Telemetry" section lists every
/// activity, tag and instrument. Nothing recorded carries a token, key, SAS, query string or body.
/// </summary>
public static class AzureMlDiagnostics
{
    /// <summary>The name of the SDK's activity source and meter, and the prefix of its logger categories.</summary>
    public const string SourceName = "AzureMlSdk";

    /// <summary>Activity name of waiting for one ARM long-running operation.</summary>
    public const string LongRunningOperationActivity = "AzureMl.LongRunningOperation";

    /// <summary>Activity name of writing one logging batch of a run.</summary>
    public const string LogBatchActivity = "AzureMl.LogBatch";

    /// <summary>Event added to an HTTP activity for each retry (tags <c>http.request.resend_count</c>, <c>azureml.retry.delay_ms</c>, <c>error.type</c>).</summary>
    public const string RetryEvent = "azureml.retry";

    /// <summary>Counter: logical HTTP calls (tags <c>http.request.method</c>, <c>server.address</c>, <c>http.response.status_code</c>, <c>error.type</c>).</summary>
    public const string HttpRequestsInstrument = "azureml.http.client.requests";

    /// <summary>Counter: retried HTTP attempts (tags <c>http.request.method</c>, <c>server.address</c>, <c>error.type</c>).</summary>
    public const string HttpRetriesInstrument = "azureml.http.client.retries";

    /// <summary>Histogram (s): duration of a logical HTTP call, retries and their waits included.</summary>
    public const string HttpDurationInstrument = "azureml.http.client.request.duration";

    /// <summary>Histogram (s): duration of a long-running operation from its first answer to its end (tag <c>azureml.lro.outcome</c>).</summary>
    public const string LroDurationInstrument = "azureml.lro.duration";

    /// <summary>Counter: status polls of long-running operations.</summary>
    public const string LroPollsInstrument = "azureml.lro.polls";

    /// <summary>Counter: logging batches written (tag <c>azureml.outcome</c>: <c>ok</c> or <c>error</c>).</summary>
    public const string LogBatchesInstrument = "azureml.logging.batches";

    /// <summary>Counter: metric points written by logging batches (tag <c>azureml.outcome</c>).</summary>
    public const string LogPointsInstrument = "azureml.logging.points";

    /// <summary>Observable gauge: entries waiting in the logging buffers of this process's open runs.</summary>
    public const string LogBufferDepthInstrument = "azureml.logging.buffer.depth";

    /// <summary>The SDK's informational version without build metadata (e.g. <c>0.1.0</c>).</summary>
    public static string Version { get; } = ReadVersion();

    /// <summary>The <c>User-Agent</c> every SDK request carries: <c>AzureMlSdk/&lt;version&gt; (.NET &lt;runtime&gt;; &lt;OS&gt;)</c>.</summary>
    public static string UserAgent { get; } = $"{SourceName}/{Version} ({HeaderSafe(RuntimeInformation.FrameworkDescription)}; {HeaderSafe(RuntimeInformation.OSDescription)})";

    /// <summary>The source of the SDK's activities.</summary>
    public static ActivitySource ActivitySource { get; } = new(SourceName, Version);

    /// <summary>The SDK's meter.</summary>
    public static Meter Meter { get; } = new(SourceName, Version);

    internal static Counter<long> HttpRequests { get; } = Meter.CreateCounter<long>(HttpRequestsInstrument, "{request}", "Logical HTTP calls of the remote backend (retries not counted).");

    internal static Counter<long> HttpRetries { get; } = Meter.CreateCounter<long>(HttpRetriesInstrument, "{retry}", "HTTP attempts sent again by the resilience pipeline.");

    internal static Histogram<double> HttpDuration { get; } = Meter.CreateHistogram<double>(HttpDurationInstrument, "s", "Duration of a logical HTTP call, retries included.");

    internal static Histogram<double> LroDuration { get; } = Meter.CreateHistogram<double>(LroDurationInstrument, "s", "Duration of ARM long-running operations.");

    internal static Counter<long> LroPolls { get; } = Meter.CreateCounter<long>(LroPollsInstrument, "{poll}", "Status polls of ARM long-running operations.");

    internal static Counter<long> LogBatches { get; } = Meter.CreateCounter<long>(LogBatchesInstrument, "{batch}", "Logging batches written by runs.");

    internal static Counter<long> LogPoints { get; } = Meter.CreateCounter<long>(LogPointsInstrument, "{point}", "Metric points written by logging batches.");

    private static readonly ObservableGauge<long> BufferDepthGauge = Meter.CreateObservableGauge(
        LogBufferDepthInstrument, Tracking.RunLogger.BufferDepth, "{entry}", "Entries waiting in the logging buffers of the process's open runs.");

    /// <summary>The <c>User-Agent</c> with an application id in front (<see cref="WorkspaceOptions.ApplicationId"/>), as Azure SDKs do.</summary>
    internal static string UserAgentFor(string? applicationId) =>
        string.IsNullOrWhiteSpace(applicationId) ? UserAgent : $"{HeaderSafe(applicationId.Trim())} {UserAgent}";

    private static string ReadVersion()
    {
        var informational = typeof(AzureMlDiagnostics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(AzureMlDiagnostics).Assembly.GetName().Version?.ToString() ?? "0.0.0";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? informational : informational[..plus];
    }

    /// <summary>Keeps printable ASCII and drops the characters that would end a User-Agent comment.</summary>
    private static string HeaderSafe(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            sb.Append(c is >= ' ' and <= '~' and not '(' and not ')' and not '\\' ? c : ' ');
        }
        return sb.ToString().Trim();
    }
}
