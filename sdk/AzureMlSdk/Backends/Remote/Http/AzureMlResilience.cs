using System.Net;
using Microsoft.Extensions.Http.Resilience;
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
/// What is retried: GET/HEAD/PUT/DELETE (idempotent by HTTP and ARM rules) and the POSTs listed in
/// <see cref="IsReplaySafe"/> on any transient outcome (408, 429, 5xx, network errors, attempt timeouts).
/// Every other POST/PATCH — notably MLflow <c>runs/create</c> and <c>experiments/create</c>, whose replay
/// after a lost reply would create a second run or report a spurious "already exists" — is retried only
/// on 429, which the server answers before it applies anything.
/// </remarks>
internal static class AzureMlResilience
{
    /// <summary>Request option carrying the timestamp the call started at (set by <see cref="AzureMlDiagnosticsHandler"/>).</summary>
    public static readonly HttpRequestOptionsKey<long> CallStartedKey = new("AzureMl.CallStarted");

    // Read-only or idempotent POSTs: replaying them after a lost reply changes nothing.
    private static readonly string[] ReplaySafePostSuffixes =
    [
        "/api/2.0/mlflow/runs/log-batch",      // the server keeps metric points unique on (key, timestamp, step, value)
        "/api/2.0/mlflow/runs/update",
        "/api/2.0/mlflow/runs/search",
        "/api/2.0/mlflow/experiments/search",
        "/api/2.0/mlflow/experiments/update",
        "/api/2.0/mlflow/experiments/set-experiment-tag",
        "/api/2.0/mlflow/runs/set-tag",
        "/listSecrets",
        "/listKeys",
        "/listkeys",
        "/getLogs",
        "/token",
        "/cancel",
        "/startPendingUpload",
    ];

    /// <summary>True when the request may be sent again after an unknown outcome.</summary>
    public static bool IsReplaySafe(HttpRequestMessage? request)
    {
        if (request is null)
        {
            return false;
        }
        var method = request.Method;
        if (method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Put || method == HttpMethod.Delete || method == HttpMethod.Options)
        {
            return true;
        }
        var path = request.RequestUri?.AbsolutePath ?? string.Empty;
        return method == HttpMethod.Post && ReplaySafePostSuffixes.Any(s => path.EndsWith(s, StringComparison.Ordinal));
    }

    /// <summary>Builds the pipeline from the workspace options.</summary>
    public static ResiliencePipeline<HttpResponseMessage> Build(WorkspaceOptions options)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = options.TimeProvider };
        Configure(builder, options);
        return builder.Build();
    }

    /// <summary>Adds the strategies to a builder (also used by the DI registration).</summary>
    public static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> builder, WorkspaceOptions options)
    {
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
            });
        }
        builder.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
        {
            Name = "AzureMl.CircuitBreaker",
            FailureRatio = 0.5,
            MinimumThroughput = 20,
            SamplingDuration = attempt * 2 > TimeSpan.FromSeconds(30) ? attempt * 2 : TimeSpan.FromSeconds(30),
            BreakDuration = TimeSpan.FromSeconds(5),
        });
        builder.AddTimeout(new TimeoutStrategyOptions { Name = "AzureMl.AttemptTimeout", Timeout = attempt });
    }

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
        if (!throttled && !IsReplaySafe(request))
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
