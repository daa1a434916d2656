using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace AzureMlSdk.Backends.Remote.Http;

/// <summary>
/// The one resilience pipeline every remote call goes through (outer → inner): total timeout,
/// retry (exponential backoff with jitter, <c>Retry-After</c> honoured but never past the total
/// timeout — dotnet/extensions#7701), circuit breaker, attempt timeout.
/// </summary>
/// <remarks>
/// What is retried: a request <see cref="RetrySafety.IsReplaySafe"/> calls safe — declared with
/// <see cref="RetrySafeAttribute"/> on its Refit method (GETs, PUTs and DELETEs by HTTP rules, the POSTs that only read or
/// set a value) — on any transient outcome (408, 429, 5xx, network errors, attempt timeouts). A request declared
/// <see cref="NotRetrySafeAttribute"/> — notably MLflow <c>runs/create</c> and <c>experiments/create</c>, whose replay after a
/// lost reply would create a second run or report a spurious "already exists" — is retried only on 429, which the server
/// answers before it applies anything. This pipeline is the SDK's only retry layer for REST calls: nothing above it
/// (buffered logging, LRO polling, the object model) retries what it gave up on.
/// </remarks>
internal static partial class AzureMlResilience
{
    /// <summary>Request option carrying the timestamp the call started at (set by <see cref="AzureMlDiagnosticsHandler"/>).</summary>
    public static readonly HttpRequestOptionsKey<long> CallStartedKey = new("AzureMl.CallStarted");

    /// <summary>
    /// Failure ratio (over <see cref="BreakerSamplingDuration"/>, counted per attempt) that opens the circuit. The retries are
    /// designed to absorb a per-attempt fault rate up to about 50 % (with 3 retries a call then still succeeds 94 % of the
    /// time); the breaker is for a service that is down, not one that is flaky, so it opens only when nearly every attempt fails.
    /// 429s are not failures for the breaker (a throttling server is up and says when to come back).
    /// </summary>
    public const double BreakerFailureRatio = 0.9;

    /// <summary>Attempts in the sampling window before the breaker may open (small windows make the ratio noisy).</summary>
    public const int BreakerMinimumThroughput = 20;

    /// <summary>The breaker's sampling window.</summary>
    public static readonly TimeSpan BreakerSamplingDuration = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit refuses calls before it lets one probe through.</summary>
    public static readonly TimeSpan BreakerBreakDuration = TimeSpan.FromSeconds(5);

    /// <summary>Builds the pipeline from the workspace options.</summary>
    public static ResiliencePipeline<HttpResponseMessage> Build(WorkspaceOptions options, ILogger? logger = null)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = options.TimeProvider };
        Configure(builder, options, logger);
        return builder.Build();
    }

    /// <summary>Adds the strategies to a builder (also used by the DI registration).</summary>
    public static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> builder, WorkspaceOptions options, ILogger? logger = null)
    {
        var log = logger ?? NullLogger.Instance;
        var time = options.TimeProvider;
        var total = options.TotalTimeout;
        var attempt = options.AttemptTimeout;

        builder.AddTimeout(new TimeoutStrategyOptions { Name = "AzureMl.TotalTimeout", Timeout = total });
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new HttpRetryStrategyOptions
            {
                Name = "AzureMl.Retry",
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromSeconds(1),
                MaxDelay = TimeSpan.FromSeconds(30),
                ShouldRetryAfterHeader = false, // read below with the SDK's clock and capped
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, args.Context, time, total)),
                DelayGenerator = args => ValueTask.FromResult(RetryAfter.Get(args.Outcome.Result, time)),
                OnRetry = args =>
                {
                    OnRetry(args.Outcome, args.Context, args.AttemptNumber, args.RetryDelay, log);
                    return ValueTask.CompletedTask;
                },
            });
        }
        builder.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
        {
            Name = "AzureMl.CircuitBreaker",
            FailureRatio = BreakerFailureRatio,
            MinimumThroughput = BreakerMinimumThroughput,
            SamplingDuration = attempt * 2 > BreakerSamplingDuration ? attempt * 2 : BreakerSamplingDuration,
            BreakDuration = BreakerBreakDuration,
            ShouldHandle = args => ValueTask.FromResult(
                args.Outcome.Result?.StatusCode != HttpStatusCode.TooManyRequests && HttpClientResiliencePredicates.IsTransient(args.Outcome)),
        });
        builder.AddTimeout(new TimeoutStrategyOptions { Name = "AzureMl.AttemptTimeout", Timeout = attempt });
    }

    /// <summary>Counts the retry on the request, adds an event to the call's activity, a point to the retries counter and a log line.</summary>
    private static void OnRetry(Outcome<HttpResponseMessage> outcome, ResilienceContext context, int attemptNumber, TimeSpan delay, ILogger logger)
    {
        var request = context.GetRequestMessage();
        var resend = attemptNumber + 1;
        var error = outcome.Result is { } r ? ((int)r.StatusCode).ToString(CultureInfo.InvariantCulture) : outcome.Exception?.GetType().Name ?? "unknown";
        if (request is not null)
        {
            request.Options.Set(AzureMlDiagnosticsHandler.RetriesKey, resend);
        }
        Activity.Current?.AddEvent(new ActivityEvent(AzureMlDiagnostics.RetryEvent, tags: new ActivityTagsCollection
        {
            { "http.request.resend_count", resend },
            { "azureml.retry.delay_ms", (long)delay.TotalMilliseconds },
            { "error.type", error },
        }));
        AzureMlDiagnostics.HttpRetries.Add(1, new TagList
        {
            { "http.request.method", request?.Method.Method },
            { "server.address", request?.RequestUri?.Host },
            { "error.type", error },
        });
        if (logger.IsEnabled(LogLevel.Information))
        {
            LogRetry(logger, request?.Method.Method ?? "?", request?.RequestUri?.AbsolutePath ?? string.Empty, error, resend, delay.TotalMilliseconds);
        }
    }

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "{Method} {Path} answered {Error}; retry {Resend} in {DelayMs:0} ms")]
    private static partial void LogRetry(ILogger logger, string method, string path, string error, int resend, double delayMs);

    private static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, ResilienceContext context, TimeProvider time, TimeSpan total)
    {
        if (context.CancellationToken.IsCancellationRequested)
        {
            return false;
        }
        if (outcome.Exception is BrokenCircuitException || !HttpClientResiliencePredicates.IsTransient(outcome))
        {
            return false;
        }
        var request = context.GetRequestMessage();
        var throttled = outcome.Result?.StatusCode == HttpStatusCode.TooManyRequests;
        if (!throttled && !RetrySafety.IsReplaySafe(request))
        {
            return false;
        }
        if (RetryAfter.Get(outcome.Result, time) is { } wait && request is not null
            && request.Options.TryGetValue(CallStartedKey, out var started))
        {
            // A Retry-After past the remaining budget would be waited out only to fail: give up now with the server's answer.
            var remaining = total - time.GetElapsedTime(started);
            if (wait >= remaining)
            {
                return false;
            }
        }
        return true;
    }
}
