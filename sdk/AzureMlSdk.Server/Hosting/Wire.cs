using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace AzureMlSdk.Server.Hosting;

/// <summary>Writing replies: JSON bodies and the two error shapes (ARM <c>ErrorResponse</c>, MLflow <c>{error_code, message}</c>).</summary>
internal static class Wire
{
    /// <summary>How error messages name the server (the Emulator, the local job agent): set once at startup by the process that hosts the routes.</summary>
    public static string ServerName { get; set; } = "Emulator";


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
        context.RequestServices?.GetService<ILoggerFactory>()?.CreateLogger("AzureMlSdk.Server")
            .LogError(exception, "Unhandled error serving {Method} {Path}", context.Request.Method, context.Request.Path);
        return ErrorAsync(context, 500, "InternalServerError", "INTERNAL_ERROR", $"The {ServerName} failed to serve this request; the details are in its log.");
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
    /// The text a client may see for a failure: the message of the SDK's and the server's own errors (<see cref="IPublicError"/>) (written for users),
    /// otherwise a fixed sentence; an unexpected exception's type, text and stack go only to the server's log (stderr).
    /// </summary>
    public static string PublicMessage(Exception exception, string what)
    {
        if (exception is AzureMlException or IPublicError)
        {
            return exception.Message;
        }
        Console.Error.WriteLine($"{what} failed: {exception}");
        return $"{what} failed: an internal error in the {ServerName} (the details are in its log).";
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

/// <summary>An exception whose message is written for clients (ARM and MLflow errors of the routes), so replies may carry it.</summary>
internal interface IPublicError;
