namespace AzureMlSdk;

/// <summary>How callers authenticate to an online endpoint's scoring URI (ARM <c>EndpointAuthMode</c>).</summary>
public enum EndpointAuthMode
{
    /// <summary>A static key (<c>Authorization: Bearer &lt;primary or secondary key&gt;</c>); ARM <c>Key</c>, YAML <c>key</c>.</summary>
    Key,
    /// <summary>An Azure ML token that expires (<see cref="OnlineEndpoint.GetTokenAsync"/>); ARM <c>AMLToken</c>, YAML <c>aml_token</c>.</summary>
    AmlToken,
    /// <summary>A Microsoft Entra token; ARM <c>AADToken</c>, YAML <c>aad_token</c>. Not available on local endpoints.</summary>
    AadToken,
}

/// <summary>The provisioning state of an endpoint or a deployment (ARM <c>EndpointProvisioningState</c> / <c>DeploymentProvisioningState</c>).</summary>
public enum ProvisioningState
{
    /// <summary>Being created.</summary>
    Creating,
    /// <summary>Being updated.</summary>
    Updating,
    /// <summary>A deployment changing its instance count.</summary>
    Scaling,
    /// <summary>Being deleted.</summary>
    Deleting,
    /// <summary>Ready.</summary>
    Succeeded,
    /// <summary>The last create or update failed (see the logs).</summary>
    Failed,
    /// <summary>The last operation was canceled.</summary>
    Canceled,
}

/// <summary>Which endpoint key to regenerate (ARM <c>KeyType</c>).</summary>
public enum EndpointKeyType
{
    /// <summary>The primary key.</summary>
    Primary,
    /// <summary>The secondary key.</summary>
    Secondary,
}

/// <summary>An endpoint's two keys (ARM <c>EndpointAuthKeys</c>); either one authenticates a scoring request.</summary>
/// <param name="PrimaryKey">The primary key.</param>
/// <param name="SecondaryKey">The secondary key.</param>
public sealed record EndpointKeys(string PrimaryKey, string SecondaryKey)
{
    /// <inheritdoc />
    public override string ToString() => "EndpointKeys { PrimaryKey = ***, SecondaryKey = *** }";
}

/// <summary>A token for an <see cref="EndpointAuthMode.AmlToken"/> endpoint (ARM <c>EndpointAuthToken</c>).</summary>
/// <param name="AccessToken">The token to send as <c>Authorization: Bearer &lt;token&gt;</c>.</param>
/// <param name="ExpiresOn">When it stops being accepted.</param>
/// <param name="RefreshAfter">When to ask for a new one.</param>
public sealed record EndpointToken(string AccessToken, DateTimeOffset ExpiresOn, DateTimeOffset RefreshAfter)
{
    /// <inheritdoc />
    public override string ToString() => $"EndpointToken {{ ExpiresOn = {ExpiresOn:O} }}";
}

/// <summary>How a deployment handles scoring requests (ARM <c>OnlineRequestSettings</c>).</summary>
public sealed record OnlineRequestSettings
{
    /// <summary>Requests a single instance serves at once; past <c>this × instance count</c> a request is answered 429. Default 1, as in Azure ML.</summary>
    public int MaxConcurrentRequestsPerInstance { get; init; } = 1;

    /// <summary>How long a request may take before it is answered 408 (ARM <c>requestTimeout</c>, ISO 8601 in the spec). Default 5 s, as in Azure ML.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    internal void Validate(string parameterName)
    {
        if (MaxConcurrentRequestsPerInstance < 1)
        {
            throw new InvalidInputException($"MaxConcurrentRequestsPerInstance must be at least 1; got {MaxConcurrentRequestsPerInstance}.", parameterName);
        }
        if (RequestTimeout <= TimeSpan.Zero || RequestTimeout > TimeSpan.FromMinutes(3))
        {
            throw new InvalidInputException($"RequestTimeout must be between 1 ms and 3 minutes (Azure ML's limit is 180 s); got {RequestTimeout}.", parameterName);
        }
    }
}

/// <summary>A liveness or readiness probe (ARM <c>ProbeSettings</c>). The local backend serves <c>/liveness</c> and <c>/readiness</c> and records these settings.</summary>
public sealed record ProbeSettings
{
    /// <summary>Failures tolerated before the deployment is unhealthy. Default 30.</summary>
    public int FailureThreshold { get; init; } = 30;

    /// <summary>Successes needed to be healthy. Default 1.</summary>
    public int SuccessThreshold { get; init; } = 1;

    /// <summary>Delay before the first probe.</summary>
    public TimeSpan? InitialDelay { get; init; }

    /// <summary>Time between probes. Default 10 s.</summary>
    public TimeSpan Period { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Probe timeout. Default 2 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);
}
