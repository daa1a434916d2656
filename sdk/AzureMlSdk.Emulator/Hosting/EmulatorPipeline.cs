using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace AzureMlSdk.Emulator.Hosting;

/// <summary>The middleware every request passes: request id, bearer auth, fault injection.</summary>
internal static class EmulatorPipeline
{
    private const string AdminPrefix = "/_emulator";

    public static void UseEmulatorPipeline(this WebApplication app, string token, FaultInjector faults, EmulatorStats stats)
    {
        // Outermost: each route family's body limit, and no exception leaves as Kestrel's bare 500 (or with internal text).
        app.Use(async (context, next) =>
        {
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = BodyLimits.For(context.Request.Path);
            }
            try
            {
                await next(context).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away.
            }
            catch (Exception ex) when (!context.Response.HasStarted)
            {
                await Wire.FailureAsync(context, ex).ConfigureAwait(false);
            }
        });

        app.Use(async (context, next) =>
        {
            var requestId = Guid.NewGuid().ToString();
            context.Response.Headers["x-ms-request-id"] = requestId;
            context.Response.Headers["x-request-id"] = requestId;
            var mlflow = Wire.IsMlflow(context.Request.Path);

            // The studio (/studio) checks the same token itself: as ?token= once, then its cookie, or this bearer header.
            if (context.Request.Path.StartsWithSegments(EmulatorStudio.PathPrefix, StringComparison.OrdinalIgnoreCase))
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            // Auth: a bearer token equal to the configured one. Nothing about the token is logged or echoed.
            var header = context.Request.Headers.Authorization.ToString();
            var ok = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && Wire.SecretEquals(header[7..].Trim(), token);
            if (!ok)
            {
                stats.Unauthenticated();
                context.Response.Headers.WWWAuthenticate = "Bearer authorization_uri=\"http://127.0.0.1/\", error=\"invalid_token\"";
                var what = header.Length == 0 ? "The request has no Authorization header." : "The bearer token is not valid for this Emulator.";
                if (mlflow)
                {
                    await Wire.MlflowErrorAsync(context, 401, "UNAUTHENTICATED", what).ConfigureAwait(false);
                }
                else
                {
                    await Wire.ArmErrorAsync(context, 401, header.Length == 0 ? "AuthenticationFailed" : "InvalidAuthenticationToken", what).ConfigureAwait(false);
                }
                return;
            }

            if (context.Request.Path.StartsWithSegments(AdminPrefix, StringComparison.Ordinal))
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            stats.Request();
            if (faults.Next() is not { } fault)
            {
                await next(context).ConfigureAwait(false);
                return;
            }
            stats.Injected(fault.Kind);
            switch (fault.Kind)
            {
                case FaultKind.Throttle:
                    context.Response.Headers.RetryAfter = fault.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    if (mlflow)
                    {
                        await Wire.MlflowErrorAsync(context, 429, "REQUEST_LIMIT_EXCEEDED", "Too many requests (injected fault).").ConfigureAwait(false);
                    }
                    else
                    {
                        await Wire.ArmErrorAsync(context, 429, "TooManyRequests", "Too many requests (injected fault).").ConfigureAwait(false);
                    }
                    return;
                case FaultKind.Unavailable:
                    context.Response.Headers.RetryAfter = fault.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    if (mlflow)
                    {
                        await Wire.MlflowErrorAsync(context, 503, "TEMPORARILY_UNAVAILABLE", "The service is temporarily unavailable (injected fault).").ConfigureAwait(false);
                    }
                    else
                    {
                        await Wire.ArmErrorAsync(context, 503, "ServiceUnavailable", "The service is temporarily unavailable (injected fault).").ConfigureAwait(false);
                    }
                    return;
                default:
                    // Apply the request, keep its reply from the wire, then drop the connection.
                    var original = context.Response.Body;
                    using (var sink = new MemoryStream())
                    {
                        context.Response.Body = sink;
                        try
                        {
                            await next(context).ConfigureAwait(false);
                        }
                        finally
                        {
                            context.Response.Body = original;
                        }
                    }
                    context.Abort();
                    return;
            }
        });
    }
}

