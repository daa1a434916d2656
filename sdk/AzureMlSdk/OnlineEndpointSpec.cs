namespace AzureMlSdk;

/// <summary>
/// What an online endpoint should be, for <see cref="Workspace.CreateOrUpdateEndpointAsync"/>: the ARM
/// <c>OnlineEndpoint</c> resource's settable properties.
/// </summary>
public sealed partial class OnlineEndpointSpec
{
    /// <summary>Creates a spec for the endpoint <paramref name="name"/>.</summary>
    /// <param name="name">Endpoint name (Azure ML rule: <c>^[a-zA-Z][a-zA-Z0-9-]{2,31}$</c>).</param>
    public OnlineEndpointSpec(string name)
    {
        Name = Validate.EndpointName(name);
    }

    /// <summary>The endpoint name.</summary>
    public string Name { get; }

    /// <summary>How callers authenticate. Default <see cref="EndpointAuthMode.Key"/>.</summary>
    public EndpointAuthMode AuthMode { get; init; } = EndpointAuthMode.Key;

    /// <summary>Description.</summary>
    public string? Description { get; init; }

    /// <summary>Tags.</summary>
    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    /// <summary>Traffic per deployment in percent (all summing to 100, or all zero); null leaves the current split unchanged.</summary>
    public IReadOnlyDictionary<string, int>? Traffic { get; init; }
}
