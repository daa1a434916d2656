using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AzureMlSdk.Backends.Remote.Http;

/// <summary>ARM's error envelope: <c>{"error": {code, message, target, details, additionalInfo}}</c>.</summary>
internal sealed class ArmErrorResponse
{
    public ArmErrorDetail? Error { get; set; }
}

/// <summary>One ARM error (details nest the same shape).</summary>
internal sealed class ArmErrorDetail
{
    public string? Code { get; set; }
    public string? Message { get; set; }
    public string? Target { get; set; }
    public List<ArmErrorDetail>? Details { get; set; }
    public List<JsonElement>? AdditionalInfo { get; set; }
}

/// <summary>MLflow's error body: <c>{"error_code": "...", "message": "..."}</c>.</summary>
internal sealed class MlflowErrorResponse
{
    [JsonPropertyName("error_code")]
    public string? ErrorCode { get; set; }

    [JsonPropertyName("message")]
    public string? Message { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ArmErrorResponse))]
[JsonSerializable(typeof(MlflowErrorResponse))]
internal sealed partial class ErrorJsonContext : JsonSerializerContext;

/// <summary>
/// Turns a failed HTTP answer (ARM <c>ErrorResponse</c>, MLflow <c>{error_code, message}</c>, or anything else)
/// into the SDK's typed errors, keeping status, service code and request id. The message names the call
/// (method and path, never the query, headers or body the SDK sent), so no token, key or SAS can leak into it.
/// </summary>
internal static class RemoteErrors
{
    private static readonly string[] RequestIdHeaders = ["x-ms-request-id", "x-request-id", "request-id", "x-ms-client-request-id"];

    /// <summary>The service's request id, if the answer carries one.</summary>
    public static string? RequestId(HttpResponseMessage response)
    {
        foreach (var name in RequestIdHeaders)
        {
            if (response.Headers.TryGetValues(name, out var values) && values.FirstOrDefault() is { Length: > 0 } id)
            {
                return id;
            }
        }
        return null;
    }

