namespace AzureMlSdk;

/// <summary>
/// The root of every error the SDK raises. Carries the service's error code, the HTTP status
/// (the local backend reports the status the real service would have answered) and the request id.
/// </summary>
public class AzureMlException : Exception
{
    /// <summary>Creates an error with a message, an error code and an HTTP status.</summary>
    public AzureMlException(string message, string errorCode = AzureMlErrorCodes.InternalError, int status = 500, string? requestId = null, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorCode = errorCode;
        Status = status;
        RequestId = requestId;
    }

    /// <summary>The service's error code, e.g. <c>RESOURCE_DOES_NOT_EXIST</c> or an ARM code such as <c>UserError</c>.</summary>
    public string ErrorCode { get; }

    /// <summary>The HTTP status the service answered (or would have answered, for the local backend).</summary>
    public int Status { get; }

    /// <summary>The service's request id (<c>x-ms-request-id</c> / <c>x-request-id</c>), when there was a request.</summary>
    public string? RequestId { get; }
}

/// <summary>The resource (experiment, run, model, artifact…) does not exist.</summary>
public class ResourceNotFoundException : AzureMlException
{
    /// <summary>Creates the error.</summary>
    public ResourceNotFoundException(string message, string errorCode = AzureMlErrorCodes.ResourceDoesNotExist, int status = 404, string? requestId = null, Exception? innerException = null)
        : base(message, errorCode, status, requestId, innerException) { }
}

/// <summary>The resource already exists, or the write conflicts with the resource's current state.</summary>
public class ResourceExistsException : AzureMlException
{
    /// <summary>Creates the error.</summary>
    public ResourceExistsException(string message, string errorCode = AzureMlErrorCodes.ResourceAlreadyExists, int status = 409, string? requestId = null, Exception? innerException = null)
        : base(message, errorCode, status, requestId, innerException) { }
}

/// <summary>An argument was rejected: a bad name, a key over its limit, a changed param value…</summary>
public class InvalidInputException : AzureMlException
{
    /// <summary>Creates the error.</summary>
    public InvalidInputException(string message, string? parameterName = null, string errorCode = AzureMlErrorCodes.InvalidParameterValue, int status = 400, string? requestId = null, Exception? innerException = null)
        : base(message, errorCode, status, requestId, innerException)
    {
        ParameterName = parameterName;
    }

    /// <summary>The name of the offending parameter or key, when known.</summary>
    public string? ParameterName { get; }
}

/// <summary>The operation is not valid in the resource's current state (e.g. logging to a run this object already completed).</summary>
public class InvalidStateException : AzureMlException
{
    /// <summary>Creates the error.</summary>
    public InvalidStateException(string message, string errorCode = AzureMlErrorCodes.InvalidState, int status = 400, string? requestId = null, Exception? innerException = null)
        : base(message, errorCode, status, requestId, innerException) { }
}

/// <summary>The caller is not authenticated (401) or not allowed (403).</summary>
public class AzureMlAuthenticationException : AzureMlException
{
    /// <summary>Creates the error.</summary>
    public AzureMlAuthenticationException(string message, string errorCode = AzureMlErrorCodes.Unauthenticated, int status = 401, string? requestId = null, Exception? innerException = null)
        : base(message, errorCode, status, requestId, innerException) { }
}

/// <summary>The service is unavailable or throttling (503/429/timeouts) and retries did not help.</summary>
public class ServiceUnavailableException : AzureMlException
{
    /// <summary>Creates the error.</summary>
    public ServiceUnavailableException(string message, string errorCode = AzureMlErrorCodes.TemporarilyUnavailable, int status = 503, string? requestId = null, Exception? innerException = null)
        : base(message, errorCode, status, requestId, innerException) { }
}

/// <summary>The backend (local or remote) cannot do this; the message says what and where it is supported.</summary>
public class AzureMlNotSupportedException : AzureMlException
{
    /// <summary>Creates the error.</summary>
    public AzureMlNotSupportedException(string message, string errorCode = AzureMlErrorCodes.NotImplemented, int status = 501, string? requestId = null, Exception? innerException = null)
        : base(message, errorCode, status, requestId, innerException) { }
}