/// <summary>Test hooks under <c>/_emulator</c> (bearer auth, never faulted): fault switch and counters.</summary>
internal static class AdminEndpoints
{
    public static void Map(WebApplication app, FaultInjector faults, EmulatorStats stats)
    {
        app.MapGet("/_emulator/stats", (HttpContext context) => Wire.JsonAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("requests", stats.Requests);
            w.WriteNumber("throttled", stats.Throttled);
            w.WriteNumber("unavailable", stats.Unavailable);
            w.WriteNumber("dropped", stats.Dropped);
            w.WriteNumber("unauthorized", stats.Unauthorized);
            w.WriteNumber("log_batch_requests", stats.LogBatchRequests);
            w.WriteNumber("metric_points_received", stats.MetricPointsReceived);
            w.WriteNumber("fault_rate", faults.Rate);
            w.WriteEndObject();
        }));
        app.MapPost("/_emulator/faults", async (HttpContext context) =>
        {
            // Bad input is the caller's error: a 400 that says what is wrong, nothing logged.
            FaultSettings settings;
            try
            {
                settings = FaultSettings.Parse(await Wire.ReadBodyAsync(context).ConfigureAwait(false));
            }
            catch (ArgumentException ex)
            {
                await Wire.ArmErrorAsync(context, 400, "InvalidRequestContent", ex.Message).ConfigureAwait(false);
                return;
            }
            if (settings.ResetStats)
            {
                stats.Reset();
            }
            faults.Configure(settings.Rate, settings.Seed, settings.MaxRetryAfter);
            context.Response.StatusCode = 204;
        });
    }
}

/// <summary>The body of <c>POST /_emulator/faults</c>: <c>{"rate": 0…1, "seed": int, "max_retry_after": 0…3600, "reset_stats": bool}</c>.</summary>
internal sealed record FaultSettings(double Rate, int Seed, int? MaxRetryAfter, bool ResetStats)
{
    /// <summary>Parses and checks the body; every problem is an <see cref="ArgumentException"/> whose message names the field.</summary>
    public static FaultSettings Parse(byte[] body)
    {
        if (Wire.IsBlank(body))
        {
            throw new ArgumentException("The request body is required: {\"rate\": 0.2, \"seed\": 1}.");
        }
        JsonDocument doc;
        try
        {
            doc = Wire.ParseJson(body);
        }
        catch (JsonException ex)
        {
            throw new ArgumentException(Wire.JsonSyntaxMessage(ex));
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException("The request body must be a JSON object.");
            }
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name is not ("rate" or "seed" or "max_retry_after" or "reset_stats"))
                {
                    throw new ArgumentException($"Unknown field '{Wire.Truncate(property.Name, 64)}': use rate, seed, max_retry_after, reset_stats.");
                }
            }
            var rate = root.TryGetProperty("rate", out var r) ? Number(r, "rate") : 0;
            if (double.IsNaN(rate) || rate is < 0 or > 1)
            {
                throw new ArgumentException($"'rate' must be between 0 and 1; got {rate.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
            }
            var seed = root.TryGetProperty("seed", out var s) ? Integer(s, "seed", int.MinValue, int.MaxValue) : 1;
            int? retryAfter = root.TryGetProperty("max_retry_after", out var ra) ? Integer(ra, "max_retry_after", 0, 3600) : null;
            var reset = root.TryGetProperty("reset_stats", out var resetElement) && resetElement.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw new ArgumentException("'reset_stats' must be true or false."),
            };
            return new FaultSettings(rate, seed, retryAfter, reset);
        }
    }

    private static double Number(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out var d) ? d : throw new ArgumentException($"'{name}' must be a number.");

    private static int Integer(JsonElement e, string name, int min, int max) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var n) && n >= min && n <= max
            ? n
            : throw new ArgumentException($"'{name}' must be an integer between {min} and {max}.");
}

