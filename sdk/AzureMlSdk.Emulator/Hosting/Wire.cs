using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace AzureMlSdk.Emulator.Hosting;

/// <summary>Writing replies: JSON bodies and the two error shapes (ARM <c>ErrorResponse</c>, MLflow <c>{error_code, message}</c>).</summary>
internal static class Wire
{
    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>True for the MLflow surface (<c>…/api/2.0/mlflow/…</c>, the artifacts proxy <c>…/api/2.0/mlflow-artifacts/…</c>, <c>…/api/3.0/mlflow/…</c>, <c>/ajax-api/…</c>).</summary>
    public static bool IsMlflow(PathString path) =>
        path.Value is { } p && (p.Contains("/api/2.0/mlflow/", StringComparison.OrdinalIgnoreCase)
            || p.Contains("/api/2.0/mlflow-artifacts/", StringComparison.OrdinalIgnoreCase)
            || p.Contains("/api/3.0/mlflow/", StringComparison.OrdinalIgnoreCase)
            || p.Contains("/ajax-api/2.0/mlflow/", StringComparison.OrdinalIgnoreCase)
            || p.Contains("/ajax-api/2.0/mlflow-artifacts/", StringComparison.OrdinalIgnoreCase));

    /// <summary>Writes a JSON body built by <paramref name="write"/>.</summary>
    public static async Task JsonAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = buffer.Length;
        buffer.Position = 0;
        await buffer.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>ARM's error envelope.</summary>
    public static Task ArmErrorAsync(HttpContext context, int status, string code, string message, string? target = null) =>
        JsonAsync(context, status, w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("error");
            w.WriteString("code", code);
            w.WriteString("message", message);
            if (target is not null)
            {
                w.WriteString("target", target);
            }
            w.WriteStartArray("details");
            w.WriteEndArray();
            w.WriteStartArray("additionalInfo");
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        });

    /// <summary>MLflow's error body.</summary>
    public static Task MlflowErrorAsync(HttpContext context, int status, string code, string message) =>
        JsonAsync(context, status, w =>
        {
            w.WriteStartObject();
            w.WriteString("error_code", code);
            w.WriteString("message", message);
            w.WriteEndObject();
        });

    /// <summary>Compares secrets in constant time.</summary>
    public static bool SecretEquals(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected));
}

/// <summary>The middleware every request passes: request id, bearer auth, fault injection.</summary>
internal static class EmulatorPipeline
{
    private const string AdminPrefix = "/_emulator";

    public static void UseEmulatorPipeline(this WebApplication app, string token, FaultInjector faults, EmulatorStats stats)
    {
        app.Use(async (context, next) =>
        {
            var requestId = Guid.NewGuid().ToString();
            context.Response.Headers["x-ms-request-id"] = requestId;
            context.Response.Headers["x-request-id"] = requestId;
            var mlflow = Wire.IsMlflow(context.Request.Path);

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
            using var doc = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
            var root = doc.RootElement;
            var rate = root.TryGetProperty("rate", out var r) ? r.GetDouble() : 0;
            var seed = root.TryGetProperty("seed", out var s) ? s.GetInt32() : 1;
            int? retryAfter = root.TryGetProperty("max_retry_after", out var ra) ? ra.GetInt32() : null;
            if (root.TryGetProperty("reset_stats", out var reset) && reset.GetBoolean())
            {
                stats.Reset();
            }
            faults.Configure(rate, seed, retryAfter);
            context.Response.StatusCode = 204;
        });
    }
}
