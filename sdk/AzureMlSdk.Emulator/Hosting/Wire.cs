using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

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
    public static Task ArmErrorAsync(HttpContext context, int status, string code, string message, string? target = null)
    {
        EnsureRetryAfter(context, status);
        message = CapMessage(message);
        return JsonAsync(context, status, w =>
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
    }

    /// <summary>MLflow's error body.</summary>
    public static Task MlflowErrorAsync(HttpContext context, int status, string code, string message)
    {
        EnsureRetryAfter(context, status);
        message = CapMessage(message);
        return JsonAsync(context, status, w =>
        {
            w.WriteStartObject();
            w.WriteString("error_code", code);
            w.WriteString("message", message);
            w.WriteEndObject();
        });
    }

    /// <summary>The error body of the route family the request belongs to (MLflow's for MLflow routes, ARM's otherwise).</summary>
    public static Task ErrorAsync(HttpContext context, int status, string armCode, string mlflowCode, string message) =>
        IsMlflow(context.Request.Path)
            ? MlflowErrorAsync(context, status, mlflowCode, message)
            : ArmErrorAsync(context, status, armCode, message);

    /// <summary>Seconds a client is told to wait after a 429 or 503 that names no other delay.</summary>
    public const int DefaultRetryAfterSeconds = 1;

    /// <summary>Every 429 and 503 says when to come back (clients back off by it).</summary>
    private static void EnsureRetryAfter(HttpContext context, int status)
    {
        if (status is 429 or 503 && !context.Response.HasStarted && string.IsNullOrEmpty(context.Response.Headers.RetryAfter))
        {
            context.Response.Headers.RetryAfter = DefaultRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>
    /// True when <paramref name="exception"/> (or one it wraps) is a failure to read the request itself, as Kestrel reports it
    /// (<see cref="BadHttpRequestException"/>: a body over the route's limit, malformed chunked encoding, a body sent too slowly);
    /// <paramref name="status"/> is the 4xx it deserves (413, 400, 408).
    /// </summary>
    public static bool IsTransportFailure(Exception? exception, out int status)
    {
        for (var depth = 0; exception is not null && depth < 8; depth++)
        {
            if (exception is BadHttpRequestException bad)
            {
                status = bad.StatusCode is >= 400 and < 500 ? bad.StatusCode : 400;
                return true;
            }
            if (exception is AggregateException { InnerExceptions.Count: > 0 } aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    if (IsTransportFailure(inner, out status))
                    {
                        return true;
                    }
                }
            }
            exception = exception.InnerException;
        }
        status = 0;
        return false;
    }

    /// <summary>
    /// Answers an exception no handler turned into a reply: a transport failure as its 4xx (413 naming the route's limit,
    /// 400 for a malformed body, 408), anything else as a 500 that names nothing internal (the details go to the log).
    /// Always in the route family's error shape. Nothing is written once the response has started.
    /// </summary>
    public static Task FailureAsync(HttpContext context, Exception exception)
    {
        if (context.Response.HasStarted)
        {
            return Task.CompletedTask;
        }
        if (IsTransportFailure(exception, out var status))
        {
            context.Response.Headers.Connection = "close";
            var limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
            return status switch
            {
                413 => ErrorAsync(context, 413, "RequestContentTooLarge", "BAD_REQUEST",
                    limit is { } max ? $"The request body is larger than the {max} bytes this route accepts." : "The request body is too large."),
                408 => ErrorAsync(context, 408, "RequestTimeout", "BAD_REQUEST", "The request body was not received in time."),
                _ => ErrorAsync(context, status, "InvalidRequestContent", "BAD_REQUEST",
                    "The request body could not be read: its framing is malformed (e.g. invalid chunked transfer encoding)."),
            };
        }
        context.RequestServices?.GetService<ILoggerFactory>()?.CreateLogger("AzureMlSdk.Emulator")
            .LogError(exception, "Unhandled error serving {Method} {Path}", context.Request.Method, context.Request.Path);
        return ErrorAsync(context, 500, "InternalServerError", "INTERNAL_ERROR", "The Emulator failed to serve this request; the details are in its log.");
    }

    /// <summary>
    /// Describes a JSON syntax error by position only (never the parser's own text, which can quote the input at length).
    /// </summary>
    public static string JsonSyntaxMessage(JsonException exception) =>
        exception is InvalidUtf8Exception ? exception.Message
        : exception.LineNumber is { } line
            ? $"The request body is not valid JSON (line {line + 1}, byte {(exception.BytePositionInLine ?? 0) + 1})."
            : "The request body is not valid JSON.";

    /// <summary>
    /// Reads the whole request body as bytes, within the route's size limit (Kestrel enforces it while reading; a larger
    /// body throws its <see cref="BadHttpRequestException"/> 413).
    /// </summary>
    public static async Task<byte[]> ReadBodyAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        return buffer.ToArray();
    }

    /// <summary>Parses a JSON body; invalid UTF-8 and bad syntax are <see cref="JsonException"/>s.</summary>
    public static JsonDocument ParseJson(byte[] body) =>
        System.Text.Unicode.Utf8.IsValid(body)
            ? JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 })
            : throw new InvalidUtf8Exception();

    /// <summary>A body that is not UTF-8 (JSON's encoding): refused whole, before any string of it is read.</summary>
    private sealed class InvalidUtf8Exception() : JsonException("The request body is not valid UTF-8.");

    /// <summary>True for a body that is empty or only whitespace.</summary>
    public static bool IsBlank(byte[] body) => body.All(b => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n');

    /// <summary>
    /// The text a client may see for a failure: the message of the SDK's and the Emulator's own errors (written for users),
    /// otherwise a fixed sentence; an unexpected exception's type, text and stack go only to the Emulator's log (stderr).
    /// </summary>
    public static string PublicMessage(Exception exception, string what)
    {
        if (exception is AzureMlException or Arm.ArmException or Mlflow.MlflowException)
        {
            return exception.Message;
        }
        Console.Error.WriteLine($"{what} failed: {exception}");
        return $"{what} failed: an internal error in the Emulator (the details are in its log).";
    }

    /// <summary>Longest error message sent: whatever a message quotes, a reply never echoes a huge request back.</summary>
    public const int MaxErrorMessageLength = 2000;

    private static string CapMessage(string message) =>
        message.Length <= MaxErrorMessageLength ? message : string.Concat(message.AsSpan(0, MaxErrorMessageLength), "... (truncated)");

    /// <summary>Shortens a value quoted in an error message (as MLflow does): at most <paramref name="max"/> characters.</summary>
    public static string Truncate(string value, int max = 250) =>
        value.Length <= max ? value : string.Concat(value.AsSpan(0, max), $"... ({value.Length} characters)");

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

/// <summary>
/// Request body limits per route family (the spec sets none; a larger body is answered 413 in the family's error shape).
/// ARM: 4 MiB, our choice (the spec states no request size limit; generous for any ARM body). MLflow API: 32 MiB (MLflow's largest field, a dataset
/// profile, is 16 MiB). Artifact uploads: none (streamed to blob storage). Admin routes: 64 KiB.
/// </summary>
internal static class BodyLimits
{
    public const long Arm = 4L * 1024 * 1024;
    public const long Mlflow = 32L * 1024 * 1024;
    public const long Admin = 64L * 1024;

    public static long? For(PathString path)
    {
        var p = path.Value ?? string.Empty;
        if (p.Contains("/api/2.0/mlflow-artifacts/", StringComparison.OrdinalIgnoreCase) || p.Contains("/ajax-api/2.0/mlflow-artifacts/", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        if (Wire.IsMlflow(path))
        {
            return Mlflow;
        }
        return path.StartsWithSegments("/_emulator", StringComparison.Ordinal) ? Admin : Arm;
    }
}