    /// <summary>Reads the error body and builds the typed exception (it does not throw it).</summary>
    public static async Task<AzureMlException> FromResponseAsync(HttpResponseMessage response, CancellationToken cancellationToken = default)
    {
        string body = string.Empty;
        try
        {
            if (response.Content is not null)
            {
                body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            // The status alone still says what happened.
        }
        return FromBody((int)response.StatusCode, response.ReasonPhrase, body, RequestId(response), response.RequestMessage);
    }

    /// <summary>Builds the typed exception from the parts of an answer.</summary>
    public static AzureMlException FromBody(int status, string? reason, string? body, string? requestId, HttpRequestMessage? request)
    {
        string? code = null;
        string? message = null;
        bool mlflow = false;
        if (!string.IsNullOrWhiteSpace(body) && body.TrimStart().StartsWith('{'))
        {
            try
            {
                using var doc = JsonDocument.Parse(body);
                if (doc.RootElement.TryGetProperty("error_code", out _))
                {
                    var e = doc.RootElement.Deserialize(ErrorJsonContext.Default.MlflowErrorResponse);
                    code = e?.ErrorCode;
                    message = e?.Message;
                    mlflow = true;
                }
                else if (doc.RootElement.TryGetProperty("error", out var errorElement) && errorElement.ValueKind == JsonValueKind.Object)
                {
                    var e = doc.RootElement.Deserialize(ErrorJsonContext.Default.ArmErrorResponse);
                    code = e?.Error?.Code;
                    message = e?.Error?.Message;
                    var inner = e?.Error?.Details?.FirstOrDefault(d => !string.IsNullOrEmpty(d.Message));
                    if (inner is not null && !string.Equals(inner.Message, message, StringComparison.Ordinal))
                    {
                        message = $"{message} ({inner.Code}: {inner.Message})";
                    }
                }
            }
            catch (JsonException)
            {
                // Not a known error shape; fall back on the status.
            }
        }

        var call = request is null ? string.Empty : $"{request.Method} {request.RequestUri?.AbsolutePath}";
        var text = (message ?? reason ?? "The service returned an error.").Trim();
        var full = $"{text} [HTTP {status}{(code is null ? string.Empty : ", " + code)}{(call.Length == 0 ? string.Empty : ", " + call)}{(requestId is null ? string.Empty : ", request id " + requestId)}]";
        return Create(status, code, full, requestId, mlflow);
    }

    /// <summary>Picks the exception type from the service code first, then the status.</summary>
    public static AzureMlException Create(int status, string? code, string message, string? requestId, bool mlflow = false)
    {
        _ = mlflow;
        switch (code)
        {
            case AzureMlErrorCodes.ResourceDoesNotExist or "NOT_FOUND" or "ENDPOINT_NOT_FOUND":
                return new ResourceNotFoundException(message, code, status, requestId);
            case AzureMlErrorCodes.ResourceAlreadyExists or "ALREADY_EXISTS" or "RESOURCE_CONFLICT":
                return new ResourceExistsException(message, code, status, requestId);
            case AzureMlErrorCodes.InvalidParameterValue or "BAD_REQUEST" or "MALFORMED_REQUEST" or "INVALID_ARGUMENT" or "INVALID_REQUEST":
                return new InvalidInputException(message, null, code, status, requestId);
            case AzureMlErrorCodes.InvalidState:
                return new InvalidStateException(message, code, status, requestId);
            case AzureMlErrorCodes.Unauthenticated or AzureMlErrorCodes.PermissionDenied:
                return new AzureMlAuthenticationException(message, code, status, requestId);
            case AzureMlErrorCodes.TemporarilyUnavailable or AzureMlErrorCodes.RequestLimitExceeded:
                return new ServiceUnavailableException(message, code, status, requestId);
            case AzureMlErrorCodes.NotImplemented:
                return new AzureMlNotSupportedException(message, code, status, requestId);
        }

        var serviceCode = code ?? DefaultCode(status);
        return (HttpStatusCode)status switch
        {
            HttpStatusCode.NotFound => new ResourceNotFoundException(message, serviceCode, status, requestId),
            HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed => new ResourceExistsException(message, serviceCode, status, requestId),
            HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity => new InvalidInputException(message, null, serviceCode, status, requestId),
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new AzureMlAuthenticationException(message, serviceCode, status, requestId),
            HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway
                or HttpStatusCode.GatewayTimeout or HttpStatusCode.RequestTimeout => new ServiceUnavailableException(message, serviceCode, status, requestId),
            HttpStatusCode.NotImplemented => new AzureMlNotSupportedException(message, serviceCode, status, requestId),
            _ => new AzureMlException(message, serviceCode, status, requestId),
        };
    }

    private static string DefaultCode(int status) => (HttpStatusCode)status switch
    {
        HttpStatusCode.NotFound => AzureMlErrorCodes.ResourceDoesNotExist,
        HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed => AzureMlErrorCodes.ResourceAlreadyExists,
        HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity => AzureMlErrorCodes.InvalidParameterValue,
        HttpStatusCode.Unauthorized => AzureMlErrorCodes.Unauthenticated,
        HttpStatusCode.Forbidden => AzureMlErrorCodes.PermissionDenied,
        HttpStatusCode.TooManyRequests => AzureMlErrorCodes.RequestLimitExceeded,
        HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout or HttpStatusCode.RequestTimeout => AzureMlErrorCodes.TemporarilyUnavailable,
        HttpStatusCode.NotImplemented => AzureMlErrorCodes.NotImplemented,
        _ => AzureMlErrorCodes.InternalError,
    };

    /// <summary>Maps a transport failure (network error, timeouts, open circuit) that survived the retries.</summary>
    public static Exception FromTransport(HttpRequestMessage? request, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is AzureMlException)
        {
            return exception;
        }
        if (exception is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            return exception;
        }
        var call = request is null ? "the call" : $"{request.Method} {request.RequestUri?.AbsolutePath}";
        var what = exception switch
        {
            Polly.Timeout.TimeoutRejectedException or TaskCanceledException or OperationCanceledException => "timed out",
            Polly.CircuitBreaker.BrokenCircuitException => "was not attempted: too many recent failures opened the circuit breaker",
            _ => "failed at the network level",
        };
        return new ServiceUnavailableException($"{call} {what} and retries did not help ({exception.GetType().Name}).", AzureMlErrorCodes.TemporarilyUnavailable, 503, null, exception);
    }
}
