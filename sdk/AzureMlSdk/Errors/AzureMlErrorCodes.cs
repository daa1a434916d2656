namespace AzureMlSdk;

/// <summary>
/// Error codes the SDK itself raises. They are MLflow's protocol codes (<c>databricks_pb2.ErrorCode</c>),
/// which the Azure ML MLflow endpoint also answers; ARM errors keep the service's own code.
/// </summary>
public static class AzureMlErrorCodes
{
    /// <summary>An unexpected failure.</summary>
    public const string InternalError = "INTERNAL_ERROR";
    /// <summary>The resource does not exist (404).</summary>
    public const string ResourceDoesNotExist = "RESOURCE_DOES_NOT_EXIST";
    /// <summary>The resource exists already (400 in MLflow, 409 here and in ARM).</summary>
    public const string ResourceAlreadyExists = "RESOURCE_ALREADY_EXISTS";
    /// <summary>A value was rejected (400).</summary>
    public const string InvalidParameterValue = "INVALID_PARAMETER_VALUE";
    /// <summary>The resource is in a state that forbids the operation (400).</summary>
    public const string InvalidState = "INVALID_STATE";
    /// <summary>No or bad credentials (401).</summary>
    public const string Unauthenticated = "UNAUTHENTICATED";
    /// <summary>Authenticated but not allowed (403).</summary>
    public const string PermissionDenied = "PERMISSION_DENIED";
    /// <summary>Throttled or unavailable (429/503).</summary>
    public const string TemporarilyUnavailable = "TEMPORARILY_UNAVAILABLE";
    /// <summary>Too many requests (429).</summary>
    public const string RequestLimitExceeded = "REQUEST_LIMIT_EXCEEDED";
    /// <summary>Not implemented by this backend (501).</summary>
    public const string NotImplemented = "NOT_IMPLEMENTED";
    /// <summary>Stored data failed its integrity check.</summary>
    public const string DataLoss = "DATA_LOSS";
}
